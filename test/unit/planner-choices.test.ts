/**
 * Which models the planner chooses to unload, and the exact words of its plans: the greedy search
 * beyond 12 candidates, each tie-break between sufficient sets in turn, the idle times it reports,
 * what may be freed with and without a GPU, and every refusal and load reason.
 */
import { describe, expect, it } from 'vitest';
import { planLoad, type LoadedModelState, type PlanInput } from '../../src/orchestrator/loading/planner.js';

const GB = 1e9;
const NOW = 1_800_000_000_000;
const sec = 1_000;
const min = 60_000;

/** A 100 GB CPU host with nothing available unless said: every byte the model needs must be freed. */
function input(over: Partial<PlanInput> & Pick<PlanInput, 'model'>): PlanInput {
  return {
    loaded: [],
    pinned: new Set(),
    inFlight: new Set(),
    lastUsed: new Map(),
    memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 0 } },
    maxLoadedModels: 99,
    policy: { budgetBytes: 100 * GB, safetyMargin: 0, bufferBytes: 0, smallModelBytes: 5 * GB },
    now: NOW,
    ...over,
  };
}

const m = (name: string, gb: number, vramGb = 0): LoadedModelState => ({
  name,
  sizeBytes: gb * GB,
  vramBytes: vramGb * GB,
});
/** Idle for `ms` at NOW. */
const idle = (entries: [string, number][]) => new Map(entries.map(([name, ms]) => [name, NOW - ms]));
const names = (ms: LoadedModelState[]) => ms.map((x) => x.name);

