/**
 * Issue 44's finding against the real llama-server router (built by `npm run engine`; CI sets
 * OLLM_REQUIRE_ENGINE=1): --models-max 2 --sleep-idle-seconds 1. Pin alpha, use beta, wait until
 * both sleep, ask for gamma: answered (no wait on a status that never comes), the pinned alpha
 * not unloaded — the router's LRU would have taken it, so ollm-mcp unloads the idle beta first.
 * Waits real seconds (the router's idle timer): a slow test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { HAVE_ENGINE, modelsDir, startEngine, stopEngines, routerStatuses, toEngine } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

const RUN = HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
afterAll(stopEngines);

describe.runIf(RUN)('a real llama-server router that sleeps idle models', () => {
  it('pin alpha, use beta, both asleep, ask gamma: answered, the pinned alpha stays', { timeout: 60_000 }, async () => {
    const router = await startEngine({ dir: modelsDir(['alpha', 'beta', 'gamma']), modelsMax: 2, ctx: 512 }, [
      '--sleep-idle-seconds',
      '1',
    ]);
    stops.push(() => router.kill());
    const ollama = await FakeOllama.start({ models: [] });
    stops.push(() => ollama.stop());
    const home = tempDir('ollm-home-');
    writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
    const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
    const memory = {
      memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    };
    const orch = new Orchestrator(config, { memorySource: memory });
    stops.push(() => orch.shutdown(200));
    const host = orch.hosts.find((h) => h.name === 'llama')!;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    stops.push(async () => process.off('warning', onWarning));

    expect(await host.loader.ensureLoaded({ model: 'alpha', pin: true })).toMatchObject({
      action: 'loaded',
      pinned: true,
    });
    await routeAndGenerate(orch, { prompt: 'Once upon a time', model: 'beta', maxTokens: 16 });
    const end = Date.now() + 20_000;
    let now = await routerStatuses(router.url);
    while (!(now['alpha'] === 'sleeping' && now['beta'] === 'sleeping') && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      now = await routerStatuses(router.url);
    }
    expect(now).toMatchObject({ alpha: 'sleeping', beta: 'sleeping', gamma: 'unloaded' });

    const r = await routeAndGenerate(orch, { prompt: 'Once upon a time', model: 'gamma', maxTokens: 16 });
    expect(r).toMatchObject({ provider: 'llamacpp', host: 'llama', model: 'gamma:latest' });
    expect(r.text).toMatch(/[a-z]{3,}/i);
    const after = await routerStatuses(router.url);
    expect(after['alpha']).not.toBe('unloaded'); // loaded or asleep again: still there
    expect(after['beta']).toBe('unloaded');
    expect(after['gamma']).not.toBe('unloaded');
    expect(host.loader.pins.has('alpha:latest')).toBe(true);
    expect(router.log()).not.toMatch(/unload_lru: models_max limit reached/);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it(
    "a running model's own window and slots: -np -1 gives 4 slots sharing one window",
    { timeout: 60_000 },
    async () => {
      // -np -1 (the default): the router starts each model with automatic slots and a unified KV cache
      const router = await startEngine({ dir: modelsDir(['alpha']), modelsMax: 1, ctx: 1024 }, ['-np', '-1']);
      stops.push(() => router.kill());
      const ollama = await FakeOllama.start({ models: [] });
      stops.push(() => ollama.stop());
      const home = tempDir('ollm-home-');
      writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
      const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
      const orch = new Orchestrator(config, {
        memorySource: {
          memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
          gpus: async () => [],
        },
      });
      stops.push(() => orch.shutdown(200));
      const host = orch.hosts.find((h) => h.name === 'llama')!;
      await host.loader.ensureLoaded({ model: 'alpha' });
      const alpha = (await host.engine.report!()).models.find((m) => m.id === 'alpha')!;
      const props = (await (await toEngine(`${router.url}/props?model=alpha&autoload=false`)).json()) as {
        total_slots: number;
        default_generation_settings: { n_ctx: number };
      };
      // as seen with this build
      expect(props).toMatchObject({ total_slots: 4, default_generation_settings: { n_ctx: 1024 } });
      // every slot may use the whole window, and the KV cache is that window once (not once per slot)
      expect(alpha).toMatchObject({ contextLength: 1024, slots: 4, kvBytes: 2 * 5 * 4 * 8 * 1024 * 2 });
    },
  );
});
