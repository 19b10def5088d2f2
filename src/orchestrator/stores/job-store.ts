/**
 * Long work handed over before a client's time limit (jobs/long-work.ts), kept in the state
 * database — so a job outlives the launch that asked, and its result the server that ran it: one
 * row per job, its owner (the calling agent: one agent's jobs are never another's), the key of its
 * call (tool, arguments, input contents: the same call again attaches to it), its state, the pid of
 * the server running it (a running job whose server is gone is `lost`, never "running" for ever),
 * the parts answered so far and its result. Bounded: an ended job is kept KEEP_MS (24 h) and at
 * most MAX_JOBS rows; a result or the parts past MAX_TEXT characters are refused at the door
 * (the job then ends `failed`, saying so).
 */
import { randomUUID } from 'node:crypto';
import { stateDb } from '../storage/db.js';
import { statement } from '../storage/statements.js';
import { queueWrite } from '../storage/writes.js';

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
  /** Its last progress line. */
  progress?: string;
  /** The parts answered so far (a split job's), as shown. */
  parts?: string[];
  /** The parts that can be taken up again by a job of the same call (its server gone): by their request's key, the answer. */
  reusable?: ReusablePart[];
  /** Its result as the tool gave it (structured), when done; why, when failed. */
  result?: unknown;
  error?: string;
}

/** A part's answer a later job of the same call may take instead of asking again: the key of its request (prompt and limits), the answer as the engine gave it. */
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

/** The parts as read back from the state database: each a string (older rows) or a KeptPart; anything else is dropped. */
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
      if (r && typeof r.key === 'string' && typeof r.answer === 'string') reusable.push({ key: r.key, answer: r.answer });
    }
  }
  return { shown, reusable };
}

/** An ended job is kept this long. */
export const KEEP_MS = 24 * 3600_000;
export const MAX_JOBS = 1000;
/** The most characters a job's result, or its parts together, may hold. */
export const MAX_TEXT = 4_000_000;

interface Row {
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
}

const STATES: readonly string[] = ['running', 'done', 'failed', 'cancelled', 'lost'];

/** A row as read, checked: another process (or an older version) may have written it. */
function fromRow(r: Row, alive: (pid: number) => boolean): Job | undefined {
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
  };
}

/** Whether a process lives (signal 0), or exists as another user's. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class JobStore {
  constructor(
    private readonly home: string,
    private readonly alive: (pid: number) => boolean = processAlive,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new running job of `owner`'s call, run by this process. */
  async create(owner: string, tool: string, key: string): Promise<Job> {
    const at = this.now();
    const job: Job = { id: `job-${randomUUID().slice(0, 8)}`, owner, tool, key, state: 'running', runner: process.pid, handed: false, createdAt: at, updatedAt: at };
    const db = await stateDb(this.home);
    await queueWrite(db, () => {
      statement(db, 'INSERT INTO jobs (id, owner, tool, call_key, state, runner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(job.id, owner, tool, key, 'running', job.runner, at, at);
      // ended jobs past their keep, then the oldest past the bound
      statement(db, "DELETE FROM jobs WHERE state != 'running' AND updated_at < ?").run(at - KEEP_MS);
      statement(db, 'DELETE FROM jobs WHERE rowid <= (SELECT max(rowid) FROM jobs) - ?').run(MAX_JOBS);
    });
    return job;
  }

  /** Its call answered before it ended, with the job: from now on the same call again gets its result. */
  async handedOver(id: string): Promise<void> {
    const db = await stateDb(this.home);
    await queueWrite(db, () => statement(db, 'UPDATE jobs SET handed = 1 WHERE id = ?').run(id));
  }

  /** Its progress line and the parts answered so far (written with the next group commit). */
  async progress(id: string, progress: string, parts?: ReadonlyArray<string | KeptPart>): Promise<void> {
    const partsText = parts === undefined ? undefined : JSON.stringify(parts);
    if (partsText !== undefined && partsText.length > MAX_TEXT) return; // kept as they were: the result will say
    const db = await stateDb(this.home);
    await queueWrite(
      db,
      () => {
        if (partsText === undefined) statement(db, "UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND state = 'running'").run(progress.slice(0, 500), this.now(), id);
        else statement(db, "UPDATE jobs SET progress = ?, parts = ?, updated_at = ? WHERE id = ? AND state = 'running'").run(progress.slice(0, 500), partsText, this.now(), id);
      },
      { defer: true },
    );
  }

  /** Ended: done with its result, or failed / cancelled with why. A result past MAX_TEXT ends it failed, saying so. */
  async end(id: string, state: Exclude<JobState, 'running' | 'lost'>, outcome: { value: unknown } | { error: string }): Promise<void> {
    let text = JSON.stringify(outcome);
    if (text.length > MAX_TEXT) {
      state = 'failed';
      text = JSON.stringify({ error: `its result is over ${MAX_TEXT} characters, more than a job keeps: ask for less (maxTokens, fewer inputs)` });
    }
    const db = await stateDb(this.home);
    await queueWrite(db, () => statement(db, 'UPDATE jobs SET state = ?, result = ?, updated_at = ? WHERE id = ?').run(state, text, this.now(), id));
  }

  async get(id: string): Promise<Job | undefined> {
    const db = await stateDb(this.home);
    const row = statement(db, 'SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row, this.alive);
  }

  /**
   * The newest job of `owner`'s same call that a repeated call attaches to: one running, or one
   * done (within its keep) whose call was handed over — a call answered whole in time is no job the
   * agent knows of, and asking again asks anew.
   */
  async sameCall(owner: string, key: string): Promise<Job | undefined> {
    const db = await stateDb(this.home);
    const rows = statement(db, "SELECT * FROM jobs WHERE owner = ? AND call_key = ? AND (state = 'running' OR (state = 'done' AND handed = 1)) AND updated_at >= ? ORDER BY created_at DESC LIMIT 5").all(owner, key, this.now() - KEEP_MS) as Row[];
    return rows.map((r) => fromRow(r, this.alive)).find((j): j is Job => j !== undefined && (j.state === 'running' || j.state === 'done'));
  }

  /**
   * The parts a job of `owner`'s same call answered before its server went (a lost job): the newest
   * such job's, for a new job of the call to take up instead of asking again.
   */
  async lostParts(owner: string, key: string): Promise<ReusablePart[]> {
    const db = await stateDb(this.home);
    // within the keep, like every job a call may attach to (a lost row is never ended, so the cleanup leaves it)
    const rows = statement(db, "SELECT * FROM jobs WHERE owner = ? AND call_key = ? AND state = 'running' AND parts IS NOT NULL AND updated_at >= ? ORDER BY created_at DESC LIMIT 5").all(owner, key, this.now() - KEEP_MS) as Row[];
    return rows.map((r) => fromRow(r, this.alive)).find((j) => j?.state === 'lost' && j.reusable !== undefined)?.reusable ?? [];
  }

  /** `owner`'s jobs, newest first (running, then those kept after they ended); all owners' without one. */
  async list(owner?: string, limit = 20): Promise<Job[]> {
    const db = await stateDb(this.home);
    const rows = (owner === undefined
      ? statement(db, 'SELECT * FROM jobs WHERE updated_at >= ? ORDER BY created_at DESC LIMIT ?').all(this.now() - KEEP_MS, limit)
      : statement(db, 'SELECT * FROM jobs WHERE owner = ? AND updated_at >= ? ORDER BY created_at DESC LIMIT ?').all(owner, this.now() - KEEP_MS, limit)) as Row[];
    return rows.map((r) => fromRow(r, this.alive)).filter((j): j is Job => j !== undefined);
  }
}
