/**
 * Long work handed over before a client's time limit (jobs/long-work.ts), kept in the state
 * database — so a job outlives the launch that asked, and its result the server that ran it: one
 * row per job, its owner (the calling agent: one agent's jobs are never another's), the key of its
 * call (tool, arguments, input contents: the same call again attaches to it), its state, the pid of
 * the server running it (a running job whose server is gone is `lost`, never "running" for ever),
 * the parts answered so far and its result. Bounded: an ended job is kept KEEP_MS (24 h) after it
 * ended, a task no longer than its ttl from its creation; each owner keeps at most MAX_JOBS rows,
 * its own oldest ended ones going first — one agent's flood never removes another's jobs, and no
 * bound removes a running job (long-work.ts caps those per owner). A result or the parts past
 * MAX_TEXT characters are refused at the door (the job then ends `failed`, saying so).
 */
import { randomUUID } from 'node:crypto';
import { log } from '../util/log.js';
import { pidAlive } from '../util/own-process.js';
import { stateDb } from '../storage/db.js';
import { statement } from '../storage/statements.js';
import { queueWrite, type Db } from '../storage/writes.js';
import { JobKeys, keyWritten } from './job-keys.js';
import { insertRow, selectJob, selectList, selectPrevious, sweepRows, updateProgress } from './job-queries.js';
import { isJobId, type Job, type JobState, type JobStatus, type KeptPart, type ReusablePart } from './job-rows.js';

export {
  expired,
  isJobId,
  shownId,
  type Job,
  type JobState,
  type JobStatus,
  type KeptPart,
  type ReusablePart,
} from './job-rows.js';

/** An ended job is kept this long. */
export const KEEP_MS = 24 * 3600_000;
/** The most often the jobs are swept (JobStore.sweep), ms. */
export const SWEEP_MS = 60_000;
/**
 * The most rows one owner keeps: past it, its own oldest ended ones go (never another owner's, never a
 * running one).
 */
export const MAX_JOBS = 1000;
/** A job made `lazy` has its row written this long after it started, if nothing wrote it before (ms). */
export const WRITE_AFTER_MS = 1000;
/** The most characters a job's result, or its parts together, may hold. */
export const MAX_TEXT = 4_000_000;

export class JobStore {
  constructor(
    private readonly home: string,
    private readonly alive: (pid: number) => boolean = (pid) => pidAlive(pid),
    private readonly now: () => number = Date.now,
  ) {}

  /** The calls the jobs table holds rows of (job-keys.ts). */
  private readonly keys = new JobKeys();

  /** Jobs made but not written yet (`create` with `lazy`), with the last progress they were given meanwhile. */
  private readonly unwritten = new Map<
    string,
    { job: Job; timer: NodeJS.Timeout; progress?: Parameters<JobStore['progress']> }
  >();

  /**
   * A new running job of `owner`'s call, run by this process; a task's kept `ttlMs` with it.
   * `lazy` (a call that may well end within its client's patience): no row yet — it is written
   * once the call is handed over, its first part comes, or after WRITE_AFTER_MS; a job that ends
   * before any of these is never written (nothing would ever read it: the same call again asks anew).
   */
  async create(owner: string, tool: string, key: string, ttlMs?: number, lazy = false): Promise<Job> {
    const at = this.now();
    const job: Job = {
      id: `job-${randomUUID().slice(0, 8)}`,
      owner,
      tool,
      key,
      state: 'running',
      runner: process.pid,
      handed: false,
      createdAt: at,
      updatedAt: at,
      ...(ttlMs !== undefined && { ttlMs }),
    };
    if (!lazy) {
      await this.insert(await stateDb(this.home), job, false);
      return job;
    }
    const timer = setTimeout(
      () =>
        void this.written(job.id, true)?.catch((err: unknown) =>
          log.warn(`job ${job.id}: not kept (${(err as Error).message})`),
        ),
      WRITE_AFTER_MS,
    );
    timer.unref();
    this.unwritten.set(job.id, { job, timer });
    return job;
  }

  /**
   * The row of a job not written yet, written now (`defer`: with the next group commit); undefined for a job
   * written already.
   */
  private written(id: string, defer: boolean, withProgress = true): Promise<void> | undefined {
    const pending = this.unwritten.get(id);
    if (!pending) return undefined;
    this.unwritten.delete(id);
    clearTimeout(pending.timer);
    return stateDb(this.home).then((db) => {
      const inserted = this.insert(db, pending.job, defer);
      // the last progress it was given before its row was written goes with it
      return pending.progress && withProgress
        ? Promise.all([inserted, this.progress(...pending.progress)]).then(() => undefined)
        : inserted;
    });
  }

  /** A job's row written, the jobs swept when due, and its owner's oldest ended rows past its bound removed. */
  private async insert(db: Db, job: Job, defer: boolean): Promise<void> {
    const at = job.createdAt;
    await queueWrite(
      db,
      () => {
        insertRow(db, job, MAX_JOBS, () => {
          if (at - this.swept >= SWEEP_MS) this.sweep(db, at);
        });
        keyWritten(db);
      },
      { defer },
    );
  }

  /** When the jobs were last swept (sweep), ms. */
  private swept = -Infinity;

  /**
   * Jobs whose server is gone are ended (lost), so the keep and the bound reach them; ended jobs
   * past their keep or their ttl, anyone's, removed (what reads them checks both already): at most
   * every SWEEP_MS, not on every call's way.
   */
  private sweep(db: Db, at: number): void {
    this.swept = at;
    sweepRows(db, at, at - KEEP_MS, this.alive);
  }

