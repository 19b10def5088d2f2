/**
 * What http.ts serves beside the Streamable HTTP handler: a POSTed message read whole and bounded
 * (16 MiB, as over stdio), a request of a session its client ended, and the legacy HTTP+SSE
 * sessions (protocol 2024-11-05), whose transport is loaded only when a client opens one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/server';
import { reply } from './http-guard.js';
import { fillingOf, MAX_MESSAGE_BYTES, TOO_LARGE_CODE, tooLargeMessage, type Filling } from './limits.js';

/** Legacy HTTP+SSE (protocol 2024-11-05): one server per /sse stream, messages POSTed to /messages?sessionId=…. */
export function legacySse(factory: (req: IncomingMessage) => McpServer) {
  const sessions = new Map<
    string,
    {
      close(): Promise<void>;
      handlePostMessage(req: IncomingMessage, res: ServerResponse, parsedBody?: unknown): Promise<void>;
    }
  >();
  return {
    async open(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const { SSEServerTransport } = await import('@modelcontextprotocol/server-legacy/sse');
      const transport = new SSEServerTransport('/messages', res);
      sessions.set(transport.sessionId, transport);
      transport.onclose = () => sessions.delete(transport.sessionId);
      // The legacy transport speaks the SDK's transport interface, versioned apart from the server's.
      await factory(req).connect(transport as never);
    },
    async post(req: IncomingMessage, res: ServerResponse, url: URL, message: unknown): Promise<void> {
      const session = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!session) return reply(res, 404, 'No SSE session with that sessionId: open GET /sse first.');
      await session.handlePostMessage(req, res, message);
    },
    async close(): Promise<void> {
      await Promise.all([...sessions.values()].map((s) => s.close().catch(() => undefined)));
    },
  };
}

/** The body, or 'too-large' past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | { tooLarge: Filling }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve({ tooLarge: fillingOf(c) });
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A POSTed JSON-RPC message, read whole; undefined when it was too large or not JSON (and so answered). */
export async function readMessage(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<{ message: unknown } | undefined> {
  const body = await readBody(req, MAX_MESSAGE_BYTES);
  if (!Buffer.isBuffer(body)) {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(
      JSON.stringify({
        jsonrpc: '2.0',
        error: { code: TOO_LARGE_CODE, message: tooLargeMessage(undefined, body.tooLarge) },
        id: null,
      }),
    );
    return undefined;
  }
  try {
    return { message: JSON.parse(body.toString('utf8')) };
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        jsonrpc: '2.0',
        error: { code: -32700, message: 'Parse error: the body is not JSON.' },
        id: null,
      }),
    );
    return undefined;
  }
}

/** A request of a session its client ended (DELETE): 404, so the client starts a new one, as the protocol asks. */
export function sessionEnded(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      jsonrpc: '2.0',
      error: { code: -32001, message: 'Session not found: its client ended it (DELETE). Initialize a new session.' },
      id: null,
    }),
  );
}
