/**
 * A stdio launch with the shared server on (settings' shared.enabled, the default): the launch
 * reaches the shared server of this user, version and settings (starting it when none runs) and
 * forwards to it; when it cannot (no private folder, the server refused or never came up), it
 * says why on stderr and the launch serves on its own, as with `--no-shared`.
 */
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import { log } from '../../orchestrator/util/log.js';
import { withoutCommand, type CliArgs } from '../args.js';
import type { Loaded } from '../load-settings.js';
import { VERSION } from '../version.js';
import { Forwarder } from './forward.js';
import { offersAsRecorded, recordedHandshake } from './handshake.js';
import { clientPart, type Hello } from './hello.js';
import { SharedUnavailable, sharedKey, sharedPlace } from './place.js';
import { reachServer, type Reach } from './reach.js';

export function helloFor(args: CliArgs, loaded: Loaded): Hello {
  const named = args.project ?? (process.env.OLLM_PROJECT?.trim() || undefined);
  return {
    ollm: 'hello',
    version: VERSION,
    key: sharedKey(loaded.config),
    pid: process.pid,
    cwd: process.cwd(),
    ...(named !== undefined && { project: named }),
    ...clientPart(loaded.config.settings),
  };
}

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
    const place = await sharedPlace(loaded.config, VERSION);
    reach = {
      place,
      hello: helloFor(args, loaded),
      home: loaded.config.home,
      command: [...process.execArgv, process.argv[1]!, 'daemon', ...withoutCommand(process.argv.slice(2))],
    };
  } catch (err) {
    if (err instanceof SharedUnavailable) return err.message;
    throw err;
  }
  const forwarder = new Forwarder(reach, offersAsRecorded(loaded.config.settings, loaded.project) ? recordedHandshake() : undefined);
  forwarder.listen();
  try {
    const { sock, serverPid, rest } = await reachServer(reach);
    log.info(`ollm-mcp ${VERSION} forwarding stdio to the shared server ${serverPid} at ${reach.place.address}`);
    forwarder.attach(sock, rest);
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
