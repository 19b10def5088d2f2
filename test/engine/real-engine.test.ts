/**
 * ollm-mcp against a real llama.cpp llama-server (built by `npm run engine`) serving the real
 * stories model: a router with three copies under different names and --models-max 2, and the
 * same model from a single-model server used as an `openai` host. Skipped when the engine is not
 * built, unless OLLM_REQUIRE_ENGINE=1 (CI builds it and sets that).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import {
  childrenOf,
  type Engine,
  HAVE_ENGINE,
  modelsDir,
  STORIES,
  startEngine,
  stopEngines,
  routerStatuses,
  toEngine,
} from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const RUN = HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1';
const NAMES = ['storiesA', 'storiesB', 'storiesC'];

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
afterAll(stopEngines);

/** An orchestrator whose hosts are an empty fake Ollama and the given settings' hosts. */
async function core(hostsYaml: string, opts: { noOllama?: boolean } = {}) {
  let ollamaUrl = 'http://127.0.0.1:9'; // nothing listens there: no Ollama at all
  if (!opts.noOllama) {
    const ollama = await FakeOllama.start({ models: [] });
    stops.push(() => ollama.stop());
    ollamaUrl = ollama.url;
  }
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), `hosts:\n${hostsYaml}`);
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollamaUrl } });
  const memory = {
    memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
    gpus: async () => [],
  };
  const orch = new Orchestrator(config, { memorySource: memory });
  stops.push(() => orch.shutdown(200));
  return orch;
}

const routerYaml = (e: Engine) => `  - name: llama\n    kind: llamacpp\n    url: ${e.url}\n`;

