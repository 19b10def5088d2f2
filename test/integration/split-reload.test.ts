/**
 * A split job's parts on a copy loaded narrower (issue 82, Deliver 1 and 2): two fake Ollama hosts of
 * llama3.1:8b, the first loaded at 8k, the second at 4k and idle (nothing runs or waits there). A question of
 * ann's over a log is split at 8k; its parts would wait on the first copy's two slots longer than the second
 * takes to reload, so when only ann used the second lately the plan reloads it at 8k — said in its reason — and
 * the parts run on both hosts. When bob used it within the minute, it keeps its window and takes no part:
 * no reload from under another agent, between its calls too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import type { FakeOllama } from '../fake-ollama/server.js';
import { otherClient, plan8k, stops, twoHosts, windowReq } from '../helpers/split-fleet.js';

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** `f`'s copy of llama3.1:8b unloaded (keep_alive 0), as another client may. */
async function unload(f: FakeOllama) {
  const res = await fetch(`${f.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model: 'llama3.1:8b', keep_alive: 0 }),
  });
  expect(res.status).toBe(200);
}

/**
 * A first job over a log at 8k (its parts' speed measured); then the second host's copy reloaded at 4k by another
 * client and, while the first's is unloaded, a quick question of `agent`'s answered there (the only copy loaded);
 * the first's loaded at 8k again. Both idle.
 */
async function loaded(agent: string) {
  const hosts = await twoHosts([8192, 8192]);
  expect((await runSplit(hosts.core, windowReq, await plan8k(hosts.core, 80_000))).text).toBe('FINAL');
  await otherClient(hosts.b, 4096);
  await unload(hosts.a);
  await new Promise((r) => setTimeout(r, 1100)); // a reading of /api/ps is kept a second
  const before = hosts.b.generations().length;
  await routeAndGenerate(hosts.core, { agent, client: agent, prompt: 'What is a closure?', model: 'llama3.1:8b' });
  expect(hosts.b.generations().length).toBe(before + 1);
  await otherClient(hosts.a, 8192);
  expect(hosts.a.loaded().map((m) => m.contextLength)).toEqual([8192]);
  expect(hosts.b.loaded().map((m) => m.contextLength)).toEqual([4096]);
  await new Promise((r) => setTimeout(r, 1100));
  return hosts;
}

/** ann's question over a 120 KB log, planned at 8k and run; each host's generations of it. */
async function job(core: Awaited<ReturnType<typeof twoHosts>>['core'], fakes: FakeOllama[]) {
  const plan = await plan8k(core, 120_000);
  const before = fakes.map((f) => f.generations().length);
  expect((await runSplit(core, windowReq, plan)).text).toBe('FINAL');
  return { plan, gens: fakes.map((f, i) => f.generations().slice(before[i])) };
}

describe('a split job beside a copy loaded narrower', () => {
  it('reloads the idle copy only its asker used at the parts’ window, says so, and runs parts on both', async () => {
    const { core, a, b } = await loaded('ann');
    const { plan, gens } = await job(core, [a, b]);
    expect(plan.copies).toMatchObject([
      { host: 'ollama', window: 8192 },
      { host: 'second', window: 8192, load: { reloadFrom: 4096 } },
    ]);
    expect(plan.why).toMatch(/reloads llama3\.1:8b on second with an 8k window for the parts \(it was loaded with 4k/);
    // the other client's reload to 4k, then the job's back to 8k
    expect(b.stats().reloads.map((r) => r.changed)).toEqual([['num_ctx'], ['num_ctx']]);
    expect(b.loaded().map((m) => m.contextLength)).toEqual([8192]);
    const parts = gens.map((g) => g.filter((x) => x.promptTokens > 4096));
    expect(parts.map((p) => p.length > 0)).toEqual([true, true]);
    expect(a.stats().reloads).toEqual([]);
  });

  it('leaves the copy another agent used within the minute as it is: no reload, no part there', async () => {
    const { core, a, b } = await loaded('bob');
    const { plan, gens } = await job(core, [a, b]);
    expect(plan.copies.map((c) => c.host)).toEqual(['ollama']);
    expect(plan.why ?? '').not.toMatch(/reloads/);
    expect(b.stats().reloads).toHaveLength(1); // the other client's own
    expect(b.loaded().map((m) => m.contextLength)).toEqual([4096]);
    expect(gens[1]).toEqual([]);
  });
});
