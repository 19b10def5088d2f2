/**
 * When a split job's whole result is expected (jobs/split-eta.ts, jobs/split-pace.ts; issue 75,
 * finding 4): from the plan's own figures — each part left at its own size, the combining round at
 * its own — and the speeds this job's parts ran at.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { combiningRounds, jobSpeeds, splitRemainingMs } from '../../src/orchestrator/jobs/split-eta.js';
import { SplitPace } from '../../src/orchestrator/jobs/split-pace.js';
import type { JobParts } from '../../src/orchestrator/route/parts.js';
import type { RouteRequest, RouteResult } from '../../src/orchestrator/generation/route-types.js';
import type { SplitPlan } from '../../src/orchestrator/route/offload-types.js';
import { planFigures } from '../../src/orchestrator/route/split-figures.js';

/** A CPU host's pace: 540 prompt tokens/s, 15 written. */
const speeds = { hostKind: 'cpu' as const, promptTokensPerSecond: 540, tokensPerSecond: 15 };

describe('a split job’s time left, pure', () => {
  it('each part left at its own size, then the combining round at its own', () => {
    const round = [[{ promptTokens: 1080, answerTokens: 300 }]]; // 2 s reading, 20 s writing
    expect(
      splitRemainingMs(
        { now: 0, width: 1, running: [], waiting: [{ promptTokens: 27_000, answerTokens: 300 }], rounds: round },
        speeds,
      ),
    ).toBe(50_000 + 20_000 + 22_000);
    expect(
      splitRemainingMs(
        { now: 0, width: 1, running: [], waiting: [{ promptTokens: 54_000, answerTokens: 300 }], rounds: round },
        speeds,
      ),
    ).toBe(100_000 + 20_000 + 22_000);
    expect(splitRemainingMs({ now: 0, width: 1, running: [], waiting: [], rounds: round }, speeds)).toBe(22_000);
  });

  it('parts at once: one running holds its slot for what is left of its time, the others go to the first free', () => {
    const part = { promptTokens: 5400, answerTokens: 150 }; // 10 s + 10 s
    // one started 5 s ago (15 s left), a slot free: the two waiting take 20 s on the free one, 20 s after the other
    const left = {
      now: 5000,
      width: 2,
      running: [{ ...part, startedAt: 0 }],
      waiting: [part, part],
      rounds: [[{ promptTokens: 0, answerTokens: 150 }]],
    };
    expect(splitRemainingMs(left, speeds)).toBe(35_000 + 10_000);
    // a part past its time is about to end
    expect(splitRemainingMs({ ...left, now: 60_000, waiting: [], rounds: [] }, speeds)).toBe(0);
  });

  it('the combining rounds as split-run.ts combines: the answers that fit a part, rounds until one is left', () => {
    const c = { roomTokens: 1000, fixedTokens: 100, partAnswer: 300, combineAnswer: 400, finalAnswer: 500 };
    expect(combiningRounds([300, 300], c)).toEqual([[{ promptTokens: 700, answerTokens: 500 }]]);
    const two = combiningRounds([300, 300, 300, 300, 300], c);
    expect(two.map((r) => r.length)).toEqual([2, 1]);
    // an earlier round's combinations write a combination's answer, and the next round reads those
    expect(two[0]![0]).toEqual({ promptTokens: 1000, answerTokens: 400 });
    expect(two[1]).toEqual([{ promptTokens: 900, answerTokens: 500 }]);
  });

  it('the combinations as long as a combination runs, not a part: longer ones take a round more (issue 82)', () => {
    const seven = Array<number>(7).fill(300);
    const c = { roomTokens: 1000, fixedTokens: 0, partAnswer: 300, finalAnswer: 500 };
    // combinations as short as the parts: three of them fit one prompt, two rounds
    expect(combiningRounds(seven, { ...c, combineAnswer: 300 }).map((r) => r.length)).toEqual([3, 1]);
    // as long as a combination writes (600): two a prompt at most, three rounds
    expect(combiningRounds(seven, { ...c, combineAnswer: 600 }).map((r) => r.length)).toEqual([3, 2, 1]);
  });

  it('each answer counted with the heading and fences a combination frames it in', () => {
    const c = { roomTokens: 1000, fixedTokens: 0, partAnswer: 300, combineAnswer: 300, finalAnswer: 500 };
    // three answers of 300 fill a prompt of 1000 bare, not framed in 40 tokens each: a group of three, or two groups
    expect(combiningRounds([300, 300, 300], c)).toEqual([[{ promptTokens: 900, answerTokens: 500 }]]);
    expect(combiningRounds([300, 300, 300], { ...c, eachTokens: 40 }).map((r) => r.map((x) => x.promptTokens))).toEqual(
      [[680, 340], [680]],
    );
  });

  it('the job’s speeds: read and written over the engine’s times, the cache left out, too little not taken', () => {
    const m = {
      totalMs: 121_000,
      loadMs: 0,
      queueMs: 0,
      timeToFirstTokenMs: 0,
      promptTokens: 55_000,
      cachedPromptTokens: 1000,
      outputTokens: 300,
      tokensPerSecond: 15,
      promptMs: 100_000,
      generationMs: 20_000,
    };
    expect(jobSpeeds([m])).toEqual({ promptTokensPerSecond: 540, tokensPerSecond: 15, overheadSeconds: 1 });
    expect(jobSpeeds([{ ...m, promptTokens: 20, cachedPromptTokens: 0, outputTokens: 4 }])).toEqual({
      overheadSeconds: 1,
    });
    expect(jobSpeeds([{ ...m, promptMs: undefined, generationMs: undefined }])).toEqual({});
  });
});

