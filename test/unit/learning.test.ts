import { describe, expect, it } from 'vitest';
import {
  addOutcome,
  chooseLearned,
  evidenceByWork,
  evidenceFor,
  evidenceText,
  expectedQuality,
  expectedSeconds,
  LEARNING_DEFAULTS,
  NO_EVIDENCE,
  posterior,
  priorFor,
  recordOutcome,
  sampleBeta,
  trackRecord,
  type Evidence,
  type LearnedCandidate,
} from '../../src/orchestrator/generation/learning.js';
import { random } from '../helpers/random.js';

const GB = 1e9;
const ev = (e: Partial<Evidence>): Evidence => ({ ...NO_EVIDENCE, ...e });
/** An 8B code model, loaded, no evidence: change what a test is about. */
const cand = (name: string, over: Partial<LearnedCandidate> = {}): LearnedCandidate => ({
  name,
  profiles: ['code'],
  parameterSize: '8B',
  sizeBytes: 4.8 * GB,
  loaded: true,
  ...over,
});
const never = () => {
  throw new Error('rng called');
};

describe('posterior', () => {
  it(
    'starts from the table: 0.7 with weight 16 when the profiles include the work, 0.5 with ' +
      'weight 10 otherwise or general-only',
    () => {
      expect(priorFor({ profiles: ['code', 'general'], parameterSize: '8B' }, 'code')).toEqual({
        alpha: expect.closeTo(11.2, 9),
        beta: expect.closeTo(4.8, 9),
      });
      expect(priorFor({ profiles: ['general', 'creative'], parameterSize: '8B' }, 'code')).toEqual({
        alpha: expect.closeTo(5, 9),
        beta: expect.closeTo(5, 9),
      });
      // general-only is how an unknown model is described: it says nothing, even for general work
      expect(priorFor({ profiles: ['general'], parameterSize: '8B' }, 'general')).toEqual({
        alpha: expect.closeTo(5, 9),
        beta: expect.closeTo(5, 9),
      });
    },
  );

  it('leans slightly to larger models, and to smaller ones for fast work', () => {
    const mean = (parameterSize: string, work: 'code' | 'fast') =>
      expectedQuality({ profiles: ['code', 'fast'], parameterSize }, work).mean;
    expect(mean('70B', 'code')).toBeCloseTo(0.7 + LEARNING_DEFAULTS.sizeShiftMax, 9);
    expect(mean('1B', 'code')).toBeCloseTo(0.7 - LEARNING_DEFAULTS.sizeShiftMax, 9);
    expect(mean('16B', 'code')).toBeCloseTo(0.7 + LEARNING_DEFAULTS.sizeShiftPerDoubling, 9);
    expect(mean('1B', 'fast')).toBeGreaterThan(mean('70B', 'fast'));
  });

  it(
    'adds the evidence: good and compare wins succeed; bad, failures and timeouts fail; a cut ' +
      'half, a compare loss a quarter',
    () => {
      const f = { profiles: ['code'] as const, parameterSize: '8B' };
      const e = ev({ good: 5, wins: 1, bad: 1, failures: 1, timeouts: 1, cut: 2, losses: 4 });
      const b = posterior(f, 'code', e);
      expect(b.alpha).toBeCloseTo(11.2 + 6, 9);
      expect(b.beta).toBeCloseTo(4.8 + 3 + 1 + 1, 9);
      const q = expectedQuality(f, 'code', e);
      const n = b.alpha + b.beta;
      expect(q.mean).toBeCloseTo(b.alpha / n, 9);
      expect(q.std).toBeCloseTo(Math.sqrt((b.alpha * b.beta) / (n * n * (n + 1))), 9);
      expect(q.low).toBeCloseTo(q.mean - q.std, 9);
      expect(q.high).toBeCloseTo(q.mean + q.std, 9);
    },
  );

  it('narrows with evidence', () => {
    const f = { profiles: ['code'] as const };
    const std = (e?: Evidence) => expectedQuality(f, 'code', e).std;
    expect(std(ev({ good: 40, bad: 10 }))).toBeLessThan(std() / 2);
    expect(std(ev({ good: 40, bad: 10 }))).toBeLessThan(std(ev({ good: 4, bad: 1 })));
  });

  it('holds a table-known model near its prior on a few verdicts, and gives way to a few dozen', () => {
    const f = { profiles: ['code'] as const, parameterSize: '8B' };
    expect(expectedQuality(f, 'code', ev({ bad: 2 })).mean).toBeGreaterThan(0.6);
    expect(expectedQuality(f, 'code', ev({ good: 6, bad: 24 })).mean).toBeLessThan(0.4);
  });

  it('samples Beta draws with the right mean and spread from a seeded rng', () => {
    const rng = random(7);
    const b = { alpha: 8, beta: 2 };
    const xs = Array.from({ length: 20000 }, () => sampleBeta(b, rng));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(0.8, 2);
    expect(sd).toBeCloseTo(Math.sqrt(16 / (100 * 11)), 2);
    expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
    // shapes below 1 (the unknown prior's) too
    const small = Array.from({ length: 20000 }, () => sampleBeta({ alpha: 0.5, beta: 0.5 }, rng));
    expect(small.reduce((s, x) => s + x, 0) / small.length).toBeCloseTo(0.5, 1);
  });
});

