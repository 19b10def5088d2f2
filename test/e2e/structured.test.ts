/**
 * Structured answers end to end over the built server (issue 42, item 3): `format` — "json" or a
 * JSON Schema — reaches each engine in its own form (Ollama's `format`, llama-server's and an
 * OpenAI-compatible engine's `response_format`), the answer is parsed and validated, the parsed
 * value comes back in structuredContent.json and the text is that JSON; an answer that is not JSON
 * or breaks the schema goes to the next model with why; a schema that cannot be used is refused
 * before any engine is asked.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { connect, tempHome } from '../helpers/spawn.js';
import { HAVE_ENGINE, modelsDir, startEngine, stopEngines } from '../helpers/llamacpp.js';

const SCHEMA = {
  type: 'object',
  properties: { count: { type: 'integer' }, findings: { type: 'array', items: { type: 'string' } } },
  required: ['count', 'findings'],
  additionalProperties: false,
};

type Session = Awaited<ReturnType<typeof connect>>;
interface Out {
  model: string;
  host?: string;
  json?: unknown;
  fallbacks: Array<{ model: string; error: string }>;
  results?: Array<{ model: string; host?: string; text: string; error?: string; json?: unknown }>;
}

async function callOn(session: Session, name: string, args: Record<string, unknown>) {
  const res = await session.client.callTool({
    name,
    arguments: { ...(name === 'route_and_generate' && { useMemory: false }), ...args },
  });
  return {
    isError: res.isError === true,
    text: (res.content as Array<{ text: string }>)[0]!.text,
    out: res.structuredContent as unknown as Out,
  };
}

describe('structured answers on Ollama', () => {
  let fake: FakeOllama;
  let session: Session;
  const call = (name: string, args: Record<string, unknown>) => callOn(session, name, args);
  const generated = () => fake.generations().length;

  beforeAll(async () => {
    fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0 });
    // llama3.2 first for every kind of work, as the user's setting: a named model answers alone, so an answer set
    // aside goes to the next model only on a routed call
    const first =
      'model:\n  routing:\n    overrides: {fast: llama3.2, general: llama3.2, code: llama3.2, ' +
      'creative: llama3.2, reasoning: llama3.2}\n';
    session = await connect({
      OLLM_HOME: tempHome(`ram:\n  budget: 20GB\n  bufferBytes: 0\n${first}`),
      OLLAMA_HOST: fake.host,
    });
  });
  afterAll(async () => {
    await session?.close().catch(() => undefined);
    await fake?.stop();
  });
  beforeEach(() => fake.reply('ok'));

  it(
    'sends the schema as Ollama’s format, and returns the parsed answer in ' +
      'structuredContent.json with the JSON as the text',
    async () => {
      fake.reply('{"count": 2, "findings": ["a leak", "a race"]}');
      const r = await call('route_and_generate', { prompt: 'List the problems.', format: SCHEMA });
      expect(r.isError, r.text).toBe(false);
      expect(fake.generations().at(-1)!.format).toEqual(SCHEMA);
      expect(r.out.json).toEqual({ count: 2, findings: ['a leak', 'a race'] });
      expect(r.text).toBe('{"count":2,"findings":["a leak","a race"]}');
      expect(JSON.parse(r.text)).toEqual(r.out.json);
    },
  );

  it('"json" asks Ollama for JSON, and a prose reply comes back as the JSON Ollama is made to send', async () => {
    fake.reply('Two problems were found.');
    const r = await call('route_and_generate', { prompt: 'List the problems.', format: 'json' });
    expect(r.isError, r.text).toBe(false);
    expect(fake.generations().at(-1)!.format).toBe('json');
    expect(r.out.json).toEqual({ response: 'Two problems were found.' });
  });

  it('an answer breaking the schema goes to the next model, and the result says why', async () => {
    fake.reply((ctx) => (ctx.model.startsWith('llama3.2') ? '{"total": 2}' : '{"count": 0, "findings": []}'));
    const r = await call('route_and_generate', { prompt: 'List the problems.', format: SCHEMA });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.model).not.toMatch(/llama3\.2/);
    expect(r.out.fallbacks).toEqual([
      expect.objectContaining({
        model: 'llama3.2:latest',
        error:
          'its answer was set aside: it breaks the schema (count: required; findings: required; total: not allowed)',
      }),
    ]);
    // [] and {} are answers in JSON, not empty ones
    expect(r.out.json).toEqual({ count: 0, findings: [] });
  });

  it('an answer that is not JSON (cut at maxTokens) goes to the next model, and the result says why', async () => {
    // JSON of 30 tokens cut after 12 (the other's is 10): what an engine sends when the limit stops it mid-object
    fake.reply((ctx) =>
      ctx.model.startsWith('llama3.2')
        ? '{"count": 4, "findings": ["one", "two", "three", "four", "five", "six", "seven"]}'
        : '{"count":1,"findings":["x"]}',
    );
    const r = await call('route_and_generate', { prompt: 'List the problems.', format: SCHEMA, maxTokens: 12 });
    expect(r.isError, r.text).toBe(false);
    expect(r.out.fallbacks[0]!.error).toMatch(/^its answer was set aside: it is not JSON \(/);
    expect(r.out.json).toEqual({ count: 1, findings: ['x'] });
  });

  it('refuses a schema that cannot be used, naming the problem, before any engine is asked', async () => {
    const before = generated();
    const r = await call('route_and_generate', {
      prompt: 'List the problems.',
      format: { type: 'object', requird: ['count'] },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(
      /^format is not a JSON Schema that can be used: strict mode: unknown keyword: "requird" — fix the schema, or pass "json"\.$/,
    );
    const wrongType = await call('route_and_generate', { prompt: 'List the problems.', format: { type: 'strnig' } });
    expect(wrongType.isError).toBe(true);
    expect(wrongType.text).toMatch(/^format is not a JSON Schema that can be used: .*type/);
    expect(generated()).toBe(before);
  });

  it('refuses a format that is neither "json" nor a schema object, by the argument check', async () => {
    const before = generated();
    const r = await call('route_and_generate', { prompt: 'x', format: 'xml' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/format/);
    expect(generated()).toBe(before);
  });

  it('compare holds each model’s answer to the format: the parsed value per column, a breaking one failed with why', async () => {
    fake.reply((ctx) =>
      ctx.model.startsWith('llama3.2') ? '{"count": "two", "findings": []}' : '{"count": 2, "findings": ["a", "b"]}',
    );
    const r = await call('compare', {
      prompt: 'List the problems.',
      models: ['llama3.2', 'phi3:mini'],
      format: SCHEMA,
    });
    expect(r.isError, r.text).toBe(false);
    const by = Object.fromEntries(r.out.results!.map((x) => [x.model, x]));
    expect(by['phi3:mini']).toMatchObject({ json: { count: 2, findings: ['a', 'b'] } });
    expect(by['phi3:mini']!.error).toBeUndefined();
    expect(by['llama3.2:latest']).toMatchObject({
      error: 'its answer was set aside: it breaks the schema (count: must be integer)',
      text: '{"count": "two", "findings": []}',
    });
    expect(by['llama3.2:latest']!.json).toBeUndefined();
    expect(
      fake
        .generations()
        .slice(-2)
        .map((g) => g.format),
    ).toEqual([SCHEMA, SCHEMA]);
  });
});

describe('structured answers on llama-server and an OpenAI-compatible engine', () => {
  let box: FakeOllama;
  let lab: FakeOpenAI;
  let router: FakeLlamacpp;
  let session: Session;
  const call = (name: string, args: Record<string, unknown>) => callOn(session, name, args);
  const lastChat = (requests: Array<{ path: string; body?: unknown }>) =>
    requests.filter((q) => q.path === '/v1/chat/completions').at(-1)!.body as Record<string, unknown>;

  beforeAll(async () => {
    box = await FakeOllama.start({
      models: DEFAULT_MODELS.filter((m) => m.name === 'llama3.2:latest'),
      tokenDelayMs: 0,
    });
    lab = await FakeOpenAI.start({ models: ['mistral:7b'], reply: 'lab answers' });
    router = await FakeLlamacpp.start({
      models: [{ id: 'storiesA', file: join(modelsDir(['storiesA']), 'storiesA.gguf'), ctxSize: 2048 }],
      reply: '{"count": 1, "findings": ["from llama"]}',
    });
    const home = tempHome(
      [
        'hosts:',
        `  - {name: lab, kind: openai, url: "${lab.url}", contextLength: 32768}`,
        `  - {name: llama, kind: llamacpp, url: "${router.url}"}`,
        '',
      ].join('\n'),
    );
    session = await connect({ OLLM_HOME: home, OLLAMA_HOST: box.host });
  }, 60_000);
  afterAll(async () => {
    await session?.close().catch(() => undefined);
    await Promise.all([box?.stop(), lab?.stop(), router?.stop()]);
  });

  it('an OpenAI-compatible engine gets response_format json_schema with a name, and its answer is held to it', async () => {
    const r = await call('route_and_generate', { prompt: 'List the problems.', model: 'mistral:7b', format: SCHEMA });
    expect(r.isError, r.text).toBe(false);
    expect(lastChat(lab.requests).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema: SCHEMA },
    });
    // the fake, constrained like the engine, made its prose the least value of the schema
    expect(r.out).toMatchObject({ model: 'mistral:7b', host: 'lab', json: { count: 0, findings: [] } });
  });

  it('"json" reaches it as json_object', async () => {
    const r = await call('route_and_generate', { prompt: 'Say hello.', model: 'mistral:7b', format: 'json' });
    expect(r.isError, r.text).toBe(false);
    expect(lastChat(lab.requests).response_format).toEqual({ type: 'json_object' });
    expect(r.out.json).toEqual({ response: 'lab answers' });
  });

  it('llama-server gets the schema as response_format json_schema, and its answer is returned parsed', async () => {
    const r = await call('route_and_generate', { prompt: 'List the problems.', model: 'storiesA', format: SCHEMA });
    expect(r.isError, r.text).toBe(false);
    expect(
      (lastChat(router.requests).response_format as { json_schema: { schema: unknown } }).json_schema.schema,
    ).toEqual(SCHEMA);
    expect(r.out).toMatchObject({ host: 'llama', json: { count: 1, findings: ['from llama'] } });
  });
});

describe.runIf(HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1')(
  'structured answers on a real llama-server router',
  () => {
    let engine: Awaited<ReturnType<typeof startEngine>>;
    let box: FakeOllama;
    let session: Session;
    const SMALL = {
      type: 'object',
      properties: { count: { type: 'integer', minimum: 0, maximum: 99 }, ok: { type: 'boolean' } },
      required: ['count', 'ok'],
      additionalProperties: false,
    };

    beforeAll(async () => {
      engine = await startEngine({ dir: modelsDir(['storiesA']), modelsMax: 1, ctx: 2048 });
      box = await FakeOllama.start({ models: [], tokenDelayMs: 0 });
      session = await connect({
        OLLM_HOME: tempHome(['hosts:', `  - {name: llama, kind: llamacpp, url: "${engine.url}"}`, ''].join('\n')),
        OLLAMA_HOST: box.host,
      });
    }, 120_000);
    afterAll(async () => {
      await session?.close().catch(() => undefined);
      await box?.stop();
      await engine?.kill();
      await stopEngines();
    });

    it(
      'the engine’s grammar holds the answer to the schema, and it comes back parsed',
      { timeout: 120_000 },
      async () => {
        const r = await callOn(session, 'route_and_generate', {
          prompt: 'How many cats are there? Answer in JSON.',
          model: 'storiesA',
          format: SMALL,
          maxTokens: 400,
          temperature: 0,
        });
        expect(r.isError, r.text).toBe(false);
        expect(r.out.host).toBe('llama');
        const json = r.out.json as { count: number; ok: boolean };
        expect(Object.keys(json).sort()).toEqual(['count', 'ok']);
        expect(Number.isInteger(json.count)).toBe(true);
        expect(typeof json.ok).toBe('boolean');
        expect(JSON.parse(r.text)).toEqual(json);
      },
    );
  },
);
