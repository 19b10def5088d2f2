/**
 * A stdio launch as a thin forwarder to the shared server (gopls's `-remote=auto`): the client's
 * JSON-RPC lines go to the server's socket — or, in the launch that hosts it, to its in-process
 * connection — and its lines come back, unchanged. When the server says it is moving (its host's
 * client left: shared-server.ts MOVING), the next server is reached (or hosted here) and gets the
 * client's initialize and initialized replayed (the second initialize answer is not passed on) and
 * every new request, while the answers of the requests in flight still come from the one leaving
 * (and a cancellation or an answer to its own request goes back to it). When a server closes
 * with requests in flight (killed, or leaving before they were answered), the next one is reached
 * the same way and each is sent to it once more; one lost a second time is answered with an error
 * saying to send it again. What was acknowledged is in the state database, so nothing
 * acknowledged is lost. The client is read from the start: until a server is reached, its initialize and
 * tools/list are answered from the build's record of them (handshake.ts) and the rest waits; the
 * server then gets the initialize as on a replay.
 */
import type { Duplex } from 'node:stream';
import { log } from '../../orchestrator/util/log.js';
import { MAX_MESSAGE_BYTES } from '../limits.js';
import type { Handshake } from './handshake.js';
import { Lines, MOVING_METHOD, requestId, responseId, type Line, type RequestId } from './lines.js';
import type { Greeted } from './reach.js';
import { cancelledId, Routes } from './routes.js';
import { isWatchPing, StallWatch, type StallTiming } from './stall.js';

/** JSON-RPC "internal error": the request was lost with the server that ran it. */
/** How long a launch whose client left waits for what it sent to be delivered, at most. */
const LEFT_MS = 2000;

export const RESTARTED_CODE = -32603;
const RESTARTED_MESSAGE =
  'The shared ollm-mcp server stopped while this request ran (a new one is starting): send the request again.';

const idKey = (id: RequestId) => `${typeof id}:${String(id)}`;

/** A line waiting for a server; a request's id, and how often it was sent before. */
interface Queued {
  bytes: Buffer;
  id?: RequestId;
  sends?: number;
}

/** The protocol version an initialize asks for, and whether a tools/list asks for a page past the first. */
function paramsOf(bytes: Buffer): { protocolVersion?: unknown; cursor?: unknown } {
  try {
    const params = (JSON.parse(bytes.toString('utf8')) as { params?: unknown }).params;
    return typeof params === 'object' && params !== null ? params : {};
  } catch {
    return {};
  }
}

export class Forwarder {
  private sock: Duplex | undefined;
  /** The protocol version of an initialize answered here from the record (until the server is reached). */
  private recordedProtocol: string | undefined;
  private queue: Queued[] = [];
  /** Which server each request in flight went to, and each of a server's own requests came from. */
  private readonly routes = new Routes<Duplex>();
  /** Servers left (moving) whose requests in flight are still answered. */
  private readonly draining = new Set<Duplex>();
  private opening: { bytes: Buffer; id: RequestId } | undefined;
  /** Whether the client has the answer to its initialize (a replay's answer is then not passed on). */
  private opened = false;
  private initialized: Buffer | undefined;
  /** The id of a replayed initialize, whose answer the client already had. */
  private swallow: string | undefined;
  private clientGone = false;
  /** The server's stall watch (stall.ts), for the connection to a server in another process. */
  private watch: StallWatch | undefined;
  private readonly fromClient = new Lines(
    MAX_MESSAGE_BYTES + 1,
    (line) => this.clientLine(line),
    (bytes) => this.send({ bytes }),
  );

  constructor(
    /** The next server: reached, or hosted by this launch (reach.ts reachOrHost). */
    private readonly next: () => Promise<Greeted>,
    private readonly handshake?: Handshake,
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
    /** The stall watch's timing (stall.ts; the tests shorten it). */
    private readonly stallTiming: StallTiming = {},
  ) {}

