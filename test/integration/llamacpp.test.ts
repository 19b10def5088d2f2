/**
 * A llama.cpp router managed like Ollama, against the fake router (test/fake-llamacpp): its models
 * with memory from the GGUF header, loads that make room first (the router evicts nothing itself),
 * pins brought back, generation with real counts, failures named, pull/delete refused clearly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';
import { runDoctor } from '../../src/orchestrator/doctor.js';
import { renderStatus } from '../../src/tools/status-text.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** weights (the file) + f16 KV for 512 tokens: 2 × 5 blocks × 4 KV heads × 8 wide × 512 × 2 bytes. */
const STORIES_FILE = 1_185_632;
const KV_512 = 2 * 5 * 4 * 8 * 512 * 2;
/**
 * ... + the prompt cache in RAM (--cache-ram, 8192 MiB by default): at most the context's tokens, so the KV
 * once more.
 */
const STORIES_512 = STORIES_FILE + KV_512 + KV_512;

async function setup(opts: { modelsMax?: number; router?: boolean; yaml?: string } = {}) {
  const ollama = await FakeOllama.start({ models: [] });
  const router = await FakeLlamacpp.start({
    models: ['storiesA', 'storiesB', 'storiesC'].map((id) => ({ id, file: STORIES })),
    modelsMax: opts.modelsMax ?? 2,
    ...(opts.router === false && { router: false }),
  });
  stops.push(
    () => ollama.stop(),
    () => router.stop(),
  );
  const home = tempDir('ollm-home-');
  writeFileSync(
    join(home, 'config.yaml'),
    `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n${opts.yaml ?? ''}`,
  );
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
  const memory = {
    memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
    gpus: async () => [],
  };
  const orch = new Orchestrator(config, { memorySource: memory });
  stops.push(() => orch.shutdown(200));
  const host = orch.hosts.find((h) => h.name === 'llama')!;
  return { ollama, router, orch, host };
}

