/**
 * A split job's copies are those with room (issue 82, Deliver 1): a second host without room for
 * the model is no copy — the plan's width, what its estimate counts, is the first host's two slots
 * (on the code before, four: every host listing the model), and every part runs on the first,
 * nothing loaded on the second, nothing evicted. Both sides with room: split-copies.slow.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fleet, job, MODEL, stops } from '../helpers/split-fleet.js';
import { otherClient, plan8k, twoHosts, windowReq } from '../helpers/split-fleet.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { longLog } from '../helpers/fair.js';

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('a split job on two hosts, the second without room', () => {
  it('is no copy there: two at once, every part on the first', async () => {
    const f = await fleet(false, 500);
    const { plan, gens } = await job(f, 60_000);
    expect(plan.width).toBe(2);
    expect(plan.copies).toEqual([{ host: 'ollama', slots: 2, window: 8192 }]);
    expect(gens[1]).toEqual([]);
    expect(f.fakes[1]!.loadCount(MODEL)).toBe(0);
    expect(f.fakes.flatMap((x) => x.stats().forcedEvictions)).toEqual([]);
  }, 90_000);
});

describe('a split job on two hosts, a copy loaded with a smaller window', () => {
  it("takes no part there: a part would reload it (Ollama's needsReload) from under the client using it", async () => {
    const { core, a, b } = await twoHosts([8192, 4096]);
    await otherClient(a);
    await otherClient(b);
    expect(a.loaded().map((m) => m.contextLength)).toEqual([8192]);
    expect(b.loaded().map((m) => m.contextLength)).toEqual([4096]);
    const plan = await plan8k(core, 60_000);
    expect(plan.copies).toEqual([{ host: 'ollama', slots: 2, window: 8192 }]);
    expect((await runSplit(core, windowReq, plan)).text).toBe('FINAL');
    expect(b.stats().reloads).toEqual([]);
    expect(b.generations().length).toBe(1); // the other client's question only
    expect(a.stats().reloads).toEqual([]);
  }, 60_000);

  it('a copy the job loads, loaded meanwhile by another client with a smaller window: not reloaded, no part', async () => {
    const { core, a, b } = await twoHosts([8192, 4096]);
    await otherClient(a); // loaded at 8k on the first host, nothing on the second
    const plan = await plan8k(core, 80_000);
    expect(plan.copies.map((c) => [c.host, c.load !== undefined])).toEqual([
      ['ollama', false],
      ['second', true],
    ]);
    await otherClient(b); // before the job starts, with the engine's default
    expect(b.loaded().map((m) => m.contextLength)).toEqual([4096]);
    expect((await runSplit(core, windowReq, plan)).text).toBe('FINAL');
    expect(b.stats().reloads).toEqual([]);
    expect(b.generations().length).toBe(1);
    expect(b.loaded().map((m) => m.contextLength)).toEqual([4096]);
  }, 60_000);

  it("a copy the job loads takes the parts' window whoever loads it first there: no reload when its parts come", async () => {
    const { core, a, b } = await twoHosts([8192, 4096]);
    await otherClient(a);
    const plan = await plan8k(core, 80_000);
    expect(plan.copies.find((c) => c.host === 'second')?.load).toBeDefined();
    // another request of this server loads it there first, asking no window (a quick question beside the job)
    const second = core.fleet.hosts.find((h) => h.name === 'second')!;
    expect((await second.loader.ensureLoaded({ model: 'llama3.1:8b' })).contextLength).toBe(8192);
    expect((await runSplit(core, windowReq, plan)).text).toBe('FINAL');
    expect(b.stats().reloads).toEqual([]);
  }, 60_000);

  it('the plan reloads its idle copy: no part reloads the other copy, which another agent uses', async () => {
    const { core, a, b } = await twoHosts([4096, 4096]);
    // bob uses the copy on the first host; the second's, loaded at its engine's 4096, nobody has used
    await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b', agent: 'bob', client: 'bob' });
    const second = core.fleet.hosts.find((h) => h.name === 'second')!;
    expect((await second.loader.ensureLoaded({ model: 'llama3.1:8b' })).contextLength).toBe(4096);
    // bob's next request runs on the first host's copy as ann's job is planned and run
    const first = core.fleet.hosts.find((h) => h.name === 'ollama')!;
    const bobs = first.loader.begin('llama3.1:8b', undefined, undefined, 'bob');
    // ann's question, routed: split at the 8k a reload of the idle copy gives, on that copy alone — a question whose
    // answers run long enough (general work's) that twice the parts at 4k take longer than the reload
    const routed = { ...windowReq, model: undefined, task: 'general' as const };
    const planned = await planOffload(core, routed, [{ label: 'app.log', text: longLog(80_000) }]);
    if (planned.kind !== 'split') throw new Error(`expected a split plan, got ${planned.kind}`);
    expect([planned.plan.window, planned.plan.copies.map((c) => c.host)]).toEqual([8192, ['second']]);
    expect((await runSplit(core, routed, planned.plan)).text).toBe('FINAL');
    bobs();
    expect(b.stats().reloads).toHaveLength(1); // the plan's own reload, said in its reason
    expect(a.stats().reloads).toEqual([]);
    expect(a.loaded().map((m) => m.contextLength)).toEqual([4096]);
  }, 60_000);
  it("the plan's copy gone (its host down): a part reloads the copy left, the one that serves", async () => {
    const { core, a, b } = await twoHosts([4096, 4096]);
    await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b', agent: 'bob', client: 'bob' });
    const second = core.fleet.hosts.find((h) => h.name === 'second')!;
    await second.loader.ensureLoaded({ model: 'llama3.1:8b' });
    const first = core.fleet.hosts.find((h) => h.name === 'ollama')!;
    const bobs = first.loader.begin('llama3.1:8b', undefined, undefined, 'bob');
    const routed = { ...windowReq, model: undefined, task: 'general' as const };
    const planned = await planOffload(core, routed, [{ label: 'app.log', text: longLog(80_000) }]);
    bobs();
    if (planned.kind !== 'split') throw new Error(`expected a split plan, got ${planned.kind}`);
    expect(planned.plan.copies.map((c) => c.host)).toEqual(['second']);
    await b.stop(); // the second host goes down before the job runs
    expect((await runSplit(core, routed, planned.plan)).text).toBe('FINAL');
    expect(a.stats().reloads).toHaveLength(1); // nothing else serves the parts' 8k: the one reload
  }, 60_000);
});

describe('a copy found loaded with a smaller window than the route saw', () => {
  it('is not reloaded while another copy serves: its load refused, the request answered by the other', async () => {
    const { core, a, b } = await twoHosts([8192, 4096]);
    await otherClient(a); // loaded at 8k on the first host
    const long = Array.from({ length: 1600 }, (_, i) => `word${i}`).join(' '); // ~5.5k tokens: above 4k
    // the hosts' models read (what a request is placed by, for a second), then another client of the second engine
    // loads it there at 4k
    await Promise.all(core.fleet.hosts.map((h) => h.overview.running()));
    await otherClient(b);
    // the first host's two slots taken: the second host's copy, unloaded as last read, is tried first
    const first = core.fleet.hosts.find((h) => h.name === 'ollama')!;
    const busy = [first.loader.begin('llama3.1:8b', 1e6), first.loader.begin('llama3.1:8b', 1e6)];
    setTimeout(() => busy.forEach((end) => end()), 1500); // past the plan and the second host's refusal
    const r = await routeAndGenerate(core, { prompt: `Summarise: ${long}`, maxTokens: 20 }); // routed
    expect(r.fallbacks.map((f) => f.error)).toEqual([expect.stringMatching(/not reloaded from under whoever uses it/)]);
    expect(r.host).toBe('ollama');
    expect(b.stats().reloads).toEqual([]);
    expect(b.loaded().map((m) => m.contextLength)).toEqual([4096]);
  }, 60_000);
});
