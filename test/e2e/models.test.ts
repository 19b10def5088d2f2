import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

const YAML = 'ram:\n  budget: 14GB\n  bufferBytes: 0\n';
let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({
    memoryBytes: 24e9,
    pullChunkDelayMs: 15,
    models: DEFAULT_MODELS.filter((m) => m.name !== 'phi3:mini'),
  });
  session = await connect({ OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fake.host });
});
afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

const text = (res: { content: unknown }) => (res.content as Array<{ text: string }>)[0]!.text;

describe('model management over stdio', () => {
  it('declares delete_model destructive and the others not', async () => {
    const { tools } = await session.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('delete_model')!.annotations).toMatchObject({ destructiveHint: true });
    expect(byName.get('create_model')!.annotations).toMatchObject({ destructiveHint: true }); // replace overwrites
    for (const n of ['pull_model', 'show_model', 'compare', 'prefer_model'])
      expect(byName.get(n)!.annotations?.destructiveHint).toBe(false);
    // a small, sharp set: each tool one clear job (a project can offer fewer, see project profiles)
    expect(tools.map((t) => t.name).sort()).toEqual([
      'compare',
      'create_model',
      'delete_model',
      'forget',
      'list_models',
      'prefer_model',
      'pull_model',
      'rate_answer',
      'recall',
      'remember',
      'render_template',
      'route_and_generate',
      'save_template',
      'show_model',
      'show_status',
      'smart_load',
      'unload_model',
    ]);
  });

  it('pull_model shows steady progress with totals, then the model is listed', async () => {
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const res = await session.client.callTool(
      { name: 'pull_model', arguments: { model: 'phi3:mini' } },
      { onprogress: (p) => progress.push(p) },
    );
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({ model: 'phi3:mini', status: 'pulled' });
    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.progress).toBeGreaterThanOrEqual(progress[i - 1]!.progress);
    expect(progress.some((p) => p.total && p.total > 0 && /% \(/.test(p.message ?? ''))).toBe(true);
    const list = await session.client.callTool({ name: 'list_models', arguments: {} });
    expect(JSON.stringify(list.structuredContent)).toContain('phi3:mini');
  });

  it('an unknown model fails fast with its name in the message', async () => {
    const res = await session.client.callTool({ name: 'pull_model', arguments: { model: 'nosuch:7b' } });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(/"nosuch:7b" was not found in the registry/);
    const bad = await session.client.callTool({ name: 'pull_model', arguments: { model: 'Bad Name' } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/not a valid model name/);
  });

  it('show_model returns the card', async () => {
    const res = await session.client.callTool({ name: 'show_model', arguments: { model: 'llava:7b' } });
    expect(res.structuredContent).toMatchObject({ name: 'llava:7b', profiles: ['vision'], contextSource: 'ollama' });
  });

  it('compare returns three answers with metrics and a table, then prefer_model records the winner', async () => {
    const res = await session.client.callTool({
      name: 'compare',
      arguments: { prompt: 'Say hi', models: ['llama3.2', 'phi3:mini', 'qwen2.5-coder:7b'] },
    });
    expect(res.isError).toBeFalsy();
    const out = res.structuredContent as {
      comparisonId: string;
      results: Array<{ model: string; metrics: { totalMs: number } }>;
      parallel: boolean;
    };
    expect(out.results).toHaveLength(3);
    expect(out.parallel).toBe(true);
    expect(text(res)).toMatch(/\| model \| load s \| first token s \|/);
    expect(text(res)).toMatch(/## phi3:mini/);
    const pref = await session.client.callTool({
      name: 'prefer_model',
      arguments: { comparisonId: out.comparisonId, model: 'phi3:mini', task: 'general' },
    });
    expect(pref.structuredContent).toMatchObject({ model: 'phi3:mini', profile: 'general' });
    const routed = await session.client.callTool({
      name: 'route_and_generate',
      arguments: { prompt: 'Tell me about the sea', task: 'general' },
    });
    expect(routed.structuredContent).toMatchObject({ model: 'phi3:mini' });
    expect((routed.structuredContent as { reason: string }).reason).toMatch(/you preferred/);
  });

  it('delete_model removes it', async () => {
    const res = await session.client.callTool({ name: 'delete_model', arguments: { model: 'phi3:mini' } });
    expect(res.structuredContent).toMatchObject({ model: 'phi3:mini', deleted: true });
    expect(fake.installed().some((m) => m.name === 'phi3:mini')).toBe(false);
  });
});