describe('beyond 12 unloadable models the search turns greedy', () => {
  // Needs 6 GB with none free: fresh:14b alone frees enough; so do any two of the old 5.5 GB models.
  const model = { name: 'w:8b', sizeBytes: 6 * GB };
  const olds = (n: number) => Array.from({ length: n }, (_, i) => m(`old-${60 - i}`, 5.5));
  const lastUsed = (n: number) =>
    idle([['fresh:14b', 1 * min], ...olds(n).map((o, i): [string, number] => [o.name, (60 - i) * min])]);

  it('with exactly 12 the search is exhaustive: the one model that frees enough goes', () => {
    const loaded = [m('fresh:14b', 10), ...olds(11)];
    expect(planLoad(input({ model, loaded, lastUsed: lastUsed(11) }))).toStrictEqual({
      model: 'w:8b',
      action: 'load',
      unload: ['fresh:14b'],
      requiredBytes: 6 * GB,
      availableBytes: 0,
      freedBytes: 10 * GB,
      obtainableBytes: 70.5 * GB,
      reason:
        'Needs 6.0 GB (6.0 GB + 0%), but only 0 B is free for models; unloading fresh:14b (10.0 GB, ' +
        'idle 1 min) first, so Ollama evicts nothing itself.',
    });
  });

  it('with 13 it takes the shortest sufficient prefix in preference order: the two oldest big models', () => {
    const loaded = [m('fresh:14b', 10), ...olds(12)];
    expect(planLoad(input({ model, loaded, lastUsed: lastUsed(12) }))).toStrictEqual({
      model: 'w:8b',
      action: 'load',
      unload: ['old-60', 'old-59'],
      requiredBytes: 6 * GB,
      availableBytes: 0,
      freedBytes: 11 * GB,
      obtainableBytes: 76 * GB,
      reason:
        'Needs 6.0 GB (6.0 GB + 0%), but only 0 B is free for models; unloading old-60 (5.5 GB, ' +
        'idle 60 min), old-59 (5.5 GB, idle 59 min) first, so Ollama evicts nothing itself.',
    });
  });

  it(
    'the greedy order: big before small, then oldest first (never used first), then larger ' +
      'first — and the prefix of all of them',
    () => {
      // 13 models, listed out of order; a model of exactly smallModelBytes (edge, 5 GB) is not small.
      const loaded = [
        m('s-new', 1),
        m('b-mid-b', 6),
        m('s-never', 2),
        m('b-new', 10),
        m('n-7', 7),
        m('s-mid', 2),
        m('edge', 5),
        m('s-old', 3),
        m('b-mid-a', 8),
        m('s-never-b', 4),
        m('b-old', 6),
        m('n-9', 9),
        m('s-mid-b', 4),
      ];
      const lastUsed = idle([
        ['s-new', 2 * min],
        ['b-mid-b', 30 * min],
        ['b-new', 1 * min],
        ['s-mid', 30 * min],
        ['edge', 200 * min],
        ['s-old', 120 * min],
        ['b-mid-a', 30 * min],
        ['b-old', 90 * min],
        ['s-mid-b', 30 * min],
      ]);
      // 67 GB in all: everything must go
      const p = planLoad(input({ model: { name: 'huge', sizeBytes: 67 * GB }, loaded, lastUsed }));
      expect(p.unload).toEqual([
        'n-9',
        'n-7',
        'edge',
        'b-old',
        'b-mid-a',
        'b-mid-b',
        'b-new',
        's-never-b',
        's-never',
        's-old',
        's-mid-b',
        's-mid',
        's-new',
      ]);
      expect(p).toStrictEqual({
        model: 'huge',
        action: 'load',
        unload: p.unload,
        requiredBytes: 67 * GB,
        availableBytes: 0,
        freedBytes: 67 * GB,
        obtainableBytes: 67 * GB,
        reason:
          'Needs 67.0 GB (67.0 GB + 0%), but only 0 B is free for models; unloading n-9 (9.0 GB, not ' +
          'used by ollm-mcp), n-7 (7.0 GB, not used by ollm-mcp), edge (5.0 GB, idle 200 min), b-old ' +
          '(6.0 GB, idle 90 min), b-mid-a (8.0 GB, idle 30 min), b-mid-b (6.0 GB, idle 30 min), b-new ' +
          '(10.0 GB, idle 1 min), s-never-b (4.0 GB, not used by ollm-mcp), s-never (2.0 GB, not used ' +
          'by ollm-mcp), s-old (3.0 GB, idle 120 min), s-mid-b (4.0 GB, idle 30 min), s-mid (2.0 GB, ' +
          'idle 30 min), s-new (1.0 GB, idle 2 min) first, so Ollama evicts nothing itself.',
      });
    },
  );

  it('when even all of them are not enough, it refuses with what could be freed', () => {
    const loaded = [m('fresh:14b', 10), ...olds(12)];
    const p = planLoad(input({ model: { name: 'w:70b', sizeBytes: 77 * GB }, loaded, lastUsed: lastUsed(12) }));
    expect(p).toStrictEqual({
      model: 'w:70b',
      action: 'refuse',
      unload: [],
      requiredBytes: 77 * GB,
      availableBytes: 0,
      freedBytes: 0,
      obtainableBytes: 76 * GB,
      reason: 'w:70b needs 77.0 GB (77.0 GB + 0%); at most 76.0 GB can be freed for it.',
    });
  });
});

