/**
 * What bounds one agent's jobs in a server (long-work.ts): at most MAX_RUNNING running at once —
 * one more is refused, saying what to do, and none is dropped to make room (the rows kept are
 * bounded per owner in stores/job-store.ts) — and the words for a job that is none of the caller's.
 */
import { shownId } from '../stores/job-store.js';

/** The most jobs one owner runs at once in a server: one more is refused, saying what to do. */
export const MAX_RUNNING = 64;

/**
 * Whose a job is: the calling agent in the folder its session works in (its project, else its
 * working folder). Two windows of one agent in two projects of one shared server hold their own
 * jobs and tasks — neither lists, reads nor cancels the other's — and are bounded each on its own.
 */
export function jobOwner(agent: string, folder: string | undefined): string {
  // not NUL: the state database keeps a text up to its first NUL
  return folder === undefined ? agent : `${agent}\u001f${folder}`;
}

/** A job that cannot be had: none of the caller's by that id, or too many running. Its message says what to do. */
export class JobError extends Error {
  override name = 'JobError';
}

/** Why `id` is no job of the caller's, and how to find theirs. */
export function noJobText(id: string): string {
  return (
    `No job ${shownId(id)} of yours: an unknown id, another client's, or one that ended and is ` +
    `no longer kept (jobs are kept 24 h after they end, tasks as long as their ttl). ` +
    `show_status lists your jobs (tasks/list your tasks).`
  );
}

/** Room for one more of an owner's jobs, who has `running` here (or starting), else a JobError saying what to do. */
export function roomFor(running: number): void {
  if (running >= MAX_RUNNING)
    throw new JobError(
      `You have ${running} jobs running in this ollm-mcp server, the most one client may: wait ` +
        `for some to end, or cancel those you no longer need (show_status {cancelJob}, ` +
        `tasks/cancel), then call again.`,
    );
}
