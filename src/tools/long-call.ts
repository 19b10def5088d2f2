/**
 * A long tool call run as a job (orchestrator/jobs/long-work.ts): answered whole when it ends
 * within its client's limit (ToolContext.clientLimit, less a margin); else answered before the
 * limit — not an error — with the parts done so far and the job, which runs on in this server. The
 * same call again (same tool, arguments and input contents, from the same agent) waits for that
 * job rather than starting over, and gets its result once it is done: what the hand-over tells the
 * agent to do. The key hashes the tool, the arguments as sent, the contents of every input read and
 * the call's scope — where it could read (its project or working folder, the client's roots it read
 * in, the roots in settings) and the settings its client keeps — so a call never attaches to work it
 * could not have done itself: another project's `notes.txt`, or a file its own scope refuses.
 * A call made as an MCP task (server/tasks.ts) is a job already: its work runs under it, joined
 * with a running task's of the same agent and full key (that work runs once), else its own.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { jobOwner, type JobControl } from '../orchestrator/jobs/long-work.js';
import type { ToolContext, ToolOutput } from './tool-types.js';
import { remainingMs } from '../orchestrator/config/client-limits.js';
import { answerWithin, type JobNow } from '../orchestrator/jobs/long-work.js';
import { estimateTokens } from '../orchestrator/generation/classify.js';
import { stableJson } from '../orchestrator/util/stable-json.js';
import { aboutTime, jobInfo, jobNowLine, storedText } from '../presenting/job-words.js';

/** The job a call was handed over to, in its structured result: how far it is, never a part's text. */
export const jobSchema = z
  .object({
    id: z.string(),
    state: z.enum(['running', 'done', 'failed', 'cancelled', 'lost']),
    partsDone: z.number(),
    partsTotal: z.number().optional(),
    step: z.string().optional().describe('the step it is at'),
    updatedAt: z.string().optional().describe('when it last moved'),
    etaSeconds: z.number().optional().describe('until its whole result is expected'),
    stored: z
      .boolean()
      .optional()
      .describe('its kept result returned again, not run again: updatedAt is when it ended'),
  })
  .describe(
    'the call outlasted what its client waits and runs on as this job: show_status with {job: ' +
      'id} returns its whole result once done',
  );
export type JobInfo = z.infer<typeof jobSchema>;

/** The call's key: the tool, its arguments as sent, and the contents of what it read. */
export function callKey(tool: string, rawArgs: unknown, contents: readonly string[]): string {
  const h = createHash('sha256').update(tool).update('\0').update(stableJson(rawArgs));
  for (const c of contents) h.update('\0').update(c);
  return h.digest('hex').slice(0, 32);
}

/**
 * The key of a call in `scope` (ToolContext.scope): its own key and its scope, hashed; a task's marked, so
 * tasks and plain calls never share a job (their results differ in shape).
 */
function scopedKey(key: string, scope: string, task = false): string {
  return callKey(task ? 'task' : 'call', key, [scope]);
}

/** Whose the call's job is: its agent in its session's folder (jobOwner). */
export function ownerOf(ctx: {
  agent: string;
  orch: { project?: { root: string } | undefined; workingDir?: string | undefined };
}): string {
  return jobOwner(ctx.agent, ctx.orch.project?.root ?? ctx.orch.workingDir);
}

/** What the client waits, in a few words: "60 s". */
const waits = (limitMs: number | undefined) =>
  limitMs === undefined ? 'as long as it takes' : aboutTime(limitMs).replace('~', '');

/**
 * The hand-over's text: the job's state in a line — never the parts' answers (each hand-over would
 * cost the agent them again) — and how to collect the whole result: by the job's id, not the
 * arguments again. `clientMs`: what the client waits for a call (its whole limit, however late this
 * call's work began); `limitMs`: what was left of it for this one, which a follow-up call waits within.
 */
function handedText(
  job: { id: string },
  now: JobNow,
  { clientMs, limitMs }: { clientMs: number | undefined; limitMs: number | undefined },
  at = Date.now(),
): string {
  const within = answerWithin(limitMs);
  return (
    `Handed over as job ${job.id}, still running (your client waits ${waits(clientMs)}): ` +
    `${jobNowLine(now, at)}.\nMeanwhile go on with other work; then call show_status with ` +
    `{"job":"${job.id}"}: it waits${within === undefined ? '' : ` up to ${aboutTime(within)}`} ` +
    `and returns the whole result once it is done.`
  );
}

