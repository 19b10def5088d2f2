/** What long work (long-work.ts) is given and gives back: a job's control, a call run as a job, its outcome. */
import type { Job, ReusablePart } from '../stores/job-store.js';

/** What a job's work is given: its own signal (not the call's once handed over), and where it says how far it is. */
export interface JobControl {
  signal: AbortSignal;
  /** A part answered: kept with the job, shown if the call is handed over; `reuse` lets a later job of the same call take it up. */
  part(text: string, reuse?: ReusablePart): void;
  /** A value kept with the job for a later job of the same call alone (how the input was split): not shown. */
  keep(value: ReusablePart): void;
  /** Parts a job of the same call answered before its server went (by their request's key, the answer): take them instead of asking again. */
  reused: ReadonlyMap<string, string>;
  /** Its progress in a line. */
  progress(line: string): void;
  /**
   * A task's work once its inputs are read and `key` (its full key) is known: the result of a
   * running work of the same owner and key in this server, waited for, else `work` run — which a
   * later task of that key then waits for. A plain call's job never has this asked of it.
   */
  join<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export interface JobCall<R> {
  owner: string;
  tool: string;
  /** A task's ttl as kept (ms from its creation). */
  ttlMs?: number;
  /** The call's key: tool, arguments and input contents, hashed. */
  key: string;
  /** The client's limit in ms; undefined: it waits as long as it takes. */
  limitMs: number | undefined;
  /** The call's own signal: the client cancelled it. */
  signal: AbortSignal;
  work(control: JobControl): Promise<R>;
}

/** The call's outcome: its result, or the job handed over (running on), with what is done. */
export type Outcome<R> = { kind: 'result'; result: R; job?: Job } | { kind: 'handed'; job: Job; parts: string[]; progress?: string };

/** What a wait on a job found. */
export type Waited = { kind: 'result'; job: Job; result: unknown } | { kind: 'running'; job: Job; parts: string[]; progress?: string } | { kind: 'ended'; job: Job };
