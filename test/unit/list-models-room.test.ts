/**
 * list_models' free memory (issue 54, finding 10: "-1 B free"): a positive figure in bytes; none
 * free said with its cause (past the budget, RAM under the buffer, all in use); an unknown figure
 * as unknown — never a negative amount or -1 printed as bytes.
 */
import { describe, expect, it } from 'vitest';
import { roomText } from '../../src/presenting/room.js';

const cpu = (over: Partial<Parameters<typeof roomText>[0]>) =>
  roomText({
    headroomBytes: 0,
    budgetBytes: 8e9,
    loadedBytes: 0,
    availableBytes: 12e9,
    bufferBytes: 1e9,
    host: { kind: 'cpu' },
    ...over,
  });

describe('roomText', () => {
  it('positive: the figure and the budget', () => {
    expect(cpu({ headroomBytes: 3.5e9, loadedBytes: 4.5e9 })).toBe('3.5 GB free for models now (budget 8.0 GB)');
    expect(
      roomText({
        headroomBytes: 6e9,
        budgetBytes: 0,
        loadedBytes: 0,
        availableBytes: 0,
        bufferBytes: 0,
        host: { kind: 'gpu' },
      }),
    ).toBe('6.0 GB of VRAM free for one more model');
  });

  it('over budget: none free, by how much', () => {
    const text = cpu({ headroomBytes: 0, loadedBytes: 9.2e9 });
    expect(text).toBe('none free for models now (1.2 GB over budget: 9.2 GB loaded, budget 8.0 GB)');
    expect(text).not.toMatch(/-\d|-1 B/);
  });

  it('zero: none free, because the RAM available is under the buffer, or the budget is all in use', () => {
    expect(cpu({ headroomBytes: 0, loadedBytes: 2e9, availableBytes: 0.5e9 })).toBe(
      'none free for models now (500.0 MB of RAM available, under the 1.0 GB kept free)',
    );
    expect(cpu({ headroomBytes: 0, loadedBytes: 8e9 })).toBe(
      'none free for models now (budget 8.0 GB, all of it in use)',
    );
    expect(
      roomText({
        headroomBytes: 0,
        budgetBytes: 0,
        loadedBytes: 0,
        availableBytes: 0,
        bufferBytes: 0,
        host: { kind: 'gpu' },
      }),
    ).toBe('no VRAM free for one more model');
  });

  it('unknown (-1): said so, never as bytes', () => {
    expect(cpu({ headroomBytes: -1 })).toBe('the memory free for models now is unknown (budget 8.0 GB)');
    expect(
      roomText({
        headroomBytes: -1,
        budgetBytes: 0,
        loadedBytes: 0,
        availableBytes: 0,
        bufferBytes: 0,
        host: { kind: 'gpu' },
      }),
    ).toBe('the VRAM free for one more model is unknown');
    expect(
      roomText({
        headroomBytes: -1,
        budgetBytes: 0,
        loadedBytes: 0,
        availableBytes: 0,
        bufferBytes: 0,
        host: { kind: 'unknown' },
      }),
    ).toBe('its memory is unknown (set ollama.capacity)');
  });
});
