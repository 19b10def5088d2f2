/**
 * The estimator (generation/estimate.ts): seconds of a plan from its shape and the speeds learned, or assumed
 * and said so.
 */
import { describe, expect, it } from 'vitest';
import {
  aboutSeconds,
  assumedSpeeds,
  estimateSeconds,
  expectedAnswerTokens,
  typicalAnswerTokens,
  type EstimateInput,
  type SpeedFacts,
} from '../../src/orchestrator/generation/estimate.js';
import { hostRates } from '../../src/orchestrator/generation/host-rates.js';
import { learnSpeed } from '../../src/orchestrator/generation/speed-learning.js';

const one: EstimateInput = {
  loadSeconds: 0,
  queueSeconds: 0,
  promptTokens: 0,
  answerTokens: 0,
  parts: 1,
  width: 1,
  rounds: 0,
};
const measured: SpeedFacts = { hostKind: 'cpu', sizeBytes: 2e9, promptTokensPerSecond: 100, tokensPerSecond: 10 };

describe('estimateSeconds', () => {
  it('counts reading the input: an 8k-token prompt at 100 tokens/s is 80 s before the first answer token', () => {
    const e = estimateSeconds({ ...one, promptTokens: 8000, answerTokens: 100 }, measured);
    expect(e.promptSeconds).toBeCloseTo(80);
    expect(e.answerSeconds).toBeCloseTo(10);
    expect(e.seconds).toBeCloseTo(90);
    expect(e.known).toBe(true);
    expect(e.why).toBe('reading 100 prompt tokens/s and writing 10.0 tokens/s, measured here');
    // the same answer after a short prompt is dominated by writing
    expect(estimateSeconds({ ...one, promptTokens: 50, answerTokens: 100 }, measured).seconds).toBeCloseTo(10.5);
  });

  it('adds the load and the wait behind running requests', () => {
    const e = estimateSeconds(
      { ...one, loadSeconds: 7, queueSeconds: 3, promptTokens: 100, answerTokens: 10 },
      measured,
    );
    expect(e.seconds).toBeCloseTo(7 + 3 + 1 + 1);
  });

  it('runs parts width at once (the first alone), so a wider model takes fewer waves', () => {
    const job = { ...one, promptTokens: 1000, answerTokens: 50, parts: 9, rounds: 1, finalAnswerTokens: 100 };
    const narrow = estimateSeconds({ ...job, width: 1 }, measured);
    const wide = estimateSeconds({ ...job, width: 4 }, measured);
    // one part: 10 s reading + 5 s writing; width 1: 9 parts; width 4: 1 + ceil(8/4) = 3 waves
    const combine = (9 * 50) / 100 + 100 / 10;
    expect(narrow.seconds).toBeCloseTo(9 * 15 + combine);
    expect(wide.seconds).toBeCloseTo(3 * 15 + combine);
    expect(wide.seconds).toBeLessThan(narrow.seconds);
  });

  it('runs every part width at once where the first need not go alone (a copy loaded with the window)', () => {
    const job = { ...one, promptTokens: 1000, answerTokens: 50, parts: 8, width: 4, rounds: 1, finalAnswerTokens: 100 };
    const combine = (8 * 50) / 100 + 100 / 10;
    // alone (unsaid, or said): 1 + ceil(7/4) = 3 waves; at once: ceil(8/4) = 2
    expect(estimateSeconds(job, measured).seconds).toBeCloseTo(3 * 15 + combine);
    expect(estimateSeconds({ ...job, firstAlone: true }, measured).seconds).toBeCloseTo(3 * 15 + combine);
    const atOnce = estimateSeconds({ ...job, firstAlone: false }, measured);
    expect(atOnce.seconds).toBeCloseTo(2 * 15 + combine);
    // one request alone is the same either way
    expect(atOnce.requestSeconds).toBeCloseTo(15);
  });

  it("takes turns with other jobs' parts waiting for the same slots, as many as its own at most (issue 82)", () => {
    const job = { ...one, promptTokens: 1000, answerTokens: 50, parts: 8, width: 4, rounds: 1, finalAnswerTokens: 100 };
    const combine = (8 * 50) / 100 + 100 / 10;
    // at once: ceil((8 + 4) / 4) = 3 waves where alone 2; alone first: 1 + ceil((7 + 4) / 4) = 4 where 3
    expect(estimateSeconds({ ...job, firstAlone: false, sharedParts: 4 }, measured).seconds).toBeCloseTo(
      3 * 15 + combine,
    );
    expect(estimateSeconds({ ...job, sharedParts: 4 }, measured).seconds).toBeCloseTo(4 * 15 + combine);
    // a backlog longer than the job's parts takes turns only while the job has parts: 8 of 100, ceil(16 / 4) = 4
    expect(estimateSeconds({ ...job, firstAlone: false, sharedParts: 100 }, measured).seconds).toBeCloseTo(
      4 * 15 + combine,
    );
    // none, or nonsense: as alone
    expect(estimateSeconds({ ...job, firstAlone: false, sharedParts: 0 }, measured).seconds).toBeCloseTo(
      2 * 15 + combine,
    );
    expect(estimateSeconds({ ...job, firstAlone: false, sharedParts: -3 }, measured).seconds).toBeCloseTo(
      2 * 15 + combine,
    );
  });

  it('counts combinations as long as they run, and the rounds their length takes (issue 82)', () => {
    // 12 parts of 1000 tokens writing 100 each, width 4, the plan's 3 rounds (every answer at its limit)
    const job = {
      ...one,
      promptTokens: 1000,
      answerTokens: 100,
      parts: 12,
      width: 4,
      rounds: 3,
      finalAnswerTokens: 200,
    };
    const parts = 4 * (10 + 10); // the first alone, then ceil(11/4) = 3 waves, each 10 s reading and 10 s writing
    // combinations as long as the parts: round 1 two groups of ten (one wave), round 2 the last over the two
    const short = estimateSeconds(job, measured);
    expect(short.seconds).toBeCloseTo(parts + (1000 / 100 + 100 / 10) + (200 / 100 + 200 / 10));
    // a combination writing 400: round 1 writes 400 each, round 2 reads two of them (800) and writes the answer
    const long = estimateSeconds({ ...job, combineAnswerTokens: 400 }, measured);
    expect(long.seconds).toBeCloseTo(parts + (1000 / 100 + 400 / 10) + (800 / 100 + 200 / 10));
    // 600 a combination, 30 parts: 3 groups, then 2 (a prompt holds two of 600 at the least), then the last — three
    // rounds where the plan counts three; a plan of two makes the second the last
    const many = { ...job, parts: 30, combineAnswerTokens: 600 };
    const rounds = (e: ReturnType<typeof estimateSeconds>) => e.answerSeconds;
    expect(
      rounds(estimateSeconds(many, measured)) - rounds(estimateSeconds({ ...many, rounds: 2 }, measured)),
    ).toBeCloseTo(600 / 10);
  });

  it('reads a prefix the cache holds for free', () => {
    const cold = estimateSeconds({ ...one, promptTokens: 4000, answerTokens: 10 }, measured);
    const warm = estimateSeconds({ ...one, promptTokens: 4000, cachedTokens: 3000, answerTokens: 10 }, measured);
    expect(cold.promptSeconds).toBeCloseTo(40);
    expect(warm.promptSeconds).toBeCloseTo(10);
    // never below nothing, whatever the cache is said to hold
    expect(
      estimateSeconds({ ...one, promptTokens: 10, cachedTokens: 50, answerTokens: 0 }, measured).promptSeconds,
    ).toBe(0);
  });

  it('assumes speeds not yet measured from the host kind and the size, and says so', () => {
    const facts: SpeedFacts = { hostKind: 'cpu', parameterSize: '8B' };
    const e = estimateSeconds({ ...one, promptTokens: 1000, answerTokens: 100 }, facts);
    expect(e.known).toBe(false);
    expect(e.why).toMatch(/assumed for a CPU host, not yet measured/);
    expect(e.promptTokensPerSecond).toBeCloseTo(0.6e12 / 16e9);
    const gpu = estimateSeconds({ ...one, promptTokens: 1000, answerTokens: 100 }, { ...facts, hostKind: 'gpu' });
    expect(gpu.seconds).toBeLessThan(e.seconds / 10);
    expect(gpu.why).toMatch(/assumed for a GPU host/);
    // one speed measured, the other assumed: not known, and which is which said
    const half = estimateSeconds({ ...one, promptTokens: 1000, answerTokens: 100 }, { ...facts, tokensPerSecond: 20 });
    expect(half.known).toBe(false);
    expect(half.why).toMatch(/prompt tokens\/s \(assumed .*\) and writing 20\.0 tokens\/s \(measured here\)/);
    expect(aboutSeconds(half)).toMatch(/^about [\d.]+ s \(assumed speeds\)$/);
    expect(aboutSeconds({ seconds: 42.4, known: true })).toBe('about 42 s (measured speeds)');
  });

  it('assumes a bigger model slower, within bounds', () => {
    const small = assumedSpeeds({ hostKind: 'gpu', sizeBytes: 2e9 });
    const big = assumedSpeeds({ hostKind: 'gpu', sizeBytes: 40e9 });
    expect(big.tokensPerSecond).toBeLessThan(small.tokensPerSecond);
    expect(big.promptTokensPerSecond).toBeLessThan(small.promptTokensPerSecond);
    expect(assumedSpeeds({ hostKind: 'gpu', sizeBytes: 1 }).tokensPerSecond).toBe(200);
  });
});