  /**
   * Forwarding over an already greeted connection (and any bytes that came after the answer); `watched` as in
   * attach().
   */
  start(sock: Duplex, rest: Buffer, watched = false): void {
    this.listen();
    this.attach(sock, rest, watched);
  }

  private readonly onData = (chunk: Buffer) => this.fromClient.push(chunk);
  private readonly onEnd = () => this.clientLeft();

  /** The client read from now on: what it sends waits for attach(), the recorded handshake aside. */
  listen(): void {
    this.input.on('data', this.onData);
    this.input.once('end', this.onEnd);
    this.input.once('error', this.onEnd);
  }

  /**
   * The server to forward to, greeted (and the bytes that came after its answer): what waited goes
   * first. `watched`: a server in another process, whose silence while it owes answers is noticed
   * (stall.ts) — the connection is then dropped and its requests go to the next server, as when it closes.
   */
  attach(sock: Duplex, rest: Buffer, watched = false): void {
    this.recordedProtocol = undefined;
    const fromServer = new Lines(
      MAX_MESSAGE_BYTES + 1,
      (line) => this.serverLine(sock, line),
      (bytes) => this.output.write(bytes),
    );
    this.watch?.stop();
    const watch = watched
      ? new StallWatch(
          () => this.routes.has(sock),
          (line) => sock.write(line),
          () => {
            log.warn('the shared server stopped answering (suspended or hung): going on without it');
            sock.destroy();
          },
          this.stallTiming,
        )
      : undefined;
    this.watch = watch;
    sock.on('data', (chunk: Buffer) => {
      watch?.heard();
      fromServer.push(chunk);
    });
    sock.on('error', (err) => log.debug(`shared server connection: ${err.message}`));
    sock.once('close', () => {
      watch?.stop();
      this.lost(sock);
    });
    this.sock = sock;
    sock.resume(); // paused after the hello's answer was read
    if (rest.length > 0) fromServer.push(rest);
    const waiting = this.queue;
    this.queue = [];
    for (const q of waiting) this.sendNow(sock, q);
    if (this.clientGone) this.clientLeft();
  }

  private clientLine({ bytes, head }: Line): void {
    const id = requestId(head);
    if (id !== undefined && !this.sock && this.answeredHere(bytes, head!.method, id)) return;
    if (id !== undefined) {
      if (head?.method === 'initialize') this.opening = { bytes, id };
    } else if (head?.method === 'notifications/initialized') this.initialized = bytes;
    // an answer to a server's request, or a cancellation of a request in flight, goes where that request is
    const to =
      head?.method === 'notifications/cancelled'
        ? this.routes.ofRequest(cancelledId(bytes))
        : this.routes.takeServerRequest(responseId(head));
    if (to && to !== this.sock && this.draining.has(to)) return void to.write(bytes);
    this.send(id === undefined ? { bytes } : { bytes, id });
  }

  /**
   * Until the server is reached: an initialize whose protocol version the record holds is answered
   * from it and kept to be sent to the server (whose answer is not passed on), and a tools/list
   * after it too (not sent: the client has its answer). True when answered here.
   */
  private answeredHere(bytes: Buffer, method: unknown, id: RequestId): boolean {
    if (!this.handshake) return false;
    if (method === 'initialize' && !this.opening) {
      const protocol = paramsOf(bytes).protocolVersion;
      const answer = this.handshake.initialize(id, protocol);
      if (answer === undefined) return false;
      this.output.write(answer);
      this.opened = true;
      this.recordedProtocol = protocol as string;
      this.opening = { bytes, id };
      this.swallow = idKey(id);
      this.queue.push({ bytes }); // its answer, the server's, is not passed on
      return true;
    }
    if (method === 'tools/list' && this.recordedProtocol !== undefined && paramsOf(bytes).cursor === undefined) {
      const answer = this.handshake.toolsList(id, this.recordedProtocol);
      if (answer === undefined) return false;
      this.output.write(answer);
      return true;
    }
    return false;
  }

