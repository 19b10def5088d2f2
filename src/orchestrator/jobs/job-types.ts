/** What long work (long-work.ts) is given and gives back: a job's control, a call run as a job, its outcome. */
import type { Job, ReusablePart } from '../stores/job-store.js';

/** How far a running job is, as its agent is told (no part's text: a hand-over costs the agent only this). */
export interface JobNow {
  partsDone: number;
  /** Its parts in all, once its plan is known (a split job's). */
  partsTotal?: number;
  /** The step it is at, in a line. */
  step?: string;
  /** When it last moved (epoch ms). */
  updatedAt: number;
  /** When its whole result is expected (epoch ms), once there is an estimate. */
  expectedAt?: number;
  /** That estimate is the plan's (a dry run's figure): no part of the job was timed yet. */
  fromPlan?: boolean;
}

/** What a job's work says of how far it is, beside its progress line. */
export interface JobStatusUpdate {
  partsTotal?: number;
  expectedAt?: number;
  /** With `expectedAt`: it is the plan's estimate, no part timed yet. */
  fromPlan?: boolean;
}

/** What a job's work is given: its own signal (not the call's once handed over), and where it says how far it is. */
export interface JobControl {
  signal: AbortSignal;
  /**
   * A part answered: kept with the job (shown by its resource); `reuse` lets a later job of the same call
   * take it up.
   */
  part(text: string, reuse?: ReusablePart): void;
  /** A value kept with the job for a later job of the same call alone (how the input was split): not shown. */
  keep(value: ReusablePart): void;
  /**
   * Parts a job of the same call answered before its server went (by their request's key, the answer): take
   * them instead of asking again.
   */
  reused: ReadonlyMap<string, string>;
  /** Its progress in a line: the step it is at. */
  progress(line: string): void;
  /** How far it is beyond its line: its parts in all, when its whole result is expected. */
  status(update: JobStatusUpdate): void;
  /**
   * What its hand-overs and follow-up calls have cost its agent so far (tokens read, written): its ledger is
   * net of them.
   */
  spent(): { in: number; out: number };
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
  /**
   * Where the job's progress goes while this call waits for it (a call attached to a running job is told how
   * that job goes).
   */
  watch?: (line: string) => void;
  work(control: JobControl): Promise<R>;
}

/**
 * The call's outcome: its result, or the job handed over (running on), with how far it is; `attached`: the
 * call joined a job an earlier call started (its arguments were written again).
 */
export type CallOutcome<R> =
  /**
   * `stored`: the job had ended before this call came (when, epoch ms) — its kept result, not run again
   * (issue 83, finding 5).
   */
  | { kind: 'result'; result: R; job?: Job; attached?: boolean; stored?: number }
  | { kind: 'handed'; job: Job; now: JobNow; ended: Promise<unknown>; attached: boolean };

/** What a wait on a job found: `parts` are the answers so far, for its resource alone. */
export type Waited =
  | { kind: 'result'; job: Job; result: unknown }
  | { kind: 'running'; job: Job; now: JobNow; parts: string[] }
  | { kind: 'ended'; job: Job };
