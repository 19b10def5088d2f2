import { describe, expect, it } from 'vitest';
import { planLoad, type PlanInput } from '../../src/orchestrator/planner.js';

const GB = 1e9;
const NOW = 1_800_000_000_000;
const min = 60_000;

/** Seed 004's machine: 32 GB, no buffer, 20% margin, small models under 5 GB. */
function input(over: Partial<PlanInput> & Pick<PlanInput, 'model'>): PlanInput {
  return {
    loaded: [],
    pinned: new Set(),
    inFlight: new Set(),
    lastUsed: new Map(),
    memory: { totalBytes: 32 * GB, availableBytes: 25.5 * GB },
    policy: { budgetBytes: 32 * GB, safetyMargin: 0.2, bufferBytes: 0, smallModelBytes: 5 * GB },
    now: NOW,
    ...over,
  };
}

const m = (name: string, gb: number, vramGb = 0) => ({ name, sizeBytes: gb * GB, vramBytes: vramGb * GB });

describe("seed 004's three scenarios, with its numbers", () => {
  it('1: a small model (1.4 GB) needs 1.68 GB of 25.5 GB available — nothing is unloaded', () => {
    const p = planLoad(input({ model: { name: 'qwen3:1.7b', sizeBytes: 1.4 * GB } }));
    expect(p).toMatchObject({ action: 'load', unload: [], availableBytes: 25.5 * GB });
    expect(p.requiredBytes).toBe(Math.ceil(1.68 * GB));
  });

  it('2: qwen2.5:14b (9.0 GB) needs 10.8 GB, 25.5 GB available — qwen3:1.7b stays loaded', () => {
    const p = planLoad(input({ model: { name: 'qwen2.5:14b', sizeBytes: 9 * GB }, loaded: [m('qwen3:1.7b', 2)] }));
    expect(p).toMatchObject({ action: 'load', unload: [], requiredBytes: 10.8 * GB });
  });

  it('3: qwen2.5:32b (19.0 GB) needs 22.8 GB, only 18.0 GB available — qwen3:8b (5.7 GB) is unloaded', () => {
    const p = planLoad(
      input({ model: { name: 'qwen2.5:32b', sizeBytes: 19 * GB }, loaded: [m('qwen3:8b', 5.7)], memory: { totalBytes: 32 * GB, availableBytes: 18 * GB } }),
    );
    expect(p).toMatchObject({ action: 'load', unload: ['qwen3:8b'], requiredBytes: 22.8 * GB, availableBytes: 18 * GB, freedBytes: 5.7 * GB });
    expect(p.availableBytes + p.freedBytes).toBeGreaterThanOrEqual(p.requiredBytes); // 23.7 GB ≥ 22.8 GB
    expect(p.reason).toMatch(/22\.8 GB.*18\.0 GB.*qwen3:8b \(5\.7 GB/);
  });
});

describe('what may be unloaded', () => {
  const tight = { totalBytes: 32 * GB, availableBytes: 18 * GB };
  const big = { name: 'qwen2.5:32b', sizeBytes: 19 * GB };

  it('never a pinned model: the plan refuses with the numbers instead', () => {
    const p = planLoad(input({ model: big, loaded: [m('qwen3:8b', 5.7)], pinned: new Set(['qwen3:8b']), memory: tight }));
    expect(p.action).toBe('refuse');
    expect(p.unload).toEqual([]);
    expect(p.reason).toMatch(/needs 22\.8 GB.*at most 18\.0 GB can be freed.*qwen3:8b \(5\.7 GB, pinned\) must stay/);
  });

  it('never a model with a request in flight', () => {
    const p = planLoad(input({ model: big, loaded: [m('qwen3:8b', 5.7)], inFlight: new Set(['qwen3:8b']), memory: tight }));
    expect(p.action).toBe('refuse');
    expect(p.reason).toMatch(/busy/);
  });

  it('the smallest sufficient set: one model that suffices, not several (and never everything)', () => {
    const lastUsed = new Map([
      ['a:8b', NOW - 1 * min],
      ['b:3b', NOW - 30 * min],
      ['c:3b', NOW - 40 * min],
    ]);
    const p = planLoad(
      input({ model: { name: 'w:14b', sizeBytes: 10 * GB }, loaded: [m('a:8b', 8), m('b:3b', 5.5), m('c:3b', 5.5)], lastUsed, memory: { totalBytes: 32 * GB, availableBytes: 6 * GB } }),
    );
    // needs 12 GB, 6 free: a (8 GB) alone suffices; b + c (11 GB) would too, and were used longer ago
    expect(p.unload).toEqual(['a:8b']);
  });

  it('among equally small sets, the least recently used goes', () => {
    const lastUsed = new Map([
      ['a:7b', NOW - 2 * min],
      ['b:7b', NOW - 20 * min],
    ]);
    const p = planLoad(input({ model: { name: 'w:7b', sizeBytes: 5 * GB }, loaded: [m('a:7b', 6), m('b:7b', 6)], lastUsed, memory: { totalBytes: 32 * GB, availableBytes: 2 * GB } }));
    expect(p.unload).toEqual(['b:7b']);
    expect(p.reason).toMatch(/b:7b \(6\.0 GB, idle 20 min\)/);
  });

  it('then the fewest bytes', () => {
    const p = planLoad(input({ model: { name: 'w:7b', sizeBytes: 5 * GB }, loaded: [m('a:13b', 9), m('b:8b', 7)], memory: { totalBytes: 32 * GB, availableBytes: 2 * GB } }));
    expect(p.unload).toEqual(['b:8b']);
  });

  it('small models go last (a preference): a bigger idle model goes first even if the small one is older', () => {
    const lastUsed = new Map([
      ['big:8b', NOW - 1 * min],
      ['small:1b', NOW - 60 * min],
    ]);
    const p = planLoad(input({ model: { name: 'w:3b', sizeBytes: 2.5 * GB }, loaded: [m('big:8b', 6), m('small:1b', 2)], lastUsed, memory: { totalBytes: 32 * GB, availableBytes: 1 * GB } }));
    expect(p.unload).toEqual(['big:8b']);
  });

  it('but a small model is unloaded when nothing else frees enough', () => {
    const p = planLoad(input({ model: { name: 'w:3b', sizeBytes: 2.5 * GB }, loaded: [m('small:1b', 3), m('pinned:8b', 6)], pinned: new Set(['pinned:8b']), memory: { totalBytes: 32 * GB, availableBytes: 1 * GB } }));
    expect(p.unload).toEqual(['small:1b']);
  });

  it('the budget binds even when RAM is free', () => {
    const p = planLoad(
      input({
        model: { name: 'w:8b', sizeBytes: 5 * GB },
        loaded: [m('a:8b', 5), m('b:8b', 5)],
        policy: { budgetBytes: 12 * GB, safetyMargin: 0.2, bufferBytes: 0, smallModelBytes: 5 * GB },
        memory: { totalBytes: 64 * GB, availableBytes: 50 * GB },
      }),
    );
    expect(p.availableBytes).toBe(2 * GB);
    expect(p.unload).toHaveLength(1);
  });
});

describe('refusals and trivial cases', () => {
  it('a model bigger than the budget is refused with the numbers', () => {
    const p = planLoad(input({ model: { name: 'mixtral:8x22b', sizeBytes: 80 * GB } }));
    expect(p.action).toBe('refuse');
    expect(p.reason).toMatch(/needs 96\.0 GB \(80\.0 GB \+ 20%\), more than this machine allows for one model \(32\.0 GB/);
  });

  it('the KV cache counts when known', () => {
    const p = planLoad(input({ model: { name: 'x', sizeBytes: 10 * GB, kvBytes: 2 * GB } }));
    expect(p.requiredBytes).toBe(14 * GB);
    expect(p.reason).toMatch(/2\.0 GB KV cache/);
  });

  it('an already loaded model needs nothing', () => {
    const p = planLoad(input({ model: { name: 'a:8b', sizeBytes: 5 * GB }, loaded: [m('a:8b', 5)], memory: { totalBytes: 32 * GB, availableBytes: 0 } }));
    expect(p).toMatchObject({ action: 'already_loaded', unload: [] });
  });
});

describe('VRAM preference', () => {
  const gpuInput = (gpu?: { vramTotalBytes: number; vramFreeBytes: number }) =>
    input({
      model: { name: 'w:7b', sizeBytes: 4 * GB },
      loaded: [m('ongpu:3b', 3, 3), m('oncpu:3b', 3, 0)],
      lastUsed: new Map([
        ['ongpu:3b', NOW - 1 * min],
        ['oncpu:3b', NOW - 50 * min],
      ]),
      memory: { totalBytes: 32 * GB, availableBytes: 20 * GB, ...(gpu && { gpu }) },
    });

  it('with a GPU, unloads the idle model holding VRAM so the new one sits entirely on the GPU', () => {
    const p = planLoad(gpuInput({ vramTotalBytes: 8 * GB, vramFreeBytes: 2 * GB }));
    expect(p.unload).toEqual(['ongpu:3b']);
    expect(p.fitsInVram).toBe(true);
    expect(p.reason).toMatch(/not in free VRAM/);
  });

  it('without a GPU, nothing is unloaded when RAM suffices', () => {
    const p = planLoad(gpuInput());
    expect(p.unload).toEqual([]);
    expect(p.fitsInVram).toBeUndefined();
  });

  it('a model larger than the VRAM is not worth unloading for', () => {
    const p = planLoad({ ...gpuInput({ vramTotalBytes: 4 * GB, vramFreeBytes: 1 * GB }) });
    expect(p.unload).toEqual([]);
    expect(p.fitsInVram).toBe(false);
  });
});
