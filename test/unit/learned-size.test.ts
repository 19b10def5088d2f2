import { describe, expect, it } from 'vitest';
import {
  describeFigure,
  learnedSize,
  MAX_LEARNED_MARGIN,
  MIN_LEARNED_MARGIN,
  observedLoad,
  type SeenSize,
} from '../../src/orchestrator/loading/learned-size.js';
import { planLoad, type PlanInput } from '../../src/orchestrator/loading/planner.js';
import { assessFit } from '../../src/orchestrator/loading/admission.js';

const GB = 1e9;
const seen = (contextLength: number, bytes: number[], vram = 0): SeenSize => ({
  contextLength,
  count: bytes.length,
  meanBytes: bytes.reduce((s, b) => s + b, 0) / bytes.length,
  minBytes: Math.min(...bytes),
  maxBytes: Math.max(...bytes),
  meanVramBytes: vram,
});
/** 0.1 GB of KV cache per 1k tokens. */
const kv = (ctx: number) => (ctx / 1024) * 0.1 * GB;

describe('the learned figure for a model at a context', () => {
  it('is what was observed at that context with the least margin when one load was seen', () => {
    const l = learnedSize([seen(4096, [9.81 * GB]), seen(8192, [10.5 * GB])], 4096, kv)!;
    expect(l.bytes).toBe(9.81 * GB);
    expect(l.margin).toBe(MIN_LEARNED_MARGIN);
    expect(l.plannedBytes).toBe(Math.ceil(9.81 * GB * (1 + MIN_LEARNED_MARGIN)));
    expect(l.observed.contextLength).toBe(4096);
  });

  it('takes the nearest context when that one was never seen, its KV cache scaled', () => {
    const l = learnedSize([seen(4096, [9.81 * GB]), seen(32768, [13 * GB])], 8192, kv)!;
    expect(l.observed.contextLength).toBe(4096);
    expect(l.bytes).toBe(Math.round(9.81 * GB + kv(8192) - kv(4096)));
  });

  it("without the model's KV shape, takes only a context at least as large, unscaled", () => {
    const seenAt = [seen(4096, [5 * GB]), seen(16384, [6 * GB])];
    expect(learnedSize(seenAt, 8192, undefined)).toMatchObject({ bytes: 6 * GB, observed: { contextLength: 16384 } });
    expect(learnedSize(seenAt, 4096, undefined)).toMatchObject({ bytes: 5 * GB });
    expect(learnedSize(seenAt, 32768, undefined)).toBeUndefined();
  });

  it('widens its margin with the spread of what was seen, up to the estimate’s', () => {
    expect(learnedSize([seen(4096, [9 * GB, 10 * GB])], 4096, kv)!.margin).toBeCloseTo(1 / 9.5, 5);
    expect(learnedSize([seen(4096, [5 * GB, 10 * GB])], 4096, kv)!.margin).toBe(MAX_LEARNED_MARGIN);
  });

  it('is undefined when nothing was seen', () => {
    expect(learnedSize([], 4096, kv)).toBeUndefined();
    expect(learnedSize([{ ...seen(4096, [1]), count: 0 }], 4096, kv)).toBeUndefined();
  });

  it('is said as observed, at its context, or estimated', () => {
    const l = learnedSize([seen(4096, [9.81 * GB])], 4096, kv);
    expect(describeFigure(l?.observed, 4096)).toBe('observed 9.81 GB at 4k context');
    expect(describeFigure(l?.observed, 8192)).toBe('observed 9.81 GB at 4k context, scaled to 8k');
    expect(describeFigure(undefined)).toBe('estimated');
  });
});

describe('what one load took', () => {
  it("is the host's report when it gives one", () => {
    expect(
      observedLoad({
        reported: { bytes: 9.81 * GB, vramBytes: 12 * GB },
        availableBefore: 20 * GB,
        availableAfter: 1 * GB,
        fileBytes: 9 * GB,
      }),
    ).toEqual({ bytes: 9.81 * GB, vramBytes: 9.81 * GB });
  });

  it("else the fall in this machine's available memory, when it holds at least the model's file", () => {
    expect(observedLoad({ availableBefore: 20 * GB, availableAfter: 10 * GB, fileBytes: 9 * GB })).toEqual({
      bytes: 10 * GB,
      vramBytes: 0,
    });
    // less than the file: its weights are mapped from the page cache, which available memory does not show
    expect(observedLoad({ availableBefore: 20 * GB, availableAfter: 19 * GB, fileBytes: 9 * GB })).toBeUndefined();
    expect(observedLoad({ reported: { bytes: 0, vramBytes: 0 }, fileBytes: 9 * GB })).toBeUndefined();
  });
});

describe('the planner with a learned figure', () => {
  const base: Omit<PlanInput, 'model'> = {
    loaded: [],
    pinned: new Set(),
    inFlight: new Set(),
    lastUsed: new Map(),
    memory: { kind: 'cpu', ram: { totalBytes: 16 * GB, availableBytes: 11 * GB } },
    maxLoadedModels: 3,
    policy: { budgetBytes: 16 * GB, safetyMargin: 0.2, bufferBytes: 0, smallModelBytes: 5 * GB },
  };
  const qwen = { name: 'qwen2.5:14b', sizeBytes: 9 * GB, kvBytes: 0.8 * GB };

  it('on a CPU host uses it in place of weights + 20% + KV: a model the estimate refuses is loaded', () => {
    expect(planLoad({ ...base, model: qwen })).toMatchObject({
      action: 'refuse',
      requiredBytes: Math.ceil(9 * GB * 1.2) + 0.8 * GB,
    });
    const p = planLoad({
      ...base,
      model: { ...qwen, learned: { bytes: 10.1 * GB, words: 'observed 9.81 GB at 4k context + 3%' } },
    });
    expect(p).toMatchObject({ action: 'load', requiredBytes: 10.1 * GB });
    expect(p.reason).toContain('observed 9.81 GB at 4k context + 3%');
  });

  it("on a GPU host adds only the buffers Ollama's admission counts", () => {
    const gpu = {
      ...base,
      memory: {
        kind: 'gpu' as const,
        ram: { totalBytes: 32 * GB, availableBytes: 30 * GB },
        vram: { totalBytes: 24 * GB, freeBytes: 24 * GB },
      },
    };
    const p = planLoad({ ...gpu, model: { ...qwen, learned: { bytes: 10.1 * GB, words: 'observed' } } });
    expect(p.requiredBytes).toBe(10.1 * GB + Math.ceil(9 * GB * 0.05));
    const fit = assessFit({
      modelBytes: 9 * GB,
      learnedBytes: 10.1 * GB,
      isLoaded: false,
      loadedBytes: 0,
      memory: gpu.memory,
      policy: gpu.policy,
    });
    expect(fit.requiredBytes).toBe(p.requiredBytes);
  });

  it('assessFit on a CPU host takes the learned figure as it is', () => {
    const fit = assessFit({
      modelBytes: 9 * GB,
      kvBytes: 0.8 * GB,
      learnedBytes: 10.1 * GB,
      isLoaded: false,
      loadedBytes: 0,
      memory: base.memory,
      policy: base.policy,
    });
    expect(fit).toMatchObject({ requiredBytes: 10.1 * GB, fitsNow: true });
  });
});
