// Other clients' requests on an engine (fleet/others-load.ts), the edges the placement tests leave:
// no slots key when the engine gives none, and a count that adds what runs and what waits.
import { describe, expect, it } from 'vitest';
import { othersCount, othersOn, slotsFull } from '../../src/orchestrator/fleet/others-load.js';

describe('othersOn', () => {
  it('carries the engine slot count only when the engine says it', () => {
    expect(othersOn({ running: 3, waiting: 0 }, 'm', { onModel: 1, onHost: 1 })).toStrictEqual({
      running: 2,
      waiting: 0,
    });
    expect(othersOn({ running: 3, waiting: 0, slots: 4 }, 'm', { onModel: 1, onHost: 1 })).toStrictEqual({
      running: 2,
      waiting: 0,
      slots: 4,
    });
  });
});

describe('othersCount', () => {
  it('adds what runs and what waits', () => {
    expect(othersCount({ running: 3, waiting: 2 })).toBe(5);
    expect(othersCount({ running: 0, waiting: 4 })).toBe(4);
  });

  it('decides a full copy by both: two running and one waiting of others with one of ours fill four slots', () => {
    expect(slotsFull(1, { running: 2, waiting: 0, slots: 4 }, 1)).toBe(false);
    expect(slotsFull(1, { running: 3, waiting: 0, slots: 4 }, 1)).toBe(true);
  });
});
