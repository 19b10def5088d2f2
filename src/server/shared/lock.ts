/**
 * The lock a shared server holds for its life (its pid in a file made with O_EXCL beside its
 * socket): of several started at once for one address, one serves and the others leave. A lock
 * whose process is gone (killed) is removed and taken.
 */
import { link, lstat, readFile, rm, writeFile } from 'node:fs/promises';

/** Whether a process has this pid: signal 0 reaches it, or it exists but is another user's (EPERM). */
export function alive(pid: number, signal: (pid: number, sig: 0) => unknown = (p, s) => process.kill(p, s)): boolean {
  try {
    signal(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a lock file names; `gone` when there is no such file; undefined when it names none (unreadable, empty, not a pid). */
async function pidIn(file: string): Promise<number | 'gone' | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await lstat(file).catch(() => undefined))) return 'gone';
    text = ''; // unreadable (a link to nothing, a folder): stale
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** A lock file in place that names no live process. */
const stale = (pid: number | 'gone' | undefined) => pid !== 'gone' && (pid === undefined || !alive(pid));

/** Tries before giving up on a lock that keeps changing hands (each waits BREAK_WAIT_MS when another is breaking it). */
const ATTEMPTS = 50;
const BREAK_WAIT_MS = 10;

/**
 * The lock taken (holding this pid); false when a live process holds it. Race-safe between
 * servers started at once: the lock appears with its pid already in it (written to a file of this
 * process, then linked into place — a link fails when the name exists), so no taker reads it
 * empty; and a lock left by a dead process is removed only under a second lock, the breaker
 * (`FILE.break`, taken the same way), after reading it again there — so no taker removes a live
 * lock it took for the dead one. A breaker left by a dead process is removed.
 */
export async function takeLock(file: string): Promise<boolean> {
  const mine = `${file}.${process.pid}.new`;
  const breaker = `${file}.break`;
  await writeFile(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await linked(mine, file)) return true;
      const pid = await pidIn(file);
      if (pid === 'gone') continue; // removed meanwhile: link again
      if (!stale(pid)) return false;
      if (await linked(mine, breaker)) {
        try {
          // read again under the breaker: only a breaker removes a lock, and none is made while the name is taken
          if (stale(await pidIn(file))) await rm(file, { force: true });
        } finally {
          await rm(breaker, { force: true });
        }
        continue;
      }
      if (stale(await pidIn(breaker))) await rm(breaker, { force: true }); // its taker died while breaking
      else await new Promise((r) => setTimeout(r, BREAK_WAIT_MS));
    }
    return false;
  } finally {
    await rm(mine, { force: true });
  }
}

/** `name` made a hard link to `from`: true, or false when the name exists. */
async function linked(from: string, name: string): Promise<boolean> {
  try {
    await link(from, name);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
