/**
 * The state every ollm-mcp process on a machine shares — memory, metrics, preferences,
 * comparisons and the savings ledger — in one SQLite database, $OLLM_HOME/state.db.
 *
 * SQLite (through libsql: better-sqlite3's API, with prebuilt binaries on npm for macOS, Windows
 * and Linux) because its locks belong to the open file: the kernel releases them when a holder
 * dies, so a killed server never leaves a lock behind, and no two writers can both believe they
 * hold it. WAL mode lets readers go on while one process writes; a busy timeout makes a writer
 * wait for another rather than fail; each change is one transaction, committed before the caller
 * hears back. The schema carries a version (PRAGMA user_version) and is migrated forward, in a
 * transaction, by whichever process opens it first.
 *
 * libsql is loaded on first use, so a server that never touches its state starts without it.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type Libsql from 'libsql';
import { diskProblem } from '../util/disk-errors.js';
import { cjsExports } from '../util/cjs.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Libsql.Database;
export const STATE_FILE = 'state.db';
/** How long a writer waits for another process's transaction before giving up. */
export const BUSY_TIMEOUT_MS = 10_000;

/** The database cannot be used (a FIFO or a link in its place, a full or read-only disk); the message says what to do. */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** A failure turned into words for the user: the disk's own problem when it is one. */
export function storageError(err: unknown, path: string, doing: string): StorageError {
  if (err instanceof StorageError) return err;
  const disk = diskProblem(err, path);
  const why = err instanceof Error ? err.message : String(err);
  return new StorageError(disk ?? `Cannot ${doing} in ${path}: ${why}. Nothing was changed; try again.`);
}

/** Only a regular file may be opened as the database: never a FIFO, a device, or a link. */
async function checkPlace(path: string): Promise<void> {
  for (const p of [path, `${path}-wal`, `${path}-shm`]) {
    const s = await lstat(p).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (s && !s.isFile()) {
      const what = s.isSymbolicLink() ? 'a symbolic link' : s.isDirectory() ? 'a folder' : s.isFIFO() ? 'a named pipe (FIFO)' : 'not a regular file';
      throw new StorageError(`${p} is ${what}; ollm-mcp keeps its state only in a regular file there. Move it away (or remove it) and try again.`);
    }
  }
}

async function openDb(path: string): Promise<Db> {
  const Database = cjsExports((await import('libsql')) as unknown as typeof Libsql);
  await mkdir(join(path, '..'), { recursive: true });
  await checkPlace(path);
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec('PRAGMA journal_mode = WAL');
    // FULL: a commit is on disk before the caller is told it happened, power loss included
    db.exec('PRAGMA synchronous = FULL');
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function migrate(db: Db): void {
  const version = () => Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  if (version() >= MIGRATIONS.length) return;
  db.transaction(() => {
    // re-read under the write lock: another process may have migrated meanwhile
    for (let v = version(); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }
  }).immediate();
}

/** One connection per database file in a process (tests run several homes side by side). */
const open = new Map<string, Promise<Db>>();

/** The database of a home, opened (and migrated) on first use. */
export function stateDb(home: string): Promise<Db> {
  const path = join(home, STATE_FILE);
  let db = open.get(path);
  if (!db) {
    db = openDb(path).catch((e: unknown) => {
      open.delete(path); // the next call tries again: the user may have fixed it
      throw storageError(e, path, 'open the state database');
    });
    open.set(path, db);
  }
  return db;
}

/** Closes every database this process opened (at shutdown; a later call opens again). */
export async function closeStateDbs(): Promise<void> {
  const all = [...open.values()];
  open.clear();
  for (const db of await Promise.allSettled(all)) if (db.status === 'fulfilled' && db.value.open) db.value.close();
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
 * Runs `fn` as one write transaction (BEGIN IMMEDIATE: the write lock first, so it never has to
 * restart). `before` is the state version `fn` saw, `after` the one its commit made: a copy kept
 * at `before` and changed as `fn` changed the database is current at `after`.
 */
export function write<R>(db: Db, fn: () => R): { value: R; before: string; after: string } {
  const out = db
    .transaction(() => {
      const dv = dataVersion(db);
      const n = commits.get(db) ?? 0;
      return { value: fn(), before: `${dv}.${n}`, after: `${dv}.${n + 1}` };
    })
    .immediate();
  commits.set(db, (commits.get(db) ?? 0) + 1);
  return out;
}

interface Job {
  fn: () => unknown;
  resolve(out: { value: unknown; before: string; after: string }): void;
  reject(err: unknown): void;
}
const queued = new WeakMap<Db, Job[]>();

/**
 * Like write(), but the changes asked for in the same turn of the event loop share one
 * transaction — one commit, one flush to disk — each inside a savepoint of its own, so one that
 * fails (a limit, a bad value) is undone alone. Each resolves once the commit is on disk.
 * `before`/`after` count each change as one step, so a kept copy follows only its own changes.
 */
export function queueWrite<R>(db: Db, fn: () => R): Promise<{ value: R; before: string; after: string }> {
  return new Promise((resolve, reject) => {
    let jobs = queued.get(db);
    if (!jobs) {
      jobs = [];
      queued.set(db, jobs);
      setImmediate(() => runBatch(db));
    }
    jobs.push({ fn, resolve: resolve as Job['resolve'], reject });
  });
}

function runBatch(db: Db): void {
  const jobs = queued.get(db) ?? [];
  queued.delete(db);
  type Outcome = { ok: true; value: unknown; before: string; after: string } | { ok: false; err: unknown };
  let outcomes: Outcome[];
  try {
    outcomes = db
      .transaction(() => {
        const dv = dataVersion(db);
        const n = commits.get(db) ?? 0;
        return jobs.map((job, i): Outcome => {
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
        });
      })
      .immediate();
    commits.set(db, (commits.get(db) ?? 0) + jobs.length);
  } catch (err) {
    for (const job of jobs) job.reject(err);
    return;
  }
  jobs.forEach((job, i) => {
    const o = outcomes[i]!;
    if (o.ok) job.resolve(o);
    else job.reject(o.err);
  });
}

function dataVersion(db: Db): number {
  return Number((db.prepare('PRAGMA data_version').get() as { data_version: number }).data_version);
}
