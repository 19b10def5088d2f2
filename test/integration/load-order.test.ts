/**
 * One planner for several clients, not slower than blind ones (issue 64, Deliver 5): the loads
 * waiting on a host run in the order that unloads least (load-order.ts), and a model whose request
 * just ended is left a moment to the next one while others work here (Loader's LINGER_MS). On the
 * team bench's GPU box (24 GiB; at its 32k context qwen3:8b takes 10.3 GB, gemma3:4b 9.2 GB,
 * llava:7b 7.1 GB, qwen2.5-coder:7b 6.8 GB; Ollama admits a model into 80% of the free VRAM).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const GiB = 1024 ** 3;
const MODELS = ['qwen2.5-coder:7b', 'llava:7b', 'qwen3:8b', 'gemma3:4b'];
let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function box() {
  fake = await FakeOllama.start({
    models: DEFAULT_REGISTRY.filter((m) => MODELS.includes(m.name)),
    memoryBytes: 32e9,
    gpus: [{ vramBytes: 24 * GiB }],
    loadDelayMs: 1,
  });
  return coreFor(fake, { totalBytes: 32e9 });
}

/** The box with `models` loaded, in that order. */
async function boxWith(...models: string[]) {
  const core = await box();
  for (const model of models) await core.loader.ensureLoaded({ model });
  return core;
}

/** A progress reporter keeping what each wait says. */
const recorder = (list: string[]) => ({
  enter: (p: { kind: string; for?: string }) => void (p.kind === 'waiting' && list.push(p.for ?? '')),
});

const loaded = () =>
  fake!
    .loaded()
    .map((m) => m.name)
    .sort();
/** keep_alive 0 unloads the server asked for, by model. */
const unloadsAsked = () =>
  fake!.requests
    .filter((r) => (r.body as { keep_alive?: unknown } | undefined)?.keep_alive === 0)
    .map((r) => (r.body as { model: string }).model);

describe('loads waiting on one host', () => {
  it('run in the order that unloads least: a load that fits goes before one that would leave it no room', async () => {
    const core = await box();
    await core.loader.ensureLoaded({ model: 'qwen3:8b' });
    fake!.setLatency('/api/generate', 600); // llava's load holds the queue while the two requests come
    const blocker = core.loader.ensureLoaded({ model: 'llava:7b' });
    await vi.waitFor(
      () =>
        expect(fake!.requests.some((r) => (r.body as { model?: string } | undefined)?.model === 'llava:7b')).toBe(true),
      { interval: 5 },
    );
    fake!.setLatency('/api/generate', 0);
    // first come: gemma3 (needs one of llava, qwen3 gone), then the coder (fits beside llava and qwen3 as they are).
    // In that order, gemma3 takes llava's place (the cheaper to lose) and the coder then finds no room beside qwen3
    // and gemma3: qwen3 goes too — two unloads. Coder first: it fits; gemma3 then takes qwen3's place — one.
    const gemma = core.loader.ensureLoaded({ model: 'gemma3:4b', waitWhileBusy: true });
    const coder = core.loader.ensureLoaded({ model: 'qwen2.5-coder:7b', waitWhileBusy: true });
    await blocker;
    const [g, c] = await Promise.all([gemma, coder]);
    expect(c).toMatchObject({ action: 'loaded', unloaded: [] });
    expect(g).toMatchObject({ action: 'loaded', unloaded: ['qwen3:8b'] });
    expect(unloadsAsked()).toEqual(['qwen3:8b']);
    expect(loaded()).toEqual(['gemma3:4b', 'llava:7b', 'qwen2.5-coder:7b']);
    expect(fake!.stats().forcedEvictions).toEqual([]);
  });
});

