/**
 * The memory's side of the state database ($OLLM_HOME/state.db, storage/db.ts), under the store's
 * operations (memory-store.ts): the database opened once, a memory.json of an earlier version
 * imported on that first open, the entries kept in memory and read again only when the table
 * changed (SQLite's data_version says so), and each change one transaction the kept entries follow.
 */
import { join } from 'node:path';
import { ChangeCount, queueWrite, STATE_FILE, stateDb, storageError, type Db } from '../storage/db.js';
import { importLegacy } from '../storage/legacy-import.js';
import { parse } from './memory-file.js';
import { normalizeKey, type MemoryEntry } from './memory-search.js';
import { allEntries, mergeEntry } from './memory-table.js';

/**
 * Changes to the memory table through each connection (every store of a home shares it): the
 * entries kept are read again when one of these or another process's commit happened, not after
 * each commit of the other records (every call's metrics) — on every call's path, that read was a
 * query of the database more.
 */
const memoryChanges = new ChangeCount();

/** A refusal whose message is complete for the user (bad key, limits, a disk problem). */
export class MemoryError extends Error {
  override name = 'MemoryError';
}

/** The memory table of one home as a store reads and changes it; MemoryStore adds the operations. */
export class MemoryDb {
  /** The state database holding the memory. */
  readonly path: string;
  private cache?: { version: string; entries: readonly MemoryEntry[] };
  private ready?: Promise<Db>;
  private notice?: string;
  /** Where an imported memory.json with unreadable parts was kept, when that happened in this process. */
  setAside?: string;

  constructor(
    readonly home: string,
    private readonly legacyFile: string | undefined,
  ) {
    this.path = join(home, STATE_FILE);
  }

  /** A one-time note for the user (an imported file had unreadable parts), or undefined. */
  takeNotice(): string | undefined {
    const n = this.notice;
    this.notice = undefined;
    return n;
  }

  private db(): Promise<Db> {
    this.ready ??= (async () => {
      const db = await stateDb(this.home);
      if (this.legacyFile) {
        const report = await importLegacy(db, {
          file: this.legacyFile,
          label: 'memory',
          parse,
          insert: (d, entries) => {
            memoryChanges.changed(d);
            return insertImported(d, entries);
          },
        });
        if (report && report.setAside > 0) {
          this.setAside = report.backup ?? report.file;
          this.notice =
            `Note: ${report.file} was imported into ${this.path} with ${report.kept} entries; ` +
            `${report.setAside} unreadable ${report.setAside === 1 ? 'part is' : 'parts are'} kept in ` +
            `${this.setAside} — nothing was deleted.`;
        }
      }
      return db;
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  protected async entries(): Promise<readonly MemoryEntry[]> {
    try {
      const db = await this.db();
      const version = memoryChanges.version(db);
      if (this.cache?.version !== version) this.cache = { version, entries: allEntries(db) };
      return this.cache.entries;
    } catch (e) {
      throw new MemoryError(storageError(e, this.path, 'read the memory').message);
    }
  }

  /**
   * One change, committed before this resolves (with the others of the same moment, storage/db.ts
   * queueWrite): `fn` changes the table and says how the kept list follows. The list is carried
   * over only when nothing else changed the table since it was read.
   */
  protected async change<R>(
    fn: (db: Db) => { value: R; apply?: (current: readonly MemoryEntry[]) => MemoryEntry[] },
  ): Promise<R> {
    let db: Db;
    try {
      db = await this.db();
    } catch (e) {
      throw new MemoryError(`${storageError(e, this.path, 'open the memory').message}`);
    }
    try {
      const { value, before, after } = (
        await queueWrite(db, () => {
          const before = memoryChanges.version(db);
          memoryChanges.changed(db); // counted before it runs: a change that fails half-way drops the kept list too
          const value = fn(db);
          return { value, before, after: memoryChanges.version(db) };
        })
      ).value;
      const kept = this.cache;
      this.cache =
        kept?.version === before && value.apply ? { version: after, entries: value.apply(kept.entries) } : undefined;
      return value.value;
    } catch (e) {
      this.cache = undefined; // rolled back: the kept list may be ahead of the table
      if (e instanceof MemoryError) throw e;
      throw new MemoryError(`${storageError(e, this.path, 'write the memory').message}`);
    }
  }
}

/**
 * An imported file's entries, merged as importAll merges: an entry the database already holds
 * with a newer updatedAt stays (an earlier version still running may write its file after this
 * version's first start); of equal times the file's wins, and of equal keys in the file the newer
 * (the last when equal). Returns how many of the file's keys it wrote.
 */
function insertImported(db: Db, entries: readonly MemoryEntry[]): number {
  const written = new Set<string>();
  for (const e of entries) if (mergeEntry(db, e, 'file') !== 'unchanged') written.add(normalizeKey(e.key));
  return written.size;
}
