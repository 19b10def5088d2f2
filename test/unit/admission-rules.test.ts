/**
 * The admission arithmetic of admission.ts, to the byte: what a model needs (weights, KV cache,
 * GPU surcharge, safety margin), and each host's rule at its exact boundaries — Ollama's 80% of
 * VRAM, the CPU part of a partial offload in RAM, the RAM budget and buffer, a learned ceiling.
 */
import { describe, expect, it } from 'vitest';
import {
  admission,
  assessFit,
  cpuPart,
  GPU_SURCHARGE,
  gpuBytes,
  kvCacheBytes,
  learnedGpuBytes,
  requiredBytes,
  roomBytes,
  VRAM_ADMISSION,
  type FitInput,
  type Freed,
  type HostMemory,
} from '../../src/orchestrator/loading/admission.js';
import { planLoad, type PlanInput } from '../../src/orchestrator/loading/planner.js';

const GB = 1e9;
const policy = { budgetBytes: 20 * GB, safetyMargin: 0.2, bufferBytes: 2 * GB, smallModelBytes: 5 * GB };

const gpu = (totalGb: number, freeGb: number, ram?: { totalBytes: number; availableBytes: number }): HostMemory => ({
  kind: 'gpu',
  vram: { totalBytes: totalGb * GB, freeBytes: freeGb * GB },
  ...(ram && { ram }),
});
const ram = (totalGb: number, availableGb: number) => ({ totalBytes: totalGb * GB, availableBytes: availableGb * GB });
const fit = (over: Partial<FitInput> & Pick<FitInput, 'modelBytes' | 'memory'>) =>
  assessFit({ isLoaded: false, loadedBytes: 0, policy, ...over });
const m = (name: string, gb: number, vramGb = 0) => ({ name, sizeBytes: gb * GB, vramBytes: vramGb * GB });
const freed = (set: readonly unknown[], freedBytes: number, vramFreed = 0): Freed => ({
  set,
  freed: freedBytes,
  vramFreed,
});

function input(over: Partial<PlanInput> & Pick<PlanInput, 'model' | 'memory'>): PlanInput {
  return {
    loaded: [],
    pinned: new Set(),
    inFlight: new Set(),
    lastUsed: new Map(),
    maxLoadedModels: 99,
    policy,
    now: 1_800_000_000_000,
    ...over,
  };
}

describe('what a model needs', () => {
  it('the constants: Ollama admits up to 80% of VRAM, buffers cost 5% of the weights', () => {
    expect(VRAM_ADMISSION).toBe(0.8);
    expect(GPU_SURCHARGE).toBe(0.05);
  });

  it('RAM: weights with the margin, rounded up, plus the KV cache', () => {
    expect(requiredBytes(5 * GB, 0.2)).toBe(6 * GB);
    expect(requiredBytes(5 * GB, 0.2, 1 * GB)).toBe(7 * GB);
    expect(requiredBytes(1001, 0.5)).toBe(1502); // 1501.5 rounded up
  });

  it('GPU: weights plus 5%, rounded up, plus the KV cache (added, not taken off)', () => {
    expect(gpuBytes(4 * GB)).toBe(4.2 * GB);
    expect(gpuBytes(4 * GB, 1 * GB)).toBe(5.2 * GB);
    expect(gpuBytes(1001)).toBe(1052); // 1051.05 rounded up
  });

  it('a learned figure on a GPU gets the 5% batch buffers on top', () => {
    expect(learnedGpuBytes(4 * GB, 7 * GB)).toBe(7.2 * GB);
  });

  it('KV cache at f16 = 2 × layers × kv heads × head dim × context × 2 bytes; none without a shape', () => {
    expect(kvCacheBytes({ layers: 32, kvHeads: 8, headDim: 128 }, 4096)).toBe(536_870_912);
    expect(kvCacheBytes({ layers: 28, kvHeads: 4, headDim: 128 }, 8192)).toBe(2 * 28 * 4 * 128 * 8192 * 2);
    expect(kvCacheBytes({ layers: 3, kvHeads: 5, headDim: 7 }, 11)).toBe(4620);
    expect(kvCacheBytes(undefined, 4096)).toBe(0);
  });

  it('room on a CPU host: the smaller of budget − loaded and available − buffer', () => {
    expect(roomBytes(policy, 5 * GB, 30 * GB)).toBe(15 * GB);
    expect(roomBytes(policy, 5 * GB, 10 * GB)).toBe(8 * GB);
  });

  it('the CPU part of an offloaded model: what exceeds 90% of the VRAM, never negative', () => {
    expect(cpuPart(11 * GB, 10 * GB)).toBe(2 * GB);
    expect(cpuPart(9 * GB + 1, 10 * GB)).toBe(1);
    expect(cpuPart(8 * GB, 10 * GB)).toBe(0);
  });
});

