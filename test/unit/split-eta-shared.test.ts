/**
 * A running split job's time left counts every client's work on its copy (issue 81, finding 6: "~57 s"
 * said with 160 s left, then "any moment now" for 105 s): others' requests running for what is left of
 * theirs, those waiting let in by turns with the job's (jobs/split-eta.ts), read from the host's
 * requests as counts under keys of their own — no name, no prompt (jobs/copy-queue.ts); alone, the
 * estimate is as it was.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { estimateSeconds, type SpeedFacts } from '../../src/orchestrator/generation/estimate.js';
import { splitRemainingMs, type CopyQueue, type EtaRequest } from '../../src/orchestrator/jobs/split-eta.js';
import { copyQueue } from '../../src/orchestrator/jobs/copy-queue.js';
import { SplitPace } from '../../src/orchestrator/jobs/split-pace.js';
import type { ModelQueue } from '../../src/orchestrator/loading/host-requests.js';
import type { SplitPlan } from '../../src/orchestrator/route/offload-types.js';
import { random } from '../helpers/random.js';

/** A CPU host's pace: 540 prompt tokens/s, 15 written. */
const speeds = { hostKind: 'cpu' as const, promptTokensPerSecond: 540, tokensPerSecond: 15 };
/** A part: 10 s reading, 10 s writing; a combination: 10 s writing; another client's call: 20 s writing. */
const part = { promptTokens: 5400, answerTokens: 150 };
const combine = { promptTokens: 0, answerTokens: 150 };
const call = { promptTokens: 0, answerTokens: 300 };
const turn = (arrival: number) => ({ client: 'client 1', tokens: 1024, arrival });
const queue = (q: Partial<CopyQueue>): CopyQueue => ({
  slots: 1,
  mine: 'mine',
  mineTokens: 1024,
  running: [],
  waiting: [],
  lastServed: new Map(),
  ...q,
});

describe('a split job’s time left with others’ work on its copy, pure', () => {
  it('waits behind the others’ request running, then takes turns with those waiting (the finding)', () => {
    const left = { now: 5000, width: 1, running: [], waiting: [part], rounds: [[combine]] };
    const copy = queue({
      running: [{ ...call, startedAt: 0, client: 'client 1' }], // 15 s left
      waiting: [
        { ...call, ...turn(3) },
        { ...call, ...turn(4) },
      ],
      lastServed: new Map([
        ['mine', 1],
        ['client 1', 2],
      ]),
    });
    // alone: the part and the round, 30 s
    expect(splitRemainingMs(left, speeds)).toBe(30_000);
    // the running call's 15 s; the part (served least recently); the other's second call, served before the
    // job's round; the round; the third call after the job's end
    expect(splitRemainingMs({ ...left, copy }, speeds)).toBe(15_000 + 20_000 + 20_000 + 10_000);
  });

  it('a request of the job already waiting for a slot takes its turn as the gate would give it', () => {
    const left = { now: 5000, width: 1, running: [], waiting: [], rounds: [[combine]] };
    const copy = queue({
      running: [{ ...call, startedAt: 0, client: 'client 1' }],
      waiting: [
        { ...part, client: 'mine', tokens: 1024, arrival: 2, own: true },
        { ...call, ...turn(3) },
      ],
      // the job was let in last: the other client goes first
      lastServed: new Map([
        ['mine', 5],
        ['client 1', 1],
      ]),
    });
    expect(splitRemainingMs({ ...left, copy }, speeds)).toBe(15_000 + 20_000 + 20_000 + 10_000);
  });

  it('with two slots, the others’ requests take one while the job’s parts take turns for the other', () => {
    const left = { now: 0, width: 2, running: [], waiting: [part, part], rounds: [[combine]] };
    const copy = queue({
      slots: 2,
      running: [{ ...call, startedAt: 0, client: 'client 1' }],
      waiting: [{ ...call, ...turn(1) }],
    });
    // a part on the free slot at once (the job has none in flight); at 20 s both free: the second part and
    // the other's call; the round at 40 s
    expect(splitRemainingMs({ ...left, copy }, speeds)).toBe(50_000);
    expect(splitRemainingMs(left, speeds)).toBe(30_000);
  });
});

/** The estimate before others were counted (b47b5a7's split-eta.ts), as it was. */
function alone(
  left: {
    now: number;
    width: number;
    running: Array<EtaRequest & { startedAt: number }>;
    waiting: EtaRequest[];
    rounds: EtaRequest[][];
  },
  s: SpeedFacts,
): number {
  const ms = (r: EtaRequest) =>
    estimateSeconds({ loadSeconds: 0, queueSeconds: 0, ...r, parts: 1, width: 1, rounds: 0 }, s).seconds * 1000;
  const lanes = left.running.map((r) => Math.max(0, ms(r) - Math.max(0, left.now - r.startedAt)));
  while (lanes.length < Math.max(1, left.width)) lanes.push(0);
  const place = (r: EtaRequest) => {
    const i = lanes.indexOf(Math.min(...lanes));
    lanes[i] = lanes[i]! + ms(r);
  };
  left.waiting.forEach(place);
  for (const round of left.rounds) {
    lanes.fill(Math.max(...lanes));
    round.forEach(place);
  }
  return Math.round(Math.max(...lanes));
}

