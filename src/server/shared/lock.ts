/**
 * The lock a shared server holds for its life (its pid in a file made with O_EXCL beside its
 * socket): of several started at once for one address, one serves and the others leave. A lock
 * whose process is gone (killed) is removed and taken; so is one whose process lives but does not
 * prove to be the shared server (`Proof`): a server that stopped answering (suspended, hung), or —
 * once the lock is past a server's start with nothing listening — a pid reused by another program
 * after a crash.
 */
import { link, lstat, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pidAlive } from '../../orchestrator/util/own-process.js';

/** The file operations a lock is taken with (a test puts other processes' moves between them). */
export interface LockFiles {
  link(from: string, name: string): Promise<void>;
  lstat(file: string): Promise<unknown>;
  readFile(file: string): Promise<Buffer>;
  rm(file: string, options?: { force?: boolean }): Promise<void>;
  writeFile(file: string, text: string, options?: { mode?: number }): Promise<void>;
  /** When the lock was last written, in ms (a file's mtime). */
  writtenAt(file: string): Promise<number>;
}
const files: LockFiles = {
  link,
  lstat,
  readFile,
  rm,
  writeFile,
  writtenAt: async (file) => (await stat(file)).mtimeMs,
};

/**
 * A server takes its lock this long at the most before it listens; past it, the lock's holder must answer
 * `who` as itself (Proof).
 */
export const LOCK_START_MS = 15_000;

/**
 * How a lock's holder proves it is the shared server: asked at its socket, it answers `who` as
 * the pid the lock names (`proven`); something accepts there but gives no such answer — suspended,
 * hung, another pid — (`silent`); or nothing listens (`absent`). A server takes its lock before it
 * listens, so an absent one is still taken to be starting while the lock is younger than `startMs`.
 */
export interface Proof {
  startMs: number;
  proves(pid: number): Promise<'proven' | 'silent' | 'absent'>;
}

/**
 * Who holds a lock file: `live` when it names a process that lives; `stale` when it names none (a
 * dead process; unreadable, empty, not a pid — a pid that is no whole number reaches no process:
 * pidAlive() takes it for none); undefined when there is no such file. A
 * file that was not there when read but is when looked at was linked in place meanwhile by another
 * taker: it is read again (a few times), never taken for a stale one.
 */
async function holder(file: string, fs: LockFiles, proof?: Proof, again = 3): Promise<'live' | 'stale' | undefined> {
  const bytes = await fs.readFile(file).catch(() => undefined);
  if (bytes === undefined) {
    const seen = await fs.lstat(file).catch(() => undefined);
    if (seen === undefined) return undefined;
    const regular = (seen as { isFile?: () => boolean }).isFile?.() === true;
    // linked in place between the read and the look
    if (regular) return again > 0 ? holder(file, fs, proof, again - 1) : 'live';
    return 'stale'; // a link to nothing, a folder
  }
  const pid = Number(bytes.toString());
  if (!pidAlive(pid)) return 'stale'; // 0 and negative pids too: signal 0 would reach a whole group
  if (!proof) return 'live';
  const proved = await proof.proves(pid);
  if (proved !== 'absent') return proved === 'proven' ? 'live' : 'stale';
  const at = await fs.writtenAt(file).catch(() => undefined);
  if (at === undefined) return undefined; // gone meanwhile
  return Date.now() - at < proof.startMs ? 'live' : 'stale'; // not listening yet, or never will
}

/**
 * Tries before giving up on a lock that keeps changing hands (each waits BREAK_WAIT_MS when another is
 * breaking it).
 */
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
export async function takeLock(file: string, fs: LockFiles = files, proof?: Proof): Promise<boolean> {
  const mine = `${file}.${process.pid}.new`;
  const breaker = `${file}.break`;
  await fs.writeFile(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await linked(mine, file, fs)) return true;
      if ((await holder(file, fs, proof)) === 'live') return false;
      if (await linked(mine, breaker, fs)) {
        try {
          // read again under the breaker: only a breaker removes a lock, and none is made while the name is taken
          if ((await holder(file, fs, proof)) === 'stale') await fs.rm(file, { force: true });
        } finally {
          await fs.rm(breaker, { force: true });
        }
        continue;
      }
      if ((await holder(breaker, fs)) === 'stale')
        await fs.rm(breaker, { force: true }); // its taker died while breaking
      else await new Promise((r) => setTimeout(r, BREAK_WAIT_MS));
    }
    return false;
  } finally {
    await fs.rm(mine, { force: true });
  }
}

/** `name` made a hard link to `from`: true, or false when the name exists. */
async function linked(from: string, name: string, fs: LockFiles): Promise<boolean> {
  try {
    await fs.link(from, name);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * The pid files takers left beside the lock (`FILE.<pid>.new`) when they were killed while taking
 * it, removed: those whose process is gone. Run by the holder, so no live taker's file is touched.
 */
export async function sweepLeftovers(file: string): Promise<void> {
  const base = `${basename(file)}.`;
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(base) || !name.endsWith('.new')) continue;
    const pid = Number(name.slice(base.length, -'.new'.length));
    if (pid > 0 && !pidAlive(pid)) await rm(join(dirname(file), name), { force: true });
  }
}
