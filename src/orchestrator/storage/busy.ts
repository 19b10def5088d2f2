/**
 * Waiting for another process's lock on the state database without stopping this one. SQLite
 * (through libsql) is synchronous: a busy timeout would freeze the event loop — pings, progress,
 * every other tool — for as long as the other process holds its transaction. So the connection
 * waits only a few milliseconds itself, and a write that meets the lock (SQLITE_BUSY,
 * SQLITE_LOCKED) is tried again after an asynchronous pause, backing off, up to LOCK_WAIT_MS in
 * all; then it fails with a StateLockedError naming the database and what to do.
 */
import { StorageError } from './errors.js';

/** How long a write waits, in all, for another process's transaction (OLLM_STATE_LOCK_WAIT_MS for tests). */
const LOCK_WAIT_MS = Number(process.env.OLLM_STATE_LOCK_WAIT_MS) || 10_000;
/** The connection's own busy timeout: short enough never to be felt by other work. */
export const CONNECTION_BUSY_MS = 5;
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 100;

/** Another process holds the state database's lock, and held it longer than a write waits. */
export class StateLockedError extends StorageError {
  override name = 'StateLockedError';
  constructor(
    readonly path: string,
    readonly waitedMs: number,
  ) {
    super(
      `The state database ${path} is locked by another process (waited ${(waitedMs / 1000).toFixed(1)} s). ` +
        'Nothing was changed. Close the other program using it (a backup, the sqlite3 shell, ' +
        'another ollm-mcp mid-write) and try again.',
    );
  }
}

/** True for SQLite's "another connection holds the lock" errors (any extended code of BUSY or LOCKED). */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_BUSY' ||
      code === 'SQLITE_LOCKED' ||
      code.startsWith('SQLITE_BUSY_') ||
      code.startsWith('SQLITE_LOCKED_'))
  );
}

export interface RetryOptions {
  /** Told once, when the wait has lasted a moment (for a progress message). */
  onWait?: () => void;
  /** The overall limit; LOCK_WAIT_MS by default. */
  limitMs?: number;
  /**
   * Whether a busy failure may be retried: false once `fn` got past taking the lock (its work
   * has then started and is not run twice).
   */
  retryable?: () => boolean;
}

/** After this long waiting, `onWait` is told. */
const TELL_AFTER_MS = 500;

/** Runs `fn`, trying again after asynchronous pauses while the database is locked by another process. */
export async function retryBusy<T>(path: string, fn: () => T, options: RetryOptions = {}): Promise<T> {
  const limit = options.limitMs ?? LOCK_WAIT_MS;
  const start = Date.now();
  let pause = FIRST_PAUSE_MS;
  let told = false;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || (options.retryable && !options.retryable())) throw err;
      const waited = Date.now() - start;
      if (waited >= limit) throw new StateLockedError(path, waited);
      if (!told && waited >= TELL_AFTER_MS) {
        told = true;
        options.onWait?.();
      }
      await new Promise((r) => setTimeout(r, Math.min(pause, limit - waited)));
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
}
