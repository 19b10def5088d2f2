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

describe("a request's own reading of what is loaded", () => {
  it('current: the model is taken as loaded without asking the engine again', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini' });
    const r = await reading(core);
    const before = psReads();
    const out = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true, ...r });
    expect(out.action).toBe('already_loaded');
    expect(psReads()).toBe(before);
  });

  it(
    'taken before another request unloaded the model: planned again, loaded by the planner, ' +
      'nothing evicted by the engine',
    async () => {
      const core = await setup();
      await smartLoad(core, { model: 'phi3:mini' });
      const stale = await reading(core);
      await smartLoad(core, { model: 'llava:7b' }); // unloads phi3 to make room
      expect(fake.loaded().map((m) => m.name)).toEqual(['llava:7b']);
      const out = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true, ...stale });
      expect(out.action).toBe('loaded');
      expect(out.unloaded).toEqual(['llava:7b']);
      expect(fake.stats().forcedEvictions).toEqual([]);
    },
  );

  it("while another request's load is under way: it waits for it and reads again", async () => {
    const core = await setup();
    await smartLoad(core, { model: 'phi3:mini' });
    const r = await reading(core);
    const other = smartLoad(core, { model: 'llava:7b' }); // under way: it unloads phi3, then loads llava
    await vi.waitFor(
      () =>
        expect(fake.requests.some((q) => (q.body as { keep_alive?: unknown } | undefined)?.keep_alive === 0)).toBe(
          true,
        ),
      { interval: 5 },
    );
    const out = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true, ...r });
    await other;
    expect(out.action).toBe('loaded'); // after llava's load, phi3 was not there: loaded again by the planner
    expect(fake.stats().forcedEvictions).toEqual([]);
  });
});

describe("a loaded model beside another request's load (one planner for several clients, issue 64)", () => {
  it(
    'a load of another model under way, one it leaves in place: the request is let through at ' +
      'once, not queued behind the load',
    async () => {
      fake = await FakeOllama.start({ memoryBytes: 32e9, loadMsPerGB: 400 }); // llama3.2's load takes ~1.3 s
      const core = await coreFor(fake, { totalBytes: 32e9, yaml: YAML });
      await smartLoad(core, { model: 'phi3:mini' });
      const r = await reading(core);
      let otherDone = false;
      const other = smartLoad(core, { model: 'llama3.2:latest' }).then((o) => ((otherDone = true), o));
      await vi.waitFor(
        () =>
          expect(
            fake.requests.some((q) => (q.body as { model?: string } | undefined)?.model === 'llama3.2:latest'),
          ).toBe(true),
        { interval: 5 },
      );
      const out = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true, ...r });
      expect(out.action).toBe('already_loaded');
      expect(otherDone).toBe(false); // answered while the other load still ran
      expect((await other).action).toBe('loaded');
      expect((await other).unloaded).toEqual([]);
    },
  );

  it(
    'a request let through at once holds its model until it begins: a plan made meanwhile does ' +
      'not unload it under the request',
    async () => {
      const core = await setup(); // 9 GB: llava needs phi3's room
      await smartLoad(core, { model: 'phi3:mini' });
      const r = await reading(core);
      const quick = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true, ...r });
      expect(quick.action).toBe('already_loaded');
      // before this request begins on phi3, another asks for llava, which needs phi3 gone
      const llava = core.loader.ensureLoaded({ model: 'llava:7b', waitWhileBusy: true });
      await new Promise((res) => setTimeout(res, 150));
      const unloadsOfPhi3 = () =>
        fake.requests.filter(
          (q) =>
            (q.body as { model?: string; keep_alive?: unknown } | undefined)?.keep_alive === 0 &&
            (q.body as { model?: string }).model === 'phi3:mini',
        ).length;
      expect(unloadsOfPhi3()).toBe(0); // held: llava's load waits
      const done = core.loader.begin('phi3:mini'); // the request begins (the hold is its own now) and ends
      expect(unloadsOfPhi3()).toBe(0);
      done();
      const out = await llava;
      expect(out.action).toBe('loaded');
      expect(out.unloaded).toEqual(['phi3:mini']);
      expect(fake.stats().forcedEvictions).toEqual([]);
    },
  );

  it(
    'a model just loaded for work is held for it: the next plan in the queue does not unload it ' +
      'before the request begins',
    async () => {
      const core = await setup(); // 9 GB: llava needs phi3's room
      const phi3 = await core.loader.ensureLoaded({ model: 'phi3:mini', waitWhileBusy: true });
      expect(phi3.action).toBe('loaded');
      const llava = core.loader.ensureLoaded({ model: 'llava:7b', waitWhileBusy: true });
      await new Promise((res) => setTimeout(res, 150));
      expect(fake.loaded().map((m) => m.name)).toEqual(['phi3:mini']); // held: llava waits
      core.loader.begin('phi3:mini')();
      expect((await llava).unloaded).toEqual(['phi3:mini']);
      expect(fake.stats().forcedEvictions).toEqual([]);
    },
  );
});