describe('assessFit on a GPU host', () => {
  it('a need of exactly 80% of the VRAM sits in it: admitted beside a loaded model; one byte more runs alone', () => {
    const memory = gpu(10, 10, ram(16, 12));
    // 4.2 GB + 3.8 GB KV = 8.0 GB = 80% of 10 GB
    expect(fit({ modelBytes: 4 * GB, kvBytes: 3.8 * GB, loadedBytes: 1 * GB, memory })).toEqual({
      requiredBytes: 8 * GB,
      fits: true,
      fitsNow: true,
    });
    expect(fit({ modelBytes: 4 * GB, kvBytes: 3.8 * GB + 1, loadedBytes: 1 * GB, memory })).toEqual({
      requiredBytes: 8 * GB + 1,
      fits: true,
      fitsNow: false,
    });
    expect(fit({ modelBytes: 4 * GB, kvBytes: 3.8 * GB + 1, loadedBytes: 0, memory })).toEqual({
      requiredBytes: 8 * GB + 1,
      fits: true,
      fitsNow: true,
    });
  });

  it('beside loaded models, by 80% of free VRAM: exactly 80% admitted, one byte of free VRAM less not', () => {
    // 2.1 GB + 1.9 GB KV = 4.0 GB = 80% of 5 GB free
    expect(fit({ modelBytes: 2 * GB, kvBytes: 1.9 * GB, loadedBytes: 6 * GB, memory: gpu(10, 5) })).toEqual({
      requiredBytes: 4 * GB,
      fits: true,
      fitsNow: true,
    });
    expect(
      fit({
        modelBytes: 2 * GB,
        kvBytes: 1.9 * GB,
        loadedBytes: 6 * GB,
        memory: { kind: 'gpu', vram: { totalBytes: 10 * GB, freeBytes: 5 * GB - 1 } },
      }).fitsNow,
    ).toBe(false);
    // 4.0 GB is 100% of 4 GB free: not within 80%
    expect(fit({ modelBytes: 2 * GB, kvBytes: 1.9 * GB, loadedBytes: 6 * GB, memory: gpu(10, 4) }).fitsNow).toBe(false);
  });

  it(
    'OLLAMA_GPU_OVERHEAD is taken off the total too: 8.0 GB sits in 12 GB less 2 GB kept; one ' +
      'byte more kept, it runs alone',
    () => {
      const kept = (keptBytes: number): HostMemory => ({
        kind: 'gpu',
        vram: { totalBytes: 12 * GB, freeBytes: 12 * GB, keptBytes },
        ram: ram(16, 12),
      });
      const model = { name: 'm:7b', sizeBytes: 4 * GB, kvBytes: 3.8 * GB }; // 4.2 GB + 3.8 GB KV = 8.0 GB
      expect(admission(input({ model, memory: kept(2 * GB) }))).toMatchObject({ fitsInVram: true });
      expect(admission(input({ model, memory: kept(2 * GB + 1) }))).toMatchObject({ fitsInVram: false, alone: true });
    },
  );

  it('nothing loaded: a model that sits in the VRAM fits now whatever the free reading', () => {
    expect(fit({ modelBytes: 2 * GB, kvBytes: 1.9 * GB, loadedBytes: 0, memory: gpu(10, 1) })).toEqual({
      requiredBytes: 4 * GB,
      fits: true,
      fitsNow: true,
    });
  });

  it('a model that sits in the VRAM whole fits whatever the RAM, even less than the buffer kept free', () => {
    expect(fit({ modelBytes: 2 * GB, kvBytes: 1.9 * GB, memory: gpu(10, 10, ram(1, 1)) })).toEqual({
      requiredBytes: 4 * GB,
      fits: true,
      fitsNow: true,
    });
  });

  it('a loaded model fits now by definition', () => {
    expect(
      fit({ modelBytes: 2 * GB, kvBytes: 1.9 * GB, isLoaded: true, loadedBytes: 9 * GB, memory: gpu(10, 0) }).fitsNow,
    ).toBe(true);
  });

  it('the learned figure replaces the formula (KV included), plus the 5% buffers', () => {
    expect(fit({ modelBytes: 4 * GB, learnedBytes: 7 * GB, kvBytes: 1 * GB, memory: gpu(10, 10) })).toEqual({
      requiredBytes: 7.2 * GB,
      fits: true,
      fitsNow: true,
    });
  });

  it(
    'too big for the GPU: its CPU part with the margin must fit RAM less the buffer — exactly ' +
      'equal fits, one byte less RAM not',
    () => {
      const margin = { ...policy, safetyMargin: 0.25 };
      // 11 GB on a 10 GB GPU: 2 GB on the CPU, × 1.25 = 2.5 GB; RAM 4.5 GB − 2 GB buffer = 2.5 GB
      const equal = { totalBytes: 4.5 * GB, availableBytes: 4.5 * GB };
      const short = { totalBytes: 4.5 * GB - 1, availableBytes: 4.5 * GB };
      expect(fit({ modelBytes: 4 * GB, kvBytes: 6.8 * GB, memory: gpu(10, 10, equal), policy: margin })).toEqual({
        requiredBytes: 11 * GB,
        fits: true,
        fitsNow: true,
      });
      expect(fit({ modelBytes: 4 * GB, kvBytes: 6.8 * GB, memory: gpu(10, 10, short), policy: margin })).toEqual({
        requiredBytes: 11 * GB,
        fits: false,
        fitsNow: false,
      });
      // it runs alone: with anything loaded it does not fit now, though it fits the host
      expect(
        fit({ modelBytes: 4 * GB, kvBytes: 6.8 * GB, loadedBytes: 1, memory: gpu(10, 10, equal), policy: margin }),
      ).toEqual({ requiredBytes: 11 * GB, fits: true, fitsNow: false });
    },
  );

  it('a model between 80% and 125% of the VRAM is not whole: its 20%-margined CPU part must fit', () => {
    // 11 GB on 10 GB: 2 GB × 1.2 = 2.4 GB > 4 GB − 2 GB
    expect(fit({ modelBytes: 4 * GB, kvBytes: 6.8 * GB, memory: gpu(10, 10, ram(4, 4)) })).toEqual({
      requiredBytes: 11 * GB,
      fits: false,
      fitsNow: false,
    });
    expect(fit({ modelBytes: 4 * GB, kvBytes: 6.8 * GB, memory: gpu(10, 10, ram(4.4, 4)) })).toEqual({
      requiredBytes: 11 * GB,
      fits: true,
      fitsNow: true,
    });
  });

  it('without a RAM reading a GPU host admits by VRAM alone, whole or offloaded', () => {
    expect(fit({ modelBytes: 2 * GB, kvBytes: 1.9 * GB, memory: gpu(10, 10) })).toEqual({
      requiredBytes: 4 * GB,
      fits: true,
      fitsNow: true,
    });
    expect(fit({ modelBytes: 40 * GB, memory: gpu(10, 10) })).toEqual({
      requiredBytes: 42 * GB,
      fits: true,
      fitsNow: true,
    });
    expect(fit({ modelBytes: 40 * GB, loadedBytes: 1 * GB, memory: gpu(10, 10) })).toEqual({
      requiredBytes: 42 * GB,
      fits: true,
      fitsNow: false,
    });
  });

  it("a 'gpu' host without a VRAM reading counts as one of unknown capacity (RAM margin, no RAM check)", () => {
    expect(fit({ modelBytes: 5 * GB, kvBytes: 1 * GB, memory: { kind: 'gpu', ram: ram(4, 1) } })).toEqual({
      requiredBytes: 7 * GB,
      fits: true,
      fitsNow: true,
    });
    expect(fit({ modelBytes: 5 * GB, memory: { kind: 'gpu', ceilingBytes: 6 * GB } })).toEqual({
      requiredBytes: 6 * GB,
      fits: false,
      fitsNow: false,
    });
  });

  it("a 'cpu' host with a VRAM reading is judged by RAM", () => {
    const memory: HostMemory = { kind: 'cpu', ram: ram(16, 10), vram: { totalBytes: 10 * GB, freeBytes: 10 * GB } };
    expect(fit({ modelBytes: 5 * GB, kvBytes: 1 * GB, memory })).toEqual({
      requiredBytes: 7 * GB,
      fits: true,
      fitsNow: true,
    });
    expect(fit({ modelBytes: 5 * GB, memory: { ...memory, ram: ram(7.9, 7) } })).toEqual({
      requiredBytes: 6 * GB,
      fits: false,
      fitsNow: false,
    });
  });
});

