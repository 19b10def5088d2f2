/**
 * The plausibility rule for memory learned from loads (issue 41, item 4): a reading is kept only
 * within the model's physical bounds and near earlier readings; both sides of every bound.
 */
import { describe, expect, it } from 'vitest';
import {
  BUFFER_BYTES,
  OUTLIER_FACTOR,
  UNKNOWN_KV_FACTOR,
  UPPER_FACTOR,
  WEIGHTS_TOLERANCE,
  plausible,
  readingContext,
  sensibleContext,
  setAsideBecause,
  sizeBounds,
  trustedSeen,
  type ModelFacts,
} from '../../src/orchestrator/loading/plausible-size.js';
import { learnedSize, type SeenSize } from '../../src/orchestrator/loading/learned-size.js';
import { learnedFiguresCheck, FAR_FACTOR, type LearnedFigure } from '../../src/orchestrator/doctor-learned.js';

const GB = 1e9;
/** llama3.1:8b: 4.9 GB of weights, 128k window, 128 KiB of f16 KV cache per token. */
const KV_PER_TOKEN = 2 * 32 * 8 * 128 * 2;
const llama: ModelFacts = {
  name: 'llama3.1:8b',
  weightsBytes: 4.9 * GB,
  contextWindow: 131072,
  kvAt: (ctx) => KV_PER_TOKEN * ctx,
};
const noShape: ModelFacts = { name: 'x', weightsBytes: 4.9 * GB, contextWindow: 8192 };
const seen = (contextLength: number, bytes: number[]): SeenSize => ({
  contextLength,
  count: bytes.length,
  meanBytes: bytes.reduce((s, b) => s + b, 0) / bytes.length,
  minBytes: Math.min(...bytes),
  maxBytes: Math.max(...bytes),
  meanVramBytes: 0,
});
/** What Ollama reports for llama3.1:8b at 4k: weights + KV. */
const REAL_4K = 4.9 * GB + KV_PER_TOKEN * 4096;

describe('the bounds of what a model can take loaded', () => {
  it('are its weights less the tolerance, and weights + KV at the context times the factor plus buffers', () => {
    expect(sizeBounds(llama, 4096)).toEqual({
      minBytes: Math.floor(4.9 * GB * (1 - WEIGHTS_TOLERANCE)),
      maxBytes: Math.ceil((4.9 * GB + KV_PER_TOKEN * 4096) * UPPER_FACTOR) + BUFFER_BYTES,
    });
    expect(sizeBounds(noShape, 4096).maxBytes).toBe(Math.ceil(4.9 * GB * UNKNOWN_KV_FACTOR) + BUFFER_BYTES);
  });

  it('keep a real reading near the estimate, at the edges too', () => {
    expect(plausible(REAL_4K, llama, 4096)).toBe(true);
    const b = sizeBounds(llama, 4096);
    expect(plausible(b.minBytes, llama, 4096)).toBe(true);
    expect(plausible(b.maxBytes, llama, 4096)).toBe(true);
    expect(plausible(4.9 * GB * 2.5, noShape, 4096)).toBe(true);
  });

  it('refuse 1e14, 1 byte, 0, NaN and just past either edge', () => {
    const b = sizeBounds(llama, 4096);
    for (const bytes of [1e14, 1, 0, -5, Number.NaN, Number.POSITIVE_INFINITY, b.minBytes - 1, b.maxBytes + 1])
      expect(plausible(bytes, llama, 4096), String(bytes)).toBe(false);
    expect(plausible(1e14, noShape, 4096)).toBe(false);
    expect(plausible(sizeBounds(noShape, 4096).maxBytes + 1, noShape, 4096)).toBe(false);
  });

  it('grow with the context: a large real reading at 128k is kept, the same at 4k is not', () => {
    const at128k = 4.9 * GB + KV_PER_TOKEN * 131072;
    expect(plausible(at128k, llama, 131072)).toBe(true);
    expect(plausible(at128k, llama, 4096)).toBe(false);
  });

  it('believe nothing of a model whose weights are unknown', () => {
    expect(plausible(REAL_4K, { ...llama, weightsBytes: 0 }, 4096)).toBe(false);
    // even a reading within the buffers alone
    expect(plausible(1 * GB, { ...llama, weightsBytes: 0 }, 4096)).toBe(false);
    expect(plausible(1 * GB, { ...llama, weightsBytes: Number.NaN }, 4096)).toBe(false);
  });
});

