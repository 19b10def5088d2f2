import { describe, expect, it } from 'vitest';
import { planLoad, type PlanInput } from '../../src/orchestrator/loading/planner.js';

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
    memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 25.5 * GB } },
    maxLoadedModels: 99,
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
      input({
        model: { name: 'qwen2.5:32b', sizeBytes: 19 * GB },
        loaded: [m('qwen3:8b', 5.7)],
        memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 18 * GB } },
      }),
    );
    expect(p).toMatchObject({
      action: 'load',
      unload: ['qwen3:8b'],
      requiredBytes: 22.8 * GB,
      availableBytes: 18 * GB,
      freedBytes: 5.7 * GB,
    });
    expect(p.availableBytes + p.freedBytes).toBeGreaterThanOrEqual(p.requiredBytes); // 23.7 GB ≥ 22.8 GB
    expect(p.reason).toMatch(/22\.8 GB.*18\.0 GB.*qwen3:8b \(5\.7 GB/);
  });
});

describe('what may be unloaded', () => {
  const tight = { kind: 'cpu' as const, ram: { totalBytes: 32 * GB, availableBytes: 18 * GB } };
  const big = { name: 'qwen2.5:32b', sizeBytes: 19 * GB };

  it('never a pinned model: the plan refuses with the numbers instead', () => {
    const p = planLoad(
      input({ model: big, loaded: [m('qwen3:8b', 5.7)], pinned: new Set(['qwen3:8b']), memory: tight }),
    );
    expect(p.action).toBe('refuse');
    expect(p.unload).toEqual([]);
    expect(p.reason).toMatch(/needs 22\.8 GB.*at most 18\.0 GB can be freed.*qwen3:8b \(5\.7 GB, pinned\) must stay/);
  });

  it('never a model with a request in flight', () => {
    const p = planLoad(
      input({ model: big, loaded: [m('qwen3:8b', 5.7)], inFlight: new Set(['qwen3:8b']), memory: tight }),
    );
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
      input({
        model: { name: 'w:14b', sizeBytes: 10 * GB },
        loaded: [m('a:8b', 8), m('b:3b', 5.5), m('c:3b', 5.5)],
        lastUsed,
        memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 6 * GB } },
      }),
    );
    // needs 12 GB, 6 free: a (8 GB) alone suffices; b + c (11 GB) would too, and were used longer ago
    expect(p.unload).toEqual(['a:8b']);
  });

  it('among equally small sets, the least recently used goes', () => {
    const lastUsed = new Map([
      ['a:7b', NOW - 2 * min],
      ['b:7b', NOW - 20 * min],
    ]);
    const p = planLoad(
      input({
        model: { name: 'w:7b', sizeBytes: 5 * GB },
        loaded: [m('a:7b', 6), m('b:7b', 6)],
        lastUsed,
        memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 2 * GB } },
      }),
    );
    expect(p.unload).toEqual(['b:7b']);
    expect(p.reason).toMatch(/b:7b \(6\.0 GB, idle 20 min\)/);
  });

  it('then the fewest bytes', () => {
    const p = planLoad(
      input({
        model: { name: 'w:7b', sizeBytes: 5 * GB },
        loaded: [m('a:13b', 9), m('b:8b', 7)],
        memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 2 * GB } },
      }),
    );
    expect(p.unload).toEqual(['b:8b']);
  });

  it('the model cheapest to lose goes: a small model idle an hour before a big one used a minute ago', () => {
    const lastUsed = new Map([
      ['big:8b', NOW - 1 * min],
      ['small:1b', NOW - 60 * min],
    ]);
    const p = planLoad(
      input({
        model: { name: 'w:3b', sizeBytes: 2.5 * GB },
        loaded: [m('big:8b', 6), m('small:1b', 2)],
        lastUsed,
        memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 1 * GB } },
      }),
    );
    expect(p.unload).toEqual(['small:1b']);
  });

  it('of models idle alike, the smaller goes: loading it again costs less', () => {
    const lastUsed = new Map([
      ['big:8b', NOW - 2 * min],
      ['small:1b', NOW - 2 * min],
    ]);
    const p = planLoad(
      input({
        model: { name: 'w:3b', sizeBytes: 2 * GB },
        loaded: [m('big:8b', 6), m('small:1b', 2)],
        lastUsed,
        maxLoadedModels: 2,
      }),
    );
    expect(p.unload).toEqual(['small:1b']);
  });

  it('a big model idle for hours goes before a small one just used', () => {
    const lastUsed = new Map([
      ['big:8b', NOW - 120 * min],
      ['small:1b', NOW - 1 * min],
    ]);
    const p = planLoad(
      input({
        model: { name: 'w:3b', sizeBytes: 2 * GB },
        loaded: [m('big:8b', 6), m('small:1b', 2)],
        lastUsed,
        maxLoadedModels: 2,
      }),
    );
    expect(p.unload).toEqual(['big:8b']);
  });

  it('but a small model is unloaded when nothing else frees enough', () => {
    const p = planLoad(
      input({
        model: { name: 'w:3b', sizeBytes: 2.5 * GB },
        loaded: [m('small:1b', 3), m('pinned:8b', 6)],
        pinned: new Set(['pinned:8b']),
        memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 1 * GB } },
      }),
    );
    expect(p.unload).toEqual(['small:1b']);
  });

  it('the budget binds even when RAM is free', () => {
    const p = planLoad(
      input({
        model: { name: 'w:8b', sizeBytes: 5 * GB },
        loaded: [m('a:8b', 5), m('b:8b', 5)],
        policy: { budgetBytes: 12 * GB, safetyMargin: 0.2, bufferBytes: 0, smallModelBytes: 5 * GB },
        memory: { kind: 'cpu', ram: { totalBytes: 64 * GB, availableBytes: 50 * GB } },
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
    expect(p.reason).toMatch(/needs 96\.0 GB \(80\.0 GB \+ 20%\); more than this host allows for one model \(32\.0 GB/);
  });

  it('the KV cache counts when known', () => {
    const p = planLoad(input({ model: { name: 'x', sizeBytes: 10 * GB, kvBytes: 2 * GB } }));
    expect(p.requiredBytes).toBe(14 * GB);
    expect(p.reason).toMatch(/2\.0 GB KV cache/);
  });

  it('an already loaded model needs nothing', () => {
    const p = planLoad(
      input({
        model: { name: 'a:8b', sizeBytes: 5 * GB },
        loaded: [m('a:8b', 5)],
        memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 0 } },
      }),
    );
    expect(p).toMatchObject({ action: 'already_loaded', unload: [] });
  });
});

