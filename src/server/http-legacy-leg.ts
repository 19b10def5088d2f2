/**
 * 2025-era Streamable HTTP at /mcp, with resumable streams. Each POST is served as the SDK's
 * stateless fallback serves it — a fresh server from the factory over a stateless transport of its
 * own, both closed when the exchange is over — but its transport keeps the events it sends in the
 * shared event store (event-store.ts): a response stream opens with a priming event (an `id:` and a
 * `retry:`, for protocol 2025-11-25 and later) and every message carries an event id.
 *
 * A client whose stream broke is not taken to have cancelled at once (it cancels with
 * `notifications/cancelled`, see http-cancel.ts): the call goes on, and a GET /mcp with
 * `Last-Event-ID` gets the events after that one, then the rest as they come, until the exchange
 * is over. A call nobody follows is cancelled after `http.resumeGraceSeconds` — after a few
 * seconds while another client waits for an answer (resume-grace.ts) — so clients that drop and
 * never come back leave nothing running, and hold no model a waiting client needs; a session's
 * DELETE cancels its calls at once (http-cancel.ts). A stream is resumed only by its owner (the
 * session that started it, else the same credentials, `streamOwner`): an id that is unknown,
 * expired, another owner's, or of a stream that is over and has nothing more gets 400 with the
 * reason, so a client stops asking.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isJSONRPCErrorResponse,
  isJSONRPCResultResponse,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
  type EventStore,
  type JSONRPCMessage,
  type McpServer,
} from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { log } from '../orchestrator/util/log.js';
import { SharedEventStore } from './event-store.js';
import { EVENT_LIMITS } from './kept-events.js';
import { streamOwner } from './stream-owner.js';
import { MAX_MESSAGE_BYTES } from './limits.js';
import { ResumeGrace, Waiting } from './resume-grace.js';

/** How long a client waits before it reconnects a broken stream (the priming event's `retry:`). */
const RETRY_MS = 1_000;
/** A comment line on a followed stream this often, as the SDK's own streams do, so proxies keep it open. */
const KEEP_ALIVE_MS = 15_000;

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Whether createMcpHandler would serve this request as 2025-era traffic (the SDK's own classification). */
export function isLegacy(req: IncomingMessage, parsedBody?: unknown): Promise<boolean> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  // Only the method and headers are read: the body is given parsed, so it is not serialised again.
  return isLegacyRequest(new Request('http://localhost/mcp', { method: req.method ?? 'GET', headers }), parsedBody, {
    maxRequestBodySize: MAX_MESSAGE_BYTES,
  });
}

/** The ids of the requests in a POSTed message or batch: the exchange is over when each is answered. */
function requestIds(message: unknown): unknown[] {
  const all = Array.isArray(message) ? (message as unknown[]) : [message];
  return all.flatMap((m) => (m !== null && typeof m === 'object' && 'method' in m && 'id' in m ? [m.id] : []));
}

function badLastEventId(res: ServerResponse, why: string): void {
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      jsonrpc: '2.0',
      error: { code: -32000, message: `Nothing to resume after that Last-Event-ID: ${why}. Send the request again.` },
      id: null,
    }),
  );
}

export interface LegOptions {
  /** How long a call whose client dropped its stream waits for it to resume, before it is cancelled (ms). */
  graceMs: number;
  store?: SharedEventStore;
  /** The clients waiting for an answer (a resumed stream is one): while any does, the grace is short. */
  waiting?: Waiting;
}

interface ExchangeParts {
  graceMs: number;
  store: SharedEventStore;
  waiting: Waiting;
  /** What ends each exchange under way (the leg's close()). */
  live: Set<() => void>;
  stop: AbortSignal;
}

/**
 * One 2025-era exchange: its transport over the shared store (noting each answer), and its end —
 * answered in full, the client gone with every request answered, the server stopping, or the
 * client gone and not back within the grace (its calls cancelled).
 */