describe('assessFit on a CPU host', () => {
  const roomy = ram(64, 60);

  it('the budget: a need equal to it fits, one byte over does not', () => {
    expect(
      fit({ modelBytes: 5 * GB, memory: { kind: 'cpu', ram: roomy }, policy: { ...policy, budgetBytes: 6 * GB } }),
    ).toEqual({ requiredBytes: 6 * GB, fits: true, fitsNow: true });
    expect(
      fit({ modelBytes: 5 * GB, memory: { kind: 'cpu', ram: roomy }, policy: { ...policy, budgetBytes: 6 * GB - 1 } }),
    ).toEqual({ requiredBytes: 6 * GB, fits: false, fitsNow: false });
  });

  it('total RAM less the buffer: equal fits, one byte less RAM does not', () => {
    expect(fit({ modelBytes: 5 * GB, memory: { kind: 'cpu', ram: ram(8, 8) } })).toEqual({
      requiredBytes: 6 * GB,
      fits: true,
      fitsNow: true,
    });
    expect(
      fit({ modelBytes: 5 * GB, memory: { kind: 'cpu', ram: { totalBytes: 8 * GB - 1, availableBytes: 8 * GB } } }),
    ).toEqual({ requiredBytes: 6 * GB, fits: false, fitsNow: false });
  });

  it('room now: available less the buffer, and the budget less what is loaded — equal admitted, one byte short not', () => {
    expect(fit({ modelBytes: 5 * GB, memory: { kind: 'cpu', ram: ram(64, 8) } }).fitsNow).toBe(true);
    expect(
      fit({ modelBytes: 5 * GB, memory: { kind: 'cpu', ram: { totalBytes: 64 * GB, availableBytes: 8 * GB - 1 } } }),
    ).toEqual({ requiredBytes: 6 * GB, fits: true, fitsNow: false });
    expect(fit({ modelBytes: 5 * GB, loadedBytes: 14 * GB, memory: { kind: 'cpu', ram: roomy } }).fitsNow).toBe(true);
    expect(fit({ modelBytes: 5 * GB, loadedBytes: 14 * GB + 1, memory: { kind: 'cpu', ram: roomy } })).toEqual({
      requiredBytes: 6 * GB,
      fits: true,
      fitsNow: false,
    });
  });

  it("a 'cpu' host without a RAM reading counts as one of unknown capacity", () => {
    expect(fit({ modelBytes: 50 * GB, memory: { kind: 'cpu' } })).toEqual({
      requiredBytes: 60 * GB,
      fits: true,
      fitsNow: true,
    });
  });
});

