/**
 * Who may talk to the HTTP server, and a clear 4xx for every request it will not serve: a
 * request target that is not a path, a missing, repeated or malformed Host, a Host or browser
 * Origin that is not this server (DNS rebinding), a missing or wrong bearer token, and requests
 * Node's parser rejects (oversized headers get 431, anything unparseable 400) — never a reset.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { quoted } from '../orchestrator/util/shorten.js';

/** The shortest bearer token accepted: 16 characters (e.g. `openssl rand -hex 16` gives 32). */
const MIN_TOKEN_LENGTH = 16;

/** A bearer token the server accepts (checked at start-up: http-tokens.ts). */
export interface HttpToken {
  /** The token, trimmed. */
  value: string;
  /** Where it comes from (`--token`, `OLLM_HTTP_TOKEN`, `http.tokens.NAME (VAR)`), for messages: never the value. */
  source: string;
  /** The agent its requests are (`http.tokens.NAME`); none: the client names itself. */
  agent?: string;
}

export interface GuardOptions {
  /** The address the server listens on. */
  host: string;
  /** The tokens accepted; none (or an empty list): no token is asked for. */
  tokens?: readonly HttpToken[];
}

/** What an admitted request is known by. */
export interface HttpAdmission {
  /** The agent its bearer token stands for (`http.tokens`), else undefined: its client names itself. */
  agent: string | undefined;
}

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']); // and 127/8, below
const LOOPBACK_V4 = /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || LOOPBACK_V4.test(h);
}

/**
 * Why `token` cannot protect the server, or undefined when it can; `source` names where it came
 * from. It is judged trimmed (as it is served: a client's header value is read trimmed), so one of
 * spaces only is refused like a short one, never taken for no token.
 */
export function tokenProblem(token: string, source: string): string | undefined {
  const length = token.trim().length;
  if (length >= MIN_TOKEN_LENGTH) return undefined;
  const what =
    length === 0
      ? `empty${token.length > 0 ? ' (only spaces)' : ''}`
      : `${length} character${length === 1 ? '' : 's'} long`;
  return (
    `${source} is ${what}; a bearer token needs at least ${MIN_TOKEN_LENGTH} characters so it ` +
    `cannot be guessed — make one with \`openssl rand -hex 16\`.`
  );
}

/** A Host header value as RFC 9110 allows it: a name or IPv4 address, or an [IPv6] literal, and an optional port. */
const HOST_FORM = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/;

/** The lower-cased host name of a Host value (brackets kept for IPv6), or undefined when malformed. */
export function hostName(value: string): string | undefined {
  const m = HOST_FORM.exec(value);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return undefined;
  return m[1]!.toLowerCase();
}

/** The host name of an Origin header (`scheme://host[:port]`), or undefined when malformed. */
function originName(value: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)$/.exec(value);
  return m ? hostName(m[1]!) : undefined;
}

export function reply(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function hostCount(req: IncomingMessage): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') n++;
  return n;
}

/** Whether the request target is a path (origin-form), not a URL, `*` or `//authority…`. */
function targetIsPath(req: IncomingMessage): boolean {
  const target = req.url ?? '';
  return target.startsWith('/') && !target.startsWith('//');
}

/** The bearer token a request carries (`Authorization: Bearer <token>`), or ''. */
export function bearerToken(req: IncomingMessage): string {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The token `sent` is, or undefined. Compared in constant time with every token, however many and
 * whichever matches: their digests, all of one length, so neither a token's length nor its place
 * in the list shows in the time taken.
 */
export function matchToken(sent: string, tokens: readonly HttpToken[]): HttpToken | undefined {
  const mine = digest(sent);
  let found: HttpToken | undefined;
  for (const t of tokens) if (timingSafeEqual(mine, digest(t.value))) found = t;
  return found;
}

/**
 * Whether the request may be served, and as whom; when not (false), it has been answered. On loopback, Host must name
 * this machine the loopback way and a browser Origin must be a loopback page; bound wider (always
 * with a token), Host may be any name the machine is reached by, and a browser Origin must match it.
 */
export function admit(options: GuardOptions, req: IncomingMessage, res: ServerResponse): HttpAdmission | false {
  if (!targetIsPath(req)) {
    reply(
      res,
      400,
      `Bad Request: the request target must be a path such as /mcp, not ${quoted(req.url ?? '')} ` +
        `(this server is not a proxy).`,
    );
    return false;
  }
  const count = hostCount(req);
  if (count !== 1) {
    reply(
      res,
      400,
      count === 0
        ? 'Bad Request: the request has no Host header.'
        : 'Bad Request: the request has more than one Host header.',
    );
    return false;
  }
  const given = req.headers.host ?? '';
  const host = hostName(given);
  if (host === undefined) {
    reply(res, 400, `Bad Request: the Host header ${quoted(given)} is not a host name with an optional port.`);
    return false;
  }
  const local = isLoopback(options.host);
  if (local && !isLoopback(host)) {
    reply(res, 403, `Forbidden: Host ${quoted(given)} is not this server (only localhost names are accepted).`);
    return false;
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const from = originName(origin);
    if (!from || (local ? !isLoopback(from) : from !== host)) {
      reply(res, 403, `Forbidden: requests from the web page at ${quoted(origin)} are not accepted.`);
      return false;
    }
  }
  if (options.tokens?.length) {
    const sent = bearerToken(req);
    const token = matchToken(sent, options.tokens);
    if (!token) {
      const path = (req.url ?? '/').split('?')[0];
      // a browser cannot send the header: the pages take the token in their address instead
      const page = req.method === 'GET' && (path === '/' || path === '/status' || path === '/compare');
      const how = page
        ? `open ${path}?token=<token> (the token the server was started with)`
        : 'send "Authorization: Bearer <token>" (the server was started with a token)';
      reply(res, 401, sent ? `Unauthorized: the token is wrong — ${how}.` : `Unauthorized: ${how}.`, {
        'www-authenticate': 'Bearer realm="ollm-mcp"',
      });
      return false;
    }
    return { agent: token.agent };
  }
  return { agent: undefined };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};
const answered = new WeakSet<Duplex>();

/**
 * For the HTTP server's `clientError`: what Node's parser refused gets a status and a reason, then
 * the connection is closed gracefully — what the client still sends is read and dropped for a
 * moment, so it sees the answer rather than a reset.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const sent = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
  if (!socket.writable || sent > 0 || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request line and headers are over the size limit (16 KB); send smaller headers.']
      : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
        ? [413, 'the chunk extensions are too large.']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'the request took too long to arrive.']
          : [400, `the request is not valid HTTP/1.1 (${err.code ?? 'unreadable'}).`];
  const body = JSON.stringify({
    jsonrpc: '2.0',
    error: { code: -32000, message: `${REASONS[status]}: ${message}` },
    id: null,
  });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json\r\nContent-Length: ` +
      `${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.resume();
  setTimeout(() => socket.destroy(), 2000).unref();
}
