/**
 * A stdio launch with the shared server on (settings' shared.enabled, the default): the launch
 * reaches the shared server of this user, build and settings and forwards to it, or hosts it
 * when none listens (host.ts); when it cannot (no private folder, the server refused, another
 * never came up), it says why on stderr and the launch serves on its own, as with `--no-shared`.
 */
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import { log } from '../../orchestrator/util/log.js';
import type { CliArgs } from '../args.js';
import type { Loaded } from '../load-settings.js';
import { VERSION } from '../version.js';
import { release, thisBuild } from './build.js';
import { Forwarder } from './forward.js';
import { offersAsRecorded, recordedHandshake } from './handshake.js';
import { clientPart, type Hello } from './hello.js';
import { SharedUnavailable, sharedKey, sharedPlace } from './place.js';
import type { Hosting } from './host.js';
import { reachOrHost, type Reach } from './reach.js';

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

/** A launch about to host waits at most this long for its client's handshake to be answered from the record first. */
const HOST_AFTER_MS = 150;

/** The launch's own server, when the shared one cannot be had after the client was read: it serves over these streams. */
export type ServeOwn = (input: Readable, output: Writable) => Promise<void>;

/**
 * Forwarding to the shared server: true once it runs, else why it cannot (the launch then serves
 * on its own). The client is read at once, its handshake answered from the build's record when
 * this launch's settings are those it was made with (handshake.ts); when the server cannot be had
 * after that, the launch's own server (`serveOwn`) is forwarded to instead, the same way.
 */
export async function launchShared(args: CliArgs, loaded: Loaded, serveOwn: ServeOwn): Promise<true | string> {
  let reach: Reach;
  try {
    const place = await sharedPlace(loaded.config, release());
    reach = { place, hello: helloFor(args, loaded) };
  } catch (err) {
    if (err instanceof SharedUnavailable) return err.message;
    throw err;
  }
  const hosting: { current?: Hosting } = {};
  const exit = (code: number) => (hosting.current ? hosting.current.retire() : process.exit(code));
  // the server's code (host.js: the SDK, the core) is loaded only by a launch that hosts; one that
  // comes to host after forwarding serves its client through its forwarder. Moving, it says so: the
  // server it reaches takes nothing over for it (retire.ts)
  const moving: Reach = { place: reach.place, hello: { ...reach.hello, moving: true } };
  const next = () => reachOrHost(moving, async () => (await import('./host.js')).hostThrough(loaded, moving.place, moving.hello, hosting));
  const forwarder = new Forwarder(next, offersAsRecorded(loaded.config.settings, loaded.project) ? recordedHandshake() : undefined, process.stdin, process.stdout, exit);
  forwarder.listen();
  try {
    // the first: hosting, its server reads the client itself
    const first = await reachOrHost(reach, async () => {
      await forwarder.wanted(HOST_AFTER_MS);
      return (await import('./host.js')).hostReading(loaded, reach.place, reach.hello, hosting, () => forwarder.handOver());
    });
    if ('hosted' in first) {
      log.info(`ollm-mcp ${VERSION} serving MCP on stdio, and as the shared server at ${reach.place.address}`);
      return true;
    }
    log.info(`ollm-mcp ${VERSION} forwarding stdio to the shared server ${first.serverPid} at ${reach.place.address}`);
    forwarder.attach(first.sock, first.rest);
  } catch (err) {
    if (!(err instanceof SharedUnavailable)) throw err;
    log.warn(`shared server: ${err.message} — serving on its own`);
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    await serveOwn(toServer, fromServer);
    forwarder.attach(Duplex.from({ readable: fromServer, writable: toServer }), Buffer.alloc(0));
  }
  return true;
}
