/**
 * A llama-server router that sleeps idle models (--sleep-idle-seconds), against the fake router
 * (test/fake-llamacpp, sleepIdleMs): issue 44's finding — pin alpha, use beta, both fall asleep,
 * ask for gamma — is answered without a wait on a status that never comes, and ollm-mcp makes
 * room with the idle beta so the router's LRU does not unload the pinned alpha.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp, type FakeLlamaModel } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const SLEEP_MS = 300;

async function setup(models: FakeLlamaModel[] = ['alpha', 'beta', 'gamma'].map((id) => ({ id, file: STORIES }))) {
  const ollama = await FakeOllama.start({ models: [] });
  const router = await FakeLlamacpp.start({ models, modelsMax: 2, sleepIdleMs: SLEEP_MS });
  stops.push(
    () => ollama.stop(),
    () => router.stop(),
  );
  const home = tempDir('ollm-home-');
  // a load limit of minutes, as by default: a wait on a status that never comes would outlast the test
  writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
  const memory = {
    memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
    gpus: async () => [],
  };
  const orch = new Orchestrator(config, { memorySource: memory });
  stops.push(() => orch.shutdown(200));
  const host = orch.hosts.find((h) => h.name === 'llama')!;
  return { router, orch, host };
}

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a router that sleeps idle models', () => {
  it('pin alpha, use beta, both asleep, ask gamma: answered, beta makes room, the pinned alpha stays', async () => {
    const { router, orch, host } = await setup();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      expect(await host.loader.ensureLoaded({ model: 'alpha', pin: true })).toMatchObject({
        action: 'loaded',
        pinned: true,
      });
      await routeAndGenerate(orch, { prompt: 'Once upon a time', model: 'beta', maxTokens: 8 });
      await until(() => router.status('alpha') === 'sleeping' && router.status('beta') === 'sleeping');
      // the pin keeper reads the router meanwhile: a sleeping pin is there, nothing is restored
      await host.engine.ps();
      const r = await routeAndGenerate(orch, { prompt: 'Once upon a time', model: 'gamma', maxTokens: 8 });
      expect(r).toMatchObject({ host: 'llama', model: 'gamma:latest' });
      expect(r.text.length).toBeGreaterThan(0);
      expect(router.evicted).toEqual([]);
      expect(router.running().sort()).toEqual(['alpha', 'gamma']);
      expect(router.status('beta')).toBe('unloaded');
      expect(host.loader.pins.has('alpha:latest')).toBe(true);
      // nothing asked the router to load the sleeping alpha again
      expect(
        router.requests.filter((q) => q.path === '/models/load').map((q) => (q.body as { model: string }).model),
      ).toEqual(['alpha', 'beta', 'gamma']);
      expect(r.notes?.join(' ') ?? '').not.toMatch(/unloaded by/);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('a sleeping model is listed running with no memory held; a request wakes it', async () => {
    const { router, orch, host } = await setup();
    await host.loader.ensureLoaded({ model: 'alpha' });
    await until(() => router.status('alpha') === 'sleeping');
    const ps = await host.engine.ps();
    expect(ps).toEqual([expect.objectContaining({ name: 'alpha:latest', size: 0, asleep: true })]);
    const report = await host.engine.report!();
    expect(report.models.find((m) => m.id === 'alpha')).toMatchObject({ status: 'sleeping', sizeSource: 'gguf' });
    expect(report.models.find((m) => m.id === 'alpha')!.sizeBytes).toBeGreaterThan(0); // what it takes awake
    // asking for it again loads nothing: it is there
    expect(await host.loader.ensureLoaded({ model: 'alpha' })).toMatchObject({ action: 'already_loaded' });
    const r = await routeAndGenerate(orch, { prompt: 'Once upon a time', model: 'alpha', maxTokens: 8 });
    expect(r.model).toBe('alpha:latest');
    expect(router.woken).toEqual(['alpha']);
    expect(router.requests.filter((q) => q.path === '/models/load')).toHaveLength(1);
  });

  it('at --models-max a sleeping model is unloaded before a loaded one that was used later', async () => {
    const { router, host } = await setup();
    await host.loader.ensureLoaded({ model: 'alpha' });
    host.loader.begin('alpha')();
    await until(() => router.status('alpha') === 'sleeping');
    await host.loader.ensureLoaded({ model: 'beta' });
    // beta was used last by the router's clock too; alpha sleeps
    const c = await host.loader.ensureLoaded({ model: 'gamma' });
    expect(c).toMatchObject({ action: 'loaded', unloaded: ['alpha:latest'] });
    expect(router.evicted).toEqual([]);
  });

  it(
    "a running model's window and slots are its server's own (/props?model=), as --fit and -np " + '-1 set them',
    async () => {
      const { router, host } = await setup([
        { id: 'alpha', file: STORIES, ctxSize: 2048, runtime: { nCtx: 1024, slots: 4 } },
        { id: 'beta', file: STORIES, ctxSize: 2048 },
      ]);
      const before = await host.engine.report!();
      expect(before.models.find((m) => m.id === 'alpha')).toMatchObject({ status: 'unloaded', contextLength: 2048 });
      await host.loader.ensureLoaded({ model: 'alpha' });
      const after = await host.engine.report!();
      const alpha = after.models.find((m) => m.id === 'alpha')!;
      // no --parallel: one KV cache of 1024 tokens (after --fit) shared by 4 slots
      expect(alpha).toMatchObject({
        status: 'loaded',
        contextLength: 1024,
        slots: 4,
        kvBytes: 2 * 5 * 4 * 8 * 1024 * 2,
      });
      const ps = await host.engine.ps();
      expect(ps.find((m) => m.name === 'alpha:latest')).toMatchObject({ context_length: 1024 });
      // the catalog, read again, takes the window it runs with (a new card)
      expect((await host.catalog.get('alpha:latest', { refresh: true }))?.contextWindow).toBe(1024);
      // asked without loading anything: beta stays unloaded
      expect(router.status('beta')).toBe('unloaded');
      // once unloaded, the window of its last run stands
      await host.loader.unload({ models: ['alpha'] });
      expect((await host.engine.report!()).models.find((m) => m.id === 'alpha')).toMatchObject({
        status: 'unloaded',
        contextLength: 1024,
      });
    },
  );
});