describe(
  "the bounds of a model whose size is its whole figure at its window (llama-server's: GGUF " +
    'header and --ctx-size)',
  () => {
    /**
     * storyA at 512 tokens (issue 73): weights 1,185,632 + f16 KV cache 327,680 + the prompt cache, at most the
     * KV once more.
     */
    const FIGURE = 1_185_632 + 2 * 327_680;
    const whole: ModelFacts = { name: 'storyA:latest', weightsBytes: FIGURE, contextWindow: 512, sizeAtWindow: true };

    it('are that figure less the tolerance and times the factor, with no buffers of a fixed size beside', () => {
      const b = sizeBounds(whole, 512);
      expect(b).toEqual({
        minBytes: Math.floor(FIGURE * (1 - WEIGHTS_TOLERANCE)),
        maxBytes: Math.ceil(FIGURE * UPPER_FACTOR),
      });
      for (const bytes of [b.minBytes, 2.0e6, b.maxBytes])
        expect(plausible(bytes, whole, 512), String(bytes)).toBe(true);
      // 8.8 and 9.8 MB: what its llama-server process held, runtime included, on two runs of b47b5a7
      for (const bytes of [b.minBytes - 1, b.maxBytes + 1, 8.8e6, 9.8e6, 1e14])
        expect(plausible(bytes, whole, 512), String(bytes)).toBe(false);
      expect(sizeBounds({ ...whole, sizeAtWindow: false }, 512).maxBytes).toBe(
        Math.ceil(FIGURE * UNKNOWN_KV_FACTOR) + BUFFER_BYTES,
      );
    });

    it("set aside a process's memory with the bounds named, and never read it back", () => {
      expect(setAsideBecause(8.8e6, 512, whole, [])).toBe(
        'it is outside what storyA:latest can take at a 512-token context (1.7 MB to 2.8 MB)',
      );
      expect(setAsideBecause(2.0e6, 512, whole, [])).toBeUndefined();
      expect(trustedSeen([seen(512, [8.8e6, 9.8e6])], whole)).toEqual([]);
      expect(trustedSeen([seen(512, [2.0e6])], whole)).toHaveLength(1);
    });
  },
);

describe('the context a reading is filed under', () => {
  it("is the host's claim when it is the context asked, or up to that × the slots within the window", () => {
    expect(readingContext(4096, 4096, 1, llama)).toBe(4096);
    expect(readingContext(8192, 4096, 2, llama)).toBe(8192);
  });

  it('is the context asked when the claim is above the window, past the slots, below the ask, or nonsense', () => {
    for (const claimed of [1e9, 131072 * 2, 8192, 2048, 0, -1, 4096.5, undefined])
      expect(readingContext(claimed, 4096, 1, llama), String(claimed)).toBe(4096);
    expect(readingContext(12288, 4096, 2, llama)).toBe(4096);
    expect(readingContext(262144, 131072, 2, llama)).toBe(131072);
  });

  it('a sensible context is a whole number of tokens within the window', () => {
    expect(sensibleContext(131072, llama)).toBe(true);
    expect(sensibleContext(1, llama)).toBe(true);
    expect(sensibleContext(131073, llama)).toBe(false);
    expect(sensibleContext(0, llama)).toBe(false);
    expect(sensibleContext(undefined, llama)).toBe(false);
    expect(sensibleContext(4096.5, llama)).toBe(false);
    expect(sensibleContext(Number.NaN, llama)).toBe(false);
  });
});

describe('whether a reading is learned', () => {
  it('a first real reading is; 1e14, 1 byte and 0 are set aside, saying the bounds', () => {
    expect(setAsideBecause(REAL_4K, 4096, llama, [])).toBeUndefined();
    for (const bytes of [1e14, 1, 0])
      expect(setAsideBecause(bytes, 4096, llama, [])).toMatch(
        /^it is outside what llama3\.1:8b can take at a 4096-token context \(4\.4 GB to 10\.3 GB\)$/,
      );
  });

  it('a reading near earlier ones is kept; one beyond the outlier factor either way is set aside', () => {
    const earlier = [seen(4096, [REAL_4K])];
    expect(setAsideBecause(REAL_4K * 1.2, 4096, llama, earlier)).toBeUndefined();
    expect(setAsideBecause(REAL_4K * OUTLIER_FACTOR, 4096, llama, earlier)).toBeUndefined();
    expect(setAsideBecause(REAL_4K * OUTLIER_FACTOR * 1.01, 4096, llama, earlier)).toMatch(
      /earlier loads of it took 5\.4 GB there \(an outlier beyond 1\.5×\)/,
    );
    const high = [seen(4096, [10 * GB])];
    expect(setAsideBecause((10 * GB) / OUTLIER_FACTOR, 4096, llama, high)).toBeUndefined();
    expect(setAsideBecause(((10 * GB) / OUTLIER_FACTOR) * 0.99, 4096, llama, high)).toMatch(/outlier/);
  });

  it('earlier readings at another context are scaled to this one first', () => {
    const at8k = 4.9 * GB + KV_PER_TOKEN * 8192;
    expect(setAsideBecause(REAL_4K, 4096, llama, [seen(8192, [at8k])])).toBeUndefined();
  });

  it('earlier rows that are themselves impossible do not count against a real reading', () => {
    expect(setAsideBecause(REAL_4K, 4096, llama, [seen(4096, [1e14])])).toBeUndefined();
    expect(setAsideBecause(REAL_4K, 4096, llama, [seen(1e9, [REAL_4K * 3])])).toBeUndefined();
  });
});

