/**
 * Processes: whether one has ended, and the machine's processes as Linux's /proc shows them, for tests and
 * benchmarks that must find what
 * a server started (a router's model servers, a daemon of a build, a shared server of a home) and
 * stop it or check that nothing outlived its work. Where there is no /proc, none is found.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Whether the process `pid` has ended (signal 0 reaches no process). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** The pids of the processes for which `matches` holds; a process gone (or not readable) meanwhile is passed over. */
export function processesWhere(matches: (pid: number) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (matches(Number(entry))) out.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** A process's arguments, its executable first. */
export const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

/** A process's environment, as NAME=value entries. */
export const environment = (pid: number): string[] => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');

/** The pid of a process's parent. */
export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
