import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, run, tempHome } from '../helpers/spawn.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const YAML = 'ram:\n  budget: 12GB\n  bufferBytes: 0\n';
let fake: FakeOllama;
let home: string;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 40 });
  home = tempHome(YAML);
  session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
});
afterAll(async () => {
  await session?.close().catch(() => undefined);
  await fake?.stop();
});

describe('route_and_generate over stdio', () => {
  it('routes a code prompt to a coder model and sends progress notifications while it streams', async () => {
    fake.reply(oneTokenWords(40, 't')); // 40 tokens × 40 ms ≈ 1.6 s
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const res = await session.client.callTool(
      { name: 'route_and_generate', arguments: { prompt: 'Write a function:\n```js\nfunction add(a, b) {}\n```' } },
      { onprogress: (p) => progress.push(p) },
    );
    expect(res.isError).toBeFalsy();
    const out = res.structuredContent as {
      model: string;
      text: string;
      metrics: { outputTokens: number };
      fallbacks: unknown[];
    };
    expect(out.model).toBe('qwen2.5-coder:7b');
    expect(out.metrics.outputTokens).toBe(40);
    expect(out.fallbacks).toEqual([]);
    // from the start, before any token (past the notes a call hears while a starting server's core loads)
    expect(progress.find((p) => p.message !== 'starting ollm-mcp')!.message).toBe('choosing a model for code work');
    const generating = progress.filter((p) => /^qwen2\.5-coder:7b: \d+ tokens? generated/.test(p.message ?? ''));
    expect(generating.length).toBeGreaterThanOrEqual(2);
    expect(generating.length).toBeLessThan(out.metrics.outputTokens / 4); // about every 500 ms, not per token
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    expect(text).toMatch(/^ta tb /);
    expect(text).toMatch(/qwen2\.5-coder:7b: 40 tokens/);
  });

  it('sends progress only to a request that carries a progressToken', async () => {
    fake.reply(oneTokenWords(30, 'p')); // ~1.2 s of tokens
    const call = (id: number, meta?: object) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: {
          name: 'route_and_generate',
          arguments: { prompt: 'hi there friend', task: 'fast' },
          ...(meta && { _meta: meta }),
        },
      });
    const init = [
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    ];
    const answered = (out: string) => out.includes('"id":2'); // stdin closes once the call is answered (or after 30 s)
    const without = await run(
      [],
      { OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host },
      [...init, call(2)],
      30_000,
      undefined,
      answered,
    );
    expect(without.stdout).toContain('"id":2');
    expect(without.stdout).not.toContain('notifications/progress');
    const withToken = await run(
      [],
      { OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host },
      [...init, call(2, { progressToken: 'tok-1' })],
      30_000,
      undefined,
      answered,
    );
    expect(withToken.stdout).toContain('"id":2');
    expect(withToken.stdout).toMatch(/"method":"notifications\/progress","params":\{"progressToken":"tok-1"/);
  });

  it('a cancelled call stops generation on the fake', async () => {
    fake.reply(oneTokenWords(200, 'w')); // 8 s if not stopped
    const ac = new AbortController();
    const pending = session.client.callTool(
      { name: 'route_and_generate', arguments: { prompt: 'a long story please', task: 'general' } },
      { signal: ac.signal },
    );
    await vi.waitFor(() => expect(fake.loaded().find((m) => m.inFlight > 0)).toBeDefined(), {
      timeout: 15_000,
      interval: 20,
    });
    ac.abort();
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.loaded().every((m) => m.inFlight === 0)).toBe(true);
  });

  it(
    'Ollama failing is a clear isError telling the assistant to do it itself; the next call ' +
      'works once it recovers',
    async () => {
      fake.setOffline(true);
      const down = await session.client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'hi', task: 'fast' },
      });
      expect(down.isError).toBe(true);
      const text = (down.content as Array<{ text: string }>)[0]!.text;
      expect(text).toMatch(new RegExp(`not reachable at ${fake.host.replace(/\./g, '\\.')}`));
      expect(text).toMatch(/Do the task yourself/);
      fake.setOffline(false);
      fake.reply('back again');
      const up = await session.client.callTool({
        name: 'route_and_generate',
        arguments: { prompt: 'hi', task: 'fast' },
      });
      expect(up.isError).toBeFalsy();
      expect((up.structuredContent as { text: string }).text).toBe('back again');
    },
  );

  it('records per-model metrics in ollm://metrics, written to the state database ($OLLM_HOME/state.db) by shutdown', async () => {
    const r = await session.client.readResource({ uri: 'ollm://metrics' });
    const { models } = JSON.parse((r.contents[0] as { text: string }).text) as {
      models: Record<string, { requests: number; successes: number }>;
    };
    expect(models['qwen2.5-coder:7b']).toMatchObject({ requests: 1, successes: 1 });
    await session.close();
    await new Promise((r) => setTimeout(r, 500));
    const db = new Database(join(home, 'state.db'), { readonly: true }); // read as the next process would
    try {
      const row = db.prepare("SELECT json FROM sums WHERE store = 'metrics' AND key = 'qwen2.5-coder:7b'").get() as
        { json: string } | undefined;
      expect(JSON.parse(row!.json)).toMatchObject({ requests: 1, successes: 1 });
    } finally {
      db.close();
    }
  });
});
