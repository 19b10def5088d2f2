/**
 * When a split job's whole result is expected (split-pace.ts keeps its figures as it runs), from the
 * plan's own figures: each part left at its own size (its prompt's tokens) and answer, each
 * combining round at its own (the answers it combines and the task), every request timed as a dry
 * run times one (generation/estimate.ts) at the speeds this job's parts ran at — the speeds the dry
 * run uses (plan-estimate.ts) while none was timed. The requests left go `width` at once, each to
 * the first slot free (a part running now holds its slot for what is left of its time), and each
 * round after the one before. Pure.
 */
import { estimateSeconds, type SpeedFacts } from '../generation/estimate.js';
import type { RouteResult } from '../generation/route-types.js';

/** One request as the estimate sees it: the prompt it reads (in the engine's tokens) and the answer it writes. */
export interface EtaRequest {
  promptTokens: number;
  answerTokens: number;
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
}

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

/** Milliseconds until the whole result is expected. */
export function splitRemainingMs(left: SplitLeft, speeds: SpeedFacts): number {
  const ms = (r: EtaRequest) => requestSeconds(r, speeds) * 1000;
  const lanes = left.running.map((r) => Math.max(0, ms(r) - Math.max(0, left.now - r.startedAt)));
  while (lanes.length < Math.max(1, left.width)) lanes.push(0);
  const place = (r: EtaRequest) => {
    const i = lanes.indexOf(Math.min(...lanes));
    lanes[i] = lanes[i]! + ms(r);
  };
  left.waiting.forEach(place);
  for (const round of left.rounds) {
    lanes.fill(Math.max(...lanes)); // a round starts once every request before it ended
    round.forEach(place);
  }
  return Math.round(Math.max(...lanes));
}

/**
 * The combining rounds left over `answers` (each answer's tokens), as split-run.ts combines them:
 * the answers in groups of up to `roomTokens`, each group's prompt its answers and `fixedTokens`
 * (the task and what every request carries), in rounds until one group is left, which writes
 * `finalAnswer`; the others write `partAnswer`.
 */
export function combiningRounds(
  answers: readonly number[],
  c: { roomTokens: number; fixedTokens: number; partAnswer: number; finalAnswer: number },
): EtaRequest[][] {
  const rounds: EtaRequest[][] = [];
  let now = answers.length > 0 ? [...answers] : [c.partAnswer];
  for (;;) {
    const groups: number[] = [];
    let count = 0; // answers in the group being filled
    for (const a of now) {
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
      groups.map((g) => ({ promptTokens: g + c.fixedTokens, answerTokens: last ? c.finalAnswer : c.partAnswer })),
    );
    if (last) return rounds;
    now = groups.map(() => c.partAnswer);
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
