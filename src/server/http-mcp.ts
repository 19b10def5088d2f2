/**
 * The MCP endpoints of the HTTP transport (http.ts): the 2026-era handler (the SDK's
 * createMcpHandler), the 2025-era leg with resumable streams (http-legacy-leg.ts) and the legacy
 * SSE sessions (http-messages.ts) — each request served by a server made for its caller
 * (presenting/calling-agent.ts bindCaller), as this transport knows it (setCaller). A POST is read
 * here first, to see cancellations (which stateless 2025-era serving cannot route), messages nested
 * too deep, and what an engine claim's endpoint does not serve.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, type AuthInfo } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { log } from '../orchestrator/util/log.js';
import { createServerFactory, notServedAnswer } from './create-server.js';
import type { Catalog } from './catalog.js';
import { assignSession, CallRegistry, sessionOf } from './http-cancel.js';
import { isLegacy, legacyLeg } from './http-legacy-leg.js';
import { legacySse, readMessage, sessionEnded } from './http-messages.js';
import { MAX_MESSAGE_BYTES } from './limits.js';
import { Waiting } from './resume-grace.js';
import type { Serving } from './serving.js';
import { SessionNames } from './session-names.js';
import { tooDeepAnswer } from '../tools/arg-bounds.js';
import { bindCaller, type Caller } from '../tools/agent.js';

export interface McpEndpoints {
  /** A POST at /mcp. */
  post(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Any other request at /mcp (a stream resumed, a session ended). */
  other(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** GET /sse: a legacy SSE session opened. */
  openSse(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** POST /messages: a message of a legacy SSE session. */
  postSse(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  close(): Promise<void>;
}

export function mcpEndpoints(
  serving: Serving,
  catalog: Catalog,
  given: { only?: readonly string[] | undefined; alongside?: boolean | undefined },
): McpEndpoints {
  const { handler, mcp, leg, sse, waiting, stopFollowing } = servers(serving, catalog, given.only);
  const calls = new CallRegistry();
  const names = new SessionNames();

  /** A POST read here (to see cancellations, which stateless 2025-era serving cannot route), then served. */
  async function post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const read = await readMessage(req, res);
    if (!read) return;
    const session = sessionOf(req);
    if (calls.isEnded(session)) return sessionEnded(res);
    calls.cancelIfAsked(read.message, session);
    assignSession(read.message, res);
    names.note(read.message, res.getHeader('mcp-session-id'));
    if (answeredHere(read.message, res, given.only)) return;
    waiting.attend(read.message, res);
    const stop = new AbortController();
    const untrack = calls.track(read.message, session, () => {
      res.destroy();
      stop.abort();
    });
    const serve = async () =>
      (await isLegacy(req, read.message)) ? leg.post(req, res, read.message, stop.signal) : mcp(req, res, read.message);
    const name = names.of(session);
    // the session's agent, for a server that never saw its initialize
    if (name !== undefined) setCaller(req, { ...callerOf(req), session: name });
    // another server's calls keep a daemon from leaving (daemon.ts)
    const relayed = given.alongside ? serving.relayed : undefined;
    if (relayed) relayed.inFlight++;
    try {
      await serve();
    } finally {
      untrack();
      if (relayed) {
        relayed.inFlight--;
        relayed.lastAt = Date.now();
      }
    }
  }

  /**
   * A 2025-era GET with `Last-Event-ID` resumes a stream; a DELETE with a session id ends the
   * session, its calls cancelled; any other GET or DELETE is the handler's (405 for the 2025 era).
   */
  async function other(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = sessionOf(req);
    if (calls.isEnded(session)) return sessionEnded(res);
    if (req.method === 'DELETE' && session !== undefined)
      return void (calls.endSession(session), res.writeHead(200).end());
    const last = req.headers['last-event-id'];
    if (req.method === 'GET' && typeof last === 'string' && last !== '' && (await isLegacy(req)))
      return leg.get(req, res, last);
    await mcp(req, res);
  }

  /** Legacy SSE messages are read here too, so the size limit and its answer are the same. */
  async function postSse(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const read = await readMessage(req, res);
    if (read) await sse.post(req, res, url, read.message);
  }

  return {
    post,
    other,
    openSse: (req, res) => sse.open(req, res),
    postSse,
    async close() {
      stopFollowing();
      leg.close();
      await Promise.all([handler.close().catch(() => undefined), sse.close()]);
    },
  };
}

/**
 * The servers behind the endpoints, each made for its request's caller as the transport knows it
 * (callerOf; a 2026-era request's through the SDK's authInfo): a server per request from the
 * templates as last read, and one long-lived server per legacy SSE session.
 */
function servers(serving: Serving, catalog: Catalog, only: readonly string[] | undefined) {
  const factory = createServerFactory(serving, catalog, { ...(only && { only }) });
  const handler = createMcpHandler(
    (made) => bindCaller(factory(), (made.authInfo?.extra as { caller?: Caller } | undefined)?.caller),
    { onerror: (err) => log.debug(`http: ${err.message}`), maxRequestBodySize: MAX_MESSAGE_BYTES },
  );
  const mcp = toNodeHandler(handler, {
    maxRequestBodySize: MAX_MESSAGE_BYTES,
    onerror: (err) => log.error(`http: ${err.message}`),
  });
  const waiting = new Waiting(); // the clients waiting for an answer: while any does, a dropped call's grace is short
  const leg = legacyLeg((req) => bindCaller(factory(), callerOf(req)), {
    graceMs: serving.settings.http.resumeGraceSeconds * 1000,
    waiting,
  }); // 2025-era /mcp, its streams resumable (the handler's own fallback only answers GET and DELETE)
  const sseFactory = createServerFactory(serving, catalog, { live: true });
  // an SSE session (never at an engine claim's endpoint, which serves /mcp only) is one long-lived server
  const sse = legacySse((req) => bindCaller(sseFactory(), callerOf(req)));
  // 2026-era clients listening for changes hear when a template is added, edited or removed.
  const stopFollowing = serving.templates.onChange(() => handler.notify.promptsChanged());
  return { handler, mcp, leg, sse, waiting, stopFollowing };
}

/**
 * A message answered before the SDK sees it: nested too deep (its adapter would serialise it again,
 * recursively), or not served at an engine claim's endpoint (`only`).
 */
function answeredHere(message: unknown, res: ServerResponse, only: readonly string[] | undefined): boolean {
  const deep = tooDeepAnswer(message);
  if (deep === 'notification') {
    res.writeHead(202).end();
    return true;
  }
  const answer = (only && notServedAnswer(message, only)) || (deep && { id: deep.id, ...deep.answer });
  if (!answer) return false;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', ...answer }));
  return true;
}

/**
 * What this transport knows of a request's caller beyond the request (presenting/calling-agent.ts
 * Caller), kept on the request: the SDK's Node adapter passes `req.auth` on as the handler's
 * `authInfo`, so the 2026-era handler's factory reads it there; the 2025-era leg and the legacy SSE
 * sessions read it from the request they serve.
 */
export function setCaller(req: IncomingMessage, caller: Caller): void {
  (req as IncomingMessage & { auth?: AuthInfo }).auth = {
    token: '',
    clientId: caller.token ?? '',
    scopes: [],
    extra: { caller },
  };
}

function callerOf(req: IncomingMessage): Caller | undefined {
  return ((req as IncomingMessage & { auth?: AuthInfo }).auth?.extra as { caller?: Caller } | undefined)?.caller;
}