describe('between sufficient sets, each preference in turn', () => {
  it('first the fewest models, though the one model was used a minute ago and the two others an hour ago', () => {
    const loaded = [m('b:3b', 3), m('c:3b', 3), m('a:8b', 8)];
    const lastUsed = idle([
      ['a:8b', 1 * min],
      ['b:3b', 60 * min],
      ['c:3b', 60 * min],
    ]);
    const p = planLoad(input({ model: { name: 'w:7b', sizeBytes: 6 * GB }, loaded, lastUsed }));
    expect(p.unload).toEqual(['a:8b']);
  });

  describe('then the least expected reload cost: its bytes, halved by every REUSE_HALF_MS (10 min) idle', () => {
    // x (12 GB, idle exactly 10 min) counts 6 GB; y just used counts all its bytes.
    const plan = (yGb: number) =>
      planLoad(
        input({
          model: { name: 'w:3b', sizeBytes: 4 * GB },
          loaded: [m('x:14b', 12), m('y:8b', yGb)],
          lastUsed: idle([
            ['x:14b', 10 * min],
            ['y:8b', 0],
          ]),
        }),
      );

    it('a just-used model of 5.9 GB costs less than 12 GB idle 10 min (6 GB): it goes', () => {
      expect(plan(5.9).unload).toEqual(['y:8b']);
    });

    it('at 6.1 GB it costs more: the idle one goes', () => {
      expect(plan(6.1).unload).toEqual(['x:14b']);
    });

    it('at 6 GB they cost the same and the least recently used goes, though it frees more', () => {
      expect(plan(6)).toStrictEqual({
        model: 'w:3b',
        action: 'load',
        unload: ['x:14b'],
        requiredBytes: 4 * GB,
        availableBytes: 0,
        freedBytes: 12 * GB,
        obtainableBytes: 18 * GB,
        reason:
          'Needs 4.0 GB (4.0 GB + 0%), but only 0 B is free for models; unloading x:14b (12.0 GB, ' +
          'idle 10 min) first, so Ollama evicts nothing itself.',
      });
    });

    it(
      'a model this server never used costs nothing to lose, however big: the specialist goes ' +
        'before a versatile one',
      () => {
        const loaded = [
          { ...m('general:7b', 5), versatility: 3 },
          { ...m('vision:70b', 40), versatility: 1 },
        ];
        expect(planLoad(input({ model: { name: 'w:3b', sizeBytes: 4 * GB }, loaded })).unload).toEqual(['vision:70b']);
      },
    );
  });

  describe(
    'then fewer small models: of two never used, the 5 GB model (smallModelBytes exactly, not ' +
      'small) goes before a 4 GB one',
    () => {
      it.each([
        ['small first', [m('small:3b', 4), m('edge:7b', 5)]],
        ['small last', [m('edge:7b', 5), m('small:3b', 4)]],
      ])('%s', (_, loaded) => {
        const p = planLoad(input({ model: { name: 'w:3b', sizeBytes: 4 * GB }, loaded }));
        expect(p.unload).toEqual(['edge:7b']);
      });

      it('and nothing is small below smallModelBytes 0: the smaller one goes then', () => {
        const p = planLoad(
          input({
            model: { name: 'w:3b', sizeBytes: 4 * GB },
            loaded: [m('edge:7b', 5), m('small:3b', 4)],
            policy: { budgetBytes: 100 * GB, safetyMargin: 0, bufferBytes: 0, smallModelBytes: 0 },
          }),
        );
        expect(p.unload).toEqual(['small:3b']);
      });
    },
  );

  it('then less versatility: the specialist goes', () => {
    const loaded = [
      { ...m('general:7b', 6), versatility: 4 },
      { ...m('vision:7b', 6), versatility: 1 },
      { ...m('code:7b', 6), versatility: 2 },
    ];
    expect(planLoad(input({ model: { name: 'w:3b', sizeBytes: 4 * GB }, loaded })).unload).toEqual(['vision:7b']);
  });

  describe('then the set whose most recent use is oldest, compared from the most recent down', () => {
    // Reload costs: p 1 GB (just used), q 1.5 GB (3 GB idle 10 min), r 2.5 GB (10 GB idle 30 min), s 3 GB (24
    // GB idle 70 min).
    // Two must go (count limit) freeing 12 GB: {q, r} and {p, s} both cost 4 GB, every other sufficient pair more.
    const lastUsed = idle([
      ['p', 0],
      ['q', 10 * min],
      ['r', 30 * min],
      ['s', 70 * min],
    ]);
    it.each([
      ['s, r, q, p', [m('s', 24), m('r', 10), m('q', 3), m('p', 1)], ['r', 'q']],
      ['p, q, r, s', [m('p', 1), m('q', 3), m('r', 10), m('s', 24)], ['q', 'r']],
    ])(
      'listed %s: {q, r} goes (last used 10 min ago), not {p, s} (just used), though s is the oldest of all',
      (_, loaded, unload) => {
        const p = planLoad(
          input({ model: { name: 'w:13b', sizeBytes: 12 * GB }, loaded, lastUsed, maxLoadedModels: 3 }),
        );
        expect(p.unload).toEqual(unload);
        expect(p.freedBytes).toBe(13 * GB);
      },
    );

    // q (2 GB idle 10 min) costs 1 GB; r (8 GB idle 30 min) and s (16 GB idle 70 min) 2 GB each: {q, r} and {q, s} tie.
    it.each([
      ['q, r, s', [m('q', 2), m('r', 8), m('s', 16)], ['q', 's']],
      ['s, r, q', [m('s', 16), m('r', 8), m('q', 2)], ['s', 'q']],
    ])(
      'listed %s: with the most recent alike (q), the next decides — {q, s}, though it frees more',
      (_, loaded, unload) => {
        const p = planLoad(
          input({
            model: { name: 'w:3b', sizeBytes: 2 * GB },
            loaded,
            lastUsed: idle([
              ['q', 10 * min],
              ['r', 30 * min],
              ['s', 70 * min],
            ]),
            maxLoadedModels: 2,
            memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 80 * GB } },
          }),
        );
        expect(p).toStrictEqual({
          model: 'w:3b',
          action: 'load',
          unload,
          requiredBytes: 2 * GB,
          availableBytes: 74 * GB,
          freedBytes: 18 * GB,
          obtainableBytes: 100 * GB,
          reason:
            `Needs 2.0 GB (2.0 GB + 0%), but the host holds at most 2 models; unloading ` +
            `${unload.map((n) => (n === 'q' ? 'q (2.0 GB, idle 10 min)' : 's (16.0 GB, idle 70 min)')).join(', ')} ` +
            `first, so Ollama evicts nothing itself.`,
        });
      },
    );
  });

  it('last, the fewest bytes', () => {
    const p = planLoad(
      input({ model: { name: 'w:3b', sizeBytes: 4 * GB }, loaded: [m('a:13b', 9), m('b:8b', 7), m('c:13b', 9)] }),
    );
    expect(p.unload).toEqual(['b:8b']);
  });
});