describe('expectedAnswerTokens (issue 73: the limit is a bound, not an expectation)', () => {
  it('is a typical answer of the work until one was seen, never the whole limit', () => {
    expect(expectedAnswerTokens(4096, {}, typicalAnswerTokens('general'))).toBe(350);
    expect(expectedAnswerTokens(4096, {}, typicalAnswerTokens('fast'))).toBeLessThan(typicalAnswerTokens('general'));
    expect(expectedAnswerTokens(64, {}, typicalAnswerTokens('reasoning'))).toBe(64); // within the limit
  });

  it('is as long as the answers that ended by themselves ran, within the limit', () => {
    expect(expectedAnswerTokens(1000, { answerTokens: 300, cutShare: 0 }, 350)).toBe(300);
    expect(expectedAnswerTokens(200, { answerTokens: 300, cutShare: 0 }, 350)).toBe(200);
  });

  it(
    'takes a cut answer as long as it was cut at (or as the others, when longer), not as the ' +
      'whole of a larger limit',
    () => {
      // cut at 16 tokens of a 16-token limit: asked again with 4096, as long as such answers end (the typical one)
      expect(expectedAnswerTokens(4096, { cutShare: 1, cutTokens: 16 }, 350)).toBe(350);
      // cut at 4096 (it runs on): with 4096 again, the whole limit
      expect(expectedAnswerTokens(4096, { cutShare: 1, cutTokens: 4096 }, 350)).toBe(4096);
      expect(expectedAnswerTokens(1000, { answerTokens: 200, cutShare: 0.5, cutTokens: 1000 }, 350)).toBe(600);
      // a record from before cut lengths were kept: the cut share at the limit, as before
      expect(expectedAnswerTokens(1000, { answerTokens: 200, cutShare: 0.5 }, 350)).toBe(600);
    },
  );
});