/**
 * `work` run as a job of the calling agent's: its output when it ends in time, or the hand-over
 * (`handed` makes the structured result from the job and the parts so far).
 */
export async function asJob<O>(
  ctx: Pick<ToolContext, 'orch' | 'agent' | 'signal' | 'clientLimit' | 'job' | 'scope'> &
    Partial<Pick<ToolContext, 'lines' | 'phases' | 'rawArgs'>>,
  call: { tool: string; key: string },
  work: (control: JobControl) => Promise<ToolOutput<O>>,
  handed: (job: JobInfo, text: string) => O,
): Promise<ToolOutput<O>> {
  const task = ctx.job;
  // an MCP task's call: it is a job already, polled by its client; its inputs read, it joins the same work of
  // its agent in its scope
  if (task) return task.join(scopedKey(call.key, ctx.scope(), true), () => work(task));
  const owner = ownerOf(ctx);
  const limitMs = remainingMs(ctx.clientLimit);
  // the call's phases move its job; a call attached to a running job is told how that job goes
  const run = (control: JobControl) => {
    if (ctx.lines) ctx.lines.to = (line) => control.progress(line);
    return work(control);
  };
  const watch = (line: string) => ctx.phases?.enter({ kind: 'waiting', for: `job ${line}`, on: 'job' });
  // what is left of the client's limit: it counts from the call's arrival, before the core loaded and the
  // inputs were read
  const out = await ctx.orch.longWork.run({
    owner,
    tool: call.tool,
    key: scopedKey(call.key, ctx.scope()),
    limitMs,
    signal: ctx.signal,
    watch,
    work: run,
  });
  // a call that joined an earlier call's job wrote its arguments again: part of what the way back costs
  const args = out.attached ? estimateTokens(JSON.stringify(ctx.rawArgs ?? {})) : 0;
  if (out.kind === 'result') {
    if (!out.job?.handed) return out.result;
    // a handed-over job's result returned by the same call again: sent, as show_status {job} sends it — and
    // when it was sent before, read again
    const before = ctx.signal.aborted ? undefined : await ctx.orch.longWork.delivered(owner, out.job.id);
    // one that had ended before this call came: said to be the stored result it is
    const result = out.stored === undefined ? out.result : stored(out.result, out.job.id, out.stored);
    const again = before !== undefined && 'text' in result ? estimateTokens(result.text) : 0;
    chargeAgent(ctx, owner, out.job.id, { in: again, out: args });
    return result;
  }
  ctx.lines?.outlive(out.ended);
  const clientMs = ctx.clientLimit.seconds === undefined ? undefined : ctx.clientLimit.seconds * 1000;
  const text = handedText(out.job, out.now, { clientMs, limitMs });
  // what this hand-over costs the agent: counted now, and the job's own ledger line is net of it
  chargeAgent(ctx, owner, out.job.id, { in: estimateTokens(text), out: args });
  return { structured: handed(jobInfo(out.job.id, 'running', out.now), text), text };
}

/**
 * A job's kept result returned again, said to be one (job-words.ts storedText): its text so headed, its
 * structured result's `job` marking it stored, with when it ended.
 */
function stored<O>(result: ToolOutput<O>, id: string, endedAt: number): ToolOutput<O> {
  if (!('text' in result)) return result;
  const job: JobInfo = { ...jobInfo(id, 'done', undefined), updatedAt: new Date(endedAt).toISOString(), stored: true };
  return { structured: { ...result.structured, job } as O, text: storedText(result.text, id, endedAt) };
}

/**
 * What a hand-over or a follow-up call of job `id` cost its agent: recorded in the savings ledger now, and
 * told to the job (its result's ledger line is net of it).
 */
export function chargeAgent(
  ctx: Pick<ToolContext, 'orch' | 'agent'>,
  owner: string,
  id: string,
  cost: { in: number; out: number },
): void {
  ctx.orch.longWork.charge(owner, id, cost);
  ctx.orch.savings.recordOverhead(cost, { agent: ctx.agent });
}
