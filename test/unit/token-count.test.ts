import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import {
  CALIBRATION_ENOUGH_TOKENS,
  countsForCalibration,
  RATIO_MARGIN,
  ratioOf,
  sampleOf,
  tokenCounter,
} from '../../src/orchestrator/generation/token-count.js';

describe('counting tokens as the engine will', () => {
  it('trusts a ratio only once enough prompts were seen, and keeps a margin above it', () => {
    expect(ratioOf(CALIBRATION_ENOUGH_TOKENS - 1, 4000)).toBeUndefined();
    expect(ratioOf(4000, 8000)).toBeCloseTo(2 * RATIO_MARGIN);
  });

  it('leaves out small prompts and counts far below the estimate (a prompt cache reusing tokens)', () => {
    expect(countsForCalibration(100, 200)).toBe(false);
    expect(countsForCalibration(1000, 300)).toBe(false);
    expect(countsForCalibration(1000, 1900)).toBe(true);
  });

  it('scales the estimate by the ratio, and says where it comes from', () => {
    const text = 'worker-3 LINE-12 handled job 372 status=ok\n'.repeat(50);
    expect(tokenCounter(undefined)(text)).toBe(estimateTokens(text));
    expect(tokenCounter(undefined).source).toBe('estimate');
    const doubled = tokenCounter(2);
    expect(doubled(text)).toBe(Math.ceil(estimateTokens(text) * 2));
    expect(doubled.source).toBe('earlier answers');
  });

  it('samples a long input evenly, within the limit, and a short one whole', () => {
    expect(sampleOf('abc')).toBe('abc');
    const long = Array.from({ length: 100_000 }, (_, i) => String(i % 10)).join('');
    const s = sampleOf(long, 8000, 8);
    expect(s.length).toBeLessThanOrEqual(8000 + 7);
    expect(s.startsWith(long.slice(0, 1000))).toBe(true);
    expect(s.endsWith(long.slice(-1000))).toBe(true);
  });
});