describe('assessFit on a host of unknown capacity', () => {
  it('no ceiling: everything fits now', () => {
    expect(fit({ modelBytes: 50 * GB, loadedBytes: 100 * GB, memory: { kind: 'unknown' } })).toEqual({
      requiredBytes: 60 * GB,
      fits: true,
      fitsNow: true,
    });
  });

  it('a RAM reading alone does not make the budget apply', () => {
    expect(fit({ modelBytes: 50 * GB, memory: { kind: 'unknown', ram: ram(8, 4) } })).toEqual({
      requiredBytes: 60 * GB,
      fits: true,
      fitsNow: true,
    });
  });

  it('a need equal to the ceiling that failed is refused; one byte under fits', () => {
    expect(fit({ modelBytes: 10 * GB, memory: { kind: 'unknown', ceilingBytes: 12 * GB } })).toEqual({
      requiredBytes: 12 * GB,
      fits: false,
      fitsNow: false,
    });
    expect(
      fit({ modelBytes: 1, learnedBytes: 12 * GB - 1, memory: { kind: 'unknown', ceilingBytes: 12 * GB } }),
    ).toEqual({ requiredBytes: 12 * GB - 1, fits: true, fitsNow: true });
  });

  it('fits now while loaded + need stays under the ceiling', () => {
    const memory: HostMemory = { kind: 'unknown', ceilingBytes: 12 * GB };
    expect(fit({ modelBytes: 5 * GB, loadedBytes: 6 * GB - 1, memory })).toEqual({
      requiredBytes: 6 * GB,
      fits: true,
      fitsNow: true,
    });
    expect(fit({ modelBytes: 5 * GB, loadedBytes: 6 * GB, memory })).toEqual({
      requiredBytes: 6 * GB,
      fits: true,
      fitsNow: false,
    });
    expect(fit({ modelBytes: 5 * GB, loadedBytes: 6 * GB, isLoaded: true, memory }).fitsNow).toBe(true);
  });
});