describe('a GPU host: admission by free VRAM as Ollama does it (80% rule)', () => {
  // 24 GB GPU, 32 GB RAM; sizes in /api/ps are weights + KV, all on the GPU (vram = size).
  const gpu = (freeGb: number) => ({
    kind: 'gpu' as const,
    ram: { totalBytes: 32 * GB, availableBytes: 28 * GB },
    vram: { totalBytes: 24 * GB, freeBytes: freeGb * GB },
  });
  const on = (name: string, gb: number) => m(name, gb, gb);

  it('a model within 80% of free VRAM loads beside the others, nothing unloaded', () => {
    const p = planLoad(
      input({ model: { name: 'q:14b', sizeBytes: 9 * GB }, loaded: [on('a:8b', 6)], memory: gpu(18) }),
    );
    expect(p).toMatchObject({ action: 'load', unload: [], fitsInVram: true });
    expect(p.requiredBytes).toBe(Math.ceil(9 * GB * 1.05));
  });

  it('a 16 GB RAM machine with a 24 GB GPU takes a 14 GB model that a RAM budget would refuse', () => {
    const p = planLoad(
      input({
        model: { name: 'big:22b', sizeBytes: 14 * GB },
        memory: { ...gpu(24), ram: { totalBytes: 16 * GB, availableBytes: 12 * GB } },
        policy: { budgetBytes: 12.8 * GB, safetyMargin: 0.2, bufferBytes: 2 * GB, smallModelBytes: 5 * GB },
      }),
    );
    expect(p).toMatchObject({ action: 'load', unload: [], fitsInVram: true });
  });

  it(
    'short of VRAM, the plan unloads the idle model Ollama would otherwise evict — its own ' +
      'choice, least recently used',
    () => {
      const p = planLoad(
        input({
          model: { name: 'q:14b', sizeBytes: 9 * GB },
          loaded: [on('old:8b', 6), on('new:8b', 6)],
          lastUsed: new Map([
            ['old:8b', NOW - 50 * min],
            ['new:8b', NOW - 1 * min],
          ]),
          memory: gpu(10), // 80% of 10 GB = 8 GB < 9.45 GB needed
        }),
      );
      expect(p).toMatchObject({ action: 'load', unload: ['old:8b'], fitsInVram: true });
      expect(p.reason).toMatch(/80% of free VRAM.*old:8b.*so Ollama evicts nothing itself/);
    },
  );

  it('a pinned model is never chosen; when only it could make room, the plan refuses', () => {
    const p = planLoad(
      input({
        model: { name: 'q:14b', sizeBytes: 9 * GB },
        loaded: [on('pin:8b', 14)],
        pinned: new Set(['pin:8b']),
        memory: gpu(10),
      }),
    );
    expect(p.action).toBe('refuse');
    expect(p.reason).toMatch(/pin:8b \(14\.0 GB, pinned\) must stay/);
  });

  it('a model too big for the GPU runs alone, partly in RAM: every other model goes first', () => {
    const p = planLoad(
      input({
        model: { name: 'huge:70b', sizeBytes: 26 * GB },
        loaded: [on('a:8b', 6), on('b:3b', 2)],
        memory: gpu(16),
      }),
    );
    expect(p).toMatchObject({ action: 'load', fitsInVram: false });
    expect(p.unload.sort()).toEqual(['a:8b', 'b:3b']);
    expect(p.reason).toMatch(/runs alone with .* in RAM/);
  });

  it('…and is refused when its CPU part with the margin cannot fit in RAM (it would swap)', () => {
    const p = planLoad(
      input({
        model: { name: 'huge:70b', sizeBytes: 40 * GB },
        memory: { ...gpu(24), ram: { totalBytes: 16 * GB, availableBytes: 14 * GB } },
      }),
    );
    expect(p.action).toBe('refuse');
    expect(p.reason).toMatch(/CPU part .* is more than this host's RAM allows/);
  });

  it('with nothing else loaded, a model within the GPU loads without any check (Ollama checks only beside others)', () => {
    const p = planLoad(input({ model: { name: 'q:14b', sizeBytes: 9 * GB }, memory: gpu(5) }));
    expect(p).toMatchObject({ action: 'load', unload: [] });
  });
});

describe('the count limit (OLLAMA_MAX_LOADED_MODELS) and parallel slots', () => {
  it('a fourth model with 3 loaded and max 3: the plan unloads one itself, though memory is plenty', () => {
    const p = planLoad(
      input({
        model: { name: 'd:3b', sizeBytes: 2 * GB },
        loaded: [m('a:3b', 2), m('b:3b', 2), m('c:3b', 2)],
        lastUsed: new Map([
          ['a:3b', NOW - 5 * min],
          ['b:3b', NOW - 50 * min],
          ['c:3b', NOW - 1 * min],
        ]),
        maxLoadedModels: 3,
      }),
    );
    expect(p).toMatchObject({ action: 'load', unload: ['b:3b'] });
    expect(p.reason).toMatch(/the host holds at most 3 models; unloading b:3b/);
  });

  it('on a GPU host too', () => {
    const p = planLoad(
      input({
        model: { name: 'd:3b', sizeBytes: 2 * GB },
        loaded: [m('a:3b', 2, 2), m('b:3b', 2, 2)],
        maxLoadedModels: 2,
        memory: { kind: 'gpu', vram: { totalBytes: 24 * GB, freeBytes: 20 * GB } },
      }),
    );
    expect(p.unload).toHaveLength(1);
  });

  it('refuses when every loaded model is pinned or busy and the count is reached', () => {
    const p = planLoad(
      input({
        model: { name: 'd:3b', sizeBytes: 2 * GB },
        loaded: [m('a:3b', 2), m('b:3b', 2)],
        pinned: new Set(['a:3b']),
        inFlight: new Set(['b:3b']),
        maxLoadedModels: 2,
      }),
    );
    expect(p.action).toBe('refuse');
    expect(p.reason).toMatch(/holds at most 2 models; a:3b .*pinned.*b:3b .*busy/);
  });

  it('between otherwise equal choices, the specialist goes and the model that serves more kinds of work stays', () => {
    const p = planLoad(
      input({
        model: { name: 'd:3b', sizeBytes: 2 * GB },
        loaded: [
          { ...m('general:7b', 6), versatility: 4 },
          { ...m('vision:7b', 6), versatility: 1 },
        ],
        maxLoadedModels: 2,
      }),
    );
    expect(p.unload).toEqual(['vision:7b']);
  });

  it('KV for every parallel slot is part of what a model needs', () => {
    const one = planLoad(input({ model: { name: 'a:8b', sizeBytes: 5 * GB, kvBytes: 1 * GB } }));
    const four = planLoad(input({ model: { name: 'a:8b', sizeBytes: 5 * GB, kvBytes: 4 * GB } }));
    expect(four.requiredBytes - one.requiredBytes).toBe(3 * GB);
  });
});

describe('a remote host of unknown capacity', () => {
  it('loads without a memory check, but keeps the count limit', () => {
    const p = planLoad(
      input({
        model: { name: 'b:8b', sizeBytes: 5 * GB },
        loaded: [m('a:8b', 5)],
        memory: { kind: 'unknown' },
        maxLoadedModels: 1,
      }),
    );
    expect(p).toMatchObject({ action: 'load', unload: ['a:8b'] });
  });

  it('after an out-of-memory, never plans that total again', () => {
    const p = planLoad(
      input({
        model: { name: 'b:8b', sizeBytes: 5 * GB },
        loaded: [m('a:8b', 5)],
        memory: { kind: 'unknown', ceilingBytes: 10 * GB },
      }),
    );
    expect(p).toMatchObject({ action: 'load', unload: ['a:8b'] });
  });
});

describe('a model asleep in its engine (a llama-server router with --sleep-idle-seconds)', () => {
  const asleep = (name: string) => ({ name, sizeBytes: 0, vramBytes: 0, asleep: true });

  it('is the first to go when the host holds its most models: not the big loaded one this server never used', () => {
    const p = planLoad(
      input({
        model: { name: 'gamma', sizeBytes: 1 * GB },
        loaded: [m('alpha', 6), asleep('beta')],
        maxLoadedModels: 2,
      }),
    );
    expect(p).toMatchObject({ action: 'load', unload: ['beta'] });
  });

  it('goes first even when it serves more kinds of work than the loaded one', () => {
    const p = planLoad(
      input({
        model: { name: 'gamma', sizeBytes: 1 * GB },
        loaded: [
          { ...m('alpha', 3), versatility: 1 },
          { ...asleep('beta'), versatility: 6 },
        ],
        maxLoadedModels: 2,
      }),
    );
    expect(p.unload).toEqual(['beta']);
  });

  it('frees no memory: when memory is short the loaded model goes, alone (fewest models first)', () => {
    const tight = { kind: 'cpu' as const, ram: { totalBytes: 32 * GB, availableBytes: 2 * GB } };
    const p = planLoad(
      input({ model: { name: 'gamma', sizeBytes: 4 * GB }, loaded: [m('alpha', 6), asleep('beta')], memory: tight }),
    );
    expect(p).toMatchObject({ action: 'load', unload: ['alpha'] });
  });

  it('goes first in the greedy search too (beyond 12 unloadable models), wherever it is listed', () => {
    const bigs = Array.from({ length: 12 }, (_, i) => m(`big-${i}`, 6));
    const lastUsed = new Map(bigs.map((b, i) => [b.name, NOW - (100 - i) * min])); // old, unpinned, idle
    // only the count limit binds
    const roomy = { kind: 'cpu' as const, ram: { totalBytes: 200 * GB, availableBytes: 120 * GB } };
    for (const loaded of [
      [asleep('beta'), ...bigs],
      [...bigs, asleep('beta')],
      [...bigs.slice(0, 6), asleep('beta'), ...bigs.slice(6)],
    ]) {
      const p = planLoad(
        input({
          model: { name: 'gamma', sizeBytes: 1 * GB },
          loaded,
          lastUsed,
          maxLoadedModels: 13,
          memory: roomy,
          policy: { ...input({ model: loaded[0]! }).policy, budgetBytes: 200 * GB },
        }),
      );
      expect(p).toMatchObject({ action: 'load', unload: ['beta'] });
    }
  });

  it('a pinned sleeping model stays, whatever it holds', () => {
    const p = planLoad(
      input({
        model: { name: 'gamma', sizeBytes: 1 * GB },
        loaded: [m('alpha', 3), asleep('beta')],
        pinned: new Set(['beta']),
        maxLoadedModels: 2,
      }),
    );
    expect(p.unload).toEqual(['alpha']);
  });
});

describe('a refusal that only running requests cause', () => {
  const tight = { kind: 'cpu' as const, ram: { totalBytes: 32 * GB, availableBytes: 18 * GB } };
  const big = { name: 'qwen2.5:32b', sizeBytes: 19 * GB };

  it('names the busy models to wait for: once idle, they would make room', () => {
    const p = planLoad(
      input({ model: big, loaded: [m('qwen3:8b', 5.7)], inFlight: new Set(['qwen3:8b']), memory: tight }),
    );
    expect(p).toMatchObject({ action: 'refuse', waitFor: ['qwen3:8b'] });
  });

  it('names none when a pin is what stands in the way: waiting would not help', () => {
    const p = planLoad(
      input({
        model: big,
        loaded: [m('qwen3:8b', 5.7), m('phi3:mini', 2.2)],
        pinned: new Set(['qwen3:8b']),
        inFlight: new Set(['phi3:mini']),
        memory: tight,
      }),
    );
    expect(p.action).toBe('refuse');
    expect(p.waitFor).toBeUndefined();
  });

  it('names only the busy ones of the set that would be enough, the fewest', () => {
    const loaded = [m('a:7b', 6), m('b:7b', 6), m('c:1b', 1)];
    const p = planLoad(input({ model: big, loaded, inFlight: new Set(['a:7b', 'b:7b']), memory: tight }));
    expect(p.action).toBe('refuse');
    expect(p.waitFor).toHaveLength(1);
  });

  it('names none when only a pin together with the busy model would make room', () => {
    const p = planLoad(
      input({
        model: big,
        loaded: [m('pin:3b', 3), m('busy:3b', 3)],
        pinned: new Set(['pin:3b']),
        inFlight: new Set(['busy:3b']),
        memory: tight,
      }),
    );
    expect(p.action).toBe('refuse');
    expect(p.waitFor).toBeUndefined();
  });

  it('of busy models each enough alone, names the one cheapest to lose, as an unload would choose', () => {
    const two = (
      a: { name: string; sizeBytes: number; vramBytes: number },
      b: { name: string; sizeBytes: number; vramBytes: number },
      lastUsed = new Map<string, number>(),
    ) =>
      planLoad(input({ model: big, loaded: [a, b], inFlight: new Set([a.name, b.name]), lastUsed, memory: tight }))
        .waitFor;
    // used a minute ago is likelier wanted again than an hour ago
    expect(
      two(
        m('recent:7b', 6),
        m('old:7b', 6),
        new Map([
          ['recent:7b', NOW - 1 * min],
          ['old:7b', NOW - 60 * min],
        ]),
      ),
    ).toEqual(['old:7b']);
    // never used by this server: a big model before a small one (under 5 GB)
    expect(two(m('small:3b', 4.9), m('big:7b', 6))).toEqual(['big:7b']);
    // neither small (5 GB is not under 5 GB): the fewer bytes
    expect(two(m('big:8b', 6), m('edge:7b', 5))).toEqual(['edge:7b']);
  });

  it('names none for a model that could never fit', () => {
    const p = planLoad(
      input({
        model: { name: 'huge:405b', sizeBytes: 230 * GB },
        loaded: [m('qwen3:8b', 5.7)],
        inFlight: new Set(['qwen3:8b']),
        memory: tight,
      }),
    );
    expect(p.action).toBe('refuse');
    expect(p.waitFor).toBeUndefined();
  });
});
