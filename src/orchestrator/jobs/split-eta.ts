/**
 * When a split job's whole result is expected (split-pace.ts keeps its figures as it runs), from the
 * plan's own figures: each part left at its own size (its prompt's tokens) and answer, each
 * combining round at its own (the answers it combines and the task), every request timed as a dry
 * run times one (generation/estimate.ts) at the speeds this job's parts ran at — the speeds the dry
 * run uses (plan-estimate.ts) while none was timed. The requests left go `width` at once, each to
 * the first slot free (a part running now holds its slot for what is left of its time), and each
 * round after the one before. Others' work on the job's copy (issue 81, finding 6: "~57 s" said
 * with 160 s left, then "any moment now" for 105 s) holds its slots as the job's does — their
 * requests running for what is left of theirs, those waiting let in by turns with the job's
 * (loading/turns.ts), each timed at the same speeds. Pure.
 */
import { estimateSeconds, type SpeedFacts } from '../generation/estimate.js';
import type { RouteResult } from '../generation/route-types.js';
import { nextTurn, type Waiter } from '../loading/turns.js';

/** One request as the estimate sees it: the prompt it reads (in the engine's tokens) and the answer it writes. */
export interface EtaRequest {
  promptTokens: number;
  answerTokens: number;
}

/**
 * Others' work on the job's copy (its model on the plan's host), as the estimate weighs it: each
 * request's size and turn — whose by a key, never a name; nothing of a prompt.
 */
export interface CopyQueue {
  /** Requests the copy answers at once. */
  slots: number;
  /** The key of the job's client: its other calls' requests take their turns with the job's. */
  mine: string;
  /** The most tokens a request of the job may write, as its turn weighs it. */
  mineTokens: number;
  /** Others' requests running, each since when (ms on `now`'s clock) and whose. */
  running: ReadonlyArray<EtaRequest & { startedAt: number; client: string }>;
  /** Requests waiting for a slot, with their turns: others', and the job's own already asked (`own`). */
  waiting: ReadonlyArray<EtaRequest & Waiter & { own?: boolean }>;
  /** When each client was last let in (on the clock of `waiting`'s arrivals). */
  lastServed: ReadonlyMap<string, number>;
}

/** What is left of a split job at `now`. */
interface SplitLeft {
  now: number;
  /** Requests at once. */
  width: number;
  /** Parts running now, each since when (ms on `now`'s clock). */
  running: ReadonlyArray<EtaRequest & { startedAt: number }>;
  /** Parts not started yet, in order. */
  waiting: readonly EtaRequest[];
  /** Each combining round left, its requests. */
  rounds: ReadonlyArray<readonly EtaRequest[]>;
  /** Others' work on its copy; left out: none. */
  copy?: CopyQueue | undefined;
}

/** A request holding a slot until `end` (ms from now): whose, and whether it is the job's. */
interface Held {
  end: number;
  client: string;
  own: boolean;
}
type Queued = Waiter & { ms: number; own: boolean };

/** One request's seconds at `speeds`: its prompt read, its answer written, what it takes beyond (estimate.ts). */
function requestSeconds(r: EtaRequest, speeds: SpeedFacts): number {
  const one = {
    loadSeconds: 0,
    queueSeconds: 0,
    promptTokens: r.promptTokens,
    answerTokens: r.answerTokens,
    parts: 1,
    width: 1,
    rounds: 0,
  };
  return estimateSeconds(one, speeds).seconds;
}

/**
 * Milliseconds until the whole result is expected: each slot of the copy held by a request until it
 * ends — those running for what is left of their time —, the one that frees first taken by the
 * next in turn; the job's requests asked as it would ask them (`width` at once, a round once every
 * request before it ended). Alone, the slots are the job's width.
 */