describe('admission on a GPU host, model in VRAM', () => {
  const a = m('a:7b', 3, 3);
  const b = m('b:1b', 1, 1);

  it('needs in VRAM with the 5% buffers; room is 80% of free VRAM, rounded down', () => {
    const rule = admission(
      input({ model: { name: 'w:7b', sizeBytes: 4 * GB, kvBytes: 1 * GB }, loaded: [a, b], memory: gpu(10, 6) }),
    );
    expect(rule).toMatchObject({
      required: 5.2 * GB,
      room: 4.8 * GB,
      needs: '5.2 GB of VRAM (4.0 GB + 1.0 GB KV cache + 5% for buffers)',
      fitsInVram: true,
    });
    expect(rule.alone).toBeUndefined();
    expect(rule.impossible).toBeUndefined();
    expect(
      admission(
        input({
          model: { name: 'w', sizeBytes: 1001 },
          memory: { kind: 'gpu', vram: { totalBytes: 10 * GB, freeBytes: 1001 } },
        }),
      ).room,
    ).toBe(800);
  });

  it('without KV cache the words name only the weights', () => {
    expect(admission(input({ model: { name: 'w:7b', sizeBytes: 4 * GB }, memory: gpu(10, 10) })).needs).toBe(
      '4.2 GB of VRAM (4.0 GB + 5% for buffers)',
    );
  });

  it('a learned figure speaks its own words', () => {
    const rule = admission(
      input({
        model: {
          name: 'w:7b',
          sizeBytes: 4 * GB,
          kvBytes: 1 * GB,
          learned: { bytes: 7 * GB, words: 'observed 6.8 GB at 8k context + 3%' },
        },
        memory: gpu(10, 10),
      }),
    );
    expect(rule.required).toBe(7.2 * GB);
    expect(rule.needs).toBe('7.2 GB of VRAM (observed 6.8 GB at 8k context + 3% + 5% for buffers)');
  });

  it('enough when all others go, or when what stays leaves 80% of the freed VRAM for it — exactly', () => {
    const rule = admission(
      input({ model: { name: 'w:7b', sizeBytes: 4 * GB, kvBytes: 1 * GB }, loaded: [a, b], memory: gpu(10, 6) }),
    );
    expect(rule.enough(freed([], 0))).toBe(false); // 5.2 GB > 4.8 GB
    expect(rule.enough(freed([a], 3 * GB, 0.5 * GB))).toBe(true); // (6 + 0.5) × 0.8 = 5.2 GB
    expect(rule.enough(freed([a], 3 * GB, 0.5 * GB - 1))).toBe(false);
    expect(rule.enough(freed([a, b], 0, 0))).toBe(true);
  });

  it('a need of exactly 80% of the VRAM is in VRAM; one byte more is offloaded and runs alone', () => {
    const at = admission(input({ model: { name: 'w', sizeBytes: 4 * GB, kvBytes: 3.8 * GB }, memory: gpu(10, 10) }));
    expect(at).toMatchObject({ required: 8 * GB, fitsInVram: true });
    expect(at.alone).toBeUndefined();
    const over = admission(
      input({ model: { name: 'w', sizeBytes: 4 * GB, kvBytes: 3.8 * GB + 1 }, memory: gpu(10, 10) }),
    );
    expect(over).toMatchObject({ required: 8 * GB + 1, fitsInVram: false, alone: true });
    expect(over.needs).toBe(
      "8.0 GB of VRAM (4.0 GB + 3.8 GB KV cache + 5% for buffers), more than 80% of the GPU's " +
        '10.0 GB: it runs alone with 0 B in RAM',
    );
  });
});

