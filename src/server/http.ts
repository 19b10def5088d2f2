/**
 * Serving MCP over HTTP: Streamable HTTP at /mcp (both protocol eras, stateless: the 2026 era from
 * the SDK's createMcpHandler, the 2025 era with resumable streams from http-legacy-leg.ts) and, for
 * older clients, HTTP+SSE at /sse + /messages. Locked down by default
 * (http-guard.ts): a foreign Host or Origin gets 403 (DNS rebinding), a missing or wrong bearer
 * token 401, a malformed request 4xx; a token shorter than 16 characters, one unset or two alike
 * (http-tokens.ts), or listening beyond loopback without one, is refused at start-up. A request
 * with a token of `http.tokens` is that token's agent (presenting/calling-agent.ts, bindCaller). Messages are
 * limited to 16 MiB, as over stdio.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, type AuthInfo } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { displayHost } from '../orchestrator/config/host.js';
import { log } from '../orchestrator/util/log.js';
import { shortened } from '../orchestrator/util/shorten.js';
import { createServerFactory, notServedAnswer } from './create-server.js';

/** How long an idle HTTP connection is kept open: longer than clients keep theirs. */
const IDLE_KEEP_ALIVE_MS = 65_000;
import { admit, answerClientError, isLoopback, reply, type HttpToken } from './http-guard.js';
import { acceptedTokens } from './http-tokens.js';
import { assignSession, CallRegistry, sessionOf } from './http-cancel.js';
import { isLegacy, legacyLeg } from './http-legacy-leg.js';
import { Waiting } from './resume-grace.js';
import { keepHeapSmall } from './lifecycle.js';
import type { Serving } from './serving.js';
import { MAX_MESSAGE_BYTES } from './limits.js';
import { legacySse, readMessage, sessionEnded } from './http-messages.js';
import { VERSION } from './version.js';
import { acceptPageToken, serveViewPage } from './views-http.js';
import { tooDeepAnswer } from '../tools/arg-bounds.js';
import { bindCaller, type Caller } from '../tools/agent.js';
import { SessionNames } from './session-names.js';

export interface HttpOptions {
  host: string;
  port: number;
  token?: string;
  /** Where the token came from (`--token`, `OLLM_HTTP_TOKEN`), for the start-up error. */
  tokenSource?: string;
  /** Where the variables of `http.tokens` are read (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** More named tokens (an engine claim's, for the other servers on this machine: shared/engine-claims.ts). */
  tokens?: HttpToken[];
  /** Served beside another transport of this process, which already read the templates and skills. */
  alongside?: boolean;
  /** A server already listening at host and port, to serve on (its earlier request listeners are replaced). */
  server?: Server;
  /** The only tools served, and no resource or prompt (an engine claim's endpoint: what relayed calls need). */
  only?: readonly string[];
  /** Answers a request before anything else when it is one it knows (an engine claim's proof: engine-claims.ts); true when it did. */
  challenge?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export class HttpStartError extends Error {
  override name = 'HttpStartError';
}

/** Where to listen and the tokens accepted, as checked (trimmed); refuses to start on a bad token or an open address without one. */
function listenOptions(serving: Serving, given: HttpOptions): { host: string; port: number; tokens: HttpToken[] } {
  const unnamed = given.token === undefined ? undefined : { value: given.token, source: given.tokenSource ?? 'The token' };
  const accepted = acceptedTokens(serving.settings.http.tokens, given.env ?? process.env, unnamed);
  if ('problem' in accepted) throw new HttpStartError(`Refusing to start: ${accepted.problem}`);
  const options = { host: given.host, port: given.port, tokens: [...accepted.tokens, ...(given.tokens ?? [])] }; // served as checked: trimmed
  if (!isLoopback(options.host) && options.tokens.length === 0) {
    throw new HttpStartError(
      `Refusing to listen on ${options.host} without a token: anyone who can reach this machine could use your models. Set OLLM_HTTP_TOKEN (or --token) — or a token per agent in http.tokens — and give clients "Authorization: Bearer <token>", or listen on 127.0.0.1.`,
    );
  }
  return options;
}

/** What the start-up line says of the tokens: whether one is required, and the agents named by theirs. */
function bearerNote(tokens: readonly HttpToken[]): string {
  const named = tokens.flatMap((t) => (t.agent === undefined ? [] : [t.agent]));
  if (tokens.length === 0) return '';
  return `, bearer token required${named.length ? ` (agents named by their token: ${named.join(', ')})` : ''}`;
}

export interface HttpServing {
  url: string;
  close(): Promise<void>;
}

/** `server` listening at the host and port asked for; the port it got (0 asks for any). */
async function listenOn(server: Server, options: { host: string; port: number }): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new HttpStartError(err.code === 'EADDRINUSE' ? `Port ${options.port} on ${options.host} is in use: pick another with --port.` : `Cannot listen on ${options.host}:${options.port}: ${err.message}`)),
    );
    server.listen(options.port, options.host, resolve);
  });
  return (server.address() as AddressInfo).port;
}

