/**
 * `ollm-mcp shared stop`: a server asked to stop (a `stop` line, control.ts), then waited for —
 * bounded. SIGTERM only as a fallback, and only to a pid proven to be a shared server of this
 * user: its lock file, in the user's checked socket folder and the user's own, still names it,
 * the process lives and may be signalled by this user, and its socket accepted the connection
 * (so a pid reused by another program after a server was killed — nothing listens then — is
 * never signalled).
 */
import { lstat, readFile } from 'node:fs/promises';
import { pidAlive } from '../../orchestrator/util/own-process.js';
import type { Found } from './servers.js';
import { askStop } from './who.js';

/**
 * How long a server is given to exit once asked (its own stop takes under two seconds: lifecycle.ts), and
 * again after SIGTERM.
 */
const STOP_WITHIN_MS = 5000;

export type Stopped =
  { pid: number; stopped: true; how: 'asked' | 'SIGTERM' } | { pid: number; stopped: false; why: string };

export interface StopDeps {
  alive: (pid: number) => boolean;
  kill: (pid: number, signal: NodeJS.Signals) => void;
  uid: number | undefined;
  withinMs: number;
}
const DEPS: StopDeps = {
  alive: (pid) => pidAlive(pid),
  kill: (pid, signal) => process.kill(pid, signal),
  uid: process.getuid?.(),
  withinMs: STOP_WITHIN_MS,
};

async function gone(pid: number, deps: StopDeps): Promise<boolean> {
  for (const until = Date.now() + deps.withinMs; Date.now() < until; await new Promise((r) => setTimeout(r, 50)))
    if (!deps.alive(pid)) return true;
  return !deps.alive(pid);
}

/** Why `found`'s pid may not be signalled, or undefined when its lock proves it a shared server of this user. */
async function unproven(found: Found, deps: StopDeps): Promise<string | undefined> {
  const text = await readFile(found.place.lock, 'utf8').catch(() => undefined);
  if (Number(text?.trim()) !== found.pid) return `its lock ${found.place.lock} no longer names pid ${found.pid}`;
  const owner = (await lstat(found.place.lock).catch(() => undefined))?.uid;
  return deps.uid !== undefined && owner !== deps.uid ? `its lock ${found.place.lock} is not yours` : undefined;
}

/**
 * The server `found` stopped: asked, then (unanswered, or still running after STOP_WITHIN_MS) sent SIGTERM
 * when proven; whether it is gone.
 */
export async function stopServer(found: Found, deps: StopDeps = DEPS): Promise<Stopped> {
  const { pid } = found;
  const asked = await askStop(found.place.address);
  if ('answer' in asked && (await gone(pid, deps))) return { pid, stopped: true, how: 'asked' };
  if ('none' in asked)
    return {
      pid,
      stopped: false,
      why:
        `nothing listens at ${found.place.address} (${asked.none}), so pid ${pid} may be another ` +
        `program now: not signalled — if it is ollm-mcp, \`kill ${pid}\``,
    };
  const why = await unproven(found, deps);
  if (why) return { pid, stopped: false, why: `${why}: not signalled` };
  if (!deps.alive(pid)) return { pid, stopped: true, how: 'asked' };
  try {
    deps.kill(pid, 'SIGTERM');
  } catch (err) {
    return { pid, stopped: false, why: `SIGTERM failed: ${(err as Error).message}` };
  }
  if (await gone(pid, deps)) return { pid, stopped: true, how: 'SIGTERM' };
  return { pid, stopped: false, why: `still running ${deps.withinMs / 1000} s after SIGTERM: \`kill -9 ${pid}\`` };
}
