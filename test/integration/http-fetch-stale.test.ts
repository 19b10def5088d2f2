// The engines' transport (engines/http-fetch.ts) and kept-alive connections an engine closes as a
// request goes out: a llama-server router closes the connection after every answer it relays
// from a model's server while saying "keep-alive" (seen on the real router: the request after a
// /props?model=… or a chat reset). Such a request never reached the engine: it is sent once more
// on a connection of its own. Anything else — a fresh connection reset, an answer broken off, a
// cancel — is not sent again.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpFetch } from '../../src/orchestrator/engines/http-fetch.js';

interface Seen {
  /** Request lines, in the order they arrived, with the connection they came on. */
  requests: Array<{ line: string; conn: number }>;
  conns: number;
}

type Behaviour = (ctx: {
  conn: number;
  index: number;
  socket: net.Socket;
  line: string;
}) => 'answer' | 'reset' | 'headers-then-reset';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/**
 * A raw HTTP/1.1 server: each request is answered (keep-alive, as the router says), reset unanswered, or
 * reset after its headers.
 */
async function rawServer(behave: Behaviour): Promise<{ url: string; seen: Seen; sockets: Set<net.Socket> }> {
  const seen: Seen = { requests: [], conns: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const conn = ++seen.conns;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    let index = 0;
    socket.on('data', (d) => {
      // the transport's TLS probe after a fresh reset: not TLS here
      if (buf === '' && d[0] === 0x16) return void socket.resetAndDestroy();
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end !== -1; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.slice(end + 4 + length);
        const line = head.split('\r\n')[0]!;
        seen.requests.push({ line, conn });
        const what = behave({ conn, index: index++, socket, line });
        if (what === 'reset') return void socket.resetAndDestroy();
        if (what === 'headers-then-reset') {
          socket.write(
            'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\nKeep-Alive: ' +
              'timeout=5, max=100\r\n\r\n{"par',
          );
          setTimeout(() => socket.resetAndDestroy(), 20);
          return;
        }
        const body = JSON.stringify({ conn, line });
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ` +
            `${body.length}\r\nKeep-Alive: timeout=5, max=100\r\n\r\n${body}`,
        );
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen, sockets };
}

describe('a kept-alive connection the engine closed', () => {
  it('a request that meets it is sent once more on a connection of its own and answered', async () => {
    // the first connection answers its first request, then resets the next one unanswered (the router's
    // closed connection)
    const s = await rawServer(({ conn, index }) => (conn === 1 && index === 1 ? 'reset' : 'answer'));
    const first = await httpFetch(`${s.url}/props?model=a`);
    expect(await first.json()).toMatchObject({ conn: 1 });
    const second = await httpFetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":"a"}',
    });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ conn: 2, line: 'POST /v1/chat/completions HTTP/1.1' });
    // the request reached the engine once on the closed connection (unanswered) and once on the new one
    expect(s.seen.requests).toEqual([
      { line: 'GET /props?model=a HTTP/1.1', conn: 1 },
      { line: 'POST /v1/chat/completions HTTP/1.1', conn: 1 },
      { line: 'POST /v1/chat/completions HTTP/1.1', conn: 2 },
    ]);
  });

  it("a fresh connection reset is the caller's error, sent no second time", async () => {
    const s = await rawServer(() => 'reset');
    await expect(httpFetch(`${s.url}/v1/models`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(s.seen.requests.map((r) => r.line)).toEqual(['GET /v1/models HTTP/1.1']);
  });

  it('an answer broken off after its headers is not sent again', async () => {
    const s = await rawServer(({ index }) => (index === 0 ? 'answer' : 'headers-then-reset'));
    await (await httpFetch(`${s.url}/a`)).text();
    const res = await httpFetch(`${s.url}/b`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(s.seen.requests.map((r) => r.line)).toEqual(['GET /a HTTP/1.1', 'GET /b HTTP/1.1']);
  });

  it('a cancelled request is not sent again', async () => {
    const controller = new AbortController();
    const s = await rawServer(({ index }) => {
      if (index === 0) return 'answer';
      controller.abort(); // cancelled as the engine resets the reused connection
      return 'reset';
    });
    await (await httpFetch(`${s.url}/a`)).text();
    await expect(httpFetch(`${s.url}/b`, { signal: controller.signal })).rejects.toThrow(/aborted/i);
    expect(s.seen.requests.map((r) => r.line)).toEqual(['GET /a HTTP/1.1', 'GET /b HTTP/1.1']);
  });
});
