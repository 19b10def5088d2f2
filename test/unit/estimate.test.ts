/** The estimator (generation/estimate.ts): seconds of a plan from its shape and the speeds learned, or assumed and said so. */
import { describe, expect, it } from 'vitest';
import { aboutSeconds, assumedSpeeds, estimateSeconds, expectedAnswerTokens, type EstimateInput, type SpeedFacts } from '../../src/orchestrator/generation/estimate.js';

const one: EstimateInput = { loadSeconds: 0, queueSeconds: 0, promptTokens: 0, answerTokens: 0, parts: 1, width: 1, rounds: 0 };
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
    const e = estimateSeconds({ ...one, loadSeconds: 7, queueSeconds: 3, promptTokens: 100, answerTokens: 10 }, measured);
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

  it('reads a prefix the cache holds for free', () => {
    const cold = estimateSeconds({ ...one, promptTokens: 4000, answerTokens: 10 }, measured);
    const warm = estimateSeconds({ ...one, promptTokens: 4000, cachedTokens: 3000, answerTokens: 10 }, measured);
    expect(cold.promptSeconds).toBeCloseTo(40);
    expect(warm.promptSeconds).toBeCloseTo(10);
    // never below nothing, whatever the cache is said to hold
    expect(estimateSeconds({ ...one, promptTokens: 10, cachedTokens: 50, answerTokens: 0 }, measured).promptSeconds).toBe(0);
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

describe('expectedAnswerTokens', () => {
  it('is the limit until an answer was seen, the typical answer when they end by themselves, the limit when they are cut', () => {
    expect(expectedAnswerTokens(1000)).toBe(1000);
    expect(expectedAnswerTokens(1000, { answerTokens: 300, cutShare: 0 })).toBe(300);
    expect(expectedAnswerTokens(200, { answerTokens: 300, cutShare: 0 })).toBe(200);
    expect(expectedAnswerTokens(1000, { cutShare: 1 })).toBe(1000);
    expect(expectedAnswerTokens(1000, { answerTokens: 200, cutShare: 0.5 })).toBe(600);
  });

  it('takes the length given for a model none of whose answers was seen (within the limit), and only then', () => {
    expect(expectedAnswerTokens(1000, {}, 400)).toBe(400);
    expect(expectedAnswerTokens(300, {}, 400)).toBe(300);
    expect(expectedAnswerTokens(1000, { answerTokens: 900, cutShare: 0 }, 400)).toBe(900);
    expect(expectedAnswerTokens(1000, { cutShare: 1 }, 400)).toBe(1000);
  });
});