describe('rows read from the database', () => {
  it('are trusted within the bounds at a sensible context, set aside otherwise', () => {
    const good = seen(4096, [REAL_4K]);
    expect(
      trustedSeen([good, seen(4096, [1e14]), seen(4096, [1]), seen(1e9, [REAL_4K]), seen(0, [REAL_4K])], llama),
    ).toEqual([good]);
  });

  it('a figure scaled down from a larger context never falls below the weights', () => {
    // a host that said 128k of context for what a 4k load takes: scaled to 4k, the KV goes negative
    const l = learnedSize([seen(131072, [REAL_4K])], 4096, llama.kvAt, llama.weightsBytes)!;
    expect(l.bytes).toBe(llama.weightsBytes);
    expect(learnedSize([seen(131072, [REAL_4K])], 4096, llama.kvAt)!.bytes).toBe(1);
  });
});

describe("doctor's line on learned figures", () => {
  const fig = (bytes: number, contextLength = 4096, estimateBytes = 6 * GB): LearnedFigure => ({
    label: 'llama3.1:8b',
    seen: seen(contextLength, [bytes]),
    facts: llama,
    estimateBytes,
  });

  it('is silent when every figure is within the far factor of the estimate, either way', () => {
    expect(learnedFiguresCheck([])).toBeUndefined();
    expect(learnedFiguresCheck([fig(6 * GB * FAR_FACTOR), fig((7 * GB) / FAR_FACTOR, 4096, 7 * GB)])).toBeUndefined();
    expect(learnedFiguresCheck([fig(((7 * GB) / FAR_FACTOR) * 0.99, 4096, 7 * GB)])!.detail).toContain(
      '(1/1.5 of the estimate; used)',
    );
  });

  it('lists a figure set aside, and one used but far, with by how much and the command to forget them', () => {
    const check = learnedFiguresCheck([fig(1e14), fig(REAL_4K), fig(6 * GB * FAR_FACTOR * 1.01)])!;
    expect(check.level).toBe('warn');
    expect(check.detail).toBe(
      '2 figures learned from loads are far from the estimate: llama3.1:8b at 4k context: 100.0 ' +
        'TB learned, 6.0 GB estimated (16,667× the estimate; set aside as impossible for it, not used); ' +
        'llama3.1:8b at 4k context: 9.1 GB learned, 6.0 GB estimated (1.5× the estimate; used)',
    );
    expect(check.fix).toMatch(/^`ollm-mcp learning reset sizes` forgets/);
  });

  it(
    'says how far at the edges of its wording: 100× in whole numbers, exactly the estimate as ' +
      '1.0×, nothing as nothing',
    () => {
      expect(learnedFiguresCheck([fig(600 * GB)])!.detail).toContain('(100× the estimate; set aside');
      expect(learnedFiguresCheck([fig(99.5 * GB, 4096, 1 * GB)])!.detail).toContain('(99.5× the estimate;');
      expect(learnedFiguresCheck([fig(6 * GB, 1e9)])!.detail).toContain(
        '6.0 GB learned, 6.0 GB estimated (1.0× the estimate; set aside',
      ); // at a context no model has
      expect(learnedFiguresCheck([fig(0)])!.detail).toContain(
        '0 B learned, 6.0 GB estimated (nothing, against the estimate; set aside',
      );
    },
  );

  it('says a figure below the estimate as a fraction of it', () => {
    expect(learnedFiguresCheck([fig(1)])!.detail).toContain('(1/6,000,000,000 of the estimate; set aside');
    expect(learnedFiguresCheck([fig(5.3 * GB, 1e9)])!.detail).toMatch(
      /^1 figure learned from loads is far .* set aside as impossible/,
    );
  });
});
