/**
 * Which calls the jobs table holds rows of (job-store.ts): most calls are calls no job was ever kept
 * of — a job's row is written only once it lasts — so a new call asks its earlier jobs of the database
 * only when the table holds its key. The keys this process knows are as of a version: SQLite's
 * data_version (another process committed) with the keys written through this process (`keyWritten`,
 * inside the write's transaction: a row inserted, a key changed). Once that moved, a call asks the rows
 * themselves (one indexed read, as every call did before) and the keys are read again after it, off its
 * path — so a home another server writes to often costs what it cost before, never a read of every key
 * on a call's way. A row removed since leaves its key here, which costs a read, never a job missed; a
 * table of more than MAX_KEYS keys is not kept here at all (every call asks the rows).
 */
import { statement } from '../storage/statements.js';
import { ChangeCount, type Db } from '../storage/writes.js';

/** The most keys kept: a table holding more is asked on every call. */
export const MAX_KEYS = 4096;

/** The writes of a call's key to the jobs table through each connection of this process. */
const keyWrites = new ChangeCount();

/** A call's key written to the jobs table through `db` (call it inside the write's transaction). */
export function keyWritten(db: Db): void {
  keyWrites.changed(db);
}

export class JobKeys {
  /** The calls (owner and key, joined by a NUL) the table held, as of `version`; none past MAX_KEYS. */
  private known: { version: string; held: Set<string> | undefined } | undefined;
  private reading = false;

  /** Whether the jobs table may hold a row of `owner`'s call `key`: true whenever that is not known. */
  mayHold(db: Db, owner: string, key: string): boolean {
    const version = keyWrites.version(db);
    if (this.known?.version === version) return this.known.held?.has(`${owner}\0${key}`) ?? true;
    this.readSoon(db);
    return true;
  }

  /**
   * The keys read again in the event loop's next check phase: after the steps the call takes in this turn (a quick
   * one's request is sent by then).
   */
  private readSoon(db: Db): void {
    if (this.reading) return;
    this.reading = true;
    setImmediate(() => {
      this.reading = false;
      try {
        const version = keyWrites.version(db);
        this.known = { version, held: callKeys(db) };
      } catch {
        this.known = undefined; // asked again by the next call
      }
    });
  }
}

/** Every call the jobs table holds a row of; undefined past MAX_KEYS. */
function callKeys(db: Db): Set<string> | undefined {
  const rows = statement(db, 'SELECT DISTINCT owner, call_key FROM jobs LIMIT ?').all(MAX_KEYS + 1) as Array<{
    owner: string;
    call_key: string;
  }>;
  return rows.length > MAX_KEYS ? undefined : new Set(rows.map((r) => `${r.owner}\0${r.call_key}`));
}
