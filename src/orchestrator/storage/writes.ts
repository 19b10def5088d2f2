/**
 * Writing to the state database: one transaction per change (write), or the changes of one turn of
 * the event loop in one shared transaction (queueWrite); batches commit one after another, in the
 * order asked for. Records no one was told about (metrics, the ledger, track records: `defer`)
 * wait up to BATCH_MS for a group commit — one transaction, one flush to disk, for every record of
 * that window — so a call's answer never waits on a commit; a change the user is told about commits
 * at once, taking the records asked before it into its transaction. A lock held by another process
 * is waited for without blocking the event loop (busy.ts); a group commit that still meets it is
 * tried again at the next window (MAX_TRIES in all), then its records are given up and logged.
 * Every commit rewrites the store's identity on page 1 (schema.ts stamp), so the write-ahead log
 * can be tied to its database (integrity.ts).
 */
import type Libsql from 'libsql';
import { log } from '../util/log.js';
import type { PhaseReporter } from '../progress/progress.js';
import { isBusy, retryBusy, StateLockedError } from './busy.js';
import { stamp } from './schema.js';
import { statement } from './statements.js';

export type Db = Libsql.Database;

/** The file each connection is open on (for messages). */
const paths = new WeakMap<Db, string>();
export const pathOf = (db: Db): string => paths.get(db) ?? db.name;
/** Records the file a connection was opened on. */
export function openedAt(db: Db, path: string): void {
  paths.set(db, path);
}

/** Commits made through each connection: connections are shared in a process, so readers count them too. */
const commits = new WeakMap<Db, number>();

/**
 * A value that changes whenever the database may have: SQLite's data_version (moved by other
 * processes' commits) with the commits made through this process's connection.
 */
export function stateVersion(db: Db): string {
  return `${dataVersion(db)}.${commits.get(db) ?? 0}`;
}

/**
 * The changes of one kind (one table's) made through each connection, for a reader that keeps a
 * copy of that table only: its copy stays current across the process's other commits (a call's
 * metrics, say), which stateVersion counts, and is read again only when another process committed
 * or a writer of this kind counted a change (`changed`, inside the write's transaction).
 */
export class ChangeCount {
  private readonly counts = new WeakMap<Db, number>();

  changed(db: Db): void {
    this.counts.set(db, (this.counts.get(db) ?? 0) + 1);
  }

  /** Like stateVersion, with this kind's changes in place of every commit. */
  version(db: Db): string {
    return `${dataVersion(db)}.${this.counts.get(db) ?? 0}`;
  }
}

/**
 * Runs `fn` as one write transaction (BEGIN IMMEDIATE: the write lock first, so it never has to
 * restart). `before` is the state version `fn` saw, `after` the one its commit made: a copy kept
 * at `before` and changed as `fn` changed the database is current at `after`.
 */
export async function write<R>(db: Db, fn: () => R): Promise<{ value: R; before: string; after: string }> {
  syncFor(db, [{ deferred: false }]);
  return transact(
    db,
    1,
    (dv, n) => ({ value: fn(), before: `${dv}.${n}`, after: `${dv}.${n + 1}` }),
    () => waiting(pathOf(db)),
  );
}

/**
 * One write transaction (BEGIN IMMEDIATE) of `steps` changes: `body` gets the state version it
 * starts from (data_version, and this connection's commits). A lock held by another process is
 * waited for without blocking (busy.ts) — but only until the transaction began: once `body` ran it
 * is never run twice.
 */
async function transact<T>(db: Db, steps: number, body: (dv: number, n: number) => T, onWait?: () => void): Promise<T> {
  let started = false;
  const out = await retryBusy(
    pathOf(db),
    () =>
      db
        .transaction(() => {
          started = true;
          stamp(db);
          return body(dataVersion(db), commits.get(db) ?? 0);
        })
        .immediate(),
    { retryable: () => !started, ...(onWait && { onWait }) },
  );
  commits.set(db, (commits.get(db) ?? 0) + steps);
  return out;
}

/** The longest a deferred record waits for its group commit (OLLM_STATE_BATCH_MS for tests): what a crash can lose. */
export const BATCH_MS = Math.min(250, Number(process.env.OLLM_STATE_BATCH_MS) || 250);
/** How many group commits a deferred record is tried in when the database stays locked. */
export const MAX_TRIES = 3;

interface Job {
  fn: () => unknown;
  /** A record no one was told about: it may wait for the next group commit. */
  deferred: boolean;
  /** Group commits it was already tried in (a lock held by another process). */
  tries: number;
  resolve(out: { value: unknown; before: string; after: string }): void;
  reject(err: unknown): void;
}
/**
 * Per connection: the changes waiting for the next batch, and the batch being committed (batches run one
 * after another, in order).
 */
interface Queue {
  jobs: Job[];
  running?: Promise<void>;
  scheduled: boolean;
  /** A job that may not wait is queued (or a flush was asked for): the batch runs in this turn. */
  urgent: boolean;
  /** The group commit of the deferred jobs, at most BATCH_MS away. */
  timer?: NodeJS.Timeout;
}
const queues = new WeakMap<Db, Queue>();

/**
 * Like write(), but the changes asked for in the same turn of the event loop share one
 * transaction — one commit, one flush to disk — each inside a savepoint of its own, so one that
 * fails (a limit, a bad value) is undone alone. Each resolves once the commit is on disk.
 * `before`/`after` count each change as one step, so a kept copy follows only its own changes.
 * Batches commit in the order they were asked for, even while one waits for another process's lock.
 * `defer`: a record no one was told about, committed with the group commit of the next BATCH_MS
 * (or earlier, with a change that may not wait, or at flushWrites).
 */
