/**
 * Starting the shared server for a launch: `ollm-mcp daemon` spawned detached (after gopls's
 * `-remote=auto`), so it is no client's process — a client suspended (Ctrl-Z, a debugger) or
 * killed stops only itself — and it exits `shared.idleSeconds` after its last client leaves
 * (daemon.ts). It runs this very file with the launch's own flags, working folder and environment,
 * so it reads the same settings and finds the same place (place.ts); its stderr goes to
 * `<place>.log` in the user's private socket folder, appended to: a server suspended and replaced
 * may still write there, and a file truncated under its writer fills with NUL bytes up to where
 * that writer was (a crashed server's lines are kept the same way, before the next one's). A launch moving
 * on from a server that left starts one that takes nothing over (retire.ts): OLLM_DAEMON_FRESH=0.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { log } from '../../orchestrator/util/log.js';
import type { Place } from './place.js';

/**
 * Node's flags for the shared server, before the launch's own (which win). Its young generation is
 * 2 × 4 MB from the start and stays so. Capped: by default V8 grows it to 2 × 16 MB under a burst of
 * calls, and the server then held ~59 MB of anonymous memory after 4 clients × 120 calls, ~30 MB with
 * the cap (bench/clients-memory). Not smaller: lifecycle.ts keepHeapSmall stops it growing from
 * V8's first 1 MB, where a quick call's ~300 kB of short-lived objects set off a scavenge every third
 * call — on the call's path, helper threads and all; at 4 MB one every eleventh, the server's CPU a
 * call 0.2–0.35 ms lower and its GC pauses ~40% shorter in all (issue 82; ~0.4 MB more PSS). Neither
 * can be set once the heap is made.
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=4', '--min-semi-space-size=4'];

/**
 * The launch's arguments for the daemon: Node's flags (ours, then its own), its flags, the command `daemon`
 * instead of `serve` (or of none).
 */
export function daemonArgs(argv: readonly string[], execArgv: readonly string[] = process.execArgv): string[] {
  const [script, ...rest] = argv.slice(1);
  const flags = rest[0] === 'serve' ? rest.slice(1) : rest;
  return [
    ...DAEMON_NODE_FLAGS,
    ...execArgv.filter((a) => !a.startsWith('--inspect')),
    ...(script ? [script] : []),
    'daemon',
    ...flags,
  ];
}

/** Where a started daemon's stderr goes: beside its socket (on Windows, in the folder of the pipe's lock). */
export const logFile = (place: Place): string => place.lock.replace(/\.lock$/, '.log');

/** The daemon spawned, detached, its stderr to its log; resolves once spawned (not once listening). */
export function spawnDaemon(place: Place, fresh: boolean, argv: readonly string[] = process.argv): Promise<void> {
  let err: number | 'ignore' = 'ignore';
  try {
    err = openSync(logFile(place), 'a', 0o600); // never truncated: see above
  } catch (e) {
    log.debug(`shared server: no log at ${logFile(place)} (${(e as Error).message})`);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, daemonArgs(argv), {
      detached: true,
      stdio: ['ignore', 'ignore', err],
      env: { ...process.env, OLLM_DAEMON_FRESH: fresh ? '1' : '0' },
      windowsHide: true,
    });
    const done = () => {
      if (typeof err === 'number') closeSync(err);
      resolve();
    };
    child.once('spawn', () => {
      child.unref();
      done();
    });
    child.once('error', (e) => {
      log.warn(`shared server: could not start it (${e.message})`);
      done();
    });
  });
}
