/**
 * The transport under the official `ollama` client: a `fetch` over node:http with one keep-alive
 * agent. Node's built-in fetch (undici) costs 20–40 MB of RSS after a hundred calls and kills any
 * request whose headers take over 300 s; node:http does neither. It implements exactly what the
 * client uses: method, headers, a string body, an AbortSignal; and on the answer `ok`, `status`,
 * `statusText`, `headers.get`, `json()`, `text()` and a web `body` stream for NDJSON — and, for
 * this process's own reading on a call's path, `reader()`: the same bytes without a web stream
 * around them (one costs ~0.1 ms of a call's CPU).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import { SPEAKS_TLS } from './address-trouble.js';
import { errorCode } from '../util/error-code.js';

/** What a body is read through: a web stream's reader, or a node:http answer's (`reader()`). */
export interface ChunkReader {
  read(): Promise<{ done: true; value?: Uint8Array | undefined } | { done: false; value: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/** The most a whole answer read with text() or json() may hold. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface MinimalResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array>;
  /** The body's bytes as they come; read either this or `body`, once. */
  reader(): ChunkReader;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/**
 * An answer's body as a reader: this fetch's own (`reader()`, no web stream around it), or any
 * other fetch's web stream (a test's); null without a body. Read it once.
 */
export function bodyReader(res: {
  body: ReadableStream<Uint8Array> | null;
  reader?: () => ChunkReader;
}): ChunkReader | null {
  if (res.reader) return res.reader();
  return res.body ? res.body.getReader() : null;
}

/**
 * An answer's bytes through Node's own iterator; cancelling it destroys the answer (as cancelling its web
 * stream does).
 */
function nodeReader(res: IncomingMessage): ChunkReader {
  const it = res[Symbol.asyncIterator]() as AsyncIterator<Uint8Array, undefined>;
  return {
    read: () => it.next() as ReturnType<ChunkReader['read']>,
    cancel: async () => {
      await it.return?.();
    },
  };
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('This operation was aborted');
  err.name = 'AbortError';
  return err;
}

export const httpFetch = ((input: string | URL, init: RequestInit = {}): Promise<MinimalResponse> => {
  const url = new URL(String(input));
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const body = typeof init.body === 'string' ? Buffer.from(init.body) : undefined;
  // The client always passes headers as a plain object.
  const headers = { ...(init.headers as Record<string, string> | undefined) };
  if (body) headers['content-length'] = String(body.length);

  return new Promise((resolve, reject) => {
    const send = (fresh: boolean) => {
      // fresh: a connection of its own (agent false), never one from the pool
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: init.method ?? 'GET',
        headers,
        agent: fresh ? false : agent,
      });
      const onAbort = () => {
        // the answer may be whole already (its last chunk being read as this abort came): the client lets go of the
        // socket's error listener once it is, and the error this destroy gives the socket — emitted a tick later —
        // would be uncaught: it is heard here (this destroy destroys that socket: it is never used again)
        request.socket?.once('error', () => undefined);
        request.destroy(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        const code = errorCode(err) ?? '';
        // a kept-alive connection the engine had closed as this request went out, before any answer: the
        // request never reached it; sent once more on a connection of its own. A llama-server router closes
        // the connection after every answer it relays from a model's server while saying "keep-alive"
        if (request.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) return send(true);
        // a fresh plain-HTTP connection closed or answered in something not HTTP: is it a TLS server?
        // (address-trouble.ts)
        if (
          url.protocol === 'http:' &&
          !request.reusedSocket &&
          !signal?.aborted &&
          (code === 'ECONNRESET' || code.startsWith('HPE_'))
        ) {
          void handshakes(url, signal).then((yes) => reject(yes ? Object.assign(err, { [SPEAKS_TLS]: true }) : err));
          return;
        }
        reject(err);
      });
      // an answer's own troubles (broken off after its headers) come on it, never here: never sent twice
      request.on('response', (res) => answer(res, onAbort));
      request.end(body);
    };
    const answer = (res: IncomingMessage, onAbort: () => void) => {
      // its readers hear its errors themselves; one that comes after a reader let go (a generation stopped
      // by its caller: the abort destroys the request, the reader is cancelled, the error follows a tick
      // later) is heard here, never an uncaught exception of the process
      res.on('error', () => undefined);
      const done = () => signal?.removeEventListener('abort', onAbort);
      res.once('end', done);
      res.once('close', done);
      const status = res.statusCode ?? 0;
      // callers bound their reads themselves (ollama-fetch.ts, openai-http.ts); this is the last guard
      const readAll = async () => {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res) {
          chunks.push(chunk as Buffer);
          size += (chunk as Buffer).length;
          if (size > MAX_BODY_BYTES) {
            res.destroy();
            throw new Error(
              `the answer of ${url.host} is larger than ${MAX_BODY_BYTES >> 20} MiB, so it was not read further`,
            );
          }
        }
        return Buffer.concat(chunks).toString('utf8');
      };
      resolve({
        ok: status >= 200 && status < 300,
        status,
        statusText: res.statusMessage ?? '',
        headers: {
          get: (name) => {
            const v = res.headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
        },
        get body() {
          return Readable.toWeb(res) as ReadableStream<Uint8Array>;
        },
        reader: () => nodeReader(res),
        text: readAll,
        json: async () => JSON.parse(await readAll()) as unknown,
      });
    };
    send(false);
  });
}) as unknown as typeof fetch; // the `ollama` client calls it as fetch; see MinimalResponse for what it relies on

/** How long a TLS probe may take: it runs only after a plain-HTTP request failed on a fresh connection. */
const PROBE_MS = 2000;

/** Whether a TLS handshake with the URL's host and port succeeds (any certificate: only the protocol is asked). */
function handshakes(url: URL, signal: AbortSignal | undefined): Promise<boolean> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port: Number(url.port || 80),
      rejectUnauthorized: false,
      ...(isIP(host) === 0 && { servername: host }),
    });
    const done = (yes: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(yes);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(false), PROBE_MS);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
