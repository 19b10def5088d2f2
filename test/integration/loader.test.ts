import { afterEach, describe, expect, it } from 'vitest';
import { HostError } from '../../src/orchestrator/index.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

/** A 12 GB machine whose RAM is the fake's memory; the budget is all of it, no buffer. */
const MEMORY = 12e9;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\nmodel:\n  keepAlive:\n    timeout: 15m\n';

let fake: FakeOllama;
afterEach(async () => {
  await fake?.stop();
});

async function setup(yaml = YAML, memory = MEMORY) {
  fake = await FakeOllama.start({ memoryBytes: memory, loadMsPerGB: 2 });
  const core = await coreFor(fake, { totalBytes: memory, yaml });
  return core;
}

const loadedNames = () =>
  fake
    .loaded()
    .map((m) => m.name)
    .sort();
const generatePosts = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/generate').length;

/** Ollama was never made to evict or refuse a load: ollm-mcp planned every byte. */
function expectNoOvercommit() {
  const s = fake.stats();
  expect(s.forcedEvictions).toEqual([]);
  expect(s.refusedLoads).toEqual([]);
  expect(s.peakUsedBytes).toBeLessThanOrEqual(MEMORY);
}

describe('smart loading against the fake Ollama', () => {
  it('loads a model that fits without unloading anything, with the configured keep_alive', async () => {
    const core = await setup();
    const out = await smartLoad(core, { model: 'llama3.2' });
    expect(out).toMatchObject({
      model: 'llama3.2:latest',
      action: 'loaded',
      unloaded: [],
      pinned: false,
      keepAlive: '15m',
      contextLength: 4096,
    });
    expect(out.loadMs).toBeGreaterThan(0);
    expect(loadedNames()).toEqual(['llama3.2:latest']);
    expect(fake.loaded()[0]!.keepAliveMs).toBe(15 * 60_000);
    expectNoOvercommit();
  });

  it('unloads exactly the smallest sufficient set, least recently used, then loads', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'qwen2.5-coder:7b' });
    await smartLoad(core, { model: 'llama3.2' });
    // llava needs ~7.8 GB with margin and KV cache; ~4.6 GB is free. Unloading the coder (4.9 GB) suffices.
    const out = await smartLoad(core, { model: 'llava:7b' });
    expect(out.action).toBe('loaded');
    expect(out.unloaded).toEqual(['qwen2.5-coder:7b']);
    expect(loadedNames()).toEqual(['llama3.2:latest', 'llava:7b']);
    expectNoOvercommit();
    expect(fake.stats().unloads).toBe(1);
  });

  it('a dry run returns the plan and changes nothing', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'qwen2.5-coder:7b' });
    await smartLoad(core, { model: 'llama3.2' });
    const before = generatePosts();
    const plan = await smartLoad(core, { model: 'llava:7b', dryRun: true });
    expect(plan).toMatchObject({ action: 'would_load', unloaded: ['qwen2.5-coder:7b'] });
    expect(generatePosts()).toBe(before);
    expect(loadedNames()).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']);
  });

  it('refuses a model bigger than the budget, with the numbers and a smaller alternative', async () => {
    const core = await setup();
    const out = await smartLoad(core, { model: 'mixtral:8x7b' });
    expect(out.action).toBe('refused');
    expect(out.requiredBytes).toBeGreaterThan(MEMORY);
    expect(out.reason).toMatch(
      /needs 3\d\.\d GB \(26\.4 GB \+ 20%.*more than this host allows for one model \(12\.0 GB/,
    );
    expect(out.alternative?.model).toBe('llama3.2:latest');
    expect(out.reason).toMatch(/Try llama3\.2:latest instead/);
    expect(fake.loaded()).toEqual([]);
    expectNoOvercommit();
  });

  it('a pinned model survives every plan: the plan refuses rather than unload it', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'qwen2.5-coder:7b', pin: true });
    expect(fake.loaded()[0]!.expiresAt.getFullYear()).toBeGreaterThan(2200); // keep_alive -1
    await smartLoad(core, { model: 'llama3.2' });
    const out = await smartLoad(core, { model: 'llava:7b' });
    expect(out.action).toBe('refused');
    expect(out.reason).toMatch(/qwen2\.5-coder:7b \(4\.\d GB, pinned\) must stay/);
    expect(loadedNames()).toContain('qwen2.5-coder:7b');
    expectNoOvercommit();
  });

  it('pins from settings are kept and loaded at start-up when they fit', async () => {
    const core = await setup(`${YAML}    models: [phi3:mini]\n`);
    expect(core.loader.pins.has('phi3:mini')).toBe(true);
    await core.loader.loadPins();
    expect(fake.loaded()).toMatchObject([{ name: 'phi3:mini' }]);
    expect(fake.loaded()[0]!.expiresAt.getFullYear()).toBeGreaterThan(2200);
    const loads = fake.stats().loads;
    await core.loader.releasePins(); // at shutdown: back to the normal idle timeout
    expect(fake.loaded()[0]!.keepAliveMs).toBe(15 * 60_000);
    // same context: no reload
    expect({ loads: fake.stats().loads - loads, reloads: fake.stats().reloads }).toEqual({ loads: 0, reloads: [] });
  });

  it('never unloads a model with a request running', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'qwen2.5-coder:7b' });
    await smartLoad(core, { model: 'llama3.2' });
    const done = core.loader.begin('qwen2.5-coder:7b');
    const busy = await smartLoad(core, { model: 'llava:7b' });
    expect(busy.action).toBe('refused');
    expect(busy.reason).toMatch(/busy/);
    done();
    expect((await smartLoad(core, { model: 'llava:7b' })).unloaded).toEqual(['qwen2.5-coder:7b']);
  });

  it(
    'a load for work waits for the request on the model that must go, then unloads it and ' +
      'loads: never refused for it',
    async () => {
      const core = await setup();
      await smartLoad(core, { model: 'qwen2.5-coder:7b' });
      await smartLoad(core, { model: 'llama3.2' });
      const done = core.loader.begin('qwen2.5-coder:7b');
      let settled = false;
      const waiting = core.loader
        .ensureLoaded({ model: 'llava:7b', waitWhileBusy: true })
        .finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300)); // planned and refused once: now waiting, nothing unloaded
      expect(settled).toBe(false);
      expect(loadedNames()).toContain('qwen2.5-coder:7b');
      done();
      const out = await waiting;
      expect(out).toMatchObject({ action: 'loaded', unloaded: ['qwen2.5-coder:7b'] });
      expect(loadedNames()).toContain('llava:7b');
      expectNoOvercommit();
    },
  );

  it('a load for work that waits for a busy model ends when the call is cancelled, refused', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'qwen2.5-coder:7b' });
    await smartLoad(core, { model: 'llama3.2' });
    const done = core.loader.begin('qwen2.5-coder:7b');
    const stop = new AbortController();
    const waiting = core.loader.ensureLoaded({ model: 'llava:7b', waitWhileBusy: true, signal: stop.signal });
    setTimeout(() => stop.abort(), 200);
    expect((await waiting).action).toBe('refused');
    expect(loadedNames()).toContain('qwen2.5-coder:7b');
    done();
  });

  it('concurrent requests for one model share one load', async () => {
    const core = await setup();
    const outs = await Promise.all([
      smartLoad(core, { model: 'llava:7b' }),
      smartLoad(core, { model: 'llava:7b' }),
      smartLoad(core, { model: 'llava:7b', dryRun: false }),
    ]);
    expect(fake.loadCount('llava:7b')).toBe(1);
    expect(outs.map((o) => o.model)).toEqual(['llava:7b', 'llava:7b', 'llava:7b']);
  });

  it('concurrent loads of different models are serialised: both cannot believe they fit', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'llama3.2' });
    // coder (5.9 GB) and llava (7.8 GB) each fit beside llama3.2, but not together.
    const [a, b] = await Promise.all([
      smartLoad(core, { model: 'qwen2.5-coder:7b' }),
      smartLoad(core, { model: 'llava:7b' }),
    ]);
    expect(a.action).toBe('loaded');
    expect(b.action).toBe('loaded');
    expect(b.unloaded.length).toBeGreaterThan(0);
    expectNoOvercommit();
  });

  it('re-reads /api/ps: a model Ollama expired on its own is not counted', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'qwen2.5-coder:7b', keepAlive: '200ms' });
    await smartLoad(core, { model: 'llama3.2' });
    await new Promise((r) => setTimeout(r, 400));
    const out = await smartLoad(core, { model: 'llava:7b' });
    expect(out).toMatchObject({ action: 'loaded', unloaded: [] });
    expectNoOvercommit();
  });

  it('a failed load is a clear error and leaves the state readable', async () => {
    const core = await setup();
    fake.failNext('/api/generate', 500, 'llama runner process has terminated: signal: killed');
    const err = (await smartLoad(core, { model: 'llama3.2' }).catch((e: unknown) => e)) as HostError;
    expect(err).toBeInstanceOf(HostError);
    // a runner that died while loading is how Ollama reports running out of memory (often without the word)
    expect(err.kind).toBe('out_of_memory');
    expect(err.message).toMatch(
      /could not load "llama3\.2:latest": llama runner process has terminated.*choose a smaller one/,
    );
    expect(fake.loaded()).toEqual([]);
    expect((await smartLoad(core, { model: 'llama3.2' })).action).toBe('loaded');
  });

  it('pinning an already loaded model keeps its context, so Ollama does not reload it', async () => {
    const core = await setup();
    const warm = await fetch(`${fake.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2:latest', options: { num_ctx: 8192 } }),
    });
    await warm.text();
    const out = await smartLoad(core, { model: 'llama3.2', pin: true });
    expect(out).toMatchObject({ action: 'already_loaded', pinned: true, contextLength: 8192 });
    expect(fake.loadCount('llama3.2:latest')).toBe(1);
    expect(fake.loaded()[0]!.expiresAt.getFullYear()).toBeGreaterThan(2200);
  });

  it('an unknown model says to pull it', async () => {
    const core = await setup();
    await expect(smartLoad(core, { model: 'ghost:7b' })).rejects.toThrow(/ollama pull ghost:7b/);
  });
});

describe('choosing by task', () => {
  it('code goes to a code model, images to a vision model', async () => {
    const core = await setup();
    expect((await smartLoad(core, { task: 'code', dryRun: true })).model).toBe('qwen2.5-coder:7b');
    expect((await smartLoad(core, { task: 'debugging', dryRun: true })).model).toBe('qwen2.5-coder:7b');
    expect((await smartLoad(core, { task: 'vision', dryRun: true })).model).toBe('llava:7b');
  });

  it('an already loaded suitable model comes first', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini' });
    const out = await smartLoad(core, { task: 'general' });
    expect(out).toMatchObject({ model: 'phi3:mini', action: 'already_loaded' });
    expect(out.choice).toMatch(/already loaded/);
  });

  it('honours model.routing.overrides', async () => {
    const core = await setup(`${YAML}  routing:\n    overrides:\n      general: phi3:mini\n`);
    const out = await smartLoad(core, { task: 'general', dryRun: true });
    expect(out.model).toBe('phi3:mini');
    expect(out.choice).toMatch(/configured for general/);
  });

  it('with no model for the work, says what to pull', async () => {
    fake = await FakeOllama.start({ memoryBytes: MEMORY, models: [] });
    const core = await coreFor(fake, { totalBytes: MEMORY, yaml: YAML });
    await expect(smartLoad(core, { task: 'vision' })).rejects.toThrow(/ollama pull llava:7b/);
  });
});

describe('unloading', () => {
  it('by name unpins and unloads; all keeps pinned models unless asked; a busy model stays', async () => {
    const core = await setup(YAML, 16e9);
    await smartLoad(core, { model: 'phi3:mini', pin: true });
    await smartLoad(core, { model: 'llama3.2' });
    await smartLoad(core, { model: 'qwen2.5-coder:7b' });
    const done = core.loader.begin('qwen2.5-coder:7b');

    const all = await core.loader.unload({ all: true });
    expect(all.unloaded).toEqual(['llama3.2:latest']);
    expect(all.kept.map((k) => k.model).sort()).toEqual(['phi3:mini', 'qwen2.5-coder:7b']);
    done();

    const named = await core.loader.unload({ models: ['phi3:mini', 'gemma3:4b'] });
    expect(named).toMatchObject({ unloaded: ['phi3:mini'], notLoaded: ['gemma3:4b'] });
    expect(core.loader.pins.has('phi3:mini')).toBe(false);
    expect(loadedNames()).toEqual(['qwen2.5-coder:7b']);
  });
});