describe('how long each model has been idle, in the reason', () => {
  it('never used, under 30 s, 30 s (rounds to 1 min), 89.999 s, 90 s (rounds to 2 min), 3 min', () => {
    const loaded = [m('never', 2), m('a', 2), m('b', 2), m('c', 2), m('d', 2), m('e', 2)];
    const lastUsed = idle([
      ['a', 29_999],
      ['b', 30 * sec],
      ['c', 89_999],
      ['d', 90 * sec],
      ['e', 3 * min],
    ]);
    const p = planLoad(input({ model: { name: 'w:14b', sizeBytes: 12 * GB }, loaded, lastUsed }));
    expect(p.unload).toEqual(names(loaded));
    expect(p.reason).toBe(
      'Needs 12.0 GB (12.0 GB + 0%), but only 0 B is free for models; unloading never (2.0 GB, ' +
        'not used by ollm-mcp), a (2.0 GB, idle under a minute), b (2.0 GB, idle 1 min), c (2.0 GB, ' +
        'idle 1 min), d (2.0 GB, idle 2 min), e (2.0 GB, idle 3 min) first, so Ollama evicts ' +
        'nothing itself.',
    );
  });
});

describe('what may be freed, and what never is', () => {
  it(
    'on a GPU host, the VRAM of what may go (a partly offloaded model frees its VRAM part ' +
      'there); one model to unload is not the count limit',
    () => {
      const gpu = {
        kind: 'gpu' as const,
        ram: { totalBytes: 32 * GB, availableBytes: 20 * GB },
        vram: { totalBytes: 24 * GB, freeBytes: 4 * GB },
      };
      const p = planLoad(
        input({ model: { name: 'q:14b', sizeBytes: 10 * GB }, loaded: [m('part:70b', 30, 20)], memory: gpu }),
      );
      expect(p).toStrictEqual({
        model: 'q:14b',
        action: 'load',
        unload: ['part:70b'],
        requiredBytes: 10.5 * GB,
        availableBytes: 3.2 * GB,
        freedBytes: 30 * GB,
        obtainableBytes: 23.2 * GB,
        fitsInVram: true,
        reason:
          'Needs 10.5 GB of VRAM (10.0 GB + 5% for buffers), but only 3.2 GB is free (80% of free ' +
          'VRAM); unloading part:70b (30.0 GB, not used by ollm-mcp) first, so Ollama evicts nothing itself.',
      });
    },
  );

  it('on a CPU host, their whole size', () => {
    const p = planLoad(
      input({
        model: { name: 'w:14b', sizeBytes: 12 * GB },
        loaded: [m('a:8b', 6), m('b:8b', 5)],
        memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 3 * GB } },
      }),
    );
    expect(p).toStrictEqual({
      model: 'w:14b',
      action: 'load',
      unload: ['a:8b', 'b:8b'],
      requiredBytes: 12 * GB,
      availableBytes: 3 * GB,
      freedBytes: 11 * GB,
      obtainableBytes: 14 * GB,
      reason:
        'Needs 12.0 GB (12.0 GB + 0%), but only 3.0 GB is free for models; unloading a:8b (6.0 GB, ' +
        'not used by ollm-mcp), b:8b (5.0 GB, not used by ollm-mcp) first, so Ollama evicts nothing itself.',
    });
  });

  it('a pinned model and one with a request in flight stay, though they are the oldest; the others go', () => {
    const loaded = [m('pin:8b', 6), m('busy:8b', 6), m('a:3b', 3), m('b:3b', 3)];
    const lastUsed = idle([
      ['pin:8b', 300 * min],
      ['busy:8b', 300 * min],
      ['a:3b', 2 * min],
      ['b:3b', 3 * min],
    ]);
    const p = planLoad(
      input({
        model: { name: 'w:7b', sizeBytes: 5 * GB },
        loaded,
        lastUsed,
        pinned: new Set(['pin:8b']),
        inFlight: new Set(['busy:8b']),
      }),
    );
    expect(p).toStrictEqual({
      model: 'w:7b',
      action: 'load',
      unload: ['a:3b', 'b:3b'],
      requiredBytes: 5 * GB,
      availableBytes: 0,
      freedBytes: 6 * GB,
      obtainableBytes: 6 * GB,
      reason:
        'Needs 5.0 GB (5.0 GB + 0%), but only 0 B is free for models; unloading a:3b (3.0 GB, idle ' +
        '2 min), b:3b (3.0 GB, idle 3 min) first, so Ollama evicts nothing itself.',
    });
  });

  it('an already loaded model: nothing to do, and what could be freed does not count itself', () => {
    const p = planLoad(
      input({
        model: { name: 'a:8b', sizeBytes: 5 * GB },
        loaded: [m('a:8b', 5), m('b:3b', 2)],
        memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 10 * GB } },
      }),
    );
    expect(p).toStrictEqual({
      model: 'a:8b',
      action: 'already_loaded',
      unload: [],
      requiredBytes: 5 * GB,
      availableBytes: 10 * GB,
      freedBytes: 0,
      obtainableBytes: 12 * GB,
      reason: 'a:8b is already loaded.',
    });
  });

  it('room below zero (more loaded than the budget) is shown as 0, never negative', () => {
    const p = planLoad(
      input({
        model: { name: 'w:1b', sizeBytes: 1 * GB },
        loaded: [m('a:14b', 12)],
        policy: { budgetBytes: 10 * GB, safetyMargin: 0, bufferBytes: 0, smallModelBytes: 5 * GB },
        memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 50 * GB } },
      }),
    );
    expect(p).toStrictEqual({
      model: 'w:1b',
      action: 'load',
      unload: ['a:14b'],
      requiredBytes: 1 * GB,
      availableBytes: 0,
      freedBytes: 12 * GB,
      obtainableBytes: 10 * GB,
      reason:
        'Needs 1.0 GB (1.0 GB + 0%), but only 0 B is free for models; unloading a:14b (12.0 GB, not ' +
        'used by ollm-mcp) first, so Ollama evicts nothing itself.',
    });
  });
});