describe('alone on its copy', () => {
  it('the estimate is as it was, whatever the job’s shape (500 random jobs)', () => {
    const rand = random(81);
    const int = (n: number) => Math.floor(rand() * n);
    const request = () => ({ promptTokens: int(60_000), answerTokens: int(1200) });
    const s = { ...speeds, overheadSeconds: rand() * 2 };
    for (let k = 0; k < 500; k++) {
      const now = int(200_000);
      const left = {
        now,
        width: 1 + int(4),
        running: Array.from({ length: int(4) }, () => ({ ...request(), startedAt: now - int(150_000) })),
        waiting: Array.from({ length: int(8) }, request),
        rounds: Array.from({ length: int(3) }, () => Array.from({ length: 1 + int(3) }, request)),
      };
      expect(splitRemainingMs(left, s)).toBe(alone(left, s));
      // a copy with no one else's work on it is no different
      expect(splitRemainingMs({ ...left, copy: queue({ slots: 8 }) }, s)).toBe(alone(left, s));
    }
  });
});

describe('the copy’s work as the estimate reads it', () => {
  const mark = {};
  const own = { mark, client: 'agent-alice', tokens: 1024, slots: 1 };
  const asked = [
    { ...part, startedAt: 1000 },
    { ...part, startedAt: 2000 },
  ];

  it('nothing when only the job’s own requests are there: its parts as it counts them', () => {
    const q: ModelQueue = {
      slots: 1,
      running: [{ client: 'agent-alice', elapsedMs: 500, work: { ...part, of: mark } }],
      waiting: [],
      lastServed: new Map([['agent-alice', 1]]),
    };
    expect(copyQueue(q, own, asked, 10_000)).toEqual({ running: asked });
  });

  it('others’ work by keys, no name nor prompt; the job’s parts let in since then, the last asked in turn', () => {
    const q: ModelQueue = {
      slots: 1,
      running: [
        { client: 'agent-alice', elapsedMs: 4000, work: { ...part, of: mark } },
        { client: 'agent-bob', elapsedMs: 3000, work: call },
      ],
      waiting: [
        { client: 'agent-alice', tokens: 1024, arrival: 6, work: { ...part, of: mark } },
        { client: 'agent-carol', tokens: 512, arrival: 7, work: call },
        { client: 'agent-alice', tokens: 700, arrival: 8, work: call }, // the same client's other call
      ],
      lastServed: new Map([
        ['agent-alice', 4],
        ['agent-bob', 5],
      ]),
    };
    const { running, copy } = copyQueue(q, own, asked, 10_000);
    expect(running).toEqual([{ ...part, startedAt: 6000 }]);
    expect(copy).toEqual({
      slots: 1,
      mine: 'mine',
      mineTokens: 1024,
      running: [{ ...call, startedAt: 7000, client: 'client 1' }],
      waiting: [
        { ...part, client: 'mine', tokens: 1024, arrival: 6, own: true },
        { ...call, client: 'client 2', tokens: 512, arrival: 7 },
        { ...call, client: 'mine', tokens: 700, arrival: 8 },
      ],
      lastServed: new Map([
        ['mine', 4],
        ['client 1', 5],
      ]),
    });
    expect(JSON.stringify({ ...copy, lastServed: [...copy!.lastServed] })).not.toMatch(/agent|bob|carol|alice/);
  });
});

describe('a running split job’s estimate reads its copy', () => {
  let said: number[];
  let others: ModelQueue;
  const mark = {};
  const host = {
    name: 'cpu-box',
    kind: 'ollama',
    engine: { can: {} },
    loader: { inFlight: () => [], waitingAhead: () => [], queueOn: () => others },
    settings: { ollama: { numParallel: 1 } },
  };
  const plan = {
    model: 'llama3.1:8b',
    host,
    parts: [{ tokens: 54_000 }, { tokens: 27_000 }],
    partTokens: 54_000,
    combineTokens: 54_000,
    partAnswerTokens: 1024,
    width: 1,
    overheadTokens: 0,
    figures: { facts: speeds, partAnswer: 300, combineAnswer: 300, finalAnswer: 300 },
  } as unknown as SplitPlan;
  beforeEach(() => {
    said = [];
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('another client’s call let in as the part ended: the part left waits its 20 s', () => {
    const pace = (own?: { mark: object; client: string }) =>
      new SplitPace(plan, { part: 0, combine: 0 }, (u) => said.push((u.expectedAt! - Date.now()) / 1000), own);
    others = { slots: 1, running: [{ client: 'bob', elapsedMs: 0, work: call }], waiting: [], lastServed: new Map() };
    pace().answered(0, { tokens: 300 });
    pace({ mark, client: 'alice' }).answered(0, { tokens: 300 });
    // part 2: 50 s reading, 20 s writing; the combination: 600 tokens of answers (~1 s) and 300 written (20 s)
    expect(said[0]).toBeCloseTo(70 + 1.1 + 20, 0);
    expect(said[1]).toBeCloseTo(20 + 70 + 1.1 + 20, 0);
    // alone on the copy: as before
    others = { slots: 1, running: [], waiting: [], lastServed: new Map() };
    pace({ mark, client: 'alice' }).answered(0, { tokens: 300 });
    expect(said[2]).toBe(said[0]);
  });
});
