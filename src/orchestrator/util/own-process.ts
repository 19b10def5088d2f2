/** Whether a pid still names a process of this user — an engine claim's planner (planned-elsewhere.ts, engine-claims.ts). */
import { readFileSync } from 'node:fs';

/**
 * Whether a process of this user has this pid: signal 0 reaches it. Another user's process (EPERM)
 * is not one of this user's servers, so it counts as none; 0 and negative pids (signal 0 would
 * reach a whole group) are none.
 */
export function ownProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** When a process started, as Linux says (/proc/PID/stat's starttime); undefined where that cannot be read (other systems, a process gone). */
export function processStart(pid: number, read: (file: string) => string = (f) => readFileSync(f, 'latin1')): string | undefined {
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
export function stillTheProcess(pid: number, alive: (pid: number) => boolean = ownProcessAlive, start: (pid: number) => string | undefined = processStart): () => boolean {
  const born = start(pid);
  return () => alive(pid) && (born === undefined || start(pid) === born);
}
