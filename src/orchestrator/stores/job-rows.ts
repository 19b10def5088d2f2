/**
 * A job as the job store keeps it (job-store.ts): its shape, its id's, and a row of the state
 * database read back and checked — another process, or an older version, may have written it.
 */
export type JobState = 'running' | 'done' | 'failed' | 'cancelled' | 'lost';

export interface Job {
  id: string;
  owner: string;
  tool: string;
  key: string;
  state: JobState;
  /** The pid of the server that runs (or ran) it. */
  runner: number;
  /** Its call was answered before it ended, with the job: the agent knows of it. */
  handed: boolean;
  createdAt: number;
  updatedAt: number;
  /** Its last progress line: the step it is at. */
  progress?: string;
  /** Its parts in all, once its plan is known (a split job's). */
  partsTotal?: number;
  /** When its whole result is expected (epoch ms), once there is an estimate. */
  expectedAt?: number;
  /** That estimate is the plan's: no part timed yet. */
  fromPlan?: boolean;
  /** When its result was returned to its agent (epoch ms): it is sent once. */
  deliveredAt?: number;
  /** The parts answered so far (a split job's), as shown. */
  parts?: string[];
  /**
   * The parts that can be taken up again by a job of the same call (its server gone): by their request's key,
   * the answer.
   */
  reusable?: ReusablePart[];
  /** Its result as the tool gave it (structured), when done; why, when failed. */
  result?: unknown;
  error?: string;
  /** A task's ttl as kept (ms from its creation): once ended and past it, the job is gone. */
  ttlMs?: number;
}

/** A job's id as this store makes it: `job-` and hex digits (long-work.ts makes the same when none is kept). */
const JOB_ID = /^job-[0-9a-f]{1,16}$/;

/** Whether `id` has a job id's shape: anything else is no job, and is not looked up or repeated. */
export function isJobId(id: string): boolean {
  return JOB_ID.test(id);
}

/** `id` as a message may repeat it: a job id whole, anything else cut to a few dozen characters. */
export function shownId(id: string): string {
  return isJobId(id) ? id : JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id);
}

/** Ended, and past the ttl it was kept with: as good as gone (the cleanup removes it). */
export function expired(job: Pick<Job, 'state' | 'createdAt' | 'ttlMs'>, now: number): boolean {
  return job.state !== 'running' && job.ttlMs !== undefined && job.createdAt + job.ttlMs < now;
}

/**
 * A part's answer a later job of the same call may take instead of asking again: the key of its request
 * (prompt and limits), the answer as the engine gave it.
 */
export interface ReusablePart {
  key: string;
  answer: string;
}

/**
 * A part as a job keeps it: its text as shown, and what a later job may reuse (a part kept by an
 * older version has only its text); without text, a value kept for a later job alone (how its
 * input was split), not shown.
 */
export interface KeptPart {
  text?: string;
  reuse?: ReusablePart;
}

/**
 * The parts as read back from the state database: each a string (older rows) or a KeptPart; anything else is
 * dropped.
 */
function partsOf(value: unknown): { shown: string[]; reusable: ReusablePart[] } | undefined {
  if (!Array.isArray(value)) return undefined;
  const shown: string[] = [];
  const reusable: ReusablePart[] = [];
  for (const p of value as unknown[]) {
    if (typeof p === 'string') shown.push(p);
    else if (typeof p === 'object' && p !== null) {
      const text = (p as KeptPart).text;
      if (typeof text === 'string') shown.push(text);
      const r = (p as KeptPart).reuse;
      if (r && typeof r.key === 'string' && typeof r.answer === 'string')
        reusable.push({ key: r.key, answer: r.answer });
    }
  }
  return { shown, reusable };
}

export interface Row {
  id: string;
  owner: string;
  tool: string;
  call_key: string;
  state: string;
  runner: number;
  handed: number;
  created_at: number;
  updated_at: number;
  progress: string | null;
  parts: string | null;
  result: string | null;
  keep_ms: number | null;
  status?: string | null;
  delivered_at?: number | null;
}

const STATES: readonly string[] = ['running', 'done', 'failed', 'cancelled', 'lost'];

/** A row as read, checked: another process (or an older version) may have written it. */
export function fromRow(r: Row, alive: (pid: number) => boolean): Job | undefined {
  if (!STATES.includes(r.state)) return undefined;
  const parse = (text: string | null): unknown => {
    if (text === null) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  const parts = partsOf(parse(r.parts));
  const result = parse(r.result) as { value?: unknown; error?: unknown } | undefined;
  const state = r.state === 'running' && !alive(r.runner) ? 'lost' : (r.state as JobState);
  const status = statusOf(parse(r.status ?? null));
  return {
    id: r.id,
    owner: r.owner,
    tool: r.tool,
    key: r.call_key,
    state,
    runner: r.runner,
    handed: r.handed === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.progress !== null && { progress: r.progress }),
    ...(parts && { parts: parts.shown }),
    ...(parts && parts.reusable.length > 0 && { reusable: parts.reusable }),
    ...(result && 'value' in result && { result: result.value }),
    ...(result && typeof result.error === 'string' && { error: result.error }),
    ...(typeof r.keep_ms === 'number' && { ttlMs: r.keep_ms }),
    ...status,
    ...(typeof r.delivered_at === 'number' && { deliveredAt: r.delivered_at }),
  };
}

/** How far a job is, as kept: what is a count or a time, else nothing. */
export interface JobStatus {
  partsTotal?: number;
  expectedAt?: number;
  fromPlan?: boolean;
}

function statusOf(value: unknown): JobStatus {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const count = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 1e6;
  const time = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;
  return {
    ...(count(v.partsTotal) && { partsTotal: v.partsTotal as number }),
    ...(time(v.expectedAt) && { expectedAt: v.expectedAt as number }),
    ...(time(v.expectedAt) && v.fromPlan === true && { fromPlan: true }),
  };
}
