/**
 * `show_status {job}` (issue 62): one of the calling agent's jobs collected by its id — the way back
 * to a handed-over call's result that costs the agent the id, not its arguments again, and that
 * every client can call. It waits for the job up to what the client waits (less the margin),
 * telling the client how the job goes meanwhile (progress, when it asked), then answers with:
 * the whole result, as the tool would have answered, once — asked again, a short note where it is
 * kept; while it still runs, how far it is in a line (never the parts' answers); an error for a
 * job that failed, was cancelled or stopped with its server, saying what to do.
 */
import { answerWithin, JobError, noJobText } from '../orchestrator/jobs/long-work.js';
import { remainingMs } from '../orchestrator/config/client-limits.js';
import { estimateTokens } from '../orchestrator/generation/classify.js';
import { isJobId, type Job } from '../orchestrator/stores/job-store.js';
import { aboutTime, jobInfo, jobNowLine, keptOutput } from '../presenting/job-words.js';
import { chargeAgent, ownerOf, type JobInfo } from './long-call.js';
import type { ToolContext } from './tool-types.js';

export interface Collected {
  job: JobInfo;
  /** The tool's own structured result, once the job is done. */
  result?: Record<string, unknown>;
}

type Ctx = Pick<ToolContext, 'orch' | 'agent' | 'clientLimit' | 'phases' | 'signal' | 'rawArgs'>;

/** Why an ended job has no result to give, and what to do. */
function endedText(job: Job): string {
  if (job.state === 'lost')
    return (
      `Job ${job.id} stopped with the ollm-mcp server that ran it, before it ended: call ` +
      `${job.tool} again with the same arguments — the parts it answered are taken up, not asked again.`
    );
  if (job.state === 'cancelled')
    return (
      `Job ${job.id} was cancelled before it ended${job.error ? ` (${job.error})` : ''}: call ` +
      `${job.tool} again to start it anew.`
    );
  return (
    `Job ${job.id} (${job.tool}) failed: ${job.error ?? 'no reason kept'}. Call ${job.tool} ` +
    `again once that is fixed.`
  );
}

/** `id`, one of the calling agent's jobs: waited for, then its whole result (once), or how far it is. */
export async function collectJob(ctx: Ctx, id: string): Promise<{ structured: Collected; text: string }> {
  if (!isJobId(id)) throw new JobError(noJobText(id));
  const owner = ownerOf(ctx);
  const limitMs = remainingMs(ctx.clientLimit);
  const watch = (line: string) => ctx.phases?.enter({ kind: 'waiting', for: `job ${id}: ${line}`, on: `job ${id}` });
  const found = await ctx.orch.longWork.wait(owner, id, answerWithin(limitMs), watch);
  if (!found) throw new JobError(noJobText(id));
  // what asking cost the agent: the arguments it wrote (the result it reads is counted below, or in the job's
  // own ledger)
  const asked = { in: 0, out: estimateTokens(JSON.stringify(ctx.rawArgs ?? {})) };
  if (found.kind === 'ended') {
    chargeAgent(ctx, owner, id, asked);
    throw new JobError(endedText(found.job));
  }
  if (found.kind === 'running') {
    const within = answerWithin(limitMs);
    const text =
      `Job ${id} (${found.job.tool}) is still running: ${jobNowLine(found.now)}.\nGo on with ` +
      `other work; then call show_status with {"job":"${id}"} ` +
      `again${within === undefined ? '' : ` (it waits up to ${aboutTime(within)})`}.`;
    chargeAgent(ctx, owner, id, { ...asked, in: estimateTokens(text) });
    return { structured: { job: jobInfo(id, 'running', found.now) }, text };
  }
  const out = keptOutput(found.result);
  if (!out) throw new JobError(`Job ${id} kept no result a client can be given: call ${found.job.tool} again.`);
  const info = jobInfo(id, 'done', {
    partsDone: found.job.parts?.length ?? 0,
    ...(found.job.partsTotal !== undefined && { partsTotal: found.job.partsTotal }),
    updatedAt: found.job.updatedAt,
  });
  // sent once: a call the client cancelled never got it, so it is not counted as sent
  const before = ctx.signal.aborted ? undefined : await ctx.orch.longWork.delivered(owner, id);
  if (before !== undefined) {
    const text =
      `Job ${id}'s result (${out.text.length} characters) was returned to you at ` +
      `${new Date(before).toISOString().slice(11, 19)} UTC; it is not sent twice. ` +
      `ollm://jobs/${id} holds it, and ${found.job.tool} called again with the same arguments ` +
      `returns it again.`;
    chargeAgent(ctx, owner, id, { ...asked, in: estimateTokens(text) });
    return { structured: { job: info }, text };
  }
  ctx.orch.savings.recordOverhead(asked, { agent: ctx.agent });
  return { structured: { job: info, ...(out.structured && { result: out.structured }) }, text: out.text };
}
