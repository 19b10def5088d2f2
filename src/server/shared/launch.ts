/**
 * A stdio launch with the shared server on (settings' shared.enabled, the default): the launch
 * reaches the shared server of this user, build and settings and forwards to it, or starts it
 * detached when none listens (spawn.ts); when it cannot (no private folder, the server refused,
 * none came up), it says why on stderr and the launch serves on its own, as with `--no-shared`.
 */
import { readFile, stat } from 'node:fs/promises';
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import { log } from '../../orchestrator/util/log.js';
import type { CliArgs } from '../args.js';
import type { Loaded } from '../load-settings.js';
import { VERSION } from '../version.js';
import { release, thisBuild } from './build.js';
import { Forwarder } from './forward.js';
import { offersAsRecorded, recordedHandshake } from './handshake.js';
import { clientPart, type Hello } from './hello.js';
import { alive, LOCK_START_MS } from './lock.js';
import { SharedUnavailable, sharedKey, sharedPlace, type Place } from './place.js';
import { reachOrStart, type Greeted, type Reach } from './reach.js';
import { spawnDaemon } from './spawn.js';

export function helloFor(args: CliArgs, loaded: Loaded): Hello {
  const named = args.project ?? (process.env.OLLM_PROJECT?.trim() || undefined);
  return {
    ollm: 'hello',
    version: VERSION,
    build: thisBuild().id,
    key: sharedKey(loaded.config),
    pid: process.pid,
    cwd: process.cwd(),
    ...(named !== undefined && { project: named }),
    ...clientPart(loaded.config.settings),
  };
}

/** The launch's own server, when the shared one cannot be had: it serves over these streams. */
export type ServeOwn = (input: Readable, output: Writable) => Promise<void>;

/** Whether a live process's lock younger than a server's start holds the place: its daemon is starting (no second one is spawned). */
async function startingAt(place: Place): Promise<boolean> {
  const [text, at] = await Promise.all([readFile(place.lock, 'utf8').catch(() => ''), stat(place.lock).then((s) => s.mtimeMs, () => 0)]);
  const pid = Number(text);
  return pid > 0 && alive(pid) && Date.now() - at < LOCK_START_MS;
}

/**
 * Forwarding to the shared server: true once it runs, else why it cannot (the launch then serves
 * on its own). The client is read at once, its handshake answered from the build's record when
 * this launch's settings are those it was made with (handshake.ts), while the server is reached —
 * or started, detached (spawn.ts). When none can be had, now or later (it stopped answering, or
 * stopped and no next one comes up), the launch's own server (`serveOwn`) is forwarded to instead,
 * the same way.
 */
export async function launchShared(args: CliArgs, loaded: Loaded, serveOwn: ServeOwn): Promise<true | string> {
  let reach: Reach;
  try {
    const place = await sharedPlace(loaded.config, release());
    reach = { place, hello: helloFor(args, loaded) };
  } catch (err) {
    return err instanceof SharedUnavailable ? err.message : `no private folder for its socket (${(err as Error).message})`;
  }
  let own: Greeted | undefined;
  const serveHere = async (why: string): Promise<Greeted> => {
    if (own) return own;
    log.warn(`shared server: ${why} — serving on its own`);
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    await serveOwn(toServer, fromServer);
    own = { sock: Duplex.from({ readable: fromServer, writable: toServer }), serverPid: process.pid, rest: Buffer.alloc(0) };
    return own;
  };
  // a launch moving on starts a server that takes nothing over (retire.ts)
  const reachFrom = (fresh: boolean) => async (): Promise<Greeted> => {
    const hello = fresh ? reach.hello : { ...reach.hello, moving: true as const };
    try {
      return await reachOrStart({ place: reach.place, hello }, () => spawnDaemon(reach.place, fresh), () => startingAt(reach.place));
    } catch (err) {
      if (!(err instanceof SharedUnavailable)) throw err;
      return serveHere(err.message);
    }
  };
  const forwarder = new Forwarder(reachFrom(false), offersAsRecorded(loaded.config.settings, loaded.project) ? recordedHandshake() : undefined);
  forwarder.listen();
  const first = await reachFrom(true)();
  if (first !== own) log.info(`ollm-mcp ${VERSION} forwarding stdio to the shared server ${first.serverPid} at ${reach.place.address}`);
  forwarder.attach(first.sock, first.rest, first !== own);
  return true;
}
