/**
 * A dry run's time, in words and fields, pure: the time expected — each answer as long as such
 * answers ran here (answer-length.ts), not its limit — and, apart, the bound should every answer
 * run to its limit; for work sent whole, one line each; for a split job, one part's figures
 * ("each part: …") apart from the whole job's ("whole job: …"); then, for a client with a limit,
 * whether the call would be answered within it or handed over as a job, and when (generation/hand-over.ts:
 * the limit less a margin) — the bound saying when it may be handed over though expected in time.
 */
import { aboutSeconds, type Estimate, type EstimateInput } from './estimate.js';
import type { Advice } from './route-types.js';

/** The calling client's limit as a dry run weighs it: what is left of it, and when the call would be answered (ms). */
export interface DryRunLimit {
  clientMs: number;
  withinMs: number;
}

/**
 * A plan's estimate as expected, with its bound (every answer as long as its limit) and where the answers'
 * length came from.
 */
export type TimedPlan = Estimate & {
  input: EstimateInput;
  bound?: Estimate & { input: EstimateInput };
  /** The answers' length was learned here (else a typical one for the task). */
  answerLearned?: boolean;
};

export interface TimeFacts {
  estimate: TimedPlan;
  /** One request's answer limit (a part's, for a split job). */
  maxTokens: number;
  /** The kind of work, for where the answer's length comes from ("code"). */
  task?: string;
  loaded: boolean;
  busy?: { running: number; slots: number } | undefined;
  limit?: DryRunLimit | undefined;
}

/** Seconds as a dry run says them: a tenth under 10 s, whole above. */
const secs = (s: number) => (s < 10 ? s.toFixed(1) : Math.round(s).toString());
const round = (x: number) => Math.round(x * 10) / 10;

/** "as code answers ran here" / "typical of code work (none seen here yet)". */
function lengthWords(t: TimeFacts): string {
  const work = t.task ?? 'such';
  return t.estimate.answerLearned ? `as ${work} answers ran here` : `typical of ${work} work (none seen here yet)`;
}

/**
 * The lines, and the advice's fields beyond the whole plan's: the answer expected, the bound, a part's
 * figures, the client's limit and the hand-over.
 */
export function timeLines(t: TimeFacts): {
  lines: string[];
  fields: Pick<Advice, 'part' | 'clientLimitSeconds' | 'handOverSeconds' | 'answerTokens' | 'boundSeconds'>;
} {
  const time = t.estimate;
  const { loadSeconds, queueSeconds, parts, rounds, answerTokens } = time.input;
  // the requests sent at once, not the width counted at a pace (fleet/copies-pace.ts)
  const width = time.input.atOnce ?? time.input.width;
  const wait = [
    t.loaded ? 'already loaded' : `${secs(loadSeconds)} s to load first`,
    ...(queueSeconds > 0
      ? [
          `${secs(queueSeconds)} s waiting behind ${t.busy?.running ?? 0} ` +
            `${t.busy?.running === 1 ? 'request' : 'requests'} on its ${t.busy?.slots ?? 1} ` +
            `${t.busy?.slots === 1 ? 'slot' : 'slots'}`,
        ]
      : []),
  ].join('; ');
  const split = parts > 1 || rounds > 0;
  const length =
    `~${answerTokens} ${answerTokens === 1 ? 'token' : 'tokens'} of answer, ${lengthWords(t)}, ` +
    `up to ${t.maxTokens}`;
  const lines = split
    ? [
        `Each part: ${length}, from ~${time.input.promptTokens} prompt tokens, about ${secs(time.requestSeconds)} s.`,
        `Whole job: ${parts} ` +
          `${parts === 1 ? 'part' : 'parts'}${width > 1 ? ` (${width} at a time)` : ''} and ${rounds} ` +
          `combining ${rounds === 1 ? 'round' : 'rounds'}, ${aboutSeconds(time)} in all (${wait}; ` +
          `${secs(time.promptSeconds)} s reading prompts in all; ${time.why}).`,
      ]
    : [
        `Expected: ${aboutSeconds(time)} for ${length} (${wait}; ${secs(time.promptSeconds)} s ` +
          `reading ~${time.input.promptTokens} prompt tokens; ${time.why}).`,
      ];
  const bound = time.bound && time.bound.seconds > time.seconds ? time.bound.seconds : undefined;
  if (bound !== undefined)
    lines.push(
      split
        ? `At most: about ${secs(bound)} s in all, should every answer run to its limit.`
        : `At most: about ${secs(bound)} s, should it write all ${t.maxTokens} tokens its limit allows.`,
    );
  const said = limitLine(time.seconds, t.limit, bound);
  const fields = {
    answerTokens,
    ...(bound !== undefined && { boundSeconds: round(bound) }),
    ...(split && {
      part: { promptTokens: time.input.promptTokens, maxTokens: t.maxTokens, seconds: round(time.requestSeconds) },
    }),
    ...(said?.fields ?? {}),
  };
  return { lines: said ? [...lines, said.line] : lines, fields };
}

/**
 * Whether the whole plan ends within what the client waits less the margin, as expected; when it
 * does but its bound would not, that it would then be handed over; nothing for a client without a limit.
 */
export function limitLine(
  seconds: number,
  limit: DryRunLimit | undefined,
  boundSeconds?: number,
): { line: string; fields: { clientLimitSeconds: number; handOverSeconds?: number } } | undefined {
  if (limit === undefined) return undefined;
  const waits = Math.round(limit.clientMs / 1000);
  const at = Math.round(limit.withinMs / 1000);
  if (seconds * 1000 <= limit.withinMs) {
    const long = boundSeconds !== undefined && boundSeconds * 1000 > limit.withinMs;
    const line = long
      ? `Within what your client waits (${waits} s), as expected; should it run to its limit ` +
        `(~${secs(boundSeconds)} s), it would be handed over as a job at ~${at} s (show_status with ` +
        `the job's id collects it).`
      : `Within what your client waits (${waits} s).`;
    return { line, fields: { clientLimitSeconds: waits } };
  }
  return {
    line:
      `Your client waits ${waits} s: this call would be handed over as a job at ~${at} s, the ` +
      `whole result expected at ~${secs(seconds)} s (show_status with the job's id collects it).`,
    fields: { clientLimitSeconds: waits, handOverSeconds: at },
  };
}