describe('admission on a GPU host, model offloaded', () => {
  const a = m('a:7b', 3, 2);
  // 4.2 GB + 6.8 GB KV = 11 GB on a 10 GB GPU: 2 GB on the CPU, 2.4 GB with the 20% margin
  const big = { name: 'big:14b', sizeBytes: 4 * GB, kvBytes: 6.8 * GB };

  it('runs alone, with its CPU part named', () => {
    const rule = admission(input({ model: big, loaded: [a], memory: gpu(10, 10, ram(16, 3.4)) }));
    expect(rule).toMatchObject({ required: 11 * GB, room: 8 * GB, alone: true, fitsInVram: false });
    expect(rule.needs).toBe(
      "11.0 GB of VRAM (4.0 GB + 6.8 GB KV cache + 5% for buffers), more than 80% of the GPU's " +
        '10.0 GB: it runs alone with 2.0 GB in RAM',
    );
    expect(rule.impossible).toBeUndefined();
  });

  it(
    'enough only when everything goes and the CPU part with the margin fits available RAM less ' +
      'the buffer plus the freed CPU parts',
    () => {
      // available 3.4 − buffer 2 = 1.4 GB; a frees 3 GB of which 2 GB VRAM: 1 GB of RAM → 2.4 GB exactly
      const rule = admission(input({ model: big, loaded: [a], memory: gpu(10, 10, ram(16, 3.4)) }));
      expect(rule.enough(freed([], 0))).toBe(false);
      expect(rule.enough(freed([a], 3 * GB, 2 * GB))).toBe(true);
      expect(rule.enough(freed([a], 3 * GB, 2 * GB + 1))).toBe(false);
      expect(rule.enough(freed([a], 3 * GB - 1, 2 * GB))).toBe(false);
    },
  );

  it('without a RAM reading, enough as soon as everything goes', () => {
    const rule = admission(input({ model: big, loaded: [a], memory: gpu(10, 10) }));
    expect(rule.enough(freed([a], 0, 0))).toBe(true);
    expect(rule.enough(freed([], 0, 0))).toBe(false);
    expect(rule.impossible).toBeUndefined();
  });

  it('impossible when the margined CPU part exceeds RAM less the buffer; exactly equal is possible', () => {
    const over = admission(input({ model: big, memory: gpu(10, 10, ram(4.3, 4)) }));
    expect(over.impossible).toBe(
      "its 2.0 GB CPU part with the 20% margin (2.4 GB) is more than this host's RAM allows (2.3 GB)",
    );
    expect(admission(input({ model: big, memory: gpu(10, 10, ram(4.4, 4)) })).impossible).toBeUndefined();
  });

  it('impossible when it exceeds the budget, with that margin named', () => {
    const rule = admission(
      input({
        model: big,
        memory: gpu(10, 10, ram(64, 60)),
        policy: { ...policy, safetyMargin: 0.25, budgetBytes: 2.3 * GB },
      }),
    );
    expect(rule.impossible).toBe(
      "its 2.0 GB CPU part with the 25% margin (2.5 GB) is more than this host's RAM allows (2.3 GB)",
    );
  });

  it('the plan refuses with those words', () => {
    const p = planLoad(input({ model: big, memory: gpu(10, 10, ram(4.3, 4)) }));
    expect(p).toMatchObject({ action: 'refuse', requiredBytes: 11 * GB, fitsInVram: false });
    expect(p.reason).toBe(
      'big:14b needs 11.0 GB of VRAM (4.0 GB + 6.8 GB KV cache + 5% for buffers), more than 80% ' +
        "of the GPU's 10.0 GB: it runs alone with 2.0 GB in RAM; its 2.0 GB CPU part with the 20% " +
        "margin (2.4 GB) is more than this host's RAM allows (2.3 GB).",
    );
  });
});

