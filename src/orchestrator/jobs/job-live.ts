/**
 * A job running in this server (long-work.ts), and the control its work is given: its parts kept
 * as they come, its progress line and how far it is (parts in all, when its whole result is
 * expected) written to the state database at most every WRITE_MS — so `tasks/get`, its resource
 * and a follow-up call see it move — and passed to the calls waiting on it.
 */
import type { Job, JobStore, KeptPart, ReusablePart } from '../stores/job-store.js';
import type { JobControl, JobNow, JobStatusUpdate } from './job-types.js';

/**
 * A running job's progress is written to the state database at most this often (the last line is never lost:
 * it goes with the next).
 */
export const WRITE_MS = 1000;

export interface Live {
  job: Job;
  done: Promise<unknown>;
  controller: AbortController;
  parts: KeptPart[];
  progress?: string;
  partsTotal?: number;
  expectedAt?: number;
  /** That estimate is the plan's: no part timed yet. */
  fromPlan?: boolean;
  /** When it last moved (epoch ms). */
  updatedAt: number;
  /** How its work ended (undefined while it runs), and whether its call was handed over. */
  ended?: 'done' | 'failed';
  handed?: boolean;
  /** What its hand-overs and follow-up calls cost its agent so far. */
  spent: { in: number; out: number };
  /** The calls waiting on it, told each progress line. */
  watchers: Set<(line: string) => void>;
  /** When its progress was last written, and whether a write is pending. */
  wroteAt: number;
  writing?: NodeJS.Timeout;
}

/** The parts as shown. */
export const shown = (parts: readonly KeptPart[]) => parts.flatMap((p) => (p.text === undefined ? [] : [p.text]));

/** How far `live` is, as its agent is told. */
export function nowOf(live: Live): JobNow {
  return {
    partsDone: shown(live.parts).length,
    ...(live.partsTotal !== undefined && { partsTotal: live.partsTotal }),
    ...(live.progress !== undefined && { step: live.progress }),
    updatedAt: live.updatedAt,
    ...(live.expectedAt !== undefined && { expectedAt: live.expectedAt }),
    ...(live.fromPlan && { fromPlan: true }),
  };
}

/** How far a job the state database keeps is (one running in another server of this home). */
export function nowOfKept(job: Job): JobNow {
  return {
    partsDone: job.parts?.length ?? 0,
    ...(job.partsTotal !== undefined && { partsTotal: job.partsTotal }),
    ...(job.progress !== undefined && { step: job.progress }),
    updatedAt: job.updatedAt,
    ...(job.expectedAt !== undefined && { expectedAt: job.expectedAt }),
    ...(job.fromPlan && { fromPlan: true }),
  };
}

/** A job as show_status, tasks/list and resources/list list it: its result and parts left out, their count kept. */
export type ListedJob = Omit<Job, 'result' | 'parts' | 'reusable'> & { partsDone: number };

/** An owner's jobs, newest first: those running here as they are now, then those the state database keeps. */
/**
 * A live job's state as it is: one whose work ended is no longer running, though it stays here until
 * its end is written (issue 75, finding 3: a call that just failed was listed running for ~3 s).
 */
function stateOf(l: Live): Job['state'] {
  if (l.ended === undefined) return l.job.state;
  if (l.ended === 'done') return 'done';
  return l.controller.signal.aborted ? 'cancelled' : 'failed';
}

export function listed(here: readonly Live[], kept: readonly Job[], limit: number): ListedJob[] {
  const ids = new Set(here.map((l) => l.job.id));
  const now = here.map((l): Job => ({
    ...l.job,
    state: stateOf(l),
    ...(l.progress !== undefined && { progress: l.progress }),
    ...(l.partsTotal !== undefined && { partsTotal: l.partsTotal }),
    ...(l.expectedAt !== undefined && { expectedAt: l.expectedAt }),
    ...(l.fromPlan && { fromPlan: true }),
    updatedAt: l.updatedAt,
    parts: shown(l.parts),
  }));
  return [...now, ...kept.filter((j) => !ids.has(j.id))]
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, limit)
    .map(({ result: _r, parts, reusable: _u, ...job }) => ({ ...job, partsDone: parts?.length ?? 0 }));
}

export function newLive(job: Job, controller: AbortController): Live {
  return {
    job,
    controller,
    parts: [],
    done: Promise.resolve(),
    updatedAt: job.createdAt,
    spent: { in: 0, out: 0 },
    watchers: new Set(),
    wroteAt: job.createdAt,
  };
}

/** `live`'s progress written now, or once WRITE_MS passed since the last write (one pending write at a time). */
function write(store: JobStore, live: Live, withParts: boolean, now: () => number): void {
  const flush = () => {
    live.writing = undefined;
    live.wroteAt = now();
    const status = {
      ...(live.partsTotal !== undefined && { partsTotal: live.partsTotal }),
      ...(live.expectedAt !== undefined && { expectedAt: live.expectedAt }),
      ...(live.fromPlan && { fromPlan: true }),
    };
    void store
      .progress(live.job.id, live.progress ?? `${shown(live.parts).length} parts answered`, live.parts, status)
      .catch(() => undefined);
  };
  if (withParts || now() - live.wroteAt >= WRITE_MS) {
    clearTimeout(live.writing);
    flush();
  } else if (live.writing === undefined) {
    live.writing = setTimeout(flush, WRITE_MS - (now() - live.wroteAt));
    live.writing.unref();
  }
}

/** The pending write dropped: the job ended (its end is written instead). */
export function stopWriting(live: Live): void {
  clearTimeout(live.writing);
  live.writing = undefined;
}

/** What `live`'s work is given, but `join` (long-work.ts adds it). */
export function controlOf(
  store: JobStore,
  live: Live,
  reused: ReadonlyMap<string, string>,
  now: () => number = Date.now,
): Omit<JobControl, 'join'> {
  const moved = () => {
    live.updatedAt = now();
  };
  let telling = false; // a watcher whose own reporter relays back here is not told again
  const tell = (line: string) => {
    if (telling) return;
    telling = true;
    try {
      for (const w of live.watchers) w(line);
    } finally {
      telling = false;
    }
  };
  return {
    signal: live.controller.signal,
    reused,
    keep: (reuse: ReusablePart) => {
      live.parts.push({ reuse });
    },
    part: (text, reuse) => {
      live.parts.push({ text, ...(reuse && { reuse }) });
      moved();
      write(store, live, true, now);
    },
    progress: (line) => {
      if (live.ended !== undefined) return;
      live.progress = line;
      moved();
      tell(line);
      write(store, live, false, now);
    },
    status: (update: JobStatusUpdate) => {
      if (update.partsTotal !== undefined) live.partsTotal = update.partsTotal;
      if (update.expectedAt !== undefined) {
        live.expectedAt = update.expectedAt;
        live.fromPlan = update.fromPlan === true;
      }
      moved();
      write(store, live, false, now);
    },
    spent: () => ({ ...live.spent }),
  };
}
