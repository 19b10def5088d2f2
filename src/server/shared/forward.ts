/**
 * A stdio launch as a thin forwarder to the shared server (gopls's `-remote=auto`): the client's
 * JSON-RPC lines go to the server's socket and its lines come back, unchanged. When the server
 * dies, requests in flight are answered with an error saying to send them again, a new server is
 * reached (started if need be), the client's initialize and initialized are replayed (the second
 * initialize answer is not passed on), and what the client sent meanwhile follows. What was
 * acknowledged is in the state database, so nothing acknowledged is lost. The client is read from
 * the start: until the server is reached, its initialize and tools/list are answered from the
 * build's record of them (handshake.ts) and the rest waits; the server then gets the initialize as
 * on a replay.
 */
import type { Duplex } from 'node:stream';
import { log } from '../../orchestrator/util/log.js';
import { MAX_MESSAGE_BYTES } from '../limits.js';
import type { Handshake } from './handshake.js';
import { Lines, requestId, responseId, type Line, type RequestId } from './lines.js';
import { reachServer, type Reach } from './reach.js';

/** JSON-RPC "internal error": the request was lost with the server that ran it. */
export const RESTARTED_CODE = -32603;
export const RESTARTED_MESSAGE = 'The shared ollm-mcp server stopped while this request ran (a new one is starting): send the request again.';

const idKey = (id: RequestId) => `${typeof id}:${String(id)}`;

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
  private queue: Buffer[] = [];
  private readonly inFlight = new Map<string, RequestId>();
  private opening: { bytes: Buffer; id: RequestId } | undefined;
  private initialized: Buffer | undefined;
  /** The id of a replayed initialize, whose answer the client already had. */
  private swallow: string | undefined;
  private clientGone = false;
  private readonly fromClient = new Lines(MAX_MESSAGE_BYTES + 1, (line) => this.clientLine(line), (bytes) => this.send(bytes));

  constructor(
    private readonly reach: Reach,
    private readonly handshake?: Handshake,
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  /** Forwarding over an already greeted connection (and any bytes that came after the answer). */
  start(sock: Duplex, rest: Buffer): void {
    this.listen();
    this.attach(sock, rest);
  }

  /** The client read from now on: what it sends waits for attach(), the recorded handshake aside. */
  listen(): void {
    this.input.on('data', (chunk: Buffer) => this.fromClient.push(chunk));
    this.input.once('end', () => this.clientLeft());
    this.input.once('error', () => this.clientLeft());
  }

  /** The server to forward to, greeted (and the bytes that came after its answer): what waited goes first. */
  attach(sock: Duplex, rest: Buffer): void {
    this.recordedProtocol = undefined;
    const fromServer = new Lines(MAX_MESSAGE_BYTES + 1, (line) => this.serverLine(line), (bytes) => this.output.write(bytes));
    sock.on('data', (chunk: Buffer) => fromServer.push(chunk));
    sock.on('error', (err) => log.debug(`shared server connection: ${err.message}`));
    sock.once('close', () => this.lost(sock));
    this.sock = sock;
    sock.resume(); // paused after the hello's answer was read
    if (rest.length > 0) fromServer.push(rest);
    const waiting = this.queue;
    this.queue = [];
    for (const bytes of waiting) sock.write(bytes);
    if (this.clientGone) this.clientLeft();
  }

  private clientLine({ bytes, head }: Line): void {
    const id = requestId(head);
    if (id !== undefined && !this.sock && this.answeredHere(bytes, head!.method, id)) return;
    if (id !== undefined) {
      this.inFlight.set(idKey(id), id);
      if (head?.method === 'initialize') this.opening = { bytes, id };
    } else if (head?.method === 'notifications/initialized') this.initialized = bytes;
    this.send(bytes);
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
      this.recordedProtocol = protocol as string;
      this.opening = { bytes, id };
      this.swallow = idKey(id);
      this.queue.push(bytes);
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

  private serverLine({ bytes, head }: Line): void {
    const id = responseId(head);
    if (id !== undefined) {
      if (this.swallow === idKey(id)) {
        this.swallow = undefined;
        return;
      }
      this.inFlight.delete(idKey(id));
    }
    this.output.write(bytes);
  }

  private send(bytes: Buffer): void {
    if (this.sock) this.sock.write(bytes);
    else this.queue.push(bytes);
  }

  /** The client closed its end: what it sent is delivered (attach() ends then, when no server is reached yet), and the launch exits. */
  private clientLeft(): void {
    this.clientGone = true;
    if (!this.sock) {
      if (this.queue.length === 0) this.exit(0);
      return;
    }
    this.sock.end();
    setTimeout(() => this.exit(0), 2000).unref();
  }

  /** The server's end closed: done when the client left, else a new server reached and the session replayed. */
  private lost(sock: Duplex): void {
    if (this.sock !== sock) return;
    this.sock = undefined;
    if (this.clientGone) return this.exit(0);
    for (const id of this.inFlight.values()) {
      this.output.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code: RESTARTED_CODE, message: RESTARTED_MESSAGE } })}\n`);
    }
    this.inFlight.clear();
    log.warn('the shared server closed the connection: reaching a new one');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    try {
      const { sock, serverPid, rest } = await reachServer(this.reach);
      log.info(`shared server ${serverPid} reached again; the session replayed`);
      const replay: Buffer[] = [];
      if (this.opening) {
        this.swallow = idKey(this.opening.id);
        replay.push(this.opening.bytes);
      }
      if (this.initialized) replay.push(this.initialized);
      this.queue = [...replay, ...this.queue];
      this.attach(sock, rest);
    } catch (err) {
      log.error(`${(err as Error).message}: this launch stops (the client may start it again)`);
      this.exit(1);
    }
  }
}
