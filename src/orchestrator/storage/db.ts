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
 * adopted (integrity.ts) — only by a process alone with the store (gate.ts), so no live process's
 * file is ever renamed from under it. A new store is made whole and linked into place (connect.ts). The
 * schema carries a version (PRAGMA user_version) and is migrated
 * forward, in a transaction, by whichever process opens it first (schema.ts).
 *
 * libsql is loaded on first use, so a server that never touches its state starts without it.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type Libsql from 'libsql';
import { loadLibsql } from './libsql-load.js';
import { cjsExports } from '../util/cjs.js';
import { log } from '../util/log.js';
import { connect, makeIfMissing } from './connect.js';
import { StorageError, storageError } from './errors.js';
import { Gate } from './gate.js';
import { isCorrupt, judgeBeforeOpen, setAsideAll, type SetAside } from './integrity.js';
import { flushWrites, pathOf, type Db } from './writes.js';

export { StorageError, storageError } from './errors.js';
export { isBusy } from './busy.js';
export {
  BATCH_MS,
  ChangeCount,
  commitSoon,
  flushWrites,
  queueWrite,
  stateVersion,
  tellingWaits,
  write,
} from './writes.js';

export type { Db };
export const STATE_FILE = 'state.db';

/** Only a regular file may be opened as the database: never a FIFO, a device, or a link. */
async function checkPlace(path: string): Promise<void> {
  for (const p of [path, `${path}-wal`, `${path}-shm`, gatePath(path)]) {
    const s = await lstat(p).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (s && !s.isFile()) {
      const what = s.isSymbolicLink()
        ? 'a symbolic link'
        : s.isDirectory()
          ? 'a folder'
          : s.isFIFO()
            ? 'a named pipe (FIFO)'
            : 'not a regular file';
      throw new StorageError(
        `${p} is ${what}; ollm-mcp keeps its state only in a regular file there. Move it away (or ` +
          `remove it) and try again.`,
      );
    }
  }
}

/** The file beside the store whose locks prove who has it open (gate.ts). */
const gatePath = (path: string): string => `${path}-lock`;
const present = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

async function openDb(path: string): Promise<Db> {
  const Database = cjsExports((await loadLibsql()) as typeof Libsql);
  await mkdir(join(path, '..'), { recursive: true });
  await checkPlace(path);
  const gate = Gate.open(Database, gatePath(path));
  const moved: SetAside[] = [];
  try {
    await gate.shared();
    await makeIfMissing(Database, path, () => present(path));
    // what looks foreign or damaged while another process has the store open is that process's
    // live file (read mid-write): it is judged again, and set aside, only by a process alone with it
    if ((await judgeBeforeOpen(path)).length) moved.push(...(await repair(Database, path, gate)).moved);
    let db: Db;
    try {
      db = await connect(Database, path);
    } catch (e) {
      if (!isCorrupt(e)) throw e;
      const repaired = await repair(Database, path, gate);
      moved.push(...repaired.moved);
      if (!repaired.alone)
        throw new StorageError(
          `${path} could not be opened: SQLite reports it damaged (${(e as Error).message}), but ` +
            `another process has it open, so nothing was set aside. Stop the other ollm-mcp servers ` +
            `using ${dirname(path)} (\`ollm-mcp shared stop\`, and any HTTP server) and try again.`,
        );
      db = await connect(Database, path);
    }
    gates.set(path, gate);
    return db;
  } catch (e) {
    gate.close();
    throw e;
  } finally {
    if (moved.length) {
      keptAside.set(path, [...(keptAside.get(path) ?? []), ...moved]);
      const [first, ...rest] = moved as [SetAside, ...SetAside[]];
      const also = rest.length ? `; with it ${rest.map((m) => `${m.file} as ${m.keptAs} (${m.why})`).join(', ')}` : '';
      const goesOn = moved.some((m) => m.file === path) ? 'a new, empty state database' : 'the database alone';
      log.warn(
        `state: ${first.file} was not used: ${first.why}. It is kept as ${first.keptAs} (nothing ` +
          `was deleted)${also}. ollm-mcp goes on with ${goesOn}.`,
      );
    }
  }
}

/**
 * Alone with the store (the gate's exclusive lock: no other process has it open), sets aside what
 * is still foreign or damaged and makes a new store in its place; then takes the shared lock back.
 * `alone` false: another process has the store open, and nothing was touched.
 */
async function repair(
  Database: typeof Libsql,
  path: string,
  gate: Gate,
): Promise<{ alone: boolean; moved: SetAside[] }> {
  if (!(await gate.exclusive())) {
    await gate.shared();
    return { alone: false, moved: [] };
  }
  const moved: SetAside[] = [];
  try {
    const at = new Date();
    moved.push(...(await setAsideAll(await judgeBeforeOpen(path), at)));
    await makeIfMissing(Database, path, () => present(path));
    try {
      (await connect(Database, path)).close();
    } catch (e) {
      if (!isCorrupt(e)) throw e;
      const belonged = `it belonged to the ${basename(path)} kept aside`;
      const damaged = [
        { file: path, why: `SQLite reports it damaged: ${(e as Error).message}` },
        { file: `${path}-wal`, why: belonged },
        { file: `${path}-shm`, why: belonged },
      ];
      moved.push(...(await setAsideAll(damaged, at)));
      await makeIfMissing(Database, path, () => present(path));
    }
  } finally {
    await gate.shared();
  }
  return { alone: true, moved };
}

/** The gate each open database holds, released when it closes. */
const gates = new Map<string, Gate>();

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
 * libsql's close() leaves the connection open while statements compiled on it live (statements.ts
 * keeps them): it closes for good when the garbage collector takes them, and that last close removes
 * the log beside state.db. A server calls this as it stops; a test that opens the same home again
 * must not plant files there meanwhile (test/integration/state-files.test.ts).
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
  for (const gate of gates.values()) gate.close();
  gates.clear();
}