  private serverLine(from: Duplex, { bytes, head }: Line): void {
    const id = responseId(head);
    if (isWatchPing(id)) return; // the stall watch's own ping, answered
    if (id !== undefined) {
      if (this.swallow === idKey(id) && from === this.sock) {
        this.swallow = undefined;
        return;
      }
      if (this.opening && idKey(this.opening.id) === idKey(id)) this.opened = true;
      this.routes.answered(id);
      if (this.draining.has(from) && !this.routes.has(from)) from.end(); // its last answer: done with it
    } else if (head?.method === MOVING_METHOD) {
      return this.moving(from);
    } else {
      this.routes.serverRequest(requestId(head), from);
    }
    this.output.write(bytes);
  }

  /** To the server, or kept for the next one; a request noted as in flight where it goes. */
  private send(q: Queued): void {
    if (this.sock) this.sendNow(this.sock, q);
    else this.queue.push(q);
  }

  private sendNow(sock: Duplex, q: Queued): void {
    if (q.id !== undefined) this.routes.request(q.id, q.bytes, sock, (q.sends ?? 0) + 1);
    sock.write(q.bytes);
  }

  /**
   * The client closed its end: what it sent is delivered (attach() ends then, when no server is reached yet),
   * and the launch exits.
   */
  private clientLeft(): void {
    this.clientGone = true;
    if (!this.sock && this.queue.length === 0 && this.draining.size === 0) {
      this.exit(0);
      return;
    }
    this.sock?.end();
    // bounded whatever the server does: one never reached, or one that never closes (suspended, hung, a draining
    // one whose answers never come), holds no launch of a client that is gone
    setTimeout(() => this.exit(0), LEFT_MS).unref();
  }

  /** The server said it is leaving: new requests go to the next one, its answers in flight still come. */
  private moving(sock: Duplex): void {
    if (this.sock !== sock) return;
    this.sock = undefined;
    this.draining.add(sock);
    if (!this.routes.has(sock)) sock.end();
    if (this.clientGone) return;
    log.info('the shared server is leaving: reaching the next one');
    void this.reconnect();
  }

  /**
   * A server's end closed: its requests in flight go to the next server (once; a second loss is
   * answered with a retry error) unless the client left; the next server is reached if it was the
   * current one.
   */
  private lost(sock: Duplex): void {
    const current = this.sock === sock;
    if (current) this.sock = undefined;
    this.draining.delete(sock);
    for (const r of this.routes.dropAll(sock)) {
      // the replay sends the opening again
      if (this.clientGone || (this.opening && idKey(r.id) === idKey(this.opening.id))) continue;
      if (r.sends < 2) this.send({ bytes: r.bytes, id: r.id, sends: r.sends });
      else
        this.output.write(
          `${JSON.stringify({ jsonrpc: '2.0', id: r.id, error: { code: RESTARTED_CODE, message: RESTARTED_MESSAGE } })}\n`,
        );
    }
    if (this.clientGone) {
      if (!this.sock && this.draining.size === 0) this.exit(0);
      return;
    }
    if (!current) return;
    log.warn('the shared server closed the connection: reaching a new one');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    try {
      const { sock, serverPid, rest } = await this.next();
      log.info(`shared server ${serverPid} reached again; the session replayed`);
      const watched = serverPid !== process.pid;
      const replay: Queued[] = [];
      if (this.opening) {
        if (this.opened) this.swallow = idKey(this.opening.id);
        replay.push(this.opened ? { bytes: this.opening.bytes } : { bytes: this.opening.bytes, id: this.opening.id });
      }
      if (this.initialized) replay.push({ bytes: this.initialized });
      this.queue = [...replay, ...this.queue];
      this.attach(sock, rest, watched);
    } catch (err) {
      log.error(`${(err as Error).message}: this launch stops (the client may start it again)`);
      this.exit(1);
    }
  }
}
