// Structured answers through the route against the fakes: the format reaches Ollama and the cloud
// fallback in their forms, and the fallback's answer is held to it like a local one.
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate, RouteError } from '../../src/orchestrator/jobs/route.js';
import { prepareFormat } from '../../src/orchestrator/generation/answer-format.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { coreFor } from '../helpers/core.js';

const SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

let ollama: FakeOllama | undefined;
let cloud: FakeOpenAI | undefined;
afterEach(async () => {
  await ollama?.stop();
  await cloud?.stop();
  ollama = cloud = undefined;
});

const withFallback = (url: string) => `fallback:\n  baseURL: "${url}"\n  model: cloud-model\n`;

describe('a format through the route', () => {
  it('reaches Ollama as its format, and the parsed answer is the result’s json', async () => {
    ollama = await FakeOllama.start({ tokenDelayMs: 0 });
    ollama.reply('{"city": "Paris"}');
    const core = await coreFor(ollama);
    const r = await routeAndGenerate(core, {
      prompt: 'Capital of France?',
      useMemory: false,
      format: await prepareFormat(SCHEMA),
    });
    expect(ollama.generations().at(-1)!.format).toEqual(SCHEMA);
    expect(r.json).toEqual({ city: 'Paris' });
    expect(r.text).toBe('{"city": "Paris"}');
  });

  it('without a format nothing is sent, and no json is returned', async () => {
    ollama = await FakeOllama.start({ tokenDelayMs: 0 });
    ollama.reply('{"city": "Paris"}');
    const core = await coreFor(ollama);
    const r = await routeAndGenerate(core, { prompt: 'Capital of France?', useMemory: false });
    expect(ollama.generations().at(-1)!.format).toBeUndefined();
    expect(r.json).toBeUndefined();
  });

  it('reaches the cloud fallback as response_format, and its answer holding to the schema is returned parsed', async () => {
    ollama = await FakeOllama.start({ tokenDelayMs: 0 });
    cloud = await FakeOpenAI.start({ models: ['cloud-model'], reply: '{"city": "Paris"}' });
    const core = await coreFor(ollama, { yaml: withFallback(cloud.url) });
    await ollama.setOffline(true);
    const r = await routeAndGenerate(core, {
      prompt: 'Capital of France?',
      useMemory: false,
      format: await prepareFormat(SCHEMA),
    });
    expect(cloud.requestsTo('/v1/chat/completions').at(-1)!.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: SCHEMA } },
    });
    expect(r).toMatchObject({ provider: 'fallback', json: { city: 'Paris' } });
  });

  it('a fallback answer breaking the schema is set aside too: the error lists it with why', async () => {
    ollama = await FakeOllama.start({ tokenDelayMs: 0 });
    cloud = await FakeOpenAI.start({ models: ['cloud-model'], reply: '{"town": "Paris"}' });
    const core = await coreFor(ollama, { yaml: withFallback(cloud.url) });
    await ollama.setOffline(true);
    const err = await routeAndGenerate(core, {
      prompt: 'Capital of France?',
      useMemory: false,
      format: await prepareFormat(SCHEMA),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RouteError);
    expect((err as RouteError).attempts.at(-1)).toEqual({
      model: 'fallback cloud-model',
      error: 'its answer was set aside: it breaks the schema (city: required)',
    });
  });

  it('a pattern that would backtrack for days (issue 55): the near match is set aside at once, the match returned', async () => {
    ollama = await FakeOllama.start({ tokenDelayMs: 0 });
    const core = await coreFor(ollama);
    const format = await prepareFormat({ type: 'string', pattern: '^(a+)+$' });
    ollama.reply(JSON.stringify(`${'a'.repeat(40)}!`));
    const err = await routeAndGenerate(core, { prompt: 'Say a forty times.', useMemory: false, format }).catch(
      (e: unknown) => e,
    ); // reached at all: the check never backtracks
    expect(err).toBeInstanceOf(RouteError);
    expect((err as RouteError).attempts.map((a) => a.error)).toContain(
      'its answer was set aside: it breaks the schema (answer: must match pattern "^(a+)+$")',
    );
    ollama.reply(JSON.stringify('a'.repeat(40)));
    const r = await routeAndGenerate(core, { prompt: 'Say a forty times.', useMemory: false, format });
    expect(r.json).toBe('a'.repeat(40));
    expect(ollama.generations().at(-1)!.format).toEqual({ type: 'string', pattern: '^(a+)+$' });
  });
});