function openExchange(
  server: McpServer,
  req: IncomingMessage,
  res: ServerResponse,
  message: unknown,
  { graceMs, store, waiting, live, stop }: ExchangeParts,
) {
  const grace = new ResumeGrace(
    graceMs,
    () => {
      log.info(
        `http: a call's client dropped its stream and did not resume it in time (${graceMs / 1000} ` +
          `s, a few while others wait): cancelled`,
      );
      teardown();
    },
    waiting,
  );
  const events = store.open(streamOwner(req, res), (count) => grace.followed(count));
  const pending = new Set(requestIds(message));
  let over = false;
  let resolveOver = () => {};
  const ended = new Promise<void>((resolve) => (resolveOver = resolve));
  /** The exchange's store, noting each answer: once all are sent and the client has gone, it is over. */
  const withAnswers: EventStore = {
    ...events,
    storeEvent: async (streamId: string, m: JSONRPCMessage) => {
      const id = await events.storeEvent(streamId, m);
      if (isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m)) {
        pending.delete(m.id);
        if (pending.size === 0 && res.destroyed) setImmediate(teardown); // after the transport's own bookkeeping
      }
      return id;
    },
  };
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    eventStore: withAnswers,
    retryInterval: RETRY_MS,
  });
  function teardown(): void {
    if (over) return;
    over = true;
    grace.stop();
    live.delete(teardown);
    stop.removeEventListener('abort', teardown);
    events.close();
    void transport.close().catch(() => undefined);
    void server.close().catch(() => undefined);
    resolveOver();
  }
  live.add(teardown);
  stop.addEventListener('abort', teardown, { once: true });
  // Answered in full, or the client went away with every request answered: over. Else the calls
  // go on, for the grace when nobody resumes them.
  res.once('close', () => {
    if (res.writableFinished) events.delivered();
    if (res.writableFinished || pending.size === 0) teardown();
    else grace.streamDropped();
  });
  transport.onerror = (err) => log.debug(`http: ${err.message}`);
  return { transport, ended, teardown };
}

export function legacyLeg(
  factory: (req: IncomingMessage) => McpServer,
  { graceMs, store = new SharedEventStore(), waiting = new Waiting() }: LegOptions,
) {
  const live = new Set<() => void>(); // what ends each exchange and followed stream under way

  return {
    /** Serves one 2025-era POST; resolves when its exchange is over (answered, or stopped by `stop`). */
    async post(req: IncomingMessage, res: ServerResponse, message: unknown, stop: AbortSignal): Promise<void> {
      const server = factory(req);
      const x = openExchange(server, req, res, message, { graceMs, store, waiting, live, stop });
      try {
        await server.connect(x.transport);
        // Written by the SDK's own Node adapter, as the 2026-era leg is (@hono/node-server, which
        // NodeStreamableHTTPServerTransport wraps, may print to stdout when a client goes away).
        const serve = toNodeHandler(
          { fetch: (request, options) => x.transport.handleRequest(request, options) },
          { maxRequestBodySize: MAX_MESSAGE_BYTES, onerror: (err) => log.error(`http: ${err.message}`) },
        );
        await serve(req, res, message);
      } catch (err) {
        x.teardown();
        throw err;
      }
      await x.ended;
    },

    /** A GET carrying `Last-Event-ID`: the events after it on its stream, then the rest as they come. */
    get(req: IncomingMessage, res: ServerResponse, lastEventId: string): void {
      if (!req.headers.accept?.includes('text/event-stream')) {
        res.writeHead(406, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32000, message: 'Not Acceptable: Client must accept text/event-stream' },
            id: null,
          }),
        );
      }
      const minutes = EVENT_LIMITS.maxAgeMs / 60_000;
      const owner = streamOwner(req);
      if (store.streamOf(lastEventId, owner) === undefined)
        return badLastEventId(res, `it is unknown, or older than ${minutes} minutes`);
      // Replayed at once, in order; held until the answer's headers are known, then written as they come.
      const backlog: Array<[string, JSONRPCMessage]> = [];
      let out: (id: string, m: JSONRPCMessage) => void = (id, m) => void backlog.push([id, m]);
      let over = false;
      let onEnd: () => void = () => void (over = true);
      const unfollow = store.follow(lastEventId, owner, {
        send: (id, m) => 'jsonrpc' in m && out(id, m), // not the priming events (no message)
        end: () => onEnd(),
      });
      if (!unfollow || (over && backlog.length === 0))
        return badLastEventId(res, 'its stream is over, with nothing after it');
      res.writeHead(200, SSE_HEADERS);
      // The client's own position first: a stream that breaks before anything new still resumes from there.
      res.write(`id: ${lastEventId}\nretry: ${RETRY_MS}\ndata: \n\n`);
      const write = (id: string, m: JSONRPCMessage) =>
        void res.write(`event: message\nid: ${id}\ndata: ${JSON.stringify(m)}\n\n`);
      for (const [id, m] of backlog) write(id, m);
      if (over) return void res.end();
      const timer = setInterval(() => res.write(': keepalive\n\n'), KEEP_ALIVE_MS).unref();
      const gone = waiting.add(); // its client waits for the answer
      const finish = () => {
        gone();
        clearInterval(timer);
        unfollow();
        live.delete(finish);
        res.end();
      };
      out = write;
      onEnd = finish;
      live.add(finish);
      res.once('close', finish);
    },

    /** Ends every exchange and followed stream under way (the server is stopping). */
    close(): void {
      for (const end of [...live]) end();
    },
  };
}