describe('a llama.cpp router host', () => {
  it('lists its models with their status and memory (weights + KV cache for --ctx-size) from the GGUF header', async () => {
    const { orch, router } = await setup();
    await fetch(`${router.url}/models/load`, { method: 'POST', body: JSON.stringify({ model: 'storiesB' }) });
    while (router.status('storiesB') !== 'loaded') await new Promise((r) => setTimeout(r, 10));
    const o = await orch.listModels({ refresh: true });
    const mine = o.models.filter((m) => m.host === 'llama');
    expect(mine.map((m) => m.name)).toEqual(['storiesA:latest', 'storiesB:latest', 'storiesC:latest']);
    expect(mine[0]).toMatchObject({
      sizeBytes: STORIES_512,
      family: 'llama',
      quantization: 'F32',
      parameterSize: '293K',
      contextWindow: 512,
    });
    expect(o.loaded.filter((l) => l.host === 'llama').map((l) => l.name)).toEqual(['storiesB:latest']);
  });

  it(
    'at --models-max, unloads its own choice (the least recently used idle model) before ' +
      'loading, so the router evicts nothing',
    async () => {
      const { router, host } = await setup({ modelsMax: 2 });
      expect((await host.loader.ensureLoaded({ model: 'storiesA' })).action).toBe('loaded');
      expect((await host.loader.ensureLoaded({ model: 'storiesB' })).action).toBe('loaded');
      host.loader.begin('storiesB')(); // B used since A: A is the one to go
      const c = await host.loader.ensureLoaded({ model: 'storiesC' });
      expect(c).toMatchObject({ action: 'loaded', unloaded: ['storiesA:latest'] });
      expect(c.reason).toMatch(/at most 2 models/);
      expect(router.loaded().sort()).toEqual(['storiesB', 'storiesC']);
      expect(router.evicted).toEqual([]);
    },
  );

  it('refuses with the numbers when pins and running requests hold every slot', async () => {
    const { router, host } = await setup({ modelsMax: 2 });
    await host.loader.ensureLoaded({ model: 'storiesA', pin: true });
    await host.loader.ensureLoaded({ model: 'storiesB' });
    const done = host.loader.begin('storiesB');
    const c = await host.loader.ensureLoaded({ model: 'storiesC' });
    done();
    expect(c.action).toBe('refused');
    expect(c.reason).toMatch(
      /holds at most 2 models; storiesA:latest \(.*pinned\), storiesB:latest \(.*busy\) must stay/,
    );
    expect(router.loaded().sort()).toEqual(['storiesA', 'storiesB']);
  });

  it('loads a pin again when the router dropped it', async () => {
    const { router, host } = await setup({ modelsMax: 3 });
    await host.loader.ensureLoaded({ model: 'storiesA', pin: true });
    await fetch(`${router.url}/models/unload`, { method: 'POST', body: JSON.stringify({ model: 'storiesA' }) });
    await host.engine.ps(); // a reading that shows it gone: the keeper loads it again
    const end = Date.now() + 5000;
    while (router.status('storiesA') !== 'loaded' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(router.status('storiesA')).toBe('loaded');
  });

  it('route_and_generate answers there through /v1/chat/completions with the engine’s token counts', async () => {
    const { orch, router } = await setup();
    const r = await routeAndGenerate(orch, { prompt: 'Tell me a story', model: 'storiesB', maxTokens: 100 });
    expect(r).toMatchObject({
      model: 'storiesB:latest',
      host: 'llama',
      text: 'Once upon a time, there was a little girl named Lily.',
    });
    expect(r.metrics.outputTokens).toBe(11);
    expect(r.metrics.promptTokens).toBeGreaterThan(0);
    expect(router.requests.filter((q) => q.path === '/models/load').map((q) => q.body)).toEqual([
      { model: 'storiesB' },
    ]);
    expect(router.requests.some((q) => q.path === '/v1/chat/completions')).toBe(true);
  });

  it('a load that fails is an error naming the server and what to do', async () => {
    const { router, host } = await setup();
    router.failing.add('storiesA');
    const err = await host.loader.ensureLoaded({ model: 'storiesA' }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(
        `llama-server at 127.0.0.1:${router.port} could not load storiesA:latest: its last load failed.*router's log`,
      ),
    );
  });

  it('pull and delete are refused with what to do instead', async () => {
    const { host } = await setup();
    const pull = await host.engine.pull('storiesD', { onLine: () => undefined }).catch((e: unknown) => e as Error);
    expect((pull as Error).message).toMatch(/cannot download models — put the \.gguf file in its --models-dir/);
    const del = await host.engine.delete('storiesA').catch((e: unknown) => e as Error);
    expect((del as Error).message).toMatch(/cannot delete "storiesA" — remove its \.gguf file/);
  });

  it('a single-model llama-server is read only: its model shows loaded, loading elsewhere is refused', async () => {
    const { host } = await setup({ router: false });
    expect((await host.engine.ps()).map((r) => r.name)).toEqual(['storiesA:latest']);
    expect((await host.loader.ensureLoaded({ model: 'storiesA' })).action).toBe('already_loaded');
  });

  it('ollm://fleet, show_status and doctor show the router: kind, --models-max, each model with status and memory', async () => {
    const { orch, router, host } = await setup({ modelsMax: 2 });
    await host.loader.ensureLoaded({ model: 'storiesA', pin: true });
    router.failing.add('storiesC');
    await fetch(`${router.url}/models/load`, { method: 'POST', body: JSON.stringify({ model: 'storiesC' }) });
    await new Promise((r) => setTimeout(r, 60));
    const fleet = await orch.fleetStatus();
    const llama = fleet.hosts.find((h) => h.name === 'llama')!;
    expect(llama).toMatchObject({
      kind: 'llamacpp',
      reachable: true,
      router: true,
      modelsMax: 2,
      loaded: [{ name: 'storiesA:latest', pinned: true }],
    });
    expect('models' in llama && llama.models).toEqual([
      expect.objectContaining({
        name: 'storiesA:latest',
        status: 'loaded',
        sizeBytes: STORIES_512,
        sizeSource: 'gguf',
        contextLength: 512,
      }),
      expect.objectContaining({ name: 'storiesB:latest', status: 'unloaded' }),
      expect.objectContaining({
        name: 'storiesC:latest',
        status: 'failed',
        failure: 'its last load failed (exit code 1)',
      }),
    ]);
    const text = renderStatus(fleet, '1 GB free for models now (budget 1 GB)');
    expect(text).toMatch(
      /llama \(llama\.cpp b12600, 127\.0\.0\.1:\d+\): .*\n- storiesA:latest: 0\.0 GB, pinned, kept loaded\n- router: at most 2 loaded; also storiesB:latest \(unloaded, 0\.0 GB\), storiesC:latest \(failed, 0\.0 GB\)/,
    );
    const report = await runDoctor(orch);
    expect(report.checks.find((c) => c.name === 'Host llama')).toMatchObject({
      level: 'warn',
      detail: expect.stringMatching(
        /^llama-server b12600-fa4e000 \(router\) at 127\.0\.0\.1:\d+, at most 2 models loaded: 3 models, 1 loaded, failed to load: storiesC:latest$/,
      ),
    });
  });

  it('doctor warns when a model’s memory is unknown (its file is not readable here)', async () => {
    const ollama = await FakeOllama.start({ models: [] });
    const router = await FakeLlamacpp.start({ models: [{ id: 'remote', file: '/nowhere/remote.gguf' }] });
    stops.push(
      () => ollama.stop(),
      () => router.stop(),
    );
    const home = tempDir('ollm-home-');
    writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
    const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }));
    stops.push(() => orch.shutdown(200));
    const check = (await runDoctor(orch)).checks.find((c) => c.name === 'Host llama');
    expect(check).toMatchObject({ level: 'warn', fix: expect.stringContaining('hosts.llama.modelSizes') });
    expect(check?.detail).toMatch(/the memory of remote:latest is unknown/);
  });

  it('the engine killed mid-stream is a clear error, and the next host answers', async () => {
    const backup = await FakeOpenAI.start({ models: ['backup-model'] });
    stops.push(() => backup.stop());
    const { orch, router } = await setup({ yaml: `  - name: backup\n    kind: openai\n    url: ${backup.url}\n` });
    const r = await routeAndGenerate(orch, {
      prompt: 'Tell me a story',
      model: 'storiesA',
      maxTokens: 100,
      onProgress: (n) => {
        if (n === 3) void router.kill();
      },
    });
    expect(r).toMatchObject({ provider: 'openai', host: 'backup', model: 'backup-model' });
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.fallbacks[0]).toMatchObject({ model: 'storiesA:latest on llama' });
    expect(r.fallbacks[0]!.error).toMatch(
      new RegExp(`stream from .*127.0.0.1:${router.port}.* broke off after 3 tokens`),
    );
  });
});
