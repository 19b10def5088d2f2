/**
 * The launch that finds no shared server listening hosts it (after Emacs's server, not gopls's
 * separate daemon): one process serves its own client in-process and every later launch of this
 * user, version and settings over the socket — so a lone client costs one process. Its own client
 * is read from stdin by its MCP server itself once the server is ready (the forwarder answered the
 * handshake from the record until then and hands the rest over), or — for a launch that comes to
 * host after forwarding — through its forwarder. When its own client leaves, it exits at once if no
 * other client is connected; otherwise it hands over: it stops listening and frees the place at once
 * (the next launch, or the first of the others to move, hosts the next server), tells each other
 * client's forwarder to move on (shared-server.ts MOVING), answers the requests they still have in
 * flight here, and exits when they are answered, after DRAIN_WITHIN_MS at the most, or on a signal
 * (a client that closed a server's stdin sends SIGTERM soon after: two seconds with the MCP SDK).
 * A request still in flight then is sent again by its forwarder, to the next server (forward.ts):
 * no client's call is lost with a host. While one drains, two servers plan the host's memory: the
 * one leaving only finishes what it was running (its loads mostly made), the next one reads
 * what is loaded afresh before each load decision, as for any other user of the engine; the drain
 * is bounded to keep that short.
 */
import { PassThrough, type Duplex } from 'node:stream';
import { log } from '../../orchestrator/util/log.js';
import { keepHeapSmall } from '../lifecycle.js';
import type { Loaded } from '../load-settings.js';
import { keepStdoutForProtocol } from '../stdio.js';
import type { RequestId } from './lines.js';
import type { Hello } from './hello.js';
import { SharedUnavailable, type Place } from './place.js';
import type { Greeted } from './reach.js';
import type { Conn, Made, SharedServer } from './shared-server.js';
import { startShared } from './start.js';

/** A host whose client left waits this long at the most for the other clients' requests in flight. */
export const DRAIN_WITHIN_MS = 30_000;

export interface Hosting {
  /** The host's own client left: exit now, or once the others' requests in flight are answered. */
  retire(): void;
}

/** The client as a forwarder hands it over (forward.ts handOver). */
export interface HandedOver {
  pending: Buffer;
  ended: boolean;
  swallow: RequestId | undefined;
}

/** Served in this process, straight from stdin. */
export interface Hosted {
  hosted: true;
}

interface Begun {
  server: SharedServer;
  made: Made;
  /** The retirement of the host whose own client is `own`. */
  retireWith(own: Conn): () => void;
}

/** The shared server started in this process, or undefined when another process holds the place. */
async function begin(loaded: Loaded, place: Place, hello: Hello): Promise<Begun | undefined> {
  let started;
  try {
    // a new launch's server takes its $OLLM_HOME over; one hosted by a launch moving on does not (retire.ts)
    started = await startShared(loaded, place, { daemon: false, takeOver: !hello.moving });
  } catch (err) {
    throw new SharedUnavailable(`could not host the shared server: ${(err as Error).message}`);
  }
  if (!started) return undefined;
  const { server, leave, stop } = started;
  const made = await server.sessionFor(hello);
  if ('why' in made) {
    leave();
    throw new SharedUnavailable(made.why);
  }
  keepStdoutForProtocol();
  keepHeapSmall();
  let retiring = false;
  const retire = (own: Conn) => {
    if (retiring) return;
    retiring = true;
    leave();
    own.destroy();
    setImmediate(() => {
      if (server.size === 0) return stop();
      log.info(`shared server: its launch's client left; ${server.size} other client(s) move to the next server, their requests in flight answered here first`);
      server.onLeft = (left) => void (left === 0 && stop());
      server.moveOthers();
      setTimeout(stop, DRAIN_WITHIN_MS).unref();
    });
  };
  log.info(`ollm-mcp ${process.pid} hosting the shared server at ${place.address}`);
  return { server, made, retireWith: (own) => () => retire(own) };
}

/**
 * Hosting, the launch's own client served through the duplex returned, as if greeted over the
 * socket (a launch that comes to host after forwarding); undefined when another holds the place.
 * `hosting.current.retire` is what this launch calls instead of exiting.
 */
export async function hostThrough(loaded: Loaded, place: Place, hello: Hello, hosting: { current?: Hosting }): Promise<Greeted | undefined> {
  const begun = await begin(loaded, place, hello);
  if (!begun) return undefined;
  const own = begun.server.inProcess(hello, begun.made) as Duplex;
  hosting.current = { retire: begun.retireWith(own) };
  return { sock: own, serverPid: process.pid, rest: Buffer.alloc(0) };
}

/**
 * Hosting, the launch's own client read from stdin by its MCP server from now on, as the
 * forwarder hands it over; undefined when another holds the place.
 */
export async function hostReading(loaded: Loaded, place: Place, hello: Hello, hosting: { current?: Hosting }, handOver: () => HandedOver): Promise<Hosted | undefined> {
  const begun = await begin(loaded, place, hello);
  if (!begun) return undefined;
  const client = handOver();
  const input = new PassThrough();
  input.write(client.pending);
  if (client.ended) input.end();
  else process.stdin.pipe(input);
  const own = begun.server.inProcess(hello, begun.made, { input, output: process.stdout, swallow: client.swallow });
  const retire = begun.retireWith(own);
  hosting.current = { retire };
  input.once('end', retire);
  process.stdout.on('error', retire);
  return { hosted: true };
}