describe('speeds assumed from what the host is', () => {
  it("runs the part of a model beyond a GPU host's VRAM at the CPU's speeds", () => {
    const fits = assumedSpeeds({ hostKind: 'gpu', sizeBytes: 9e9, vramBytes: 24e9 });
    const spills = assumedSpeeds({ hostKind: 'gpu', sizeBytes: 9e9, vramBytes: 4.5e9 });
    const cpu = assumedSpeeds({ hostKind: 'cpu', sizeBytes: 9e9 });
    expect(fits).toEqual(assumedSpeeds({ hostKind: 'gpu', sizeBytes: 9e9 }));
    expect(spills.tokensPerSecond).toBeLessThan(fits.tokensPerSecond);
    expect(spills.tokensPerSecond).toBeGreaterThan(cpu.tokensPerSecond);
    // half on each: 1 / (0.5/22.2 + 0.5/4.44) tokens/s
    expect(spills.tokensPerSecond).toBeCloseTo(1 / (0.5 / (200e9 / 9e9) + 0.5 / (40e9 / 9e9)), 5);
  });

  it("takes a model not yet measured at what the host's other models showed, scaled to its size", () => {
    // llama3.2 (2 GB) measured writing 400 tokens/s and reading 2,000 prompt tokens/s on this host
    const book = learnSpeed(
      {},
      'box',
      'llama3.2',
      { promptTokens: 2000, promptMs: 1000, outputTokens: 400, generationMs: 1000, cut: false, sizeBytes: 2e9 },
      1,
    );
    const host = hostRates(book, 'box', 'llama3.1:8b');
    expect(host).toEqual({ hostBandwidth: 800e9, hostPromptScale: 4000e9 });
    expect(hostRates(book, 'box', 'llama3.2')).toEqual({}); // its own figures are its own, not the host's
    expect(hostRates(book, 'other')).toEqual({});
    const scaled = assumedSpeeds({ hostKind: 'cpu', sizeBytes: 4e9, ...host });
    expect(scaled).toEqual({
      promptTokensPerSecond: 1000,
      tokensPerSecond: 200,
      fromHost: { prompt: true, answer: true },
    });
    const e = estimateSeconds(
      { ...one, promptTokens: 1000, answerTokens: 200 },
      { hostKind: 'cpu', sizeBytes: 4e9, ...host },
    );
    expect(e.seconds).toBeCloseTo(2);
    expect(e.known).toBe(false); // a guess still, for the limit's decision (limit-fit.ts)
    expect(e.why).toBe(
      'reading 1000 prompt tokens/s and writing 200 tokens/s, not yet measured for it: scaled ' +
        "from this host's other models",
    );
  });

  it(
    'takes the rate short prompts were read at as the least a prompt reads at, and says so: no ' +
      'longer "not yet measured"',
    () => {
      const assumed = { hostKind: 'cpu' as const, sizeBytes: 4.9e9, tokensPerSecond: 400 };
      const before = estimateSeconds({ ...one, promptTokens: 1000 }, assumed);
      expect(before.why).toMatch(/reading [\d.]+ prompt tokens\/s \(assumed for a CPU host, not yet measured\)/);
      expect(before.known).toBe(false);
      const fast = estimateSeconds({ ...one, promptTokens: 1000 }, { ...assumed, promptFloorTokensPerSecond: 5000 });
      expect(fast.promptTokensPerSecond).toBe(5000);
      expect(fast.known).toBe(true);
      expect(fast.why).toMatch(/reading 5000 prompt tokens\/s \(measured here on short prompts\)/);
      const slow = estimateSeconds({ ...one, promptTokens: 1000 }, { ...assumed, promptFloorTokensPerSecond: 1 });
      // a floor below the assumption lowers nothing
      expect(slow.promptTokensPerSecond).toBe(before.promptTokensPerSecond);
      expect(slow.why).toMatch(/assumed for a CPU host; short prompts read here at 1\.0\/s/);
      expect(slow.why).not.toMatch(/not yet measured/);
      // a prompt timed whole wins over the floor
      expect(
        estimateSeconds(
          { ...one, promptTokens: 1000 },
          { ...assumed, promptTokensPerSecond: 200, promptFloorTokensPerSecond: 5000 },
        ).promptTokensPerSecond,
      ).toBe(200);
    },
  );
});