export function queueWrite<R>(
  db: Db,
  fn: () => R,
  options: { defer?: boolean } = {},
): Promise<{ value: R; before: string; after: string }> {
  return new Promise((resolve, reject) => {
    const q = queueOf(db);
    const deferred = options.defer === true;
    q.jobs.push({ fn, deferred, tries: 0, resolve: resolve as Job['resolve'], reject });
    if (!deferred) q.urgent = true;
    schedule(db, q);
  });
}

function queueOf(db: Db): Queue {
  let q = queues.get(db);
  if (!q) {
    q = { jobs: [], scheduled: false, urgent: false };
    queues.set(db, q);
  }
  return q;
}

function schedule(db: Db, q: Queue): void {
  if (q.scheduled || q.running || q.jobs.length === 0) return;
  if (!q.urgent) {
    // only records: they wait for the group commit
    q.timer ??= setTimeout(() => {
      q.timer = undefined;
      q.urgent = true;
      schedule(db, q);
    }, BATCH_MS);
    return;
  }
  if (q.timer) clearTimeout(q.timer);
  q.timer = undefined;
  q.scheduled = true;
  setImmediate(() => {
    q.scheduled = false;
    q.urgent = false;
    const jobs = q.jobs;
    q.jobs = [];
    q.running = runBatch(db, q, jobs).finally(() => {
      q.running = undefined;
      schedule(db, q);
    });
  });
}

/** Starts the group commit of the records waiting on `db` now, without waiting for it. */
export function commitSoon(db: Db): void {
  const q = queues.get(db);
  if (!q || q.jobs.length === 0) return;
  q.urgent = true;
  schedule(db, q);
}

/**
 * Commits the records waiting for their group commit now, and resolves once every change queued
 * on `db` is committed (or failed): before a read that must see them, and at close.
 */
export async function flushWrites(db: Db): Promise<void> {
  for (let q = queues.get(db); q && (q.running || q.jobs.length > 0);) {
    if (q.running) await q.running;
    else {
      commitSoon(db);
      await new Promise((r) => setImmediate(r));
    }
  }
}

/** The synchronous mode each connection was last set to (db.ts opens them FULL). */
const syncModes = new WeakMap<Db, 'FULL' | 'NORMAL'>();

/**
 * FULL for a batch holding a change the user is told about: on disk, power loss included, before
 * it resolves. NORMAL for a group commit of records alone: in write-ahead-log mode that commit is
 * safe from a crash of this process (the system holds it) without waiting for the disk, which the
 * next FULL commit or checkpoint flushes — so a commit of records never holds the event loop
 * while the disk catches up. A power cut may lose the records since that flush.
 */
function syncFor(db: Db, jobs: ReadonlyArray<Pick<Job, 'deferred'>>): void {
  const mode = jobs.every((j) => j.deferred) ? 'NORMAL' : 'FULL';
  if ((syncModes.get(db) ?? 'FULL') === mode) return;
  db.exec(`PRAGMA synchronous = ${mode}`);
  syncModes.set(db, mode);
}

async function runBatch(db: Db, q: Queue, jobs: Job[]): Promise<void> {
  type Outcome = { ok: true; value: unknown; before: string; after: string } | { ok: false; err: unknown };
  let outcomes: Outcome[];
  const path = pathOf(db);
  try {
    syncFor(db, jobs);
    outcomes = await transact(
      db,
      jobs.length,
      (dv, n) =>
        jobs.map((job, i): Outcome => {
          db.exec('SAVEPOINT job');
          try {
            const value = job.fn();
            db.exec('RELEASE job');
            return { ok: true, value, before: `${dv}.${n + i}`, after: `${dv}.${n + i + 1}` };
          } catch (err) {
            db.exec('ROLLBACK TO job');
            db.exec('RELEASE job');
            return { ok: false, err };
          }
        }),
      () => waiting(path),
    );
  } catch (err) {
    // nothing of the batch was committed: a record meeting another process's lock waits for the next window
    const locked = err instanceof StateLockedError || isBusy(err);
    const again = locked ? jobs.filter((j) => j.deferred && ++j.tries < MAX_TRIES) : [];
    for (const job of jobs) if (!again.includes(job)) job.reject(err);
    if (again.length) {
      log.warn(
        `state: ${again.length} record(s) not written yet (${(err as Error).message}); trying again in ${BATCH_MS} ms`,
      );
      q.jobs.unshift(...again);
    }
    return;
  }
  jobs.forEach((job, i) => {
    const o = outcomes[i]!;
    if (o.ok) job.resolve(o);
    else job.reject(o.err);
  });
}

function dataVersion(db: Db): number {
  return Number((statement(db, 'PRAGMA data_version').get() as { data_version: number }).data_version);
}

/** A commit waits for another process's lock: said in the log, and as a phase of each call waiting on it. */
function waiting(path: string): void {
  const what = `the state database (${path}), locked by another process`;
  log.info(`waiting for ${what}`);
  for (const r of waitingCalls) r.enter({ kind: 'waiting', for: what });
}

/**
 * The calls waiting now for a change of theirs to the state database (tellingWaits), told when a
 * commit waits for another process's lock. Kept as a plain set rather than carried with the call's
 * continuations: an AsyncLocalStorage, once entered, taxes every promise of the process.
 */
const waitingCalls = new Set<PhaseReporter>();

/**
 * Runs `fn`, a call's change to the state database, its reporter told while a commit waits for another
 * process's lock.
 */
export async function tellingWaits<T>(reporter: PhaseReporter | undefined, fn: () => Promise<T>): Promise<T> {
  if (!reporter || waitingCalls.has(reporter)) return fn();
  waitingCalls.add(reporter);
  try {
    return await fn();
  } finally {
    waitingCalls.delete(reporter);
  }
}
