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
import type { ToolContext, ToolOutput } from './define.js';
import { remainingMs } from '../orchestrator/config/client-limits.js';

/** The job a call was handed over to, in its structured result. */
export const jobSchema = z
  .object({
    id: z.string(),
    state: z.enum(['running', 'done', 'failed', 'cancelled', 'lost']),
    partsDone: z.number().describe('parts answered so far; their answers are in text, marked partial'),
    progress: z.string().optional(),
  })
  .describe('the call outlasted its client\'s limit: this job runs on; the same call again waits for it and returns its result');
export type JobInfo = z.infer<typeof jobSchema>;

/** JSON with sorted keys: the same arguments give the same key, whatever their order. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The call's key: the tool, its arguments as sent, and the contents of what it read. */
export function callKey(tool: string, rawArgs: unknown, contents: readonly string[]): string {
  const h = createHash('sha256').update(tool).update('\0').update(stable(rawArgs));
  for (const c of contents) h.update('\0').update(c);
  return h.digest('hex').slice(0, 32);
}

/** The key of a call in `scope` (ToolContext.scope): its own key and its scope, hashed; a task's marked, so tasks and plain calls never share a job (their results differ in shape). */
export function scopedKey(key: string, scope: string, task = false): string {
  return callKey(task ? 'task' : 'call', key, [scope]);
}

/** Whose the call's job is: its agent in its session's folder (jobOwner). */
export function ownerOf(ctx: { agent: string; orch: { project?: { root: string } | undefined; workingDir?: string | undefined } }): string {
  return jobOwner(ctx.agent, ctx.orch.project?.root ?? ctx.orch.workingDir);
}

/** The hand-over's text: the parts so far, marked partial, and what to do next. */
export function handedText(tool: string, job: { id: string }, parts: readonly string[], progress: string | undefined): string {
  const done = parts.length ? `Partial — the answers of the ${parts.length} part${parts.length > 1 ? 's' : ''} done so far:\n\n${parts.map((p, i) => `[part ${i + 1}]\n${p}`).join('\n\n')}\n\n` : '';
  return `${done}— Still running as job ${job.id}${progress ? ` (${progress})` : ''}, past what this client waits. Call ${tool} again with the same arguments: it waits for this job and returns its whole result, never starting over.`;
}

/**
 * `work` run as a job of the calling agent's: its output when it ends in time, or the hand-over
 * (`handed` makes the structured result from the job and the parts so far).
 */
export async function asJob<O>(
  ctx: Pick<ToolContext, 'orch' | 'agent' | 'signal' | 'clientLimit' | 'job' | 'scope'>,
  call: { tool: string; key: string },
  work: (control: JobControl) => Promise<ToolOutput<O>>,
  handed: (job: JobInfo, text: string) => O,
): Promise<ToolOutput<O>> {
  const task = ctx.job;
  // an MCP task's call: it is a job already, polled by its client; its inputs read, it joins the same work of its agent in its scope
  if (task) return task.join(scopedKey(call.key, ctx.scope(), true), () => work(task));
  // what is left of the client's limit: it counts from the call's arrival, before the core loaded and the inputs were read
  const out = await ctx.orch.longWork.run({ owner: ownerOf(ctx), tool: call.tool, key: scopedKey(call.key, ctx.scope()), limitMs: remainingMs(ctx.clientLimit), signal: ctx.signal, work });
  if (out.kind === 'result') return out.result;
  const job: JobInfo = { id: out.job.id, state: 'running', partsDone: out.parts.length, ...(out.progress !== undefined && { progress: out.progress }) };
  const text = handedText(call.tool, out.job, out.parts, out.progress);
  return { structured: handed(job, text), text };
}
