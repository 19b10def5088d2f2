import { connect as tcp } from 'node:net';
import { rmSync } from 'node:fs';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { run, startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const homes: string[] = [];
const home = () => {
  const h = tempHome('ram:\n  budget: 12GB\n  bufferBytes: 0\n');
  homes.push(h);
  return h;
};

let fake: FakeOllama;
let server: HttpServer;
let port: number;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
  server = await startHttp({ OLLM_HOME: home(), OLLAMA_HOST: fake.host });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.stop();
  await fake?.stop();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** Sends `text` over a plain socket and resolves with the status line's code and the body; a reset fails. */
function raw(text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = tcp(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()));
    socket.on('error', (err) =>
      reject(new Error(`${(err as NodeJS.ErrnoException).code} after ${JSON.stringify(got.slice(0, 80))}`)),
    );
    socket.on('close', () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0),
        body: got.slice(got.indexOf('\r\n\r\n') + 4),
      }),
    );
    socket.write(text);
    setTimeout(() => socket.end(), 300);
  });
}

function request(target: string, headers: string[], body = INIT): string {
  return [
    `POST ${target} HTTP/1.1`,
    ...headers,
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

describe('odd HTTP requests get a 4xx with a reason, never a 500 or a reset', () => {
  const host = () => `Host: 127.0.0.1:${port}`;
  const cases: Array<[string, () => string, number, RegExp]> = [
    ['a well-formed request (control)', () => request('/mcp', [host()]), 200, /"protocolVersion"/],
    [
      'Host with userinfo (evil.com@localhost)',
      () => request('/mcp', ['Host: evil.com@localhost']),
      400,
      /Host header \\"evil\.com@localhost\\" is not a host name/,
    ],
    [
      'an absolute-form target',
      () => request(`http://127.0.0.1:${port}/mcp`, [host()]),
      400,
      /request target must be a path such as \/mcp/,
    ],
    ['a //authority target', () => request('//evil.example/mcp', [host()]), 400, /request target must be a path/],
    [
      'a 100 KB header',
      () => request('/mcp', [host(), `X-Big: ${'a'.repeat(100_000)}`]),
      431,
      /headers are over the size limit/,
    ],
    [
      'a malformed Host (bad port)',
      () => request('/mcp', ['Host: localhost:abc']),
      400,
      /is not a host name with an optional port/,
    ],
    ['a Host port out of range', () => request('/mcp', ['Host: localhost:99999']), 400, /is not a host name/],
    ['an unclosed IPv6 Host', () => request('/mcp', ['Host: [::1']), 400, /is not a host name/],
    ['two Host headers', () => request('/mcp', [host(), 'Host: evil.example']), 400, /more than one Host header/],
    ['no Host (HTTP/1.0)', () => request('/mcp', []).replace('HTTP/1.1', 'HTTP/1.0'), 400, /no Host header/],
    ['a foreign Host', () => request('/mcp', ['Host: evil.example']), 403, /not this server/],
    ['a numeric loopback alias Host', () => request('/mcp', ['Host: 0x7f.1']), 403, /not this server/],
    [
      'a malformed Origin',
      () => request('/mcp', [host(), 'Origin: null']),
      403,
      /web page at \\"null\\" are not accepted/,
    ],
    [
      'an invalid method',
      () => request('/mcp', [host()]).replace('POST', 'P<ST'),
      400,
      /not valid HTTP\/1\.1 \(HPE_INVALID_METHOD\)/,
    ],
    ['a relative target', () => request('mcp', [host()]), 400, /not valid HTTP\/1\.1/],
    ['not HTTP at all', () => 'hello there\r\n\r\n', 400, /not valid HTTP\/1\.1/],
    [
      'Transfer-Encoding and Content-Length together',
      () => request('/mcp', [host(), 'Transfer-Encoding: chunked']),
      400,
      /not valid HTTP\/1\.1/,
    ],
  ];
  it.each(cases)('%s', async (_name, text, status, reason) => {
    const res = await raw(text());
    expect(res.status).toBe(status);
    expect(res.body).toMatch(reason);
  });

  it('a body over 16 MiB gets 413 saying the limit and what to do', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: 'x'.repeat(17 * 2 ** 20),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /over the 16 MiB limit for one MCP message: send fewer or smaller images/,
    );
  });
});

