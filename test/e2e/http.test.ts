import { join } from 'node:path';
import Database from 'libsql';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, run, serverEnv, startHttp, tempHome, type HttpServer } from '../helpers/spawn.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

async function post(url: string, headers: Record<string, string> = {}, body: unknown = INIT): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The raw request with a Host header fetch would not let us set. */
async function withHost(url: string, host: string): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(INIT));
  });
}

describe('HTTP, locked down by default', () => {
  let server: HttpServer;
  beforeAll(async () => {
    server = await startHttp({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers MCP at /mcp on 127.0.0.1 (port 3333 unless told)', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect((await post(server.url)).status).toBe(200);
  });

  it('a foreign Host or Origin gets 403 (DNS rebinding); localhost forms pass', async () => {
    const port = new URL(server.url).port;
    expect(await withHost(server.url, `evil.example:${port}`)).toBe(403);
    expect(await withHost(server.url, `localhost:${port}`)).toBe(200);
    const foreign = await post(server.url, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toMatch(/not accepted/);
    expect((await post(server.url, { origin: `http://localhost:${port}` })).status).toBe(200);
  });

  it('a body over the limit gets 413, broken JSON a parse error, other paths 404', async () => {
    expect((await post(server.url, {}, 'x'.repeat(17 * 2 ** 20))).status).toBe(413);
    const broken = await post(server.url, {}, '{"jsonrpc":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: -32700 } });
    expect((await fetch(server.url.replace(/\/mcp$/, '/nope'))).status).toBe(404);
  });

  it('/ says what the server is, where MCP is served and how to connect, and links every view', async () => {
    const page = await (await fetch(server.url.replace(/\/mcp$/, '/'))).text();
    expect(page).toContain(`<code>${server.url}</code>`);
    expect(page).toMatch(/&quot;url&quot;: &quot;http:\/\/127\.0\.0\.1:\d+\/mcp&quot;/);
    expect(page).toMatch(/claude mcp add --transport http ollm-mcp http:\/\/127\.0\.0\.1:\d+\/mcp/);
    expect(page).toMatch(/<a href="\/status">[^<]+<\/a> — \w/);
    expect(page).toMatch(/<a href="\/compare">[^<]+<\/a> — \w/);
  });

  it('logs to stderr only: nothing on stdout', () => {
    expect(server.stderr()).not.toContain('[stdout!]');
  });
});

describe('HTTP with a token', () => {
  it('no token or a wrong one gets 401; the right one is served', async () => {
    const server = await startHttp({
      OLLM_HOME: tempHome(),
      OLLAMA_HOST: fake.host,
      OLLM_HTTP_TOKEN: 's3cret-token-0123456',
    });
    try {
      const none = await post(server.url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
        /send "Authorization: Bearer <token>"/,
      );
      expect((await post(server.url, { authorization: 'Bearer wrong' })).status).toBe(401);
      // a page opened in a browser, which cannot send the header, is told to put the token in its address
      const page = await fetch(server.url.replace(/\/mcp$/, '/status'));
      expect(page.status).toBe(401);
      expect(await page.text()).toMatch(/open \/status\?token=<token>/);
      const client = new Client({ name: 't', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(server.url), {
          requestInit: { headers: { authorization: 'Bearer s3cret-token-0123456' } },
        }),
      );
      expect((await client.listTools()).tools.length).toBeGreaterThan(10);
      await client.close();
    } finally {
      await server.stop();
    }
  });

  it('listening beyond loopback without a token does not start; with one it does', async () => {
    const env = { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host };
    const refused = await run(['--transport', 'http', '--host', '0.0.0.0', '--port', '0'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /Refusing to listen on 0\.0\.0\.0 without a token: .* Set OLLM_HTTP_TOKEN \(or --token\)/,
    );
    const server = await startHttp(env, ['--host', '0.0.0.0', '--token', 'tok-0123456789abcdef']);
    try {
      const url = server.url.replace('0.0.0.0', '127.0.0.1');
      expect((await post(url)).status).toBe(401);
      expect((await post(url, { authorization: 'Bearer tok-0123456789abcdef' })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

type Results = Map<string, Record<string, unknown>>;
/** One call per tool, with arguments that succeed against the fake (some taken from an earlier call's result). */
const CALLS: Array<[string, Record<string, unknown> | ((earlier: Results) => Record<string, unknown>)]> = [
  ['list_models', {}],
  ['show_model', { model: 'llama3.2' }],
  ['smart_load', { model: 'llama3.2', dryRun: true }],
  ['route_and_generate', { prompt: 'hello', task: 'fast' }],
  ['rate_answer', (earlier) => ({ answerId: earlier.get('route_and_generate')!.answerId, verdict: 'good' })],
  ['compare', { prompt: 'hello', models: ['llama3.2:latest', 'phi3:mini'], maxTokens: 16 }],
  ['prefer_model', { model: 'llama3.2', task: 'fast' }],
  ['unload_model', { all: true }],
  ['pull_model', { model: 'llama3.2' }],
  ['create_model', { name: 'terse', from: 'llama3.2', system: 'Be terse.', replace: true }],
  ['delete_model', { model: 'phi3:mini' }],
  ['remember', { key: 'editor', value: 'vim' }],
  ['recall', { key: 'editor' }],
  ['forget', { key: 'editor' }],
  ['render_template', { name: 'summarize', variables: { text: 'A long text.' } }],
  ['save_template', { name: 'greet', description: 'Greets', template: 'Say hi to {who}' }],
  ['show_status', {}],
];

describe.each(['Streamable HTTP', 'legacy SSE'])('every tool over %s', (kind) => {
  it('is listed and answers', async () => {
    fake.addModel(DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!); // delete_model removes it each round
    const server = await startHttp({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host });
    const client = new Client({ name: 'every-tool', version: '1' });
    try {
      const base = new URL(server.url);
      await client.connect(
        kind === 'legacy SSE' ? new SSEClientTransport(new URL('/sse', base)) : new StreamableHTTPClientTransport(base),
      );
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(CALLS.map(([n]) => n).sort());
      const earlier: Results = new Map();
      for (const [name, args] of CALLS) {
        const res = await client.callTool({ name, arguments: typeof args === 'function' ? args(earlier) : args });
        expect(res.isError, `${name}: ${JSON.stringify(res.content)}`).toBeFalsy();
        expect(res.structuredContent).toBeDefined();
        earlier.set(name, res.structuredContent as Record<string, unknown>);
      }
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('greet');
    } finally {
      await client.close().catch(() => undefined);
      await server.stop();
    }
  }, 30_000);
});

/**
 * What the slow fake answers in 'stopping': 1,000 tokens, 40 s at its 40 ms a token, so a generation that ends
 * within the waits there was stopped; STORY_END, its last word, is in no answer cut short.
 */
const STORY = oneTokenWords(1000, 'tale');
const STORY_END = ` ${STORY.slice(STORY.lastIndexOf(' ') + 1)}`;

describe('stopping', () => {
  it(
    'SIGTERM cancels a generation in flight, flushes the metrics into the state database and ' +
      'exits without waiting for it',
    async () => {
      const slow = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
      const home = tempHome();
      const server = await startHttp({ OLLM_HOME: home, OLLAMA_HOST: slow.host });
      const client = new Client({ name: 'stop', version: '1' });
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
        await client.callTool({ name: 'remember', arguments: { key: 'k', value: 'v' } });
        slow.reply('done');
        // a finished generation: metrics to flush
        await client.callTool({ name: 'route_and_generate', arguments: { prompt: 'hi', task: 'fast' } });
        slow.reply(STORY); // 40 s if not stopped
        const pending = client
          .callTool({ name: 'route_and_generate', arguments: { prompt: 'a long story', task: 'general' } })
          .catch((e: unknown) => e);
        // the generation is under way (however slowly a busy machine starts it)
        await vi.waitFor(() => expect(slow.loaded().some((m) => m.inFlight > 0)).toBe(true), {
          timeout: 15_000,
          interval: 20,
        });
        const { code } = await server.stop('SIGTERM');
        expect(code).toBe(0);
        // cancelled, not waited for: no whole story came back
        expect(JSON.stringify(await pending)).not.toContain(STORY_END);
        await vi.waitFor(() => expect(slow.loaded().every((m) => m.inFlight === 0)).toBe(true), { timeout: 5000 });
        const db = new Database(join(home, 'state.db'), { readonly: true }); // read as the next process would
        try {
          const metrics = db.prepare("SELECT key, json FROM sums WHERE store = 'metrics'").all() as Array<{
            key: string;
            json: string;
          }>;
          // the finished generation
          expect(metrics.reduce((n, r) => n + (JSON.parse(r.json) as { successes: number }).successes, 0)).toBe(1);
          expect(db.prepare('SELECT key, value FROM memory').all()).toEqual([{ key: 'k', value: 'v' }]);
        } finally {
          db.close();
        }
      } finally {
        await client.close().catch(() => undefined);
        await slow.stop();
      }
    },
    30_000,
  );

  it('over stdio too: SIGTERM cancels the generation and the process exits without waiting for it', async () => {
    const slow = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
    slow.reply(STORY);
    const home = tempHome();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: serverEnv({ OLLM_HOME: home, OLLAMA_HOST: slow.host }),
      stderr: 'pipe',
      cwd: home,
    });
    const client = new Client({ name: 'stop-stdio', version: '1' });
    try {
      await client.connect(transport);
      const pending = client
        .callTool({ name: 'route_and_generate', arguments: { prompt: 'a long story', task: 'general' } })
        .catch((e: unknown) => e);
      // the generation is under way (however slowly a busy machine starts it)
      await vi.waitFor(() => expect(slow.loaded().some((m) => m.inFlight > 0)).toBe(true), {
        timeout: 15_000,
        interval: 20,
      });
      process.kill(transport.pid!, 'SIGTERM');
      // the 1,000-token story (40 s at 40 ms a token) was cancelled, not waited for: no whole answer came back
      expect(JSON.stringify(await pending)).not.toContain(STORY_END);
      await new Promise<void>((resolve) => {
        const check = () => {
          try {
            process.kill(transport.pid!, 0);
            setTimeout(check, 20);
          } catch {
            resolve();
          }
        };
        check();
      });
      await vi.waitFor(() => expect(slow.loaded().every((m) => m.inFlight === 0)).toBe(true), { timeout: 5000 });
    } finally {
      await client.close().catch(() => undefined);
      await slow.stop();
    }
  }, 30_000);
});
