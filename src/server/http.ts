/**
 * Serving MCP over HTTP: Streamable HTTP at /mcp (both protocol eras, stateless, from the SDK's
 * createMcpHandler) and, for older clients, HTTP+SSE at /sse + /messages. Locked down by default:
 * a foreign Host or Origin gets 403 (DNS rebinding), a missing or wrong bearer token 401, and
 * listening beyond loopback without a token is refused at start-up.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, type McpServer } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { Orchestrator } from '../orchestrator/index.js';
import { log } from '../orchestrator/log.js';
import { createServerFactory } from './create-server.js';
import { keepHeapSmall, prepare } from './lifecycle.js';
import { VERSION } from './version.js';

/** The largest request body accepted (a prompt with a few images fits comfortably). */
export const MAX_BODY_BYTES = 16 * 2 ** 20;

export interface HttpOptions {
  host: string;
  port: number;
  token?: string;
}

export class HttpStartError extends Error {
  override name = 'HttpStartError';
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The hostname of a Host header or an Origin URL, lower-cased, without port; undefined when unreadable. */
function hostnameOf(value: string, isOrigin: boolean): string | undefined {
  try {
    return new URL(isOrigin ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/**
 * Who may talk to the server. On loopback, Host must name this machine the loopback way and a
 * browser Origin must be a loopback page; bound wider (always with a token), Host may be any name
 * the machine is reached by, and a browser Origin must match it.
 */
function guard(options: HttpOptions, req: IncomingMessage, res: ServerResponse): boolean {
  const host = hostnameOf(req.headers.host ?? '', false);
  const local = isLoopback(options.host);
  if (!host || (local && !LOOPBACK_NAMES.has(host) && !/^127(\.\d{1,3}){3}$/.test(host))) {
    reply(res, 403, `Forbidden: Host "${req.headers.host ?? ''}" is not this server (only localhost names are accepted).`);
    return false;
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const from = hostnameOf(origin, true);
    if (!from || (local ? !LOOPBACK_NAMES.has(from) && !/^127(\.\d{1,3}){3}$/.test(from) : from !== host)) {
      reply(res, 403, `Forbidden: requests from the web page at ${origin} are not accepted.`);
      return false;
    }
  }
  if (options.token !== undefined) {
    const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(options.token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      reply(res, 401, given ? 'Unauthorized: the bearer token is wrong.' : 'Unauthorized: send "Authorization: Bearer <token>" (the server was started with a token).', {
        'www-authenticate': 'Bearer realm="ollm-mcp"',
      });
      return false;
    }
  }
  return true;
}

/** Legacy HTTP+SSE (protocol 2024-11-05): one server per /sse stream, messages POSTed to /messages?sessionId=…. */
function legacySse(factory: () => McpServer) {
  const sessions = new Map<string, { close(): Promise<void>; handlePostMessage(req: IncomingMessage, res: ServerResponse): Promise<void> }>();
  return {
    async open(res: ServerResponse): Promise<void> {
      const { SSEServerTransport } = await import('@modelcontextprotocol/server-legacy/sse');
      const transport = new SSEServerTransport('/messages', res);
      sessions.set(transport.sessionId, transport);
      transport.onclose = () => sessions.delete(transport.sessionId);
      // The legacy transport speaks the SDK's transport interface, versioned apart from the server's.
      await factory().connect(transport as never);
    },
    async post(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      const session = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!session) return reply(res, 404, 'No SSE session with that sessionId: open GET /sse first.');
      await session.handlePostMessage(req, res);
    },
    async close(): Promise<void> {
      await Promise.all([...sessions.values()].map((s) => s.close().catch(() => undefined)));
    },
  };
}

/** The body, or 'too-large' past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** As near as stateless HTTP gets to "the same client": its token and user agent. */
function callerOf(req: IncomingMessage): string {
  return `${req.headers.authorization ?? ''}\n${req.headers['user-agent'] ?? ''}`;
}

type JsonRpc = { id?: unknown; method?: unknown; params?: { requestId?: unknown } };

/**
 * Requests being answered, so a `notifications/cancelled` (the 2025-era way to cancel, sent as a
 * separate POST) can stop the one it names: its response is closed, which tears down the
 * per-request server and aborts the tool (and its Ollama stream). Only an unambiguous match is
 * cancelled. 2026-era clients cancel by closing the request's own stream, which needs no help.
 */
class CallRegistry {
  private readonly inFlight = new Map<string, Set<ServerResponse>>();

  track(message: unknown, who: string, res: ServerResponse): () => void {
    const m = message as JsonRpc;
    if (typeof m?.method !== 'string' || (typeof m.id !== 'string' && typeof m.id !== 'number')) return () => {};
    const key = `${who}\n${String(m.id)}`;
    const set = this.inFlight.get(key) ?? new Set();
    set.add(res);
    this.inFlight.set(key, set);
    return () => {
      set.delete(res);
      if (set.size === 0) this.inFlight.delete(key);
    };
  }

  cancelIfAsked(message: unknown, who: string): void {
    const m = message as JsonRpc;
    if (m?.method !== 'notifications/cancelled') return;
    const id = m.params?.requestId;
    const set = this.inFlight.get(`${who}\n${String(id)}`);
    if (set?.size === 1) {
      log.debug(`http: request ${String(id)} cancelled by the client`);
      for (const res of set) res.destroy();
    }
  }
}

export interface HttpServing {
  url: string;
  close(): Promise<void>;
}

export async function serveOverHttp(orch: Orchestrator, options: HttpOptions): Promise<HttpServing> {
  if (!isLoopback(options.host) && !options.token) {
    throw new HttpStartError(
      `Refusing to listen on ${options.host} without a token: anyone who can reach this machine could use your models. Set OLLM_HTTP_TOKEN (or --token) and give clients "Authorization: Bearer <token>", or listen on 127.0.0.1.`,
    );
  }
  keepHeapSmall();
  await prepare(orch);
  const factory = createServerFactory(orch); // a server per request, from the templates as last read
  const handler = createMcpHandler(factory, { onerror: (err) => log.debug(`http: ${err.message}`), maxRequestBodySize: MAX_BODY_BYTES });
  const mcp = toNodeHandler(handler, { maxRequestBodySize: MAX_BODY_BYTES, onerror: (err) => log.error(`http: ${err.message}`) });
  const sse = legacySse(createServerFactory(orch, { live: true })); // an SSE session is one long-lived server
  // 2026-era clients listening for changes hear when a template is added, edited or removed.
  const stopFollowing = orch.templates.onChange(() => handler.notify.promptsChanged());
  const calls = new CallRegistry();

  /** A POST read here (to see cancellations, which stateless 2025-era serving cannot route), then served. */
  async function post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === 'too-large') return reply(res, 413, `Request body over ${MAX_BODY_BYTES / 2 ** 20} MiB.`, { connection: 'close' });
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not JSON.' }, id: null }));
    }
    const who = callerOf(req);
    calls.cancelIfAsked(message, who);
    const untrack = calls.track(message, who, res);
    try {
      await mcp(req, res, message);
    } finally {
      untrack();
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!guard(options, req, res)) return;
    const route = `${req.method} ${url.pathname}`;
    const done = (p: Promise<void> | void) =>
      Promise.resolve(p).catch((err: unknown) => {
        log.error(`http ${route}: ${(err as Error).message}`);
        if (!res.headersSent) reply(res, 500, 'Internal error; see the server log.');
      });
    if (url.pathname === '/mcp' || url.pathname === '/mcp/') return void done(req.method === 'POST' ? post(req, res) : mcp(req, res));
    if (route === 'GET /sse') return void done(sse.open(res));
    if (route === 'POST /messages') return void done(sse.post(req, res, url));
    reply(res, 404, `Nothing at ${url.pathname}: MCP is served at /mcp (Streamable HTTP) and /sse (legacy SSE).`);
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new HttpStartError(err.code === 'EADDRINUSE' ? `Port ${options.port} on ${options.host} is in use: pick another with --port.` : `Cannot listen on ${options.host}:${options.port}: ${err.message}`)),
    );
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shown}:${port}/mcp`;
  log.info(`ollm-mcp ${VERSION} serving MCP at ${url} (legacy SSE at http://${shown}:${port}/sse)${options.token ? ', bearer token required' : ''}; Ollama at ${orch.host}`);
  return {
    url,
    async close() {
      stopFollowing();
      server.close();
      server.closeAllConnections();
      await Promise.all([handler.close().catch(() => undefined), sse.close()]);
    },
  };
}