describe.runIf(RUN)('a real llama-server router', { timeout: 60_000 }, () => {
  let router: Engine;
  beforeAll(async () => {
    router = await startEngine({ dir: modelsDir(NAMES), modelsMax: 2, ctx: 2048 });
  }, 30_000);
  afterEach(async () => {
    for (const id of NAMES)
      await toEngine(`${router.url}/models/unload`, { method: 'POST', body: JSON.stringify({ model: id }) }).catch(
        () => undefined,
      );
    const end = Date.now() + 10_000;
    while (Object.values(await routerStatuses(router.url)).some((s) => s !== 'unloaded') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
  });

  it('lists the three copies with memory from their GGUF headers', async () => {
    const orch = await core(routerYaml(router));
    const o = await orch.listModels({ refresh: true });
    const mine = o.models.filter((m) => m.host === 'llama');
    expect(mine.map((m) => m.name)).toEqual(['storiesA:latest', 'storiesB:latest', 'storiesC:latest']);
    // weights (the file) + f16 KV cache for 2048 tokens: 2 × 5 blocks × 4 KV heads × 8 wide × 2048 × 2 bytes,
    // and the prompt cache in RAM (--cache-ram 8192 MiB by default, bounded by the context's tokens): the KV once more
    expect(mine[0]).toMatchObject({
      sizeBytes: 1_185_632 + 2 * (2 * 5 * 4 * 8 * 2048 * 2),
      family: 'llama',
      contextWindow: 2048,
    });
  });

  it('at --models-max 2, ollm-mcp unloads its own choice first and the router evicts nothing by itself', async () => {
    const orch = await core(routerYaml(router));
    const host = orch.hosts.find((h) => h.name === 'llama')!;
    expect((await host.loader.ensureLoaded({ model: 'storiesA' })).action).toBe('loaded');
    expect((await host.loader.ensureLoaded({ model: 'storiesB' })).action).toBe('loaded');
    // A request runs on storiesA, the router's least recently used model: the router would evict it.
    const running = host.loader.begin('storiesA');
    try {
      const c = await host.loader.ensureLoaded({ model: 'storiesC' });
      expect(c).toMatchObject({ action: 'loaded', unloaded: ['storiesB:latest'] });
    } finally {
      running();
    }
    expect(await routerStatuses(router.url)).toEqual({ storiesA: 'loaded', storiesB: 'unloaded', storiesC: 'loaded' });
  });

  it('route_and_generate returns real text with the engine’s token counts and metrics', async () => {
    const orch = await core(routerYaml(router));
    const r = await routeAndGenerate(orch, { prompt: 'Once upon a time', model: 'storiesB', maxTokens: 64 });
    expect(r).toMatchObject({ provider: 'llamacpp', host: 'llama', model: 'storiesB:latest' });
    expect(r.text).toMatch(/[a-z]{3,}/i);
    expect(r.metrics.promptTokens).toBeGreaterThan(0);
    expect(r.metrics.outputTokens).toBeGreaterThan(0);
    expect(r.metrics.outputTokens).toBeLessThanOrEqual(64);
    expect(r.metrics.tokensPerSecond).toBeGreaterThan(0);
    expect(await routerStatuses(router.url)).toMatchObject({ storiesB: 'loaded' });
  });

  it('cancelling stops the generation in the engine', async () => {
    const orch = await core(routerYaml(router));
    const ac = new AbortController();
    let tokens = 0;
    const p = routeAndGenerate(orch, {
      prompt: 'Once upon a time',
      model: 'storiesC',
      maxTokens: 1500,
      signal: ac.signal,
      onProgress: (n) => {
        tokens = n;
        if (n === 5) ac.abort();
      },
    });
    await expect(p).rejects.toThrow(/cancel/i);
    // no token is told past the cancel, however many the engine had already sent
    expect(tokens).toBe(5);
    // the engine's slot is idle again: it stopped generating when the request closed
    const end = Date.now() + 5000;
    let slots: Array<{ is_processing: boolean }> = [];
    while (Date.now() < end) {
      slots = (await (await toEngine(`${router.url}/slots?model=storiesC`)).json()) as Array<{
        is_processing: boolean;
      }>;
      if (Array.isArray(slots) && slots.every((s) => !s.is_processing)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(slots.every((s) => !s.is_processing)).toBe(true);
  });
});

describe.runIf(RUN)('a real single-model llama-server as an openai host', { timeout: 60_000 }, () => {
  it('answers route_and_generate with real text', async () => {
    const single = await startEngine({ model: STORIES, alias: 'stories', ctx: 2048 });
    stops.push(() => single.kill());
    const orch = await core(`  - name: single\n    kind: openai\n    url: ${single.url}/v1\n`, { noOllama: true });
    const r = await routeAndGenerate(orch, { prompt: 'Once upon a time', maxTokens: 48 });
    expect(r).toMatchObject({ provider: 'openai', host: 'single', model: 'stories' });
    expect(r.text).toMatch(/[a-z]{3,}/i);
    expect(r.metrics.outputTokens).toBeGreaterThan(0);
  });

  it('the router killed mid-stream is a clear error, and the openai host answers', async () => {
    const router = await startEngine({ dir: modelsDir(['storiesA']), modelsMax: 1, ctx: 2048 });
    const single = await startEngine({ model: STORIES, alias: 'stories', ctx: 2048 });
    stops.push(
      () => router.kill(),
      () => single.kill(),
    );
    const orch = await core(`${routerYaml(router)}  - name: single\n    kind: openai\n    url: ${single.url}/v1\n`);
    const r = await routeAndGenerate(orch, {
      prompt: 'Once upon a time',
      model: 'storiesA',
      maxTokens: 1500,
      onProgress: (n, model) => {
        // kill the model's own server (the router's child) while it streams
        if (n === 3 && model === 'storiesA:latest')
          for (const pid of childrenOf(router.proc.pid!)) process.kill(pid, 'SIGKILL');
      },
    });
    expect(r).toMatchObject({ provider: 'openai', host: 'single' });
    expect(r.text).toMatch(/[a-z]{3,}/i);
    expect(r.fallbacks[0]).toMatchObject({ model: 'storiesA:latest on llama' });
    expect(r.fallbacks[0]!.error).toMatch(/broke off after \d+ tokens|ended after \d+ tokens|failed during generation/);
  });
});
