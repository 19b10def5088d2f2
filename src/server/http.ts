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
import { displayHost } from '../orchestrator/config/host.js';
import { log } from '../orchestrator/util/log.js';
import { shortened } from '../orchestrator/util/shorten.js';

/** How long an idle HTTP connection is kept open: longer than clients keep theirs. */
const IDLE_KEEP_ALIVE_MS = 65_000;
import { admit, answerClientError, isLoopback, reply, type HttpToken } from './http-guard.js';
import { acceptedTokens } from './http-tokens.js';
import { keepHeapSmall } from './lifecycle.js';
import type { Serving } from './serving.js';
import { VERSION } from './version.js';
import { acceptPageToken, serveViewPage } from './views-http.js';
import { mcpEndpoints, setCaller, type McpEndpoints } from './http-mcp.js';

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
  /**
   * Answers a request before anything else when it is one it knows (an engine claim's proof:
   * engine-claims.ts); true when it did.
   */
  challenge?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export class HttpStartError extends Error {
  override name = 'HttpStartError';
}

/**
 * Where to listen and the tokens accepted, as checked (trimmed); refuses to start on a bad token or an open
 * address without one.
 */
function listenOptions(serving: Serving, given: HttpOptions): { host: string; port: number; tokens: HttpToken[] } {
  const unnamed =
    given.token === undefined ? undefined : { value: given.token, source: given.tokenSource ?? 'The token' };
  const accepted = acceptedTokens(serving.settings.http.tokens, given.env ?? process.env, unnamed);
  if ('problem' in accepted) throw new HttpStartError(`Refusing to start: ${accepted.problem}`);
  // served as checked: trimmed
  const options = { host: given.host, port: given.port, tokens: [...accepted.tokens, ...(given.tokens ?? [])] };
  if (!isLoopback(options.host) && options.tokens.length === 0) {
    throw new HttpStartError(
      `Refusing to listen on ${options.host} without a token: anyone who can reach this machine ` +
        `could use your models. Set OLLM_HTTP_TOKEN (or --token) — or a token per agent in ` +
        `http.tokens — and give clients "Authorization: Bearer <token>", or listen on 127.0.0.1.`,
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
      reject(
        new HttpStartError(
          err.code === 'EADDRINUSE'
            ? `Port ${options.port} on ${options.host} is in use: pick another with --port.`
            : `Cannot listen on ${options.host}:${options.port}: ${err.message}`,
        ),
      ),
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
async function open(
  serving: Serving,
  given: HttpOptions,
  options: { host: string; port: number; tokens: HttpToken[] },
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
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
  log.info(
    given.alongside
      ? `the other ollm-mcp servers of this machine reach this one at ${url}, for the engines it plans`
      : `ollm-mcp ${VERSION} serving MCP at ${url} (legacy SSE at ` +
          `http://${shown}:${port}/sse)${bearerNote(options.tokens)}; Ollama at ` +
          `${displayHost(serving.settings.ollama.host)}`,
  );
  return { server, url };
}

export async function serveOverHttp(serving: Serving, given: HttpOptions): Promise<HttpServing> {
  const options = listenOptions(serving, given);
  keepHeapSmall();
  const catalog = await serving.catalog();
  if (!given.alongside) await serving.prepare();
  const mcp = mcpEndpoints(serving, catalog, given);
  const { server, url } = await open(serving, given, options, requestListener(given, options, mcp));
  return {
    url,
    async close() {
      server.close();
      server.closeAllConnections();
      await mcp.close();
    },
  };
}

/**
 * Each request, once admitted (its token, its origin): MCP at /mcp, the legacy SSE session's two paths, the
 * views' pages; else 404.
 */
function requestListener(
  given: HttpOptions,
  options: ReturnType<typeof listenOptions>,
  mcp: McpEndpoints,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
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
    if (path === '/mcp' || path === '/mcp/')
      return void done(() => (req.method === 'POST' ? mcp.post(req, res) : mcp.other(req, res)));
    if (given.only)
      return reply(res, 404, `Nothing at ${shortened(path)}: an engine claim's endpoint serves /mcp only.`);
    if (route === 'GET /sse') return void done(() => mcp.openSse(req, res));
    if (route === 'POST /messages') return void done(() => mcp.postSse(req, res, url));
    if (serveViewPage(req, res, url)) return;
    reply(res, 404, `Nothing at ${shortened(path)}: MCP is served at /mcp (Streamable HTTP) and /sse (legacy SSE).`);
  };
}
