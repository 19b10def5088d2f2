/**
 * MCP Tasks (protocol 2025-11-25) as the jobs are (orchestrator/jobs/long-work.ts): a job as a
 * task, its state as a task's status, and its outcome as what `tasks/result` returns — plain
 * data, no server. The handling of the requests is in tasks.ts.
 */
import { RELATED_TASK_META_KEY, type CallToolResult, type Task, type TaskStatus } from '@modelcontextprotocol/server';
import type { Waited } from '../orchestrator/jobs/long-work.js';
import type { Job, JobState } from '../orchestrator/stores/job-store.js';

/** The longest a task is kept, from its creation (the spec's ttl); an ended one past it is gone. */
export const TASK_TTL_MS = 24 * 3600_000;

/** The shortest a task is kept: five polls, so an ended task's result is there to be fetched at least once. */
export const MIN_TASK_TTL_MS = 10_000;

/**
 * The ttl a task is kept with: the one its client asked for, within ours (the spec lets the receiver choose);
 * ours when none was asked (null: unlimited).
 */
export function keptTtl(asked: number | null | undefined): number {
  if (asked === null || asked === undefined || !Number.isFinite(asked)) return TASK_TTL_MS;
  return Math.min(Math.max(MIN_TASK_TTL_MS, Math.floor(asked)), TASK_TTL_MS);
}
/** How often a client is asked to poll `tasks/get`. */
export const POLL_INTERVAL_MS = 2000;
/** The most tasks `tasks/list` lists: every job the store keeps (its MAX_JOBS), so no page follows. */
export const TASK_LIST_MAX = 1000;

/** The tools a client may call as a task (`execution.taskSupport: optional`): the long ones. */
export const TASK_TOOLS: ReadonlySet<string> = new Set([
  'route_and_generate',
  'compare',
  'pull_model',
  'create_model',
  'render_template',
  'smart_load',
]);

/** A job as a task shows it: a kept job, a running one, or a listed one. */
export type TaskJob = Pick<Job, 'id' | 'tool' | 'state' | 'createdAt' | 'updatedAt' | 'progress' | 'error' | 'ttlMs'>;

const STATUS: Record<JobState, TaskStatus> = {
  running: 'working',
  done: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  lost: 'failed',
};

/** A job's state as a task's status: a job whose server stopped (lost) failed. */
export function taskStatus(state: JobState): TaskStatus {
  return STATUS[state];
}

/** Why a lost job failed, and what to do. */
function lostText(job: Pick<Job, 'id' | 'tool'>): string {
  return (
    `Task ${job.id} stopped with the ollm-mcp server that ran it, before it ended: call ` +
    `${job.tool} again (as a task) to start it anew.`
  );
}

/** What a task's status says in words: its progress while it runs, why it failed. */
function statusMessage(job: TaskJob): string | undefined {
  switch (job.state) {
    case 'running':
      return job.progress;
    case 'failed':
      return job.error ?? `${job.tool} failed`;
    case 'lost':
      return lostText(job);
    case 'cancelled':
      return 'cancelled';
    case 'done':
      return undefined;
  }
}

/** A job as a task (`tasks/get`, `tasks/list`, the answer to a task-augmented call). */
export function asTask(job: TaskJob): Task {
  const message = statusMessage(job);
  return {
    taskId: job.id,
    status: taskStatus(job.state),
    ...(message !== undefined && { statusMessage: message }),
    createdAt: new Date(job.createdAt).toISOString(),
    lastUpdatedAt: new Date(Math.max(job.updatedAt, job.createdAt)).toISOString(),
    ttl: job.ttlMs ?? TASK_TTL_MS,
    ...(job.state === 'running' && { pollInterval: POLL_INTERVAL_MS }),
  };
}

const text = (t: string, isError = false): CallToolResult => ({
  ...(isError && { isError }),
  content: [{ type: 'text', text: t }],
});

/**
 * A job's kept result as the call would have returned it: a task's own is its CallToolResult; a
 * job a plain call handed over (long-call.ts) keeps the tool's output, its text and structured
 * result, which the call would have been answered with.
 */
export function callResult(result: unknown): CallToolResult {
  const r = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  if (Array.isArray(r.content)) return r as CallToolResult;
  if (typeof r.text === 'string')
    return {
      ...text(r.text),
      ...(typeof r.structured === 'object' &&
        r.structured !== null && { structuredContent: r.structured as Record<string, unknown> }),
    };
  return text('This job kept no result a client can be given: call the tool again.', true);
}

/**
 * What `tasks/result` returns for an ended job — what the call would have returned: its result, or
 * the tool's error result (a tool's failure is an `isError` result, not a JSON-RPC error); marked
 * with the task it is the result of.
 */
export function taskPayload(waited: Exclude<Waited, { kind: 'running' }>): CallToolResult {
  const { job } = waited;
  let out: CallToolResult;
  if (waited.kind === 'result') out = callResult(waited.result);
  else if (job.state === 'lost') out = text(lostText(job), true);
  else if (job.state === 'cancelled')
    out = text(`Task ${job.id} was cancelled before it ended${job.error ? `: ${job.error}` : ''}.`, true);
  else out = text(job.error ?? `${job.tool} failed`, true);
  return { ...out, _meta: { ...out._meta, [RELATED_TASK_META_KEY]: { taskId: job.id } } };
}
