// A request's own /api/ps reading lets the loader skip planning for a model already loaded — only
// while that reading is current. A reading taken before another request unloaded the model (or
// while another request's load or unload is under way) would send the work to a model that is not
// there, and Ollama would load it again, unplanned, evicting what it must (the four-launch e2e of
// the shared server saw this under load).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const MEMORY = 9e9;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';

let fake: FakeOllama;
afterEach(async () => {
  await fake?.stop();
});

async function setup() {
  fake = await FakeOllama.start({ memoryBytes: MEMORY, loadMsPerGB: 50 });
  return coreFor(fake, { totalBytes: MEMORY, yaml: YAML });
}

const psReads = () => fake.requests.filter((r) => r.path === '/api/ps').length;
/** What /api/ps says now, as a request reads it, with the loader's count at that moment. */
async function reading(core: Awaited<ReturnType<typeof setup>>) {
  const seenAt = core.loader.changes;
  const seen = (await core.listModels()).loaded;
  return { seen, seenAt };
}

describe('a request\'s own reading of what is loaded', () => {
  it('current: the model is taken as loaded without asking the engine again', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini' });
    const r = await reading(core);
    const before = psReads();
    const out = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true, ...r });
    expect(out.action).toBe('already_loaded');
    expect(psReads()).toBe(before);
  });

  it('taken before another request unloaded the model: planned again, loaded by the planner, nothing evicted by the engine', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini' });
    const stale = await reading(core);
    await smartLoad(core, { model: 'llava:7b' }); // unloads phi3 to make room
    expect(fake.loaded().map((m) => m.name)).toEqual(['llava:7b']);
    const out = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true, ...stale });
    expect(out.action).toBe('loaded');
    expect(out.unloaded).toEqual(['llava:7b']);
    expect(fake.stats().forcedEvictions).toEqual([]);
  });

  it('while another request\'s load is under way: it waits for it and reads again', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini' });
    const r = await reading(core);
    const other = smartLoad(core, { model: 'llava:7b' }); // under way: it unloads phi3, then loads llava
    await vi.waitFor(() => expect(fake.requests.some((q) => (q.body as { keep_alive?: unknown } | undefined)?.keep_alive === 0)).toBe(true), { interval: 5 });
    const out = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true, ...r });
    await other;
    expect(out.action).toBe('loaded'); // after llava's load, phi3 was not there: loaded again by the planner
    expect(fake.stats().forcedEvictions).toEqual([]);
  });
});