describe('evidence', () => {
  it('adds outcomes without changing the evidence passed in, and averages speed', () => {
    let e = addOutcome(NO_EVIDENCE, { kind: 'verdict', good: true });
    e = addOutcome(e, { kind: 'verdict', good: false });
    e = addOutcome(e, { kind: 'compare', won: true });
    e = addOutcome(e, { kind: 'compare', won: false });
    e = addOutcome(e, { kind: 'failure' });
    e = addOutcome(e, { kind: 'timeout' });
    e = addOutcome(e, { kind: 'cut' });
    e = addOutcome(e, { kind: 'speed', tokensPerSecond: 30 });
    e = addOutcome(e, { kind: 'speed', tokensPerSecond: 50 });
    e = addOutcome(e, { kind: 'speed', tokensPerSecond: Number.NaN });
    expect(e).toEqual({
      good: 1,
      bad: 1,
      wins: 1,
      losses: 1,
      failures: 1,
      timeouts: 1,
      cut: 1,
      speedSamples: 2,
      tokensPerSecond: 40,
    });
    expect(NO_EVIDENCE.good).toBe(0);
  });

  it('keeps a book per model, host and kind of work', () => {
    let book = recordOutcome({}, { model: 'qwen3:14b', work: 'code' }, { kind: 'verdict', good: true });
    book = recordOutcome(
      book,
      { model: 'qwen3:14b', host: 'http://gpu:11434', work: 'code' },
      { kind: 'verdict', good: false },
    );
    book = recordOutcome(book, { model: 'qwen3:14b', work: 'reasoning' }, { kind: 'timeout' });
    expect(evidenceFor(book, { model: 'qwen3:14b', work: 'code' })?.good).toBe(1);
    expect(evidenceFor(book, { model: 'qwen3:14b', host: 'http://gpu:11434', work: 'code' })?.bad).toBe(1);
    expect(Object.keys(evidenceByWork(book, 'qwen3:14b')).sort()).toEqual(['code', 'reasoning']);
    expect(JSON.parse(JSON.stringify(book))).toEqual(book); // storable as it is
  });

  it('reads as the reason says it', () => {
    expect(evidenceText(ev({ good: 8, bad: 1 }), 'code')).toBe('good on 8 of 9 code answers here');
    expect(evidenceText(undefined, 'code')).toBe('no track record here yet');
    expect(evidenceText(ev({ speedSamples: 3, tokensPerSecond: 20 }), 'code')).toBe('no track record here yet');
    expect(evidenceText(ev({ good: 1, wins: 2, losses: 1, timeouts: 1, cut: 2 }), 'general')).toBe(
      'good on 1 of 1 general answer here, preferred in 2 of 3 comparisons, 1 timeout, 2 cut at maxTokens',
    );
    expect(evidenceText(ev({ failures: 2 }), 'vision')).toBe('2 failures on vision work here');
  });
});

