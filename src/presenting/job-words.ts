/**
 * A running job in a few words (issue 62): what a hand-over, a follow-up call while it runs,
 * `tasks/get` and its resource say — parts done of all, the step it is at, when its whole result
 * is expected — never a part's text, so being told costs the agent a line, not the answers again.
 */
import type { JobNow } from '../orchestrator/jobs/long-work.js';
import { isLedgerLine } from '../orchestrator/savings/ledger.js';

/** The longest step shown: a compare's lanes joined can run long. */
const STEP_CHARS = 160;

/** A span of time as people say it: "~40 s", "~3 min", "~1 h 20 min". */
export function aboutTime(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 90) return `~${s} s`;
  const min = Math.round(s / 60);
  return min < 90 ? `~${min} min` : `~${Math.floor(min / 60)} h ${min % 60} min`;
}

/** When the whole result is expected, from `at`: "in ~3 min", or "any moment now" once past the estimate. */
export function expectedWords(expectedAt: number | undefined, at: number): string | undefined {
  if (expectedAt === undefined) return undefined;
  const left = expectedAt - at;
  return left > 1500 ? `in ${aboutTime(left)}` : 'any moment now';
}

/** Seconds until the whole result is expected (0 once past it); undefined without an estimate. */
export function etaSeconds(now: Pick<JobNow, 'expectedAt'>, at: number): number | undefined {
  return now.expectedAt === undefined ? undefined : Math.max(0, Math.round((now.expectedAt - at) / 1000));
}

/** "5 of 11 parts done; now: …; whole result expected in ~3 min" — what is known of it, nothing else. */
export function jobNowLine(now: JobNow, at = Date.now()): string {
  const parts =
    now.partsTotal !== undefined
      ? `${now.partsDone} of ${now.partsTotal} parts done`
      : now.partsDone > 0
        ? `${now.partsDone} part${now.partsDone === 1 ? '' : 's'} done`
        : undefined;
  const step =
    now.step === undefined
      ? undefined
      : `now: ${now.step.length > STEP_CHARS ? `${now.step.slice(0, STEP_CHARS - 1)}…` : now.step}`;
  const when = expectedWords(now.expectedAt, at);
  // before a part is timed, the plan's estimate, said as such (issue 83, finding 4)
  const whose = now.fromPlan ? " (the plan's estimate; no part timed yet)" : '';
  const line = [parts, step, when && `whole result expected ${when}${whose}`].filter(Boolean).join('; ');
  return line || 'started';
}

/** The job as a structured result carries it (the `job` field): its id, state and how far it is. */
export function jobInfo(
  id: string,
  state: 'running' | 'done' | 'failed' | 'cancelled' | 'lost',
  now: JobNow | undefined,
  at = Date.now(),
) {
  const eta = now && etaSeconds(now, at);
  return {
    id,
    state,
    partsDone: now?.partsDone ?? 0,
    ...(now?.partsTotal !== undefined && { partsTotal: now.partsTotal }),
    ...(now?.step !== undefined && { step: now.step.slice(0, 500) }),
    ...(now && { updatedAt: new Date(now.updatedAt).toISOString() }),
    ...(eta !== undefined && { etaSeconds: eta }),
  };
}

/**
 * A kept result in one shape, `{text, structured}`, whether its job ran as an MCP task (kept as the
 * call's result: `content`, `structuredContent`) or as a plain call handed over (kept as the tool's
 * output: `text`, `structured`); undefined when it is neither.
 */
export function keptOutput(result: unknown): { text: string; structured?: Record<string, unknown> } | undefined {
  const r = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const object = (v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  if (typeof r.text === 'string') {
    const structured = object(r.structured);
    return { text: r.text, ...(structured && { structured }) };
  }
  if (Array.isArray(r.content)) {
    const text = (r.content as Array<{ type?: unknown; text?: unknown }>)
      .map((c) => (c.type === 'text' && typeof c.text === 'string' ? c.text : ''))
      .join('\n');
    const structured = object(r.structuredContent);
    return { text, ...(structured && { structured }) };
  }
  return undefined;
}

/**
 * A kept result returned again to the same call (issue 83, finding 5: the same question again answered in
 * 0.1 s with the earlier job's text, its "1620 tokens in 121.8 s" and its "Saved you ~155k tokens", read as a
 * fresh run): said to be the stored result of job `id`, from when it ended, not run again — its figures that
 * run's, its ledger line dropped (that saving was told with it) — and how to run it anew.
 */
export function storedText(text: string, id: string, endedAt: number, at = Date.now()): string {
  const d = new Date(endedAt);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
  const lines = text.split('\n');
  const body = lines.length > 1 && isLedgerLine(lines.at(-1)!) ? lines.slice(0, -1).join('\n') : text;
  return (
    `Stored result of job ${id} from ${hhmm} (${aboutTime(at - endedAt).slice(1)} ago), not run again: ` +
    `the figures below are that run's. To run it anew, call show_status with {"cancelJob":"${id}"} (it ` +
    `sets this result aside), then this call again.\n\n${body}`
  );
}
