/**
 * What bounds one agent's jobs in a server (long-work.ts): at most MAX_RUNNING running at once —
 * one more is refused, saying what to do, and none is dropped to make room (the rows kept are
 * bounded per owner in stores/job-store.ts) — and the words for a job that is none of the caller's.
 */
import { shownId } from '../stores/job-store.js';

/** The most jobs one owner runs at once in a server: one more is refused, saying what to do. */
export const MAX_RUNNING = 64;

/** A job that cannot be had: none of the caller's by that id, or too many running. Its message says what to do. */
export class JobError extends Error {
  override name = 'JobError';
}

/** Why `id` is no job of the caller's, and how to find theirs. */
export function noJobText(id: string): string {
  return `No job ${shownId(id)} of yours: an unknown id, another client's, or one that ended and is no longer kept (jobs are kept 24 h after they end, tasks as long as their ttl). show_status lists your jobs (tasks/list your tasks).`;
}

/** Room for one more of an owner's jobs, who has `running` here (or starting), else a JobError saying what to do. */
export function roomFor(running: number): void {
  if (running >= MAX_RUNNING) throw new JobError(`You have ${running} jobs running in this ollm-mcp server, the most one client may: wait for some to end, or cancel those you no longer need (show_status {cancelJob}, tasks/cancel), then call again.`);
}