describe('chooseLearned', () => {
  const opts = (seed: number, explore = true) => ({ rng: random(seed), explore });

  it('prefers an untried peer to a model with 10 bad verdicts', () => {
    const bad = cand('bad', { evidence: ev({ bad: 10 }) });
    const fresh = cand('fresh');
    for (const explore of [false, true]) {
      const picks = Array.from(
        { length: 200 },
        (_, i) => chooseLearned([bad, fresh], 'code', opts(i, explore))!.candidate.name,
      );
      expect(picks.filter((n) => n === 'bad').length).toBeLessThanOrEqual(explore ? 4 : 0);
    }
  });

  it('prefers a model good on 8 of 9 answers to its prior-only peer', () => {
    const proven = cand('proven', { evidence: ev({ good: 8, bad: 1 }) });
    const peer = cand('peer');
    const off = chooseLearned([peer, proven], 'code', opts(1, false))!;
    expect(off.candidate.name).toBe('proven');
    expect(off.reason).toMatch(/^good on 8 of 9 code answers here; expected quality 7\d% ±\d+%, ~/);
    const picks = Array.from({ length: 500 }, (_, i) => chooseLearned([peer, proven], 'code', opts(i))!.candidate.name);
    expect(picks.filter((n) => n === 'proven').length).toBeGreaterThan(400);
  });

  it('explores a close second sometimes, a clearly bad model essentially never', () => {
    const leader = cand('leader', { evidence: ev({ good: 10, bad: 0 }) });
    const second = cand('second', { evidence: ev({ good: 5, bad: 1 }) });
    const poor = cand('poor', { evidence: ev({ good: 1, bad: 12 }) });
    const choices = Array.from({ length: 2000 }, (_, i) => chooseLearned([leader, second, poor], 'code', opts(i))!);
    const count = (name: string) => choices.filter((c) => c.candidate.name === name).length;
    expect(count('second')).toBeGreaterThan(20);
    expect(count('second')).toBeLessThan(600);
    expect(count('poor')).toBe(0);
    const scores = choices[0]!.scores;
    expect(scores.find((s) => s.name === 'second')?.close).toBe(true);
    expect(scores.find((s) => s.name === 'poor')?.close).toBe(false);
    const explored = choices.find((c) => c.explored)!;
    expect(explored.reason).toContain('tried ahead of leader');
  });

  it(
    'does not lock in an unlucky start: a table model with a poor early record stays in the ' +
      'draw while it may still be better',
    () => {
      const leader = cand('leader', { evidence: ev({ good: 20, bad: 6 }) });
      const unlucky = cand('unlucky', { evidence: ev({ good: 1, bad: 1 }) });
      const choices = Array.from({ length: 2000 }, (_, i) => chooseLearned([leader, unlucky], 'code', opts(i))!);
      const score = choices[0]!.scores.find((s) => s.name === 'unlucky')!;
      expect(score.close).toBe(true);
      expect(score.chance).toBeGreaterThan(LEARNING_DEFAULTS.exploreFloor);
      expect(score.chance).toBeLessThan(0.5);
      const tried = choices.filter((c) => c.candidate.name === 'unlucky');
      expect(tried.length).toBeGreaterThan(0);
      expect(tried.length).toBeLessThan(200);
      expect(tried[0]!.reason).toMatch(
        /tried ahead of leader \(expected quality \d+%\) to learn more: a \d+% chance it is better/,
      );
    },
  );

  it('is plain Thompson sampling at exploreScale 1: an even pair splits about evenly', () => {
    const a = cand('a', { evidence: ev({ good: 8, bad: 2 }) });
    const b = cand('b', { evidence: ev({ good: 8, bad: 2 }) });
    const picks = Array.from(
      { length: 2000 },
      (_, i) => chooseLearned([a, b], 'code', { ...opts(i), params: { exploreScale: 1 } })!.candidate.name,
    );
    const share = picks.filter((n) => n === 'b').length / picks.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
  });

  it('explores less as verdicts come in', () => {
    const share = (n: number) => {
      const a = cand('a', { evidence: ev({ good: Math.round(0.8 * n), bad: n - Math.round(0.8 * n) }) });
      const b = cand('b', { evidence: ev({ good: Math.round(0.75 * n), bad: n - Math.round(0.75 * n) }) });
      return Array.from({ length: 2000 }, (_, i) => chooseLearned([a, b], 'code', opts(i))!).filter((c) => c.explored)
        .length;
    };
    expect(share(60)).toBeLessThan(share(4));
  });

  it('without exploration is deterministic, never draws, and follows the prior order', () => {
    const cands = [
      cand('general-only', { profiles: ['general'], parameterSize: '70B', sizeBytes: 4.8 * GB }),
      cand('small-coder', { parameterSize: '3B' }),
      cand('big-coder', { parameterSize: '32B' }),
    ];
    const first = chooseLearned(cands, 'code', { rng: never, explore: false })!;
    expect(first.candidate.name).toBe('big-coder');
    expect(first.scores.map((s) => s.name)).toEqual(['big-coder', 'small-coder', 'general-only']);
    expect(first.explored).toBe(false);
    expect(first.evidence).toBe('no track record here yet');
    for (let i = 0; i < 5; i++)
      expect(chooseLearned([...cands].reverse(), 'code', { rng: never, explore: false })).toEqual(first);
  });

  it('lets a cold load decide between two models of equal quality', () => {
    const warm = cand('warm', { loaded: true });
    const cold = cand('cold', { loaded: false, coldLoadSeconds: 30 });
    const off = chooseLearned([cold, warm], 'code', opts(1, false))!;
    expect(off.candidate.name).toBe('warm');
    expect(off.scores.find((s) => s.name === 'cold')!.time.loadSeconds).toBe(30);
    const picks = Array.from({ length: 1000 }, (_, i) => chooseLearned([cold, warm], 'code', opts(i))!.candidate.name);
    expect(picks.filter((n) => n === 'warm').length).toBeGreaterThan(550);
    // both loaded: the order falls back to the name, so the load was what decided
    expect(chooseLearned([{ ...cold, loaded: true }, warm], 'code', opts(1, false))!.candidate.name).toBe('cold');
  });

  it('returns undefined for no candidates', () => {
    expect(chooseLearned([], 'code', { rng: never, explore: true })).toBeUndefined();
  });
});