describe('legacy SSE', () => {
  it('takes a ~12 MiB message too: the same 16 MiB limit as /mcp and stdio', async () => {
    const client = new Client({ name: 'sse-images', version: '1' });
    await client.connect(new SSEClientTransport(new URL('/sse', new URL(server.url))));
    try {
      fake.reply('three photos');
      // 3 × 4 MiB of base64 (three images fit a 4k-token vision context)
      const images = Array.from({ length: 3 }, () => 'QUJD'.repeat(2 ** 20));
      const res = await client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'What is in these photos?', images },
      });
      expect(res.isError, JSON.stringify(res.content).slice(0, 300)).toBeFalsy();
      expect(res.structuredContent).toMatchObject({ profile: 'vision', text: 'three photos' });
    } finally {
      await client.close().catch(() => undefined);
    }
  }, 30_000);
});

describe('--token', () => {
  it.each([
    [
      ['--token', 'short'],
      {},
      /^ollm-mcp: Refusing to start: --token is 5 characters long; a bearer token needs at least 16 characters so it cannot be guessed — make one with `openssl rand -hex 16`\.\n$/,
    ],
    [
      [],
      { OLLM_HTTP_TOKEN: '0123456789abcde' },
      /^ollm-mcp: Refusing to start: OLLM_HTTP_TOKEN is 15 characters long; .*\n$/,
    ],
    [
      ['--token', ''],
      {},
      /^ollm-mcp: Refusing to start: --token is empty; a bearer token needs at least 16 characters/,
    ],
  ])('shorter than 16 characters is refused at start-up with one line (%j %j)', async (args, env, message) => {
    const out = await run(['--transport', 'http', '--port', '0', ...args], {
      OLLM_HOME: home(),
      OLLAMA_HOST: fake.host,
      ...env,
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
  });
});

describe('cancellation over HTTP belongs to the client that made the call', () => {
  // 40 ms a word
  const slow = (words: number) => fake.reply(oneTokenWords(words, 'w'));
  const busy = () => fake.loaded().some((m) => m.inFlight > 0);
  const idle = async () => {
    for (let i = 0; i < 250 && busy(); i++) await new Promise((r) => setTimeout(r, 20));
    return !busy();
  };
  const AGENT = { 'user-agent': 'same-agent/1.0' };

  it('each 2025-era client gets its own Mcp-Session-Id on initialize', async () => {
    const init = () =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: INIT,
      });
    const [a, b] = [(await init()).headers.get('mcp-session-id'), (await init()).headers.get('mcp-session-id')];
    expect(a).toMatch(/^[\x21-\x7e]{20,}$/);
    expect(b).toMatch(/^[\x21-\x7e]{20,}$/);
    expect(a).not.toBe(b);
  });

  it.each(['Streamable HTTP', 'legacy SSE'])(
    'a client cancels its own call (%s) and the generation stops',
    async (kind) => {
      const client = new Client({ name: 'canceller', version: '1' });
      const base = new URL(server.url);
      await client.connect(
        kind === 'legacy SSE' ? new SSEClientTransport(new URL('/sse', base)) : new StreamableHTTPClientTransport(base),
      );
      try {
        slow(200); // 8 s if not stopped
        const ac = new AbortController();
        const pending = client.callTool(
          { name: 'route_and_generate', arguments: { prompt: 'a long story please', task: 'general' } },
          { signal: ac.signal },
        );
        // under way, however busy the machine
        await vi.waitFor(() => expect(busy()).toBe(true), { timeout: 15_000, interval: 20 });
        ac.abort();
        await expect(pending).rejects.toThrow();
        expect(await idle()).toBe(true);
      } finally {
        await client.close().catch(() => undefined);
      }
    },
  );

  it('another client with the same User-Agent and no token cannot cancel it, whatever request id it names', async () => {
    const client = new Client({ name: 'victim', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: AGENT } }));
    try {
      slow(80); // 3.2 s
      const pending = client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'a story please', task: 'general' },
      });
      await vi.waitFor(() => expect(busy()).toBe(true), { timeout: 15_000, interval: 20 });
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...AGENT };
      const own = (await fetch(server.url, { method: 'POST', headers, body: INIT })).headers.get('mcp-session-id')!;
      for (let requestId = 0; requestId < 10; requestId++) {
        const cancel = JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId, reason: 'not yours' },
        });
        for (const extra of [{}, { 'mcp-session-id': own }] as Array<Record<string, string>>)
          await (await fetch(server.url, { method: 'POST', headers: { ...headers, ...extra }, body: cancel })).text();
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(busy()).toBe(true);
      const res = await pending;
      expect(res.isError).toBeFalsy();
      expect((res.structuredContent as { text: string }).text).toBe(oneTokenWords(80, 'w'));
    } finally {
      await client.close().catch(() => undefined);
    }
  });
});