/**
 * `onRequest` served on the server given (already listening: an engine claim's endpoint,
 * engine-claims-setup.ts, taken over — its requests are these from now on) or on a new one
 * listening as asked; its URL, said in the log.
 */
async function open(serving: Serving, given: HttpOptions, options: { host: string; port: number; tokens: HttpToken[] }, onRequest: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server: Server = given.server ?? createServer();
  server.removeAllListeners('request');
  server.on('request', onRequest);
  server.on('clientError', answerClientError);
  // an idle connection outlives the client's own keep-alive (undici: 4 s): the client closes it first,
  // never the server under a request the client is sending on it ("other side closed")
  server.keepAliveTimeout = IDLE_KEEP_ALIVE_MS;
  const port = given.server ? (given.server.address() as AddressInfo).port : await listenOn(server, options);
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shown}:${port}/mcp`;
  log.info(given.alongside ? `the other ollm-mcp servers of this machine reach this one at ${url}, for the engines it plans` : `ollm-mcp ${VERSION} serving MCP at ${url} (legacy SSE at http://${shown}:${port}/sse)${bearerNote(options.tokens)}; Ollama at ${displayHost(serving.settings.ollama.host)}`);
  return { server, url };
}

export async function serveOverHttp(serving: Serving, given: HttpOptions): Promise<HttpServing> {
  const options = listenOptions(serving, given);
  keepHeapSmall();
  const catalog = await serving.catalog();
  if (!given.alongside) await serving.prepare();
  const only = given.only && { only: given.only };
  const factory = createServerFactory(serving, catalog, { ...only }); // a server per request, from the templates as last read
  // each made for its request's caller, as the transport knows it (callerOf): a 2026-era request's through the SDK's authInfo
  const handler = createMcpHandler((made) => bindCaller(factory(), (made.authInfo?.extra as { caller?: Caller } | undefined)?.caller), { onerror: (err) => log.debug(`http: ${err.message}`), maxRequestBodySize: MAX_MESSAGE_BYTES });
  const mcp = toNodeHandler(handler, { maxRequestBodySize: MAX_MESSAGE_BYTES, onerror: (err) => log.error(`http: ${err.message}`) });
  const waiting = new Waiting(); // the clients waiting for an answer: while any does, a dropped call's grace is short
  const leg = legacyLeg((req) => bindCaller(factory(), callerOf(req)), { graceMs: serving.settings.http.resumeGraceSeconds * 1000, waiting }); // 2025-era /mcp, its streams resumable (the handler's own fallback only answers GET and DELETE)
  const sseFactory = createServerFactory(serving, catalog, { live: true });
  const sse = legacySse((req) => bindCaller(sseFactory(), callerOf(req))); // an SSE session (never at an engine claim's endpoint, which serves /mcp only) is one long-lived server
  // 2026-era clients listening for changes hear when a template is added, edited or removed.
  const stopFollowing = serving.templates.onChange(() => handler.notify.promptsChanged());
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
    const deep = tooDeepAnswer(read.message); // the SDK's adapter would serialise it again, recursively: answered here
    if (deep === 'notification') return void res.writeHead(202).end();
    const closed = given.only && notServedAnswer(read.message, given.only);
    if (closed) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', ...closed }));
    if (deep) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: deep.id, ...deep.answer }));
    waiting.attend(read.message, res);
    const stop = new AbortController();
    const untrack = calls.track(read.message, session, () => {
      res.destroy();
      stop.abort();
    });
    const serve = async () => ((await isLegacy(req, read.message)) ? leg.post(req, res, read.message, stop.signal) : mcp(req, res, read.message));
    const name = names.of(session);
    if (name !== undefined) setCaller(req, { ...callerOf(req), session: name }); // the session's agent, for a server that never saw its initialize
    const relayed = given.alongside ? serving.relayed : undefined; // another server's calls keep a daemon from leaving (daemon.ts)
    if (relayed) relayed.inFlight++;
    try {
      await serve();
    } finally {
      untrack();
      if (relayed) (relayed.inFlight--, (relayed.lastAt = Date.now()));
    }
  }

  /**
   * A 2025-era GET with `Last-Event-ID` resumes a stream; a DELETE with a session id ends the
   * session, its calls cancelled; any other GET or DELETE is the handler's (405 for the 2025 era).
   */
  async function other(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = sessionOf(req);
    if (calls.isEnded(session)) return sessionEnded(res);
    if (req.method === 'DELETE' && session !== undefined) return void (calls.endSession(session), res.writeHead(200).end());
    const last = req.headers['last-event-id'];
    if (req.method === 'GET' && typeof last === 'string' && last !== '' && (await isLegacy(req))) return leg.get(req, res, last);
    await mcp(req, res);
  }

  /** Legacy SSE messages are read here too, so the size limit and its answer are the same. */
  async function postLegacy(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const read = await readMessage(req, res);
    if (read) await sse.post(req, res, url, read.message);
  }

  const { server, url } = await open(serving, given, options, (req, res) => {
    if (given.challenge?.(req, res)) return;
    acceptPageToken(req);
    const admitted = admit(options, req, res);
    if (!admitted) return;
    const url = new URL(`http://localhost${req.url ?? '/'}`); // admitted: the target is a path
    const path = url.pathname;
    const route = `${req.method} ${path}`;
    // a request with a named token is served as that agent, whatever its client says
    if (admitted.agent !== undefined) setCaller(req, { token: admitted.agent, ...(given.only && { claim: true }) });
    const done = (p: () => Promise<void>) =>
      p().catch((err: unknown) => {
        log.error(`http ${route}: ${(err as Error).message}`);
        if (!res.headersSent) reply(res, 500, 'Internal error; see the server log.');
      });
    if (path === '/mcp' || path === '/mcp/') return void done(() => (req.method === 'POST' ? post(req, res) : other(req, res)));
    if (given.only) return reply(res, 404, `Nothing at ${shortened(path)}: an engine claim's endpoint serves /mcp only.`);
    if (route === 'GET /sse') return void done(() => sse.open(req, res));
    if (route === 'POST /messages') return void done(() => postLegacy(req, res, url));
    if (serveViewPage(req, res, url)) return;
    reply(res, 404, `Nothing at ${shortened(path)}: MCP is served at /mcp (Streamable HTTP) and /sse (legacy SSE).`);
  });
  return {
    url,
    async close() {
      stopFollowing();
      leg.close();
      server.close();
      server.closeAllConnections();
      await Promise.all([handler.close().catch(() => undefined), sse.close()]);
    },
  };
}

/**
 * What this transport knows of a request's caller beyond the request (presenting/calling-agent.ts
 * Caller), kept on the request: the SDK's Node adapter passes `req.auth` on as the handler's
 * `authInfo`, so the 2026-era handler's factory reads it there; the 2025-era leg and the legacy SSE
 * sessions read it from the request they serve.
 */
function setCaller(req: IncomingMessage, caller: Caller): void {
  (req as IncomingMessage & { auth?: AuthInfo }).auth = { token: '', clientId: caller.token ?? '', scopes: [], extra: { caller } };
}

function callerOf(req: IncomingMessage): Caller | undefined {
  return ((req as IncomingMessage & { auth?: AuthInfo }).auth?.extra as { caller?: Caller } | undefined)?.caller;
}
