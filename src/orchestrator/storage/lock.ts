/**
 * Cross-process locking for the files under $OLLM_HOME that several ollm-mcp processes share.
 *
 * proper-lockfile does the locking: the lock is a directory (`<file>.lock`, made atomically with
 * mkdir) whose mtime its holder refreshes every second, so a live holder is never judged stale,
 * while the lock of a process that died (SIGKILL, power loss) is taken over once it has not been
 * refreshed for `staleMs`. Locks held at exit — process.exit after SIGTERM/SIGINT, stdin closed,
 * an uncaught error — are removed by the library's exit hook. The library is loaded on first use,
 * so its exit hook and retry code stay off the start-up path.
 *
 * Beside the lock, `<file>.lock-owner` names the holder (pid, since when), so a refusal can say
 * what holds the lock.
 */
import { rmSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { log } from '../util/log.js';

/** How long a lock that nobody refreshes stays valid (the library's minimum is 2 s). */
export const LOCK_STALE_MS = Math.max(2000, Number(process.env.OLLM_LOCK_STALE_MS) || 5000);
/** How long to wait for another process's lock: well past the stale age, so a dead holder never causes a refusal. */
export const LOCK_WAIT_MS = Number(process.env.OLLM_LOCK_WAIT_MS) || LOCK_STALE_MS * 3;

/** The lock could not be had within the wait budget; the message names the holder. */
export class LockBusyError extends Error {
  override name = 'LockBusyError';
}

type ProperLockfile = typeof import('proper-lockfile');
let library: Promise<ProperLockfile> | undefined;
const lockfile = (): Promise<ProperLockfile> => (library ??= import('proper-lockfile').then((m) => (m.default ?? m) as ProperLockfile));

const owner = (file: string) => `${file}.lock-owner`;

/** Owner notes of the locks this process holds: removed at exit, as the library removes the locks. */
const ownNotes = new Set<string>();
let exitHook = false;
function noteOwnership(file: string): Promise<void> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => ownNotes.forEach((n) => rmSync(n, { force: true })));
  }
  ownNotes.add(owner(file));
  return writeFile(owner(file), JSON.stringify({ pid: process.pid, host: hostname(), since: Date.now() })).catch(() => undefined);
}
const lockPath = (file: string) => `${file}.lock`;

/** "process 4242 on this machine, holding it for 12 s (refreshed 0.4 s ago)" — what is known of the holder. */
async function describeHolder(file: string): Promise<string> {
  const lock = await stat(lockPath(file)).catch(() => undefined);
  if (!lock) return 'another process (it has just released it)';
  const refreshed = `refreshed ${((Date.now() - lock.mtimeMs) / 1000).toFixed(1)} s ago`;
  const who = await readFile(owner(file), 'utf8').then(
    (t) => JSON.parse(t) as { pid?: number; host?: string; since?: number },
    () => undefined,
  );
  if (!who || typeof who.pid !== 'number') return `another process (lock ${refreshed})`;
  const where = who.host && who.host !== hostname() ? ` on ${who.host}` : '';
  const held = typeof who.since === 'number' ? `, holding it for ${Math.round((Date.now() - who.since) / 1000)} s` : '';
  return `process ${who.pid}${where}${held} (lock ${refreshed})`;
}

/**
 * A lock file left by an older ollm-mcp (a plain file, not a directory) blocks the library's
 * mkdir for ever; once it is older than that version's stale age (5 s) it is removed.
 */
async function clearLegacyLock(file: string): Promise<boolean> {
  const s = await stat(lockPath(file)).catch(() => undefined);
  if (!s?.isFile() || Date.now() - s.mtimeMs < 5000) return false;
  await rm(lockPath(file), { force: true });
  return true;
}

/**
 * Runs `fn` holding `file`'s lock; `held()` turns false if the lock was taken over meanwhile (the
 * process stalled past the stale age), so a writer can start again instead of writing blind.
 * Waits up to LOCK_WAIT_MS for another process; past that, throws LockBusyError naming the
 * holder. Never leaves the lock behind.
 */
export async function withLock<R>(file: string, label: string, fn: (held: () => boolean) => Promise<R>): Promise<R> {
  const { lock } = await lockfile();
  let compromised: Error | undefined;
  const options = {
    realpath: false, // the file may not exist yet
    stale: LOCK_STALE_MS,
    update: 1000,
    onCompromised: (e: Error) => {
      compromised = e;
      log.warn(`${label}: the lock on ${file} was taken over while held (${e.message})`);
    },
  };
  let release: () => Promise<void>;
  const deadline = Date.now() + LOCK_WAIT_MS;
  // Only a held lock is waited for (with growing, jittered pauses); any other failure is final.
  for (let pause = 5; ; pause = Math.min(100, pause * 1.5)) {
    try {
      release = await lock(file, options);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' && (await clearLegacyLock(file))) continue;
      if (code !== 'ELOCKED') throw e;
      if (Date.now() >= deadline) {
        throw new LockBusyError(`${file} is locked by ${await describeHolder(file)}; waited ${Math.round(LOCK_WAIT_MS / 1000)} s. Try again in a moment; if that process is gone, the lock expires by itself within ${Math.round(LOCK_STALE_MS / 1000)} s.`);
      }
      await new Promise((r) => setTimeout(r, pause * (0.5 + Math.random())));
    }
  }
  await noteOwnership(file);
  try {
    return await fn(() => compromised === undefined);
  } finally {
    ownNotes.delete(owner(file));
    await rm(owner(file), { force: true }).catch(() => undefined);
    await release().catch(() => undefined);
  }
}