export function splitRemainingMs(left: SplitLeft, speeds: SpeedFacts): number {
  const ms = (r: EtaRequest) => requestSeconds(r, speeds) * 1000;
  const { copy, now } = left;
  const mine = copy?.mine ?? '';
  const rest = (r: EtaRequest & { startedAt: number }) => Math.max(0, ms(r) - Math.max(0, now - r.startedAt));
  const held: Held[] = [
    ...left.running.map((r) => ({ end: rest(r), client: mine, own: true })),
    ...(copy?.running ?? []).map((r) => ({ end: rest(r), client: r.client, own: false })),
  ];
  const queued: Queued[] = (copy?.waiting ?? []).map((w) => ({
    client: w.client,
    tokens: w.tokens,
    arrival: w.arrival,
    ms: ms(w),
    own: w.own ?? false,
  }));
  const others = held.some((h) => !h.own) || queued.some((q) => !q.own);
  // the job's requests at once (more while more run already)
  const width = Math.max(1, left.width, left.running.length);
  const slots = Math.max(width, others ? copy!.slots : 0, held.length);
  const lastServed = new Map(copy?.lastServed);
  let clock = Math.max(0, ...lastServed.values(), ...queued.map((q) => q.arrival));
  // the job's requests asked and not ended; its stages: the parts not asked yet, then each round
  let open = held.filter((h) => h.own).length + queued.filter((q) => q.own).length;
  const stages = [left.waiting, ...left.rounds].map((s) => [...s]);
  let stage = 0;
  let t = 0;
  let end = 0;
  for (;;) {
    while (open < width && stage < stages.length) {
      const next = stages[stage]!.shift();
      if (next === undefined) {
        if (open > 0) break; // a round starts once every request before it ended
        stage++;
        continue;
      }
      queued.push({ client: mine, tokens: copy?.mineTokens ?? 0, arrival: ++clock, ms: ms(next), own: true });
      open++;
    }
    // the slots free, by turns between clients
    while (held.length < slots) {
      const inFlight = new Map<string, number>();
      for (const h of held) inFlight.set(h.client, (inFlight.get(h.client) ?? 0) + 1);
      const w = nextTurn(queued, { inFlight, lastServed }) as Queued | undefined;
      if (!w) break;
      queued.splice(queued.indexOf(w), 1);
      held.push({ end: t + w.ms, client: w.client, own: w.own });
      lastServed.set(w.client, ++clock);
    }
    if (open === 0 && stage >= stages.length) return Math.round(end);
    const first = held.reduce((a, b) => (b.end < a.end ? b : a));
    held.splice(held.indexOf(first), 1);
    t = first.end;
    if (first.own) {
      open--;
      end = Math.max(end, t);
    }
  }
}

/**
 * The combining rounds left over `answers` (each answer's tokens), as split-run.ts combines them:
 * the answers (each framed in `eachTokens`) in groups of up to `roomTokens`, each group's prompt its
 * answers and `fixedTokens` (the task and what every request carries), in rounds until one group is
 * left, which writes `finalAnswer`; the others write `combineAnswer`.
 */
export function combiningRounds(
  answers: readonly number[],
  c: {
    roomTokens: number;
    fixedTokens: number;
    partAnswer: number;
    combineAnswer: number;
    finalAnswer: number;
    /** What each answer is framed in (its heading and fences), beside its own tokens. */
    eachTokens?: number;
  },
): EtaRequest[][] {
  const rounds: EtaRequest[][] = [];
  let now = answers.length > 0 ? [...answers] : [c.partAnswer];
  for (;;) {
    const groups: number[] = [];
    let count = 0; // answers in the group being filled
    for (const answer of now) {
      const a = answer + (c.eachTokens ?? 0);
      if (count >= 2 && groups.at(-1)! + a > c.roomTokens) {
        groups.push(0);
        count = 0;
      }
      if (groups.length === 0) groups.push(0);
      groups[groups.length - 1]! += a;
      count++;
    }
    const last = groups.length <= 1;
    rounds.push(
      groups.map((g) => ({ promptTokens: g + c.fixedTokens, answerTokens: last ? c.finalAnswer : c.combineAnswer })),
    );
    if (last) return rounds;
    now = groups.map(() => c.combineAnswer);
  }
}

type Metrics = RouteResult['metrics'];

/**
 * The speeds this job's requests ran at, where the engine timed them: prompt tokens read (its
 * cache's left out) over the time reading them, tokens written over the time writing them, and the
 * least a request took beyond (a load counted in a first token is not one).
 */
export function jobSpeeds(
  runs: readonly Metrics[],
): Pick<SpeedFacts, 'promptTokensPerSecond' | 'tokensPerSecond' | 'overheadSeconds'> {
  const read = runs.filter((m) => (m.promptMs ?? 0) > 0 && m.promptTokens - (m.cachedPromptTokens ?? 0) >= 32);
  const written = runs.filter((m) => (m.generationMs ?? 0) > 0 && m.outputTokens >= 8);
  const sum = (ms: readonly Metrics[], f: (m: Metrics) => number) => ms.reduce((s, m) => s + f(m), 0);
  const beyond = runs
    .filter((m) => m.promptMs !== undefined && m.generationMs !== undefined)
    .map((m) => Math.max(0, m.totalMs - m.loadMs - m.queueMs - m.promptMs! - m.generationMs!) / 1000);
  return {
    ...(read.length > 0 && {
      promptTokensPerSecond:
        (sum(read, (m) => m.promptTokens - (m.cachedPromptTokens ?? 0)) * 1000) / sum(read, (m) => m.promptMs!),
    }),
    ...(written.length > 0 && {
      tokensPerSecond: (sum(written, (m) => m.outputTokens) * 1000) / sum(written, (m) => m.generationMs!),
    }),
    ...(beyond.length > 0 && { overheadSeconds: Math.min(...beyond) }),
  };
}
