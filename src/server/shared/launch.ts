/**
 * A stdio launch with the shared server on (settings' shared.enabled, the default): the launch
 * reaches the shared server of this user, build and settings (its plan: settings-plan.ts, or memo.ts)
 * and forwards to it, or starts it
 * detached when none listens (spawn.ts); when it cannot (no private folder, the server refused,
 * none came up), it says why on stderr and the launch serves on its own, as with `--no-shared`.
 */
import { readFile, stat } from 'node:fs/promises';
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import { log } from '../../orchestrator/util/log.js';
import { VERSION } from '../version.js';
import { release, thisBuild } from './build.js';
import { Forwarder } from './forward.js';
import { recordedHandshake } from './handshake.js';
import type { Hello } from './hello.js';
import { LOCK_START_MS } from './lock.js';
import { pidAlive } from '../../orchestrator/util/own-process.js';
import type { Plan } from './memo.js';
import { placeName, placeNamed, SharedUnavailable, type Place } from './place.js';
import { reachOrStart, type Greeted, type Reach } from './reach.js';
import { spawnDaemon } from './spawn.js';

/** The hello this launch says to the shared server (hello.ts). */
function helloOf(plan: Plan): Hello {
  return {
    ollm: 'hello',
    version: VERSION,
    build: thisBuild().id,
    key: plan.key,
    pid: process.pid,
    cwd: process.cwd(),
    ...(plan.project !== undefined && { project: plan.project }),
    toolsets: plan.toolsets,
    defaultProfile: plan.defaultProfile,
    ...(plan.model !== undefined && { model: plan.model }),
  };
}

/** The launch's own server, when the shared one cannot be had: it serves over these streams. */
export type ServeOwn = (input: Readable, output: Writable) => Promise<void>;

/**
 * Whether a live process's lock younger than a server's start holds the place: its daemon is starting (no
 * second one is spawned).
 */
async function startingAt(place: Place): Promise<boolean> {
  const [text, at] = await Promise.all([
    readFile(place.lock, 'utf8').catch(() => ''),
    stat(place.lock).then(
      (s) => s.mtimeMs,
      () => 0,
    ),
  ]);
  const pid = Number(text);
  return pidAlive(pid) && Date.now() - at < LOCK_START_MS;
}

/**
 * Forwarding to the shared server: true once it runs, else why it cannot (the launch then serves
 * on its own). The client is read at once, its handshake answered from the build's record when
 * this launch's settings are those it was made with (handshake.ts), while the server is reached —
 * or started, detached (spawn.ts). When none can be had, now or later (it stopped answering, or
 * stopped and no next one comes up), the launch's own server (`serveOwn`) is forwarded to instead,
 * the same way.
 */
export async function launchShared(plan: Plan, serveOwn: ServeOwn): Promise<true | string> {
  let reach: Reach;
  try {
    const place = await placeNamed(placeName(release(), plan.key), plan.home);
    reach = { place, hello: helloOf(plan) };
  } catch (err) {
    return err instanceof SharedUnavailable
      ? err.message
      : `no private folder for its socket (${(err as Error).message})`;
  }
  let own: Greeted | undefined;
  const serveHere = async (why: string): Promise<Greeted> => {
    if (own) return own;
    log.warn(`shared server: ${why} — serving on its own`);
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    await serveOwn(toServer, fromServer);
    own = {
      sock: Duplex.from({ readable: fromServer, writable: toServer }),
      serverPid: process.pid,
      rest: Buffer.alloc(0),
    };
    return own;
  };
  // a launch moving on starts a server that takes nothing over (retire.ts)
  const reachFrom = (fresh: boolean) => async (): Promise<Greeted> => {
    const hello = fresh ? reach.hello : { ...reach.hello, moving: true as const };
    try {
      return await reachOrStart(
        { place: reach.place, hello },
        () => spawnDaemon(reach.place, fresh),
        () => startingAt(reach.place),
      );
    } catch (err) {
      if (!(err instanceof SharedUnavailable)) throw err;
      return serveHere(err.message);
    }
  };
  const forwarder = new Forwarder(reachFrom(false), plan.offers ? recordedHandshake() : undefined);
  forwarder.listen();
  const first = await reachFrom(true)();
  if (first !== own)
    log.info(`ollm-mcp ${VERSION} forwarding stdio to the shared server ${first.serverPid} at ${reach.place.address}`);
  forwarder.attach(first.sock, first.rest, first !== own);
  return true;
}