describe('admission on a CPU host', () => {
  const a = m('a:3b', 3);

  it(
    'needs with the margin and KV cache; room is min(budget − loaded, available − buffer); ' +
      'enough frees the difference',
    () => {
      const rule = admission(
        input({
          model: { name: 'w:7b', sizeBytes: 5 * GB, kvBytes: 1 * GB },
          loaded: [a],
          memory: { kind: 'cpu', ram: ram(16, 6) },
        }),
      );
      expect(rule).toMatchObject({ required: 7 * GB, room: 4 * GB, needs: '7.0 GB (5.0 GB + 20% + 1.0 GB KV cache)' });
      expect(rule.impossible).toBeUndefined();
      expect(rule.fitsInVram).toBeUndefined();
      expect(rule.enough(freed([a], 3 * GB))).toBe(true);
      expect(rule.enough(freed([a], 3 * GB - 1))).toBe(false);
    },
  );

  it('impossible above min(budget, RAM − buffer), with every figure named; equal is possible', () => {
    const over = admission(
      input({ model: { name: 'w:14b', sizeBytes: 12 * GB }, memory: { kind: 'cpu', ram: ram(16, 15) } }),
    );
    expect(over.required).toBe(14.4 * GB);
    expect(over.impossible).toBe(
      'more than this host allows for one model (14.0 GB: budget 20.0 GB, 16.0 GB RAM less 2.0 GB kept free)',
    );
    expect(
      admission(
        input({
          model: { name: 'w:14b', sizeBytes: 10 * GB, kvBytes: 2 * GB },
          memory: { kind: 'cpu', ram: ram(16, 15) },
        }),
      ).impossible,
    ).toBeUndefined();
    const budget = admission(
      input({
        model: { name: 'w:14b', sizeBytes: 12 * GB },
        memory: { kind: 'cpu', ram: ram(16, 15) },
        policy: { ...policy, budgetBytes: 13 * GB },
      }),
    );
    expect(budget.impossible).toBe(
      'more than this host allows for one model (13.0 GB: budget 13.0 GB, 16.0 GB RAM less 2.0 GB kept free)',
    );
  });

  it('a learned figure speaks its own words', () => {
    const rule = admission(
      input({
        model: {
          name: 'w:14b',
          sizeBytes: 9 * GB,
          learned: { bytes: 9.5 * GB, words: 'observed 9.2 GB at 4k context + 3%' },
        },
        memory: { kind: 'cpu', ram: ram(16, 15) },
      }),
    );
    expect(rule).toMatchObject({
      required: 9.5 * GB,
      needs: '9.5 GB (observed 9.2 GB at 4k context + 3%)',
      room: 13 * GB,
    });
  });

  it("a 'cpu' host with a VRAM reading is judged by RAM", () => {
    const rule = admission(
      input({
        model: { name: 'w:7b', sizeBytes: 5 * GB },
        memory: { kind: 'cpu', ram: ram(16, 10), vram: { totalBytes: 10 * GB, freeBytes: 10 * GB } },
      }),
    );
    expect(rule).toMatchObject({ required: 6 * GB, room: 8 * GB, needs: '6.0 GB (5.0 GB + 20%)' });
    expect(rule.fitsInVram).toBeUndefined();
  });
});

