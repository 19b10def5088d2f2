/**
 * create_model over stdio, the built server driven by the official MCP client: a model made with
 * progress notifications, listed as made for its task, deleted again; an existing name refused
 * with nothing sent to Ollama.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
let session: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9, pullChunkDelayMs: 20, models: DEFAULT_MODELS });
  session = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host });
});
afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

const text = (res: { content: unknown }) => (res.content as Array<{ text: string }>)[0]!.text;
const creates = () => fake.requests.filter((r) => r.path === '/api/create');

describe('create_model over stdio', () => {
  it('makes a model with progress; list_models shows it made for its task; delete_model removes it', async () => {
    const progress: Array<{ progress: number; message?: string }> = [];
    const res = await session.client.callTool(
      {
        name: 'create_model',
        arguments: {
          name: 'terse',
          from: 'llama3.2',
          system: 'Be terse.',
          parameters: { temperature: 0.2, num_ctx: 16384 },
          task: 'summarize',
        },
      },
      { onprogress: (p) => progress.push(p) },
    );
    expect(res.isError, text(res)).toBeFalsy();
    expect(res.structuredContent).toEqual({
      name: 'terse:latest',
      from: 'llama3.2:latest',
      host: 'ollama',
      task: 'summarize',
      status: 'created',
    });
    expect(text(res)).toBe(
      'Made terse:latest from llama3.2:latest on ollama (made for summarize); route_and_generate ' +
        '{model: "terse:latest"} or task summarize uses it.',
    );
    expect(progress.some((p) => /making terse:latest: creating new layer sha256:/.test(p.message ?? ''))).toBe(true);
    expect(progress.some((p) => /making terse:latest: writing manifest/.test(p.message ?? ''))).toBe(true);
    expect(creates()).toHaveLength(1);

    const list = await session.client.callTool({ name: 'list_models', arguments: {} });
    expect(text(list)).toMatch(/^- terse:latest — .*, made for summarize; /m);
    const listed = (list.structuredContent as { models: Array<{ name: string; madeFor?: string }> }).models;
    expect(listed.find((m) => m.name === 'terse:latest')?.madeFor).toBe('summarize');
    expect(listed.find((m) => m.name === 'llama3.2:latest')?.madeFor).toBeUndefined();
    expect(text(list)).toMatch(/^- terse:latest — .*its own settings: temperature 0\.2, num_ctx 16384, system prompt/m);

    // routing gives it the work it was made for, and runs it with its own settings
    fake.reply('Short.');
    const summary = await session.client.callTool({
      name: 'route_and_generate',
      arguments: {
        prompt: 'Summarize this: the build failed twice, then passed.',
        task: 'summarize',
        useMemory: false,
      },
    });
    expect(summary.isError, text(summary)).toBeFalsy();
    expect((summary.structuredContent as { model: string }).model).toBe('terse:latest');
    expect((summary.structuredContent as { reason: string }).reason).toMatch(
      /terse:latest was made for summarize work/,
    );
    const sent = fake.requests
      .filter((r) => r.path === '/api/generate' && (r.body as { prompt?: string }).prompt)
      .at(-1)!.body as { options: Record<string, unknown>; system?: string };
    expect(sent.options).not.toHaveProperty('temperature');
    expect(sent.options['num_ctx']).toBe(16384);
    expect(fake.generations().at(-1)!.systemUsed).toBe('Be terse.');
    const other = await session.client.callTool({
      name: 'route_and_generate',
      arguments: { prompt: 'Write a haiku about rain.', task: 'creative', useMemory: false },
    });
    // other work: chosen as any model is
    expect((other.structuredContent as { reason: string }).reason).not.toMatch(/made for/);

    const del = await session.client.callTool({ name: 'delete_model', arguments: { model: 'terse' } });
    expect(del.isError, text(del)).toBeFalsy();
    const after = await session.client.callTool({ name: 'list_models', arguments: {} });
    expect(text(after)).not.toContain('terse');
  });

  it('refuses a name that exists, and nothing reaches Ollama', async () => {
    const before = creates().length;
    const res = await session.client.callTool({
      name: 'create_model',
      arguments: { name: 'phi3:mini', from: 'llama3.2', system: 'x' },
    });
    expect(res.isError).toBe(true);
    expect(text(res)).toContain(
      'phi3:mini already exists on ollama, so nothing was made — pass replace: true to overwrite ' +
        'it, or choose another name.',
    );
    expect(creates().length).toBe(before);
  });

  it('refuses a base that is not installed, naming the ones it may mean', async () => {
    const res = await session.client.callTool({
      name: 'create_model',
      arguments: { name: 'x', from: 'qwen2.5-coder:1b' },
    });
    expect(res.isError).toBe(true);
    expect(text(res)).toContain('Model "qwen2.5-coder:1b" is not installed on Ollama at');
    expect(text(res)).toContain('Installed under other names: qwen2.5-coder:7b');
  });
});
