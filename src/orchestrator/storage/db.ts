/**
 * The state every ollm-mcp process on a machine shares — memory, metrics, preferences,
 * comparisons and the savings ledger — in one SQLite database, $OLLM_HOME/state.db.
 *
 * SQLite (through libsql: better-sqlite3's API, with prebuilt binaries on npm for macOS, Windows
 * and Linux) because its locks belong to the open file: the kernel releases them when a holder
 * dies, so a killed server never leaves a lock behind, and no two writers can both believe they
 * hold it. WAL mode lets readers go on while one process writes; a writer that meets another's
 * lock waits for it without blocking the event loop (busy.ts); each change the user is told about
 * is committed before the caller hears back, records no one was told about (metrics, track records)
 * go to disk in a group commit at most BATCH_MS later (writes.ts). A clean stop folds the write-ahead log into state.db
 * (SQLite's own checkpoint at close is skipped while a prepared statement is alive), so that file
 * alone holds everything; at open a log or database that is not this store's is kept aside, never
 * adopted (integrity.ts). The schema carries a version (PRAGMA user_version) and is migrated
 * forward, in a transaction, by whichever process opens it first (schema.ts).
 *
 * libsql is loaded on first use, so a server that never touches its state starts without it.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type Libsql from 'libsql';
import { loadLibsql } from './libsql-load.js';
import { cjsExports } from '../util/cjs.js';
import { log } from '../util/log.js';
import { CONNECTION_BUSY_MS, retryBusy } from './busy.js';
import { StorageError, storageError } from './errors.js';
import { checkBeforeOpen, isCorrupt, setAside, type SetAside } from './integrity.js';
import { claimIdentity, migrate } from './schema.js';
import { flushWrites, openedAt, pathOf, type Db } from './writes.js';

export { StorageError, storageError } from './errors.js';
export { LOCK_WAIT_MS, StateLockedError, isBusy } from './busy.js';
export { BATCH_MS, ChangeCount, commitSoon, flushWrites, queueWrite, stateVersion, write } from './writes.js';

export type { Db };
export const STATE_FILE = 'state.db';

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
  const Database = cjsExports((await loadLibsql()) as typeof Libsql);
  await mkdir(join(path, '..'), { recursive: true });
  await checkPlace(path);
  const moved = await checkBeforeOpen(path);
  const connect = async (): Promise<Db> => {
    const db = new Database(path, { timeout: CONNECTION_BUSY_MS });
    try {
      db.exec(`PRAGMA busy_timeout = ${CONNECTION_BUSY_MS}`);
      await retryBusy(path, () => db.exec('PRAGMA journal_mode = WAL'));
      // FULL: a commit is on disk before the caller is told it happened, power loss included
      db.exec('PRAGMA synchronous = FULL');
      const check = await retryBusy(path, () => db.prepare('PRAGMA quick_check').all() as Array<{ quick_check: string }>);
      if (check[0]?.quick_check !== 'ok') throw Object.assign(new Error(`database disk image is malformed (${check[0]?.quick_check ?? 'no answer'})`), { code: 'SQLITE_CORRUPT' });
      await retryBusy(path, () => migrate(db));
      await retryBusy(path, () => claimIdentity(db));
      openedAt(db, path);
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  };
  try {
    return await connect();
  } catch (e) {
    if (!isCorrupt(e)) throw e;
    const why = `SQLite reports it damaged: ${(e as Error).message}`;
    const at = new Date();
    for (const f of [path, `${path}-wal`, `${path}-shm`]) moved.push(...(await setAside(f, f === path ? why : `it belonged to the ${basename(path)} kept aside`, at)));
    return await connect();
  } finally {
    if (moved.length) {
      keptAside.set(path, [...(keptAside.get(path) ?? []), ...moved]);
      const [first, ...rest] = moved as [SetAside, ...SetAside[]];
      const also = rest.length ? `; with it ${rest.map((m) => `${m.file} as ${m.keptAs} (${m.why})`).join(', ')}` : '';
      const goesOn = moved.some((m) => m.file === path) ? 'a new, empty state database' : 'the database alone';
      log.warn(`state: ${first.file} was not used: ${first.why}. It is kept as ${first.keptAs} (nothing was deleted)${also}. ollm-mcp goes on with ${goesOn}.`);
    }
  }
}

/** The files each database's open moved aside in this process (for doctor and tools' notes). */
const keptAside = new Map<string, SetAside[]>();
export function keptAsideAt(home: string): readonly SetAside[] {
  return keptAside.get(join(home, STATE_FILE)) ?? [];
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

/**
 * Closes every database this process opened (at shutdown; a later call opens again), first
 * folding the write-ahead log into state.db (TRUNCATE leaves the log empty) so a copy of state.db
 * alone holds everything. Another process still reading makes it a partial checkpoint: no error.
 */
export async function closeStateDbs(): Promise<void> {
  const all = [...open.values()];
  open.clear();
  for (const db of await Promise.allSettled(all)) {
    if (db.status !== 'fulfilled' || !db.value.open) continue;
    await flushWrites(db.value);
    try {
      db.value.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    } catch (e) {
      log.debug(`state: checkpoint at close of ${pathOf(db.value)}: ${(e as Error).message}`);
    }
    db.value.close();
  }
}