describe('a load that waits for requests to end, to make room', () => {
  it('is not overtaken by a later load that would take that room: it loads first', async () => {
    const core = await boxWith('qwen2.5-coder:7b', 'llava:7b');
    const endCoder = core.loader.begin('qwen2.5-coder:7b');
    const endLlava = core.loader.begin('llava:7b');
    // qwen3 (10.3 GB) needs one of the two gone: it waits for a request to end
    const qWaits: string[] = [];
    const q = core.loader.ensureLoaded({ model: 'qwen3:8b', waitWhileBusy: true, progress: recorder(qWaits) });
    await vi.waitFor(() => expect(qWaits.length).toBeGreaterThan(0), { interval: 5 });
    // gemma3 (9.2 GB) fits as things are — loaded now, qwen3 would then need both gone: it waits too
    const gWaits: string[] = [];
    const g = core.loader.ensureLoaded({ model: 'gemma3:4b', waitWhileBusy: true, progress: recorder(gWaits) });
    // another client's, sharing that load
    const gToo = core.loader.ensureLoaded({ model: 'gemma3:4b', waitWhileBusy: true });
    await vi.waitFor(() => expect(gWaits.length).toBeGreaterThan(0), { interval: 5 });
    expect(loaded()).toEqual(['llava:7b', 'qwen2.5-coder:7b']);
    endCoder();
    endLlava();
    const [qo, go, goToo] = await Promise.all([q, g, gToo]);
    expect([qo.action, go.action, goToo.action]).toEqual(['loaded', 'loaded', 'loaded']);
    const loads = fake!.requests
      .filter((r) => r.path === '/api/generate')
      .map((r) => (r.body as { model: string }).model)
      .filter((m) => m === 'qwen3:8b' || m === 'gemma3:4b');
    expect(loads).toEqual(['qwen3:8b', 'gemma3:4b']);
    expect(fake!.stats().forcedEvictions).toEqual([]);
  });
});

describe('a model whose request just ended', () => {
  it('is not unloaded for a load that can wait while other work goes on: the next request finds it loaded', async () => {
    const core = await boxWith('qwen3:8b', 'gemma3:4b');
    const other = core.loader.begin('gemma3:4b'); // another client's request runs on gemma3
    core.loader.begin('qwen3:8b')(); // a request on qwen3 has just ended
    // the coder needs qwen3's room (gemma3 is busy): it waits for the moment to pass…
    const waits: string[] = [];
    const progress = recorder(waits);
    const coder = core.loader.ensureLoaded({ model: 'qwen2.5-coder:7b', waitWhileBusy: true, progress });
    await vi.waitFor(() => expect(waits.length).toBeGreaterThan(0), { interval: 5 });
    expect(loaded()).toEqual(['gemma3:4b', 'qwen3:8b']);
    // …and the next request on qwen3, coming within it, finds it loaded
    const next = await core.loader.ensureLoaded({ model: 'qwen3:8b', waitWhileBusy: true });
    expect(next.action).toBe('already_loaded');
    const q = core.loader.begin('qwen3:8b');
    q();
    other();
    const c = await coder; // once the moment has passed, the coder takes the place of one of them
    expect(c.action).toBe('loaded');
    expect(c.unloaded).toHaveLength(1);
    expect(fake!.stats().loads).toBe(3); // qwen3 loaded once
    expect(fake!.stats().forcedEvictions).toEqual([]);
  });

  it('is unloaded at once for a lone client: nothing else runs or waits here', async () => {
    const core = await boxWith('qwen3:8b', 'gemma3:4b');
    core.loader.begin('gemma3:4b')();
    core.loader.begin('qwen3:8b')();
    const waits: string[] = [];
    const progress = recorder(waits);
    const c = await core.loader.ensureLoaded({ model: 'qwen2.5-coder:7b', waitWhileBusy: true, progress });
    expect(c.action).toBe('loaded');
    expect(c.unloaded).toHaveLength(1);
    expect(waits).toEqual([]); // not held back for the lingering moment
  });

  it('is unloaded at once for a load that cannot wait', async () => {
    const core = await boxWith('qwen3:8b', 'gemma3:4b');
    const other = core.loader.begin('gemma3:4b');
    core.loader.begin('qwen3:8b')();
    const c = await core.loader.ensureLoaded({ model: 'qwen2.5-coder:7b' });
    expect(c).toMatchObject({ action: 'loaded', unloaded: ['qwen3:8b'] });
    other();
  });
});