  /** The key of its call, once known (a task's: its inputs read). */
  async rekey(id: string, key: string): Promise<void> {
    const pending = this.unwritten.get(id);
    if (pending) return void (pending.job.key = key);
    const db = await stateDb(this.home);
    await queueWrite(db, () => {
      statement(db, 'UPDATE jobs SET call_key = ? WHERE id = ?').run(key, id);
      keyWritten(db);
    });
  }

  /** Its call answered before it ended, with the job: from now on the same call again gets its result. */
  async handedOver(id: string): Promise<void> {
    const pending = this.unwritten.get(id);
    if (pending) pending.job.handed = true; // written so, before the call is answered
    const wrote = this.written(id, false);
    if (wrote) return wrote;
    const db = await stateDb(this.home);
    await queueWrite(db, () => statement(db, 'UPDATE jobs SET handed = 1 WHERE id = ?').run(id));
  }

  /** Its progress line, how far it is, and the parts answered so far (written with the next group commit). */
  async progress(
    id: string,
    progress: string,
    parts?: ReadonlyArray<string | KeptPart>,
    status?: JobStatus,
  ): Promise<void> {
    const partsText = parts === undefined ? undefined : JSON.stringify(parts);
    if (partsText !== undefined && partsText.length > MAX_TEXT) return; // kept as they were: the result will say
    const pending = this.unwritten.get(id);
    // written with its row, if it ever is
    if (pending && !parts?.length) return void (pending.progress = [id, progress, parts, status]);
    // its first part: its row, for a server that takes it up after this one is gone
    void this.written(id, true, false)?.catch(() => undefined);
    const statusText = status === undefined ? null : JSON.stringify(status);
    const db = await stateDb(this.home);
    await queueWrite(db, () => updateProgress(db, id, progress, partsText, statusText, this.now()), { defer: true });
  }

  /** Its result returned to its agent at `at`: asked again, it is not sent again (long-work.ts). */
  async delivered(id: string, at: number): Promise<void> {
    await this.written(id, false);
    const db = await stateDb(this.home);
    await queueWrite(db, () =>
      statement(db, 'UPDATE jobs SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL').run(at, id),
    );
  }

  /** Ended: done with its result, or failed / cancelled with why. A result past MAX_TEXT ends it failed, saying so. */
  async end(
    id: string,
    state: Exclude<JobState, 'running' | 'lost'>,
    outcome: { value: unknown } | { error: string },
    defer = false,
  ): Promise<void> {
    const pending = this.unwritten.get(id);
    // done before anything wrote it: no row (no one holds its id, the same call again asks anew); failed or
    // cancelled, kept to say why
    if (pending && state === 'done') return void (this.unwritten.delete(id), clearTimeout(pending.timer));
    void this.written(id, true, false)?.catch(() => undefined);
    let text = JSON.stringify(outcome);
    if (text.length > MAX_TEXT) {
      state = 'failed';
      text = JSON.stringify({
        error:
          `its result is over ${MAX_TEXT} characters, more than a job keeps: ask for less (maxTokens, ` +
          `fewer inputs)`,
      });
    }
    const db = await stateDb(this.home);
    await queueWrite(
      db,
      () =>
        statement(db, 'UPDATE jobs SET state = ?, result = ?, updated_at = ? WHERE id = ?').run(
          state,
          text,
          this.now(),
          id,
        ),
      { defer },
    );
  }

  /**
   * `owner`'s job `id`, unless it is past its keep or its ttl. Looked up by id and owner together:
   * another agent's job is found no more than an unknown id is — nothing of its row is read or
   * parsed, so "not yours" costs what "none" does and tells nothing of the job.
   */
  async get(owner: string, id: string): Promise<Job | undefined> {
    if (!isJobId(id)) return undefined;
    const pending = this.unwritten.get(id);
    if (pending) return pending.job.owner === owner ? pending.job : undefined;
    const db = await stateDb(this.home);
    const now = this.now();
    return selectJob(db, owner, id, this.alive, now, now - KEEP_MS);
  }

  /**
   * What a new call of `owner`'s with `key` finds of earlier ones, in one read: the newest job it
   * attaches to (`same`: one running, or one done within its keep whose call was handed over — a
   * call answered whole in time is no job the agent knows of, and asking again asks anew), and the
   * parts a job of the same call answered before its server went (`lost`: the newest lost job's), for
   * a new job to take up instead of asking again. Within the keep, like every job a call may attach
   * to (a lost row: still 'running' with its server gone, or marked lost as its owner made a job).
   */
  async previous(owner: string, key: string): Promise<{ same?: Job; lost: ReusablePart[] }> {
    const db = await stateDb(this.home);
    // most calls are a call no job was ever kept of: told by the keys held, without reading the rows
    if (!this.keys.mayHold(db, owner, key)) return { lost: [] };
    return selectPrevious(db, owner, key, this.now() - KEEP_MS, this.alive, () => this.now());
  }

  /** The parts a job of `owner`'s same call answered before its server went (previous). */
  async lostParts(owner: string, key: string): Promise<ReusablePart[]> {
    return (await this.previous(owner, key)).lost;
  }

  /** `owner`'s jobs, newest first (running, then those kept after they ended); all owners' without one. */
  async list(owner?: string, limit = 20): Promise<Job[]> {
    const db = await stateDb(this.home);
    const now = this.now();
    return selectList(db, owner, limit, this.alive, now, now - KEEP_MS);
  }
}
