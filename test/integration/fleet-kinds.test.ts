/**
 * Every engine a first-class host (issue 30): an Ollama host (box), an OpenAI-compatible engine
 * under `hosts:` (lab) and a llama.cpp router (llama) in one fleet — listed together, chosen by
 * name and by work, compared together; the cloud fallback asked last whatever the local failure,
 * and inputs read by path never sent to it unless fallback.sendInputs allows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { compare } from '../../src/orchestrator/jobs/compare.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { gatherInputs } from '../../src/orchestrator/inputs/gather.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';
import { render as renderList } from '../../src/tools/list-models.js';
import { renderStatus } from '../../src/tools/status-text.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const memory = {
  memory: async () => ({ totalBytes: 32e9, availableBytes: 28e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
  gpus: async () => [],
};

async function fleet(
  opts: { fallback?: boolean; sendInputs?: boolean; ollamaModels?: string[]; labUp?: boolean } = {},
) {
  const box = await FakeOllama.start({
    models: DEFAULT_MODELS.filter((m) => (opts.ollamaModels ?? ['llama3.2:latest', 'phi3:mini']).includes(m.name)),
  });
  const lab = await FakeOpenAI.start({
    models: ['qwen2.5-coder:7b', { id: 'mistral:7b', maxModelLen: 65536 }],
    reply: (c) => `lab ${c.model} answers`,
    tokenDelayMs: 1,
  });
  const llama = await FakeLlamacpp.start({ models: [{ id: 'storiesA', file: STORIES }], modelsMax: 2 });
  const cloud = await FakeOpenAI.start({ models: ['cloud-model'], reply: 'the cloud answers', tokenDelayMs: 1 });
  stops.push(
    () => box.stop(),
    () => lab.stop(),
    () => llama.stop(),
    () => cloud.stop(),
  );
  if (opts.labUp === false) await lab.stop();
  const home = tempDir('ollm-home-');
  const yaml = [
    'hosts:',
    `  - { name: lab, kind: openai, url: "${lab.url}", contextLength: 32768 }`,
    `  - { name: llama, kind: llamacpp, url: "${llama.url}" }`,
    ...(opts.fallback
      ? [
          'fallback:',
          `  baseURL: ${cloud.url}`,
          '  model: cloud-model',
          ...(opts.sendInputs ? ['  sendInputs: true'] : []),
        ]
      : []),
  ].join('\n');
  writeFileSync(join(home, 'config.yaml'), `${yaml}\n`);
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: box.url } });
  const orch = new Orchestrator(config, { memorySource: memory });
  stops.push(() => orch.shutdown(200));
  return { orch, box, lab, llama, cloud, home };
}

describe('one fleet of every engine kind', () => {
  it('list_models lists every host’s models with their host, and says which engines manage their own memory', async () => {
    const { orch } = await fleet();
    const o = await orch.listModels({ refresh: true });
    const where = Object.fromEntries(o.models.map((m) => [m.name, m.host]));
    expect(where).toMatchObject({
      'llama3.2:latest': 'ollama',
      'phi3:mini': 'ollama',
      'qwen2.5-coder:7b': 'lab',
      'mistral:7b': 'lab',
      'storiesA:latest': 'llama',
    });
    // the window the engine reports (vLLM's max_model_len), else the one in settings
    expect(o.models.find((m) => m.name === 'mistral:7b')!.contextWindow).toBe(65536);
    expect(o.models.find((m) => m.name === 'qwen2.5-coder:7b')!.contextWindow).toBe(32768);
    const status = await orch.fleetStatus();
    expect(status.hosts.map((h) => [h.name, h.kind, h.managesMemory])).toEqual(
      expect.arrayContaining([
        ['ollama', 'ollama', true],
        ['lab', 'openai', false],
        ['llama', 'llamacpp', true],
      ]),
    );
    // said, not pretended: no memory figures, no load state for what the engine manages itself
    expect(status.hosts.find((h) => h.name === 'lab')).not.toHaveProperty('capacity');
    expect(status.hosts.find((h) => h.name === 'ollama')).toHaveProperty('capacity');
    const listed = renderList(o);
    expect(listed).toMatch(
      /- mistral:7b on lab — size not reported, [^\n]*ctx 65536[^\n]*; its engine loads it on demand \(no memory planned here\)/,
    );
    expect(listed).toMatch(/- phi3:mini on ollama — [\d.]+ GB/);
    const shown = renderStatus(status, '1 GB free for models now (budget 1 GB)');
    expect(shown).toMatch(
      /lab \(OpenAI-compatible, [^)]+\): up; it loads and unloads its models itself, so no memory is planned there/,
    );
    expect(shown).toMatch(/ollama \([^)]+\): RAM /);
  });

  it('a model only the OpenAI-compatible host has, named, is answered there', async () => {
    const { orch, lab } = await fleet();
    const r = await routeAndGenerate(orch, { prompt: 'Say hello', model: 'mistral:7b' });
    expect(r).toMatchObject({ model: 'mistral:7b', host: 'lab', provider: 'openai', text: 'lab mistral:7b answers' });
    expect(r.fallbacks).toEqual([]);
    expect(lab.requestsTo('/v1/chat/completions')[0]!.body).toMatchObject({ model: 'mistral:7b', stream: true });
  });

  it('code work goes to the code specialist the OpenAI-compatible host offers, not a general model elsewhere', async () => {
    const { orch } = await fleet();
    const r = await routeAndGenerate(orch, {
      prompt: 'Write a TypeScript function that debounces another function.',
      task: 'code',
    });
    expect(r).toMatchObject({ model: 'qwen2.5-coder:7b', host: 'lab', provider: 'openai' });
  });

  it('compare runs over an Ollama model, an OpenAI-compatible host’s model and a llama.cpp router’s model', async () => {
    const { orch } = await fleet();
    const r = await compare(orch, {
      prompt: 'Tell me a story',
      models: ['llama3.2', 'qwen2.5-coder:7b', 'storiesA'],
      maxTokens: 40,
    });
    expect([...(r.answered ?? [])].sort()).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b', 'storiesA:latest']);
    expect(Object.fromEntries(r.results.map((e) => [e.model, e.host]))).toEqual({
      'llama3.2:latest': 'ollama',
      'qwen2.5-coder:7b': 'lab',
      'storiesA:latest': 'llama',
    });
    expect(r.summary).toMatch(/hosts ran side by side/);
  });

  it('an OpenAI-compatible host cannot be unloaded: it says so instead of pretending', async () => {
    const { orch } = await fleet();
    const lab = orch.hosts.find((h) => h.name === 'lab')!;
    const load = await lab.loader.ensureLoaded({ model: 'mistral:7b' });
    expect(load).toMatchObject({ action: 'already_loaded', contextLength: 65536 });
    expect(load.reason).toMatch(/loads and unloads its models itself/);
    await expect(lab.engine.unload('mistral:7b')).rejects.toMatchObject({ kind: 'not_supported' });
    // unload_model naming it on that host says so; unloading everything there has nothing to do
    await expect(lab.loader.unload({ models: ['mistral:7b'] })).rejects.toThrow(
      /loads and unloads its models itself; ollm-mcp cannot unload "mistral:7b" there/,
    );
    await expect(lab.loader.unload({ all: true })).resolves.toEqual({ unloaded: [], kept: [], notLoaded: [] });
  });
});

describe('the cloud fallback is the last member', () => {
  const KILLED = 'llama-server process has terminated: signal: killed';

  it.each([
    [
      'HTTP 500 to every load (a killed runner)',
      (box: FakeOllama) => {
        for (let i = 0; i < 20; i++) box.failNext('/api/generate', 500, KILLED);
      },
    ],
    [
      'out of memory on every load',
      (box: FakeOllama) => {
        for (let i = 0; i < 20; i++) box.injectLoadFailure('oom');
      },
    ],
    ['the only local engine unreachable', async (box: FakeOllama) => box.setOffline(true)],
  ])('is asked when every local engine failed: %s', async (_why, breakIt) => {
    const { orch, box, cloud } = await fleet({ fallback: true, labUp: false });
    // the router answers, but serves no general model that fits the work
    await orch.hosts.find((h) => h.name === 'llama')!.engine.version();
    await breakIt(box);
    const r = await routeAndGenerate(orch, {
      prompt: 'What is the capital of France?',
      task: 'general',
      model: 'llama3.2',
    });
    expect(r).toMatchObject({ provider: 'fallback', host: 'fallback', text: 'the cloud answers' });
    expect(r.reason).toMatch(/cloud fallback/);
    expect(r.fallbacks.length).toBeGreaterThan(0);
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(1);
  });

  it.each([
    [
      'every host unreachable',
      async (box: FakeOllama, llama: FakeLlamacpp) => {
        box.setOffline(true);
        await llama.stop();
      },
    ],
    [
      'every generation failing',
      (box: FakeOllama) => {
        for (let i = 0; i < 20; i++) box.failNext('/api/generate', 500, KILLED);
      },
    ],
  ])('a call restricted to one model (only) never reaches the fallback: %s', async (_why, breakIt) => {
    const { orch, box, llama, cloud } = await fleet({ fallback: true, labUp: false });
    await breakIt(box, llama);
    const err = await routeAndGenerate(orch, {
      prompt: 'Say hi in one word.',
      task: 'general',
      model: 'llama3.2',
      only: true,
    }).then(
      () => new Error('it answered'),
      (e: unknown) => e as Error,
    );
    expect(err.name).toBe('RouteError');
    expect(err.message).not.toMatch(/cloud/);
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(0);
    // the same call without only is answered by the fallback
    if (_why !== 'every host unreachable') await breakIt(box, llama);
    const r = await routeAndGenerate(orch, { prompt: 'Say hi in one word.', task: 'general', model: 'llama3.2' });
    expect(r.provider).toBe('fallback');
  });

  it('a file read by path never reaches the fallback by default: the call stops and names the setting', async () => {
    const { orch, box, cloud, home } = await fleet({ fallback: true, labUp: false });
    writeFileSync(join(home, 'secret-notes.md'), 'The launch date is 12 March.');
    const inputs = await gatherInputs(
      { files: ['secret-notes.md'] },
      { base: home, roots: [home], allow: [], maxFileBytes: 1e6, maxImageBytes: 1e6, maxTotalBytes: 1e7, maxFiles: 10 },
      orch.origins,
    );
    for (let i = 0; i < 20; i++) box.failNext('/api/generate', 500, KILLED);
    const err = await offload(orch, { prompt: 'When is the launch?', inputs, model: 'llama3.2' }).then(
      () => new Error('it answered'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/not sent to the cloud fallback .*fallback\.sendInputs/);
    expect(cloud.requestsTo('/v1/chat/completions')).toHaveLength(0);
  });

  it('with fallback.sendInputs: true the same call is answered by the fallback', async () => {
    const { orch, box, cloud, home } = await fleet({ fallback: true, sendInputs: true, labUp: false });
    writeFileSync(join(home, 'notes.md'), 'The launch date is 12 March.');
    const inputs = await gatherInputs(
      { files: ['notes.md'] },
      { base: home, roots: [home], allow: [], maxFileBytes: 1e6, maxImageBytes: 1e6, maxTotalBytes: 1e7, maxFiles: 10 },
      orch.origins,
    );
    for (let i = 0; i < 20; i++) box.failNext('/api/generate', 500, KILLED);
    const r = await offload(orch, { prompt: 'When is the launch?', inputs, model: 'llama3.2' });
    expect(r).toMatchObject({ provider: 'fallback', text: 'the cloud answers' });
    expect(JSON.stringify(cloud.requestsTo('/v1/chat/completions')[0]!.body)).toMatch(/12 March/);
  });
});
