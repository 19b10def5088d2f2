/**
 * MCP logging (issue 34): the server declares the capability, answers logging/setLevel, and long
 * work's phases (loads, unloads, fallbacks) come as notifications/message at the level the client
 * chose — info shows a load, warning shows only a model that failed and was replaced.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, E2E_TRANSPORT, tempHome } from '../helpers/spawn.js';

/**
 * Over stateless Streamable HTTP (2025 era) no request carries the level an earlier setLevel chose: nothing
 * is logged there.
 */
const STATELESS = E2E_TRANSPORT === 'http';

const YAML = 'ram:\n  budget: 12GB\n  bufferBytes: 0\n';
let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;
const messages: Array<{ level: string; logger?: string; data: unknown }> = [];

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
  session = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host });
  session.client.setNotificationHandler('notifications/message', (n) => {
    messages.push(n.params as (typeof messages)[number]);
  });
});
afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

/** Before checking that nothing was logged: a notification may trail the result. */
const settle = () => new Promise((r) => setTimeout(r, 100));
const texts = () => messages.map((m) => `${m.level}: ${String(m.data)}`);
/** Waits for a message (it may trail the result, by more than a tick over HTTP). */
const told = (pattern: RegExp) =>
  vi.waitFor(() => expect(texts()).toContainEqual(expect.stringMatching(pattern)), { timeout: 5000 });

describe('log notifications of long work', () => {
  it('the server offers logging', () => {
    expect(session.client.getServerCapabilities()?.logging).toBeDefined();
  });

  it('before the client chooses a level, nothing is logged: its calls carry no log messages', async () => {
    const res = await session.client.callTool({ name: 'smart_load', arguments: { model: 'llama3.2' } });
    expect(res.isError).toBeFalsy();
    await settle();
    expect(messages).toEqual([]);
  });

  it('at info, a load is told as it begins', async () => {
    await session.client.setLoggingLevel('info');
    const res = await session.client.callTool({ name: 'smart_load', arguments: { model: 'qwen2.5-coder:7b' } });
    expect(res.isError).toBeFalsy();
    if (STATELESS) {
      await settle();
      return expect(texts()).toEqual([]);
    }
    await told(/^info: loading qwen2\.5-coder:7b \(/);
    expect(messages.every((m) => m.logger === 'ollm-mcp')).toBe(true);
  });

  it('at warning, a load says nothing, and a model that failed and was replaced is told', async () => {
    await session.client.setLoggingLevel('warning');
    messages.length = 0;
    await session.client.callTool({ name: 'smart_load', arguments: { model: 'llava:7b' } });
    await settle();
    expect(texts()).toEqual([]);
    fake.failNext('/api/generate', 500, 'the runner crashed');
    const res = await session.client.callTool({
      name: 'route_and_generate',
      arguments: { prompt: 'Explain how DNS resolution works.', maxTokens: 20, useMemory: false },
    });
    expect(res.isError).toBeFalsy();
    if (STATELESS) {
      await settle();
      return expect(texts()).toEqual([]);
    }
    await told(/^warning: \S+ failed \(.*the runner crashed.*\); trying the next model$/);
    await settle();
    expect(texts().some((t) => t.startsWith('info:'))).toBe(false);
  });
});

describe('logging/setLevel with a level MCP does not have (issue 41)', () => {
  const LEVELS = 'debug, info, notice, warning, error, critical, alert, emergency';
  /** The error the server answers a setLevel with `params`, sent as they are (the client checks nothing). */
  const refused = async (params: unknown) => {
    try {
      await session.client.request(
        { method: 'logging/setLevel', params } as never,
        { '~standard': { version: 1, vendor: 'test', validate: (v: unknown) => ({ value: v }) } } as never,
      );
    } catch (err) {
      return { code: (err as { code?: unknown }).code, message: (err as Error).message };
    }
    return undefined;
  };

  it.each([
    ['an unknown name', { level: 'verbose' }],
    ['another case', { level: 'INFO' }],
    ['a number', { level: 3 }],
    ['no level', {}],
    ['a long text', { level: 'x'.repeat(100_000) }],
  ])('%s is Invalid params (-32602) naming the valid levels, never quoting what was sent', async (_what, params) => {
    const e = await refused(params);
    expect(e?.code).toBe(-32602);
    expect(e?.message).toContain(`Invalid params for logging/setLevel: level: must be one of ${LEVELS}`);
    expect(e?.message.length).toBeLessThan(300);
  });

  it('a valid level is still taken, and still chooses what is logged', async () => {
    expect(await refused({ level: 'info' })).toBeUndefined();
    const reload = async () => {
      await session.client.callTool({ name: 'unload_model', arguments: { all: true } });
      await settle();
      messages.length = 0;
      await session.client.callTool({ name: 'smart_load', arguments: { model: 'qwen2.5-coder:7b' } });
    };
    await session.client.setLoggingLevel('error');
    await reload();
    await settle();
    expect(texts()).toEqual([]);
    await session.client.setLoggingLevel('info');
    await reload();
    if (STATELESS) {
      await settle();
      return expect(texts()).toEqual([]);
    }
    await told(/^info: loading qwen2\.5-coder:7b \(/);
  });
});
