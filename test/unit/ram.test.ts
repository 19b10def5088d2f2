import { describe, expect, it } from 'vitest';
import { RamMonitor, resolveRamPolicy, type MemorySource } from '../../src/orchestrator/loading/ram.js';

function countingSource(overrides: Partial<MemorySource> = {}) {
  const calls = { memory: 0, gpus: 0 };
  const source: MemorySource = {
    memory: async () => {
      calls.memory++;
      return { totalBytes: 16e9, availableBytes: 10e9 - calls.memory, swapTotalBytes: 2e9, swapUsedBytes: 0 };
    },
    gpus: async () => {
      calls.gpus++;
      return [{ name: 'RTX', vendor: 'NVIDIA', vramTotalBytes: 8e9, vramFreeBytes: 6e9 }];
    },
    ...overrides,
  };
  return { source, calls };
}

describe('RamMonitor', () => {
  it('reuses a reading briefly and shares it between concurrent readers', async () => {
    const { source, calls } = countingSource();
    const ram = new RamMonitor(source, { ttlMs: 10_000 });
    const [a, b] = await Promise.all([ram.read(), ram.read()]);
    await ram.read();
    expect(calls.memory).toBe(1);
    expect(a.availableBytes).toBe(b.availableBytes);
    expect(a.gpus[0]).toMatchObject({ vramTotalBytes: 8e9 });
  });

  it('reads again once the reading is older than its ttl, or when asked for a fresh one', async () => {
    const { source, calls } = countingSource();
    const ram = new RamMonitor(source, { ttlMs: 20 });
    await ram.read();
    await new Promise((r) => setTimeout(r, 40));
    await ram.read();
    expect(calls.memory).toBe(2);
    await ram.read({ fresh: true });
    expect(calls.memory).toBe(3);
    expect(calls.gpus).toBe(1); // GPUs are read far less often
  });

  it(
    'gives the same reading object while both readings are reused, a new one with the new ' +
      'figures after either is read again',
    async () => {
      const { source } = countingSource();
      const ram = new RamMonitor(source, { ttlMs: 10_000, gpuTtlMs: 10_000 });
      const first = await ram.read();
      expect(await ram.read()).toBe(first); // what is worked out from it can be kept (models/overview.ts)
      const fresh = await ram.read({ fresh: true });
      expect(fresh).not.toBe(first);
      expect(fresh.availableBytes).toBe(first.availableBytes - 1);
      expect(await ram.read()).toBe(fresh);
      const gpusAgain = await ram.read({ freshGpus: true });
      expect(gpusAgain).not.toBe(fresh);
      expect(gpusAgain.availableBytes).toBe(fresh.availableBytes);
    },
  );

  it('does not keep a failed reading, and a GPU probe failure means no GPU', async () => {
    let fail = true;
    const { source } = countingSource({
      memory: async () => {
        if (fail) throw new Error('no /proc');
        return { totalBytes: 8e9, availableBytes: 4e9, swapTotalBytes: 0, swapUsedBytes: 0 };
      },
      gpus: async () => {
        throw new Error('lspci missing');
      },
    });
    const ram = new RamMonitor(source, { ttlMs: 10_000 });
    await expect(ram.read()).rejects.toThrow('no /proc');
    fail = false;
    const r = await ram.read();
    expect(r.availableBytes).toBe(4e9);
    expect(r.gpus).toEqual([]);
  });

  it('reads this machine for real: available is at most total', async () => {
    const r = await new RamMonitor().read();
    expect(r.totalBytes).toBeGreaterThan(0);
    expect(r.availableBytes).toBeGreaterThan(0);
    expect(r.availableBytes).toBeLessThanOrEqual(r.totalBytes);
    expect(r.swapUsedBytes).toBeLessThanOrEqual(r.swapTotalBytes);
  });

  it('resolves a percentage budget against total RAM', () => {
    const policy = resolveRamPolicy(
      { budget: { kind: 'percent', percent: 75 }, safetyMargin: 0.2, bufferBytes: 2e9, smallModelBytes: 5e9 },
      { totalBytes: 16e9 },
    );
    expect(policy.budgetBytes).toBe(12e9);
  });
});