describe('refusals, word for word', () => {
  it('pinned and busy models that must stay are named, each with its size', () => {
    const loaded = [m('pin:8b', 6), m('busy:3b', 4), m('c:1b', 2)];
    const p = planLoad(
      input({
        model: { name: 'w:14b', sizeBytes: 10 * GB },
        loaded,
        pinned: new Set(['pin:8b']),
        inFlight: new Set(['busy:3b']),
        memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 5 * GB } },
      }),
    );
    expect(p).toStrictEqual({
      model: 'w:14b',
      action: 'refuse',
      unload: [],
      requiredBytes: 10 * GB,
      availableBytes: 5 * GB,
      freedBytes: 0,
      obtainableBytes: 7 * GB,
      waitFor: ['busy:3b'], // once its request ends, busy:3b and c:1b make room
      reason:
        'w:14b needs 10.0 GB (10.0 GB + 0%); at most 7.0 GB can be freed for it; pin:8b (6.0 GB, ' +
        'pinned), busy:3b (4.0 GB, busy) must stay.',
    });
  });

  it('with nothing held, just what could be freed', () => {
    const p = planLoad(
      input({
        model: { name: 'w:14b', sizeBytes: 10 * GB },
        loaded: [m('c:1b', 2)],
        memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 5 * GB } },
      }),
    );
    expect(p.reason).toBe('w:14b needs 10.0 GB (10.0 GB + 0%); at most 7.0 GB can be freed for it.');
  });

  it('what could be freed is never said below 0', () => {
    const p = planLoad(
      input({
        model: { name: 'w:1b', sizeBytes: 1 * GB },
        loaded: [m('pin:14b', 12)],
        pinned: new Set(['pin:14b']),
        policy: { budgetBytes: 10 * GB, safetyMargin: 0, bufferBytes: 0, smallModelBytes: 5 * GB },
        memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 50 * GB } },
      }),
    );
    expect(p).toMatchObject({ action: 'refuse', availableBytes: 0 });
    expect(p.reason).toBe(
      'w:1b needs 1.0 GB (1.0 GB + 0%); at most 0 B can be freed for it; pin:14b (12.0 GB, pinned) must stay.',
    );
  });

  it('the count limit, with what holds it', () => {
    const p = planLoad(
      input({
        model: { name: 'd:3b', sizeBytes: 2 * GB },
        loaded: [m('a:3b', 2), m('b:3b', 2)],
        pinned: new Set(['a:3b']),
        inFlight: new Set(['b:3b']),
        maxLoadedModels: 2,
        memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 50 * GB } },
      }),
    );
    expect(p.reason).toBe(
      'd:3b needs 2.0 GB (2.0 GB + 0%); the host holds at most 2 models; a:3b (2.0 GB, pinned), ' +
        'b:3b (2.0 GB, busy) must stay.',
    );
  });

  describe('a model too big for the GPU must run alone', () => {
    const gpu = (ramAvailableGb: number) => ({
      kind: 'gpu' as const,
      ram: { totalBytes: 32 * GB, availableBytes: ramAvailableGb * GB },
      vram: { totalBytes: 24 * GB, freeBytes: 20 * GB },
    });
    const needs =
      "27.3 GB of VRAM (26.0 GB + 5% for buffers), more than 80% of the GPU's 24.0 GB: it runs " +
      'alone with 5.7 GB in RAM';

    it('refused when its CPU part does not fit in free RAM', () => {
      const p = planLoad(input({ model: { name: 'huge:70b', sizeBytes: 26 * GB }, memory: gpu(4) }));
      expect(p).toStrictEqual({
        model: 'huge:70b',
        action: 'refuse',
        unload: [],
        requiredBytes: 27.3 * GB,
        availableBytes: 16 * GB,
        freedBytes: 0,
        obtainableBytes: 16 * GB,
        fitsInVram: false,
        reason: `huge:70b needs ${needs}; it must run alone, and its CPU part does not fit in free RAM.`,
      });
    });

    it('refused when a pinned model stays, however much RAM is free', () => {
      const p = planLoad(
        input({
          model: { name: 'huge:70b', sizeBytes: 26 * GB },
          loaded: [m('pin:3b', 2, 2)],
          pinned: new Set(['pin:3b']),
          memory: gpu(30),
        }),
      );
      expect(p.reason).toBe(`huge:70b needs ${needs}; it must run alone; pin:3b (2.0 GB, pinned) must stay.`);
    });

    it('loaded after every other model goes', () => {
      const p = planLoad(
        input({
          model: { name: 'huge:70b', sizeBytes: 26 * GB },
          loaded: [m('a:8b', 6, 6), m('b:3b', 2, 2)],
          memory: gpu(20),
        }),
      );
      expect(p).toStrictEqual({
        model: 'huge:70b',
        action: 'load',
        unload: ['a:8b', 'b:3b'],
        requiredBytes: 27.3 * GB,
        availableBytes: 16 * GB,
        freedBytes: 8 * GB,
        obtainableBytes: 24 * GB,
        fitsInVram: false,
        reason:
          `Needs ${needs}, but it runs alone; unloading a:8b (6.0 GB, not used by ollm-mcp), b:3b ` +
          `(2.0 GB, not used by ollm-mcp) first, so Ollama evicts nothing itself.`,
      });
    });
  });
});

