/**
 * Which calls the jobs table holds rows of (job-store.ts): most calls are calls no job was ever kept
 * of — a job's row is written only once it lasts — so a new call asks its earlier jobs of the database
 * only when the table holds its key. The keys are read again only after another process committed
 * (SQLite's data_version) or a key was written through this process (`keyWritten`, inside the write's
 * transaction: a row inserted, a key changed). A row removed since leaves its key here, which costs a
 * read, never a job missed.
 */
import { statement } from '../storage/statements.js';
import { ChangeCount, type Db } from '../storage/writes.js';

/** The writes of a call's key to the jobs table through each connection of this process. */
const keyWrites = new ChangeCount();

/** A call's key written to the jobs table through `db` (call it inside the write's transaction). */
export function keyWritten(db: Db): void {
  keyWrites.changed(db);
}

export class JobKeys {
  /** The calls (owner and key, joined by a NUL) the table held, as of `version`. */
  private known: { version: string; held: Set<string> } | undefined;

  /** Whether the jobs table may hold a row of `owner`'s call `key`. */
  mayHold(db: Db, owner: string, key: string): boolean {
    const version = keyWrites.version(db);
    if (this.known?.version !== version) this.known = { version, held: callKeys(db) };
    return this.known.held.has(`${owner}\0${key}`);
  }
}

/** Every call the jobs table holds a row of. */
function callKeys(db: Db): Set<string> {
  const rows = statement(db, 'SELECT DISTINCT owner, call_key FROM jobs').all() as Array<{
    owner: string;
    call_key: string;
  }>;
  return new Set(rows.map((r) => `${r.owner}\0${r.call_key}`));
}
