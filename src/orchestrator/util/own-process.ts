/**
 * Whether a pid names a live process (lock holders, jobs' owners, stores being made), or one of this
 * user's (an engine claim's planner).
 */
import { readFileSync } from 'node:fs';

/**
 * Whether a process has this pid: signal 0 reaches it, or — unless `ownOnly` — it exists as
 * another user's (EPERM). 0, negative and non-integer pids are none: signal 0 to 0 or to -n
 * reaches a whole process group, so no caller may ever pass them on. `signal` stands in for
 * process.kill in tests.
 */
export function pidAlive(pid: number, options: { ownOnly?: boolean; signal?: (pid: number, sig: 0) => unknown } = {}) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  const { ownOnly = false, signal = (p, s) => process.kill(p, s) } = options;
  try {
    signal(pid, 0);
    return true;
  } catch (err) {
    return !ownOnly && (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a process of this user has this pid: another user's (EPERM) is not one of this user's servers: none. */
export const ownProcessAlive = (pid: number): boolean => pidAlive(pid, { ownOnly: true });

/**
 * When a process started, as Linux says (/proc/PID/stat's starttime); undefined where that cannot be read
 * (other systems, a process gone).
 */
export function processStart(
  pid: number,
  read: (file: string) => string = (f) => readFileSync(f, 'latin1'),
): string | undefined {
  try {
    const stat = read(`/proc/${pid}/stat`);
    // after the command's name (in parentheses, which may hold spaces), starttime is the 20th field
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A check that `pid` is still the very process it is now: alive, and — where the system says when
 * processes start — started when it did, so a pid reused by another program since is not taken for it.
 */
export function stillTheProcess(
  pid: number,
  alive: (pid: number) => boolean = ownProcessAlive,
  start: (pid: number) => string | undefined = processStart,
): () => boolean {
  const born = start(pid);
  return () => alive(pid) && (born === undefined || start(pid) === born);
}
