import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

// The server reads this machine's real RAM; a 12 GB budget keeps the decisions independent of it.
const YAML = 'ram:\n  budget: 12GB\n  bufferBytes: 0\nmodel:\n  keepAlive:\n    timeout: 10m\n';

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
  session = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host });
});
afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

const call = async (name: string, args: Record<string, unknown>) => {
  const res = await session.client.callTool({ name, arguments: args });
  return {
    isError: res.isError === true,
    out: res.structuredContent as Record<string, unknown>,
    text: (res.content as Array<{ text: string }>)[0]!.text,
  };
};

describe('smart_load and unload_model over stdio', () => {
  it('declares both tools with all four annotations', async () => {
    const { tools } = await session.client.listTools();
    for (const name of ['smart_load', 'unload_model']) {
      const t = tools.find((x) => x.name === name)!;
      expect(t.title).toBeTruthy();
      expect(Object.keys(t.annotations ?? {})).toEqual(
        expect.arrayContaining(['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']),
      );
    }
  });

  it('a dry run plans and changes nothing; a task picks a suitable model', async () => {
    const dry = await call('smart_load', { task: 'code', dryRun: true });
    expect(dry.isError).toBe(false);
    expect(dry.out).toMatchObject({ model: 'qwen2.5-coder:7b', action: 'would_load', unloaded: [] });
    expect(fake.loaded()).toEqual([]);
  });

  it('loads, then makes room by unloading the smallest sufficient set, and the resource shows it', async () => {
    expect((await call('smart_load', { model: 'qwen2.5-coder:7b' })).out).toMatchObject({
      action: 'loaded',
      keepAlive: '10m',
    });
    expect((await call('smart_load', { model: 'llama3.2', pin: true })).out).toMatchObject({
      action: 'loaded',
      pinned: true,
      keepAlive: '-1', // published as a string, as the input (issue 83)
    });
    const llava = await call('smart_load', { model: 'llava:7b' });
    expect(llava.out).toMatchObject({ action: 'loaded', unloaded: ['qwen2.5-coder:7b'] });
    expect(llava.text).toMatch(/Loaded llava:7b .*after unloading qwen2\.5-coder:7b/);
    expect(fake.stats().forcedEvictions).toEqual([]);
    // seed 004's "Memory Check", on stderr
    expect(session.stderr()).toMatch(
      /memory check: available .+, loaded .+ \(.*qwen2\.5-coder:7b.*\), wanted llava:7b .+, required .+, room .+ → unload qwen2\.5-coder:7b \(.+\), then load/,
    );

    const r = await session.client.readResource({ uri: 'ollm://models/loaded' });
    const view = JSON.parse((r.contents[0] as { text: string }).text) as {
      loaded: Array<{ name: string; pinned: boolean }>;
    };
    expect(view.loaded.map((m) => [m.name, m.pinned]).sort()).toEqual([
      ['llama3.2:latest', true],
      ['llava:7b', false],
    ]);
  });

  it('refuses a model bigger than the budget as an error, with the numbers and an alternative', async () => {
    const res = await call('smart_load', { model: 'mixtral:8x7b' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Not loading mixtral:8x7b/);
    expect(res.text).toMatch(/\d+(\.\d+)? GB/);
    expect(res.text).toMatch(/[Tt]ry \S+ instead/);
    expect(res.text).not.toMatch(/Chosen because/);
  });

  it('unload_model all keeps the pinned model; naming it unloads it', async () => {
    const all = await call('unload_model', { all: true });
    expect(all.out).toMatchObject({ unloaded: ['llava:7b'], kept: [{ model: 'llama3.2:latest' }] });
    const named = await call('unload_model', { model: 'llama3.2' });
    expect(named.out).toMatchObject({ unloaded: ['llama3.2:latest'] });
    expect(fake.loaded()).toEqual([]);
  });

  it('bad input gets a precise message', async () => {
    const both = await call('unload_model', { model: 'x', all: true });
    expect(both.isError).toBe(true);
    expect(both.text).toMatch(/either model or all/);
    const ka = await call('smart_load', { model: 'llama3.2', keepAlive: 'soon' });
    expect(ka.isError).toBe(true);
    expect(ka.text).toMatch(/duration/);
    const missing = await call('smart_load', { model: 'ghost:1b' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/ollama pull ghost:1b/);
  });

  it('publishes keepAlive with one type, a string, and takes seconds as text or as a number', async () => {
    // issue 83: a ["number","string"] union is refused by clients that map schemas onto single-type dialects
    const { tools } = await session.client.listTools();
    const schemas = tools.find((t) => t.name === 'smart_load')!;
    expect((schemas.inputSchema.properties as Record<string, { type?: unknown }>).keepAlive!.type).toBe('string');
    expect((schemas.outputSchema!.properties as Record<string, { type?: unknown }>).keepAlive!.type).toBe('string');
    // "-1" goes to Ollama as -1 (forever): Ollama itself refuses a bare number in a string
    const forever = await call('smart_load', { model: 'llama3.2', keepAlive: '-1' });
    expect(forever.isError, forever.text).toBe(false);
    expect(forever.out).toMatchObject({ action: 'loaded', keepAlive: '-1' });
    expect(fake.loaded().find((m) => m.name === 'llama3.2:latest')!.keepAliveMs).toBe(Infinity);
    await call('unload_model', { model: 'llama3.2' });
    const seconds = await call('smart_load', { model: 'llama3.2', keepAlive: 300 });
    expect(seconds.out).toMatchObject({ action: 'loaded', keepAlive: '300' });
    expect(fake.loaded().find((m) => m.name === 'llama3.2:latest')!.keepAliveMs).toBe(300_000);
    await call('unload_model', { model: 'llama3.2' });
    expect(fake.loaded()).toEqual([]);
  });
});