describe('admission on a host of unknown capacity', () => {
  const loaded = [m('a:7b', 4), m('b:3b', 2)];

  it('no ceiling: unlimited room, always enough, never impossible', () => {
    const rule = admission(
      input({ model: { name: 'w:70b', sizeBytes: 50 * GB }, loaded, memory: { kind: 'unknown' } }),
    );
    expect(rule).toMatchObject({ required: 60 * GB, room: Infinity, needs: '60.0 GB (50.0 GB + 20%)' });
    expect(rule.enough(freed([], 0))).toBe(true);
    expect(rule.impossible).toBeUndefined();
    expect(rule.fitsInVram).toBeUndefined();
  });

  it("a RAM reading alone, a 'cpu' host without one, a 'gpu' host without a VRAM reading: the same", () => {
    for (const memory of [
      { kind: 'unknown', ram: ram(8, 1) },
      { kind: 'cpu' },
      { kind: 'gpu', ram: ram(8, 1) },
    ] as HostMemory[]) {
      const rule = admission(input({ model: { name: 'w:70b', sizeBytes: 50 * GB }, loaded, memory }));
      expect(rule).toMatchObject({ required: 60 * GB, room: Infinity, needs: '60.0 GB (50.0 GB + 20%)' });
      expect(rule.impossible).toBeUndefined();
      expect(rule.fitsInVram).toBeUndefined();
      expect(rule.enough(freed([], 0))).toBe(true);
    }
  });

  it('below a ceiling: room is ceiling − loaded, enough while the total stays under it', () => {
    const rule = admission(
      input({ model: { name: 'w:7b', sizeBytes: 5 * GB }, loaded, memory: { kind: 'unknown', ceilingBytes: 12 * GB } }),
    );
    expect(rule).toMatchObject({ required: 6 * GB, room: 6 * GB });
    expect(rule.enough(freed([], 0))).toBe(false); // 6 + 6 = 12: the total that failed
    expect(rule.enough(freed([loaded[1]], 1))).toBe(true);
    expect(rule.impossible).toBeUndefined();
  });

  it('a need equal to the ceiling is impossible; one byte under is not', () => {
    const at = admission(
      input({ model: { name: 'w:14b', sizeBytes: 10 * GB }, memory: { kind: 'unknown', ceilingBytes: 12 * GB } }),
    );
    expect(at.impossible).toBe('loading 12.0 GB at once failed on this host before');
    const under = admission(
      input({
        model: { name: 'w:14b', sizeBytes: 1, learned: { bytes: 12 * GB - 1, words: 'observed' } },
        memory: { kind: 'unknown', ceilingBytes: 12 * GB },
      }),
    );
    expect(under.impossible).toBeUndefined();
    expect(under.needs).toBe('12.0 GB (observed)');
  });
});
