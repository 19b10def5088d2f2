/**
 * Making the state database and opening a connection to it. A new store is made whole under a name
 * of its own — WAL mode, the schema, its identity — and linked into place: link() never replaces a
 * file, so of processes making it at once exactly one's store becomes state.db and the others open
 * that one. No process ever sees a state.db half made.
 */
import { link, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type Libsql from 'libsql';
import { CONNECTION_BUSY_MS, retryBusy } from './busy.js';
import { MIGRATIONS } from './migrations.js';
import { claimIdentity, migrate } from './schema.js';
import { openedAt, type Db } from './writes.js';
import { pidAlive } from '../util/own-process.js';

type Database = typeof Libsql;

/** A connection to `path` in WAL mode, checked and migrated. */
export async function connect(Database: Database, path: string): Promise<Db> {
  const db = new Database(path, { timeout: CONNECTION_BUSY_MS });
  try {
    db.exec(`PRAGMA busy_timeout = ${CONNECTION_BUSY_MS}`);
    await retryBusy(path, () => db.exec('PRAGMA journal_mode = WAL'));
    // FULL: a commit is on disk before the caller is told it happened, power loss included
    db.exec('PRAGMA synchronous = FULL');
    const check = await retryBusy(path, () => db.prepare('PRAGMA quick_check').all() as Array<{ quick_check: string }>);
    if (check[0]?.quick_check !== 'ok')
      throw Object.assign(new Error(`database disk image is malformed (${check[0]?.quick_check ?? 'no answer'})`), {
        code: 'SQLITE_CORRUPT',
      });
    await retryBusy(path, () => migrate(db));
    await retryBusy(path, () => claimIdentity(db));
    openedAt(db, path);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

const MAKING = /\.new-(\d+)-[0-9a-f]+$/;

/** Makes the store at `path` when there is none (see above); a no-op when a file is there. */
export async function makeIfMissing(Database: Database, path: string, exists: () => Promise<boolean>): Promise<void> {
  if (await exists()) return;
  await removeAbandoned(path);
  const made = `${path}.new-${process.pid}-${Math.floor(Math.random() * 0xffffffff).toString(16)}`;
  try {
    // exec alone, never a prepared statement: a statement alive keeps libsql's connection open
    // after close(), and a connection still open on this file (state.db's inode, once linked)
    // would make SQLite share its WAL index, under the other name, with this process's connection
    // to state.db — its commits then overwrite the others' in the log
    const db = new Database(made);
    try {
      db.exec('PRAGMA journal_mode = WAL');
      const steps = MIGRATIONS.map((m, v) => `${m}; PRAGMA user_version = ${v + 1};`).join('\n');
      db.exec(
        `BEGIN IMMEDIATE; ${steps} PRAGMA application_id = ${1 + Math.floor(Math.random() * 0x7ffffffe)}; COMMIT;`,
      );
    } finally {
      db.close(); // the last connection: the log is folded in and removed, the file alone is the store
    }
    await link(made, path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e; // another process's store is in place: that one is used
    });
  } finally {
    for (const f of [made, `${made}-wal`, `${made}-shm`]) await unlink(f).catch(() => undefined);
  }
}

/** Stores a process died making (its pid gone) are removed: they were never in place. */
async function removeAbandoned(path: string): Promise<void> {
  const name = basename(path);
  for (const f of await readdir(dirname(path)).catch(() => [] as string[])) {
    const pid = f.startsWith(`${name}.new-`) ? MAKING.exec(f.replace(/-(wal|shm)$/, ''))?.[1] : undefined;
    if (pid && !pidAlive(Number(pid))) await unlink(join(dirname(path), f)).catch(() => undefined);
  }
}
