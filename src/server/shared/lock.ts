/**
 * The lock a shared server holds for its life (its pid in a file made with O_EXCL beside its
 * socket): of several started at once for one address, one serves and the others leave. A lock
 * whose process is gone (killed) is removed and taken.
 */
import { open, readFile, rm } from 'node:fs/promises';

/** Whether a process has this pid: signal 0 reaches it, or it exists but is another user's (EPERM). */
export function alive(pid: number, signal: (pid: number, sig: 0) => unknown = (p, s) => process.kill(p, s)): boolean {
  try {
    signal(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock taken (created, holding this pid); false when a live process holds it. A lock left by a dead one is removed. */
export async function takeLock(file: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) return false;
      await rm(file, { force: true });
    }
  }
  return false;
}