describe('load reasons, word for word', () => {
  it('fits as it is: what it needs and what is free', () => {
    const p = planLoad(
      input({
        model: { name: 'qwen3:1.7b', sizeBytes: 1.4 * GB },
        policy: { budgetBytes: 32 * GB, safetyMargin: 0.2, bufferBytes: 0, smallModelBytes: 5 * GB },
        memory: { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 25.5 * GB } },
      }),
    );
    expect(p).toStrictEqual({
      model: 'qwen3:1.7b',
      action: 'load',
      unload: [],
      requiredBytes: 1.68 * GB,
      availableBytes: 25.5 * GB,
      freedBytes: 0,
      obtainableBytes: 25.5 * GB,
      reason: 'Fits: needs 1.7 GB (1.4 GB + 20%), 25.5 GB free.',
    });
  });

  it('the count limit, though memory is plenty', () => {
    const p = planLoad(
      input({
        model: { name: 'd:3b', sizeBytes: 2 * GB },
        loaded: [m('a:3b', 2), m('b:3b', 2)],
        lastUsed: idle([
          ['a:3b', 5 * min],
          ['b:3b', 50 * min],
        ]),
        maxLoadedModels: 2,
        memory: { kind: 'cpu', ram: { totalBytes: 100 * GB, availableBytes: 50 * GB } },
      }),
    );
    expect(p.reason).toBe(
      'Needs 2.0 GB (2.0 GB + 0%), but the host holds at most 2 models; unloading b:3b (2.0 GB, ' +
        'idle 50 min) first, so Ollama evicts nothing itself.',
    );
  });

  it('on a host of unknown capacity (nothing failed before), the room is said to be just what the model needs', () => {
    const p = planLoad(
      input({ model: { name: 'b:8b', sizeBytes: 5 * GB }, loaded: [m('a:8b', 5)], memory: { kind: 'unknown' } }),
    );
    expect(p).toStrictEqual({
      model: 'b:8b',
      action: 'load',
      unload: [],
      requiredBytes: 5 * GB,
      availableBytes: 5 * GB,
      freedBytes: 0,
      obtainableBytes: 10 * GB,
      reason: 'Fits: needs 5.0 GB (5.0 GB + 0%), 5.0 GB free.',
    });
  });
});
