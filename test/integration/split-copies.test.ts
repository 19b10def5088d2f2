/**
 * A split job's copies are those with room (issue 82, Deliver 1): a second host without room for
 * the model is no copy — the plan's width, what its estimate counts, is the first host's two slots
 * (on the code before, four: every host listing the model), and every part runs on the first,
 * nothing loaded on the second, nothing evicted. Both sides with room: split-copies.slow.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fleet, job, MODEL, stops } from '../helpers/split-fleet.js';
import { FakeOllama, NAMESPACED_MODELS } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { longLog } from '../helpers/fair.js';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('a split job on two hosts, the second without room', () => {
  it('is no copy there: two at once, every part on the first', async () => {
    const f = await fleet(false, 500);
    const { plan, gens } = await job(f, 60_000);
    expect(plan.width).toBe(2);
    expect(plan.copies).toEqual([{ host: 'ollama', slots: 2 }]);
    expect(gens[1]).toEqual([]);
    expect(f.fakes[1]!.loadCount(MODEL)).toBe(0);
    expect(f.fakes.flatMap((x) => x.stats().forcedEvictions)).toEqual([]);
  }, 90_000);
});

describe('a split job on two hosts, the second copy loaded with a smaller window', () => {
  it("takes no part there: a part would reload it (Ollama's needsReload) from under the agent using it", async () => {
    const llama = { ...NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!, contextLength: 8192 };
    const opts = { memoryBytes: 32e9, tokenDelayMs: 1, numParallel: 2, models: [llama] };
    // the first host's engine serves at 8k where no request sets a window, the second at Ollama's default 4k
    const [a, b] = await Promise.all([
      FakeOllama.start({ ...opts, defaultNumCtx: 8192 }),
      FakeOllama.start({ ...opts, defaultNumCtx: 4096 }),
    ]);
    for (const f of [a!, b!])
      f.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial'));
    const yaml = [
      'ollama:',
      '  capacity: {ram: 32GB}',
      '  numParallel: 2',
      'hosts:',
      `  - {name: second, kind: ollama, url: "${b!.url}", capacity: {ram: 32GB}, numParallel: 2}`,
      'ram:',
      '  budget: "100%"',
      '  bufferBytes: 0',
    ];
    const core = await coreFor(a!, { totalBytes: 32e9, yaml: yaml.join('\n') });
    stops.push(
      () => core.shutdown(200),
      () => a!.stop(),
      () => b!.stop(),
    );
    // another client of each engine loaded the model there, sending no window
    for (const f of [a!, b!]) {
      const res = await fetch(`${f.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.1:8b', prompt: 'What is a closure?', stream: false }),
      });
      expect(res.status).toBe(200);
    }
    expect(a!.loaded().map((m) => m.contextLength)).toEqual([8192]);
    expect(b!.loaded().map((m) => m.contextLength)).toEqual([4096]);
    const ask = {
      agent: 'ann',
      client: 'ann',
      prompt: 'Which errors occurred?',
      model: 'llama3.1:8b',
      useMemory: false,
    };
    const plan = await planOffload(core, { ...ask, inputsByReference: true }, [
      { label: 'app.log', text: longLog(60_000) },
    ]);
    if (plan.kind !== 'split') throw new Error(`expected a split plan, got ${plan.kind}`);
    expect(plan.plan.window).toBe(8192);
    expect(plan.plan.copies).toEqual([{ host: 'ollama', slots: 2 }]);
    expect((await runSplit(core, { ...ask, inputsByReference: true }, plan.plan)).text).toBe('FINAL');
    expect(b!.stats().reloads).toEqual([]);
    expect(b!.generations().length).toBe(1); // bob's question only
    expect(a!.stats().reloads).toEqual([]);
  }, 60_000);
});
