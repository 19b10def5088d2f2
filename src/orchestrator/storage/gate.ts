/**
 * Who has the state database open, proven by the kernel. Beside state.db lies `state.db-lock`, an
 * empty SQLite file no one writes: every process holds a shared lock on it (an open read
 * transaction) for as long as it has state.db open, and a file of the store is set aside only under
 * its exclusive lock — which the kernel grants only when no other process holds the shared one. The
 * kernel drops a dead process's locks, so a crash leaves nothing stale, and a reused pid proves
 * nothing here. SQLite's own locks on state.db cannot say this: in WAL mode a reader holds them only
 * during a transaction.
 */
import type Libsql from 'libsql';
import { isBusy, retryBusy, StateLockedError } from './busy.js';
import { StorageError } from './errors.js';

type Database = typeof Libsql;

/** How long a process waits for the others to close the store before it gives up setting a file aside. */
const EXCLUSIVE_WAIT_MS = 2_000;

export class Gate {
  private held: 'shared' | 'exclusive' | undefined;

  private constructor(
    private readonly conn: Libsql.Database,
    readonly path: string,
  ) {}

  static open(Database: Database, path: string): Gate {
    return new Gate(new Database(path, { timeout: 0 }), path);
  }

  /** Takes the shared lock, waiting (without blocking) while another process sets files aside. */
  async shared(limitMs?: number): Promise<void> {
    this.release();
    try {
      await retryBusy(
        this.path,
        () => this.run('BEGIN', 'SELECT count(*) FROM sqlite_master'),
        limitMs === undefined ? {} : { limitMs },
      );
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_NOTADB') throw e;
      throw new StorageError(
        `${this.path} is not ollm-mcp's lock file (it says which processes have the state database ` +
          `open, and holds nothing else). Remove it while no ollm-mcp runs on this folder, and try again.`,
      );
    }
    this.held = 'shared';
  }

  /**
   * Takes the exclusive lock: true when no other process has the store open, false when one still has after
   * `limitMs`.
   */
  async exclusive(limitMs = EXCLUSIVE_WAIT_MS): Promise<boolean> {
    this.release();
    try {
      await retryBusy(this.path, () => this.run('BEGIN EXCLUSIVE'), { limitMs });
      this.held = 'exclusive';
      return true;
    } catch (e) {
      if (isBusy(e) || e instanceof StateLockedError) return false;
      throw e;
    }
  }

  release(): void {
    if (this.conn.inTransaction) this.conn.exec('ROLLBACK');
    this.held = undefined;
  }

  get holds(): 'shared' | 'exclusive' | undefined {
    return this.held;
  }

  close(): void {
    this.release();
    this.conn.close();
  }

  private run(...sql: string[]): void {
    try {
      for (const s of sql) {
        if (s.startsWith('SELECT')) this.conn.prepare(s).all();
        else this.conn.exec(s);
      }
    } catch (e) {
      if (this.conn.inTransaction) this.conn.exec('ROLLBACK');
      throw e;
    }
  }
}
