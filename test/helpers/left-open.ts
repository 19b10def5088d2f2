/**
 * Server processes a test file spawned (helpers/spawn.ts), until they exit: a test that fails before
 * its own close leaves them running, so every file's last hook (test/setup-temp.ts) kills what is
 * left. Nothing here imports more than node: every test file loads it.
 */
import type { ChildProcess } from 'node:child_process';

const open = new Set<ChildProcess>();

/** `child` is killed at the end of its test file if it still runs then. */
export function killAtEnd(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  open.add(child);
  child.once('exit', () => open.delete(child));
}

/** Kills every process still open (SIGKILL after 2 s without exiting) and waits for their exits. */
export function killLeftOpen(): Promise<void> {
  return killLeftOpenWithin(2000);
}

/** killLeftOpen with its grace before SIGKILL given (its own test waits less than 2 s). */
export async function killLeftOpenWithin(graceMs: number): Promise<void> {
  const left = [...open];
  open.clear();
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const hard = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => (clearTimeout(hard), done()));
          child.kill('SIGTERM');
        }),
    ),
  );
}
