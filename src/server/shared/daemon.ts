/**
 * `ollm-mcp daemon`: the shared server, a process of its own — started detached by the first
 * launch that finds none (spawn.ts), or by hand or a service manager. Launches forward to it while
 * it runs; it exits `shared.idleSeconds` after its last client leaves, leaving nothing — or,
 * retiring (a newer build or other settings took its $OLLM_HOME over: retire.ts), as soon as its
 * last client leaves.
 */
import { log } from '../../orchestrator/util/log.js';
import type { CliArgs } from '../args.js';
import { keepHeapSmall } from '../lifecycle.js';
import { loadSettings } from '../load-settings.js';
import { keepStdoutForProtocol } from '../stdio.js';
import { VERSION } from '../version.js';
import { release } from './build.js';
import { SharedUnavailable, sharedPlace, type Place } from './place.js';
import { START_WITHIN_MS } from './reach.js';
import { startShared } from './start.js';

export async function runDaemon(args: CliArgs): Promise<number> {
  const loaded = await loadSettings(args, true);
  if (!loaded) return 1;
  keepStdoutForProtocol();
  keepHeapSmall();
  let place: Place;
  try {
    place = await sharedPlace(loaded.config, release());
  } catch (err) {
    if (!(err instanceof SharedUnavailable)) throw err;
    log.error(`shared server: ${err.message}`);
    return 1;
  }
  // one a launch moving on from a server that left starts takes nothing over (spawn.ts, retire.ts)
  const started = await startShared(loaded, place, { daemon: true, takeOver: process.env.OLLM_DAEMON_FRESH !== '0' });
  if (!started) {
    log.info(`shared server: another one holds ${place.address}: leaving it to serve`);
    return 0;
  }
  const { server, serving, leave, stop } = started;
  const idleMs = loaded.config.settings.shared.idleSeconds * 1000;
  let idle: NodeJS.Timeout | undefined;
  // exits idleMs after the last connection closed (or after start, when none comes) — and after the
  // last call another server of this machine sent to an engine this one plans (engine claims)
  const arm = (open: number, ms = idleMs) => {
    clearTimeout(idle);
    if (open > 0 || server.stopping) return;
    idle = setTimeout(() => {
      const relayedFor = serving.relayed.inFlight > 0 ? 0 : Date.now() - serving.relayed.lastAt;
      if (relayedFor < idleMs) return arm(0, idleMs - relayedFor);
      log.info(`shared server: no client for ${ms / 1000} s: exiting`);
      leave(); // no new client from now on: the next launch starts a new server
      stop();
    }, ms);
  };
  server.onLeft = arm;
  server.onJoined = () => clearTimeout(idle);
  // the launch that started it may still be greeting another that stopped answering
  arm(0, Math.max(idleMs, START_WITHIN_MS));

  log.info(
    `ollm-mcp ${VERSION} shared server ${process.pid} listening at ${place.address} (idle limit ` +
      `${loaded.config.settings.shared.idleSeconds} s)`,
  );
  return -1;
}
