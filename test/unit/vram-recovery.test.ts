/**
 * After unloads on a GPU host read by its configured capacity (nothing to poll): one recovery
 * period once /api/ps shows every unloaded model gone, whatever their number — Ollama drops
 * expired models from its list one at a time, each after the memory of the one before recovered
 * (server/sched.go), so only the last one's is still coming back. A wait per model made a swap of
 * two for one cost a second more than the engine's own.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settingsSchema } from '../../src/orchestrator/config/index.js';
import { HostMemoryModel } from '../../src/orchestrator/loading/host-memory.js';
import { RamMonitor } from '../../src/orchestrator/loading/ram.js';

const settings = settingsSchema.parse({
  ollama: { host: 'http://gpubox:11434', capacity: { ram: '32GB', vram: '24GiB' } },
});

describe('the wait for GPU memory after unloads, on a host read by its settings', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  async function waited(unloaded: number): Promise<number> {
    const memory = new HostMemoryModel('http://gpubox:11434', settings, new RamMonitor());
    expect(memory.local).toBe(false);
    let done = false;
    const wait = memory.waitForVram([], unloaded).then(() => (done = true));
    let ms = 0;
    while (!done && ms < 10_000) {
      await vi.advanceTimersByTimeAsync(50);
      ms += 50;
    }
    await wait;
    return ms;
  }

  it.each([1, 2, 3])('is one recovery period (1 s) for %i models unloaded', async (n) => {
    expect(await waited(n)).toBe(1000);
  });

  it('is nothing when nothing was unloaded', async () => {
    expect(await waited(0)).toBe(50); // resolved within the first step
  });
});
