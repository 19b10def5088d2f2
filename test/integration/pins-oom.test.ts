// Pinned models come back after evictions this server did not ask for: Ollama expiring every runner
// after an out-of-memory during generation, another client's unload, Ollama's own eviction, a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { DEFAULT_REGISTRY, FakeOllama, type FakeOllamaOptions } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const GB = 1e9;
const GiB = 1024 ** 3;
let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const CTX_4K = 'ollama:\n  contextLength: 4096\nram:\n  budget: "100%"\n  bufferBytes: 0\n';

async function setup(opts: FakeOllamaOptions = {}) {
  fake = await FakeOllama.start({
    memoryBytes: 32 * GB,
    gpus: [{ vramBytes: 24 * GiB }],
    defaultNumCtx: 4096,
    loadDelayMs: 1,
    tokenDelayMs: 0,
    models: DEFAULT_REGISTRY,
    ...opts,
  });
  return coreFor(fake, { totalBytes: 32 * GB, yaml: CTX_4K });
}

/** Whether the fake holds `name` loaded (not on its way out). */
const holds = (f: FakeOllama, name: string) => f.loaded().some((m) => m.name === name && !m.unloading);

/** Polls the fake every 10 ms until `ok`, failing after `ms`. */
async function until(ok: () => boolean, ms = 3000): Promise<number> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms)
      throw new Error(`not within ${ms} ms: ${JSON.stringify(fake?.loaded().map((m) => [m.name, m.unloading]))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

describe('an out-of-memory during generation expires every runner, the pinned one included', () => {
  it('the pinned model that was generating is loaded again right after the answer', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini', pin: true });
    fake!.injectGenerationFailure({ model: 'phi3:mini', afterChunks: 1 });
    const r = await routeAndGenerate(core, { prompt: 'Explain what a mutex is in two sentences', model: 'phi3:mini' });
    expect(r.model).not.toBe('phi3:mini'); // the next candidate answered
    expect(r.fallbacks[0]!.error).toMatch(/out of memory/);
    await until(() => holds(fake!, 'phi3:mini'));
    expect(fake!.loaded().find((m) => m.name === 'phi3:mini')!.keepAliveMs).toBe(Infinity);
  });

  it('with slow unloads (Ollama unloads one runner at a time), a pinned bystander is loaded again once it has gone', async () => {
    const core = await setup({ unloadDelayMs: 300 });
    await smartLoad(core, { model: 'phi3:mini', pin: true });
    await smartLoad(core, { model: 'llama3.2' });
    fake!.injectGenerationFailure({ model: 'llama3.2', afterChunks: 1 });
    const r = await routeAndGenerate(core, { prompt: 'Explain what a mutex is in two sentences', model: 'llama3.2' });
    expect(r.fallbacks[0]!.error).toMatch(/out of memory/);
    await until(() => holds(fake!, 'phi3:mini'));
    expect(fake!.stats().forcedEvictions.map((e) => e.evicted)).toContain('phi3:mini');
  });

  it('the failed attempt says the pin was loaded again, and the next result does not say it twice', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini', pin: true });
    fake!.injectGenerationFailure({ model: 'phi3:mini', afterChunks: 1 });
    const r = await routeAndGenerate(core, { prompt: 'Say hi', model: 'phi3:mini' });
    expect(r.fallbacks[0]!.error).toMatch(
      /out of memory.*Ollama unloaded phi3:mini after it; pinned phi3:mini was loaded again/,
    );
    expect(holds(fake!, 'phi3:mini')).toBe(true);
    expect(core.pinNotes()).toEqual([]);
  });
});

describe('an unload this server did not ask for', () => {
  it(
    "another client's unload: the next reading of /api/ps loads the pin again, and the next " + 'list says so',
    async () => {
      const core = await setup();
      await smartLoad(core, { model: 'phi3:mini', pin: true });
      await fetch(`${fake!.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'phi3:mini', keep_alive: 0 }),
      });
      await until(() => !fake!.loaded().some((m) => m.name === 'phi3:mini'));
      const loadsBefore = fake!.loadCount('phi3:mini');
      const first = await core.listModels({ refresh: true });
      await until(() => holds(fake!, 'phi3:mini'));
      expect(fake!.loadCount('phi3:mini')).toBe(loadsBefore + 1);
      // the note joins the first result read after the restore is done (it finishes in the background)
      const notes = [...(first.notes ?? [])];
      for (let i = 0; i < 100 && notes.length === 0; i++) {
        notes.push(...((await core.listModels()).notes ?? []));
        if (notes.length === 0) await new Promise((r) => setTimeout(r, 10));
      }
      expect(notes).toEqual([
        expect.stringMatching(
          /^Pinned phi3:mini was unloaded by Ollama \(this server did not ask for it\) and was loaded again\.$/,
        ),
      ]);
      expect((await core.listModels()).notes).toBeUndefined(); // said once
    },
  );

  it(
    "Ollama's own eviction (its loaded-model limit, for another client's load) brings the pin " + 'back when it fits',
    async () => {
      const core = await setup({ maxLoadedModels: 1 });
      await smartLoad(core, { model: 'phi3:mini', pin: true });
      await fetch(`${fake!.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.2', keep_alive: 0, prompt: 'hi', stream: false }),
      });
      await until(() => !fake!.loaded().some((m) => m.name === 'llama3.2:latest'));
      await core.fleetStatus();
      await until(() => holds(fake!, 'phi3:mini'));
    },
  );

  it('a model unpinned by unloading it by name is not loaded again', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini', pin: true });
    await core.loader.unload({ models: ['phi3:mini'] });
    await core.listModels({ refresh: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(fake!.loaded()).toEqual([]);
  });
});