const host = {
  name: 'cpu-box',
  loader: { inFlight: () => [], waitingAhead: () => [] },
  settings: { ollama: { numParallel: 1 } },
};
const job = { records: {}, settings: { options: {} } } as unknown as JobParts;
const req = { prompt: 'List the errors in this log.', task: 'summarize', maxTokens: 1024 } as RouteRequest;
/**
 * A plan of parts of these sizes (as counted), one at a time, one combining round; its figures as the plan
 * makes them.
 */
const planOf = (...sizes: number[]): SplitPlan => {
  const plan = {
    model: 'llama3.1:8b',
    host,
    parts: sizes.map((tokens) => ({ pieces: [], tokens })),
    partTokens: 54_000,
    combineTokens: 54_000,
    partAnswerTokens: 1024,
    rounds: 1,
    width: 1,
    overheadTokens: 0,
    planned: { placement: { views: [] } },
    finalMaxTokens: req.maxTokens,
  } as unknown as SplitPlan;
  return { ...plan, figures: planFigures(job, req, plan) };
};
/** A part the engine answered: its prompt read at 540 tokens/s, 300 tokens written at 15/s. */
const ran = (promptTokens: number): { metrics: RouteResult['metrics'] } => {
  const promptMs = (promptTokens / 540) * 1000;
  return {
    metrics: {
      totalMs: promptMs + 20_000,
      loadMs: 0,
      queueMs: 0,
      timeToFirstTokenMs: promptMs,
      promptTokens,
      outputTokens: 300,
      tokensPerSecond: 15,
      promptMs,
      generationMs: 20_000,
    },
  };
};

describe('a split job’s time left as it runs', () => {
  let said: number[];
  const pace = (...sizes: number[]) =>
    new SplitPace(planOf(...sizes), { part: 0, combine: 0 }, (u) => said.push((u.expectedAt! - Date.now()) / 1000));
  beforeEach(() => {
    said = [];
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('after the bigger of 2 parts, the part left counts at its own size (the finding: ~4 min said, 70 s left)', () => {
    const p = pace(54_000, 27_000);
    p.started(0, 54_000);
    vi.setSystemTime(120_000);
    p.answered(0, ran(54_000));
    // part 2: 50 s reading, 20 s writing; the combination: 600 tokens of answers (~1 s), a summary's 300 tokens (20 s)
    expect(said[0]).toBeCloseTo(70 + 1.1 + 20, 0);
    expect(said[0]).toBeLessThan(100); // not 240 s: the part left as long as part 1 took, the round as long again
  });

  it('after every part, the combining round alone, at its own size, not a part’s', () => {
    const p = pace(54_000, 27_000);
    p.answered(0, ran(54_000));
    p.started(1, 27_000);
    p.answered(1, ran(27_000));
    expect(said[1]).toBeCloseTo(1.1 + 20, 0);
    // as it starts, its prompt as counted: 5,400 tokens read in 10 s
    p.round([5400], true);
    expect(said[2]).toBeCloseTo(10 + 20, 0);
  });

  it('equal parts: the part left as long as the one done, as before', () => {
    const p = pace(54_000, 54_000);
    p.answered(0, ran(54_000));
    expect(said[0]).toBeCloseTo(120 + 1.1 + 20, 0);
  });

  // issue 83, finding 4: before a part is timed the job said nothing of when
  it("as it starts: the plan's own estimate (the dry run's figure), said as the plan's until a part is timed", () => {
    const updates: Array<{ expectedAt?: number; fromPlan?: boolean }> = [];
    const plan = planOf(54_000, 27_000);
    const p = new SplitPace(plan, { part: 0, combine: 0 }, (u) => updates.push(u));
    p.begin();
    expect(plan.figures.seconds).toBeGreaterThan(0);
    expect(updates[0]).toEqual({ expectedAt: Math.round(plan.figures.seconds * 1000), fromPlan: true });
    p.answered(0, { tokens: 300 }); // taken up, not timed: still the plan's speeds
    expect(updates[1]!.fromPlan).toBe(true);
    p.started(1, 27_000);
    p.answered(1, ran(27_000)); // timed: the job's own
    expect(updates[2]!.fromPlan).toBe(false);
  });

  it('a part taken up from a lost job is not timed: the speeds the dry run uses, the host’s', () => {
    const p = pace(54_000, 27_000);
    p.answered(0, { tokens: 300 });
    expect(said[0]).toBeGreaterThan(0); // a CPU's assumed speeds for a model of unknown size
  });
});
