/**
 * A dry run's time, in words and fields, pure: for work sent whole, one line; for a split job, one
 * part's figures ("each part: …") apart from the whole job's ("whole job: …"); then, for a client
 * with a limit, whether the call would be answered within it or handed over as a job, and when
 * (jobs/hand-over.ts: the limit less a margin).
 */
import { aboutSeconds, type Estimate, type EstimateInput } from './estimate.js';
import type { Advice } from './route-types.js';

/** The calling client's limit as a dry run weighs it: what is left of it, and when the call would be answered (ms). */
export interface DryRunLimit {
  clientMs: number;
  withinMs: number;
}

export interface TimeFacts {
  estimate: Estimate & { input: EstimateInput };
  /** One request's answer limit (a part's, for a split job). */
  maxTokens: number;
  loaded: boolean;
  busy?: { running: number; slots: number } | undefined;
  limit?: DryRunLimit | undefined;
}

/** Seconds as a dry run says them: a tenth under 10 s, whole above. */
export const secs = (s: number) => (s < 10 ? s.toFixed(1) : Math.round(s).toString());
const round = (x: number) => Math.round(x * 10) / 10;

/** The lines, and the advice's fields beyond the whole plan's: a part's figures, the client's limit and the hand-over. */
export function timeLines(t: TimeFacts): { lines: string[]; fields: Pick<Advice, 'part' | 'clientLimitSeconds' | 'handOverSeconds'> } {
  const time = t.estimate;
  const { loadSeconds, queueSeconds, parts, width, rounds } = time.input;
  const wait = [
    t.loaded ? 'already loaded' : `${secs(loadSeconds)} s to load first`,
    ...(queueSeconds > 0 ? [`${secs(queueSeconds)} s waiting behind ${t.busy?.running ?? 0} ${t.busy?.running === 1 ? 'request' : 'requests'} on its ${t.busy?.slots ?? 1} ${t.busy?.slots === 1 ? 'slot' : 'slots'}`] : []),
  ].join('; ');
  const split = parts > 1 || rounds > 0;
  const lines = split
    ? [
        `Each part: up to ${t.maxTokens} tokens of answer from ~${time.input.promptTokens} prompt tokens, about ${secs(time.requestSeconds)} s.`,
        `Whole job: ${parts} ${parts === 1 ? 'part' : 'parts'}${width > 1 ? ` (${width} at a time)` : ''} and ${rounds} combining ${rounds === 1 ? 'round' : 'rounds'}, ${aboutSeconds(time)} in all (${wait}; ${secs(time.promptSeconds)} s reading prompts in all; ${time.why}).`,
      ]
    : [`Expected: ${aboutSeconds(time)} for up to ${t.maxTokens} tokens (${wait}; ${secs(time.promptSeconds)} s reading ~${time.input.promptTokens} prompt tokens; ${time.why}).`];
  const said = limitLine(time.seconds, t.limit);
  const fields = {
    ...(split && { part: { promptTokens: time.input.promptTokens, maxTokens: t.maxTokens, seconds: round(time.requestSeconds) } }),
    ...(said?.fields ?? {}),
  };
  return { lines: said ? [...lines, said.line] : lines, fields };
}

/** Whether the whole plan ends within what the client waits less the margin; nothing for a client without a limit. */
export function limitLine(seconds: number, limit: DryRunLimit | undefined): { line: string; fields: { clientLimitSeconds: number; handOverSeconds?: number } } | undefined {
  if (limit === undefined) return undefined;
  const waits = Math.round(limit.clientMs / 1000);
  if (seconds * 1000 <= limit.withinMs) return { line: `Within what your client waits (${waits} s).`, fields: { clientLimitSeconds: waits } };
  const at = Math.round(limit.withinMs / 1000);
  return {
    line: `Your client waits ${waits} s: this call would be handed over as a job at ~${at} s, the whole result expected at ~${secs(seconds)} s (show_status with the job's id collects it).`,
    fields: { clientLimitSeconds: waits, handOverSeconds: at },
  };
}