describe('expected time', () => {
  it('is the cold load plus the tokens at the measured speed, else a prior by size', () => {
    expect(
      expectedSeconds(
        { loaded: false, coldLoadSeconds: 12, evidence: ev({ speedSamples: 3, tokensPerSecond: 40 }) },
        400,
      ),
    ).toEqual({ seconds: 22, loadSeconds: 12, tokensPerSecond: 40, measured: true });
    const guess = expectedSeconds({ loaded: true, sizeBytes: 4 * GB }, 500);
    expect(guess).toEqual({ seconds: 10, loadSeconds: 0, tokensPerSecond: 50, measured: false });
    // a larger model is guessed slower, and slower to load when no estimate is given
    const big = expectedSeconds({ loaded: false, sizeBytes: 40 * GB }, 500);
    expect(big.tokensPerSecond).toBeLessThan(guess.tokensPerSecond);
    expect(big.loadSeconds).toBeGreaterThan(30);
  });
});

describe('trackRecord', () => {
  it('gives counts, mean quality and speed per kind of work', () => {
    const record = trackRecord(
      {
        code: ev({ good: 8, bad: 1, cut: 1, speedSamples: 2, tokensPerSecond: 41.26 }),
        reasoning: ev({ timeouts: 2 }),
      },
      { profiles: ['code'] },
    );
    expect(record.code).toEqual({
      good: 8,
      bad: 1,
      failures: 0,
      timeouts: 0,
      cut: 1,
      wins: 0,
      losses: 0,
      meanQuality: 0.75,
      uncertainty: 0.08,
      tokensPerSecond: 41.3,
      summary: 'good on 8 of 9 code answers here, 1 cut at maxTokens',
    });
    expect(record.reasoning).toMatchObject({
      timeouts: 2,
      meanQuality: 0.42,
      summary: '2 timeouts on reasoning work here',
    });
    expect(record.reasoning).not.toHaveProperty('tokensPerSecond');
    expect(record.general).toBeUndefined();
  });
});
