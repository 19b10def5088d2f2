// A split job's first part goes before the others only when it loads the model, so that the model loads once
// (route/first-part.ts): on a copy loaded with the parts' window, every part starts at once (issue 82).
import { afterEach, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { FAIR_YAML, fairModels, logQuestion, longLog } from '../helpers/fair.js';

const YAML = FAIR_YAML.replace('ollama:\n', 'ollama:\n  numParallel: 2\n');

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const req = logQuestion('qwen2.5:14b');

/** Parts 1 and 2 of the job's requests since `from`: when each began and ended. */
function firstTwo(fake: FakeOllama, from: number) {
  const parts = fake
    .generations()
    .slice(from)
    .filter((g) => /Part [12] of \d+ of the input/.test(g.prompt ?? ''));
  const of = (n: number) => parts.find((g) => new RegExp(`Part ${n} of `).test(g.prompt ?? ''))!;
  return { one: of(1), two: of(2), loads: fake.stats().loads };
}

describe("a split job's first part", () => {
  it("goes alone while it loads the model, and not once a copy holds the parts' window", async () => {
    const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 5, numParallel: 2, models: fairModels(5) });
    fake.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial answer'));
    const core = await coreFor(fake, { totalBytes: 32e9, yaml: YAML });
    stops.push(
      () => core.shutdown(200),
      () => fake.stop(),
    );
    const docs = [{ label: 'logs/app.log', text: longLog() }];

    // nothing loaded: part 1 loads the model, the others wait for it
    const cold = await planOffload(core, req, docs);
    if (cold.kind !== 'split') throw new Error(`expected a split plan, got ${cold.kind}`);
    expect(cold.plan.width).toBe(2);
    expect(cold.plan.firstAlone).toBe(true);
    expect((await runSplit(core, req, cold.plan)).text).toBe('FINAL');
    const a = firstTwo(fake, 0);
    expect(a.two.at).toBeGreaterThanOrEqual(a.one.endedAt!);
    expect(a.loads).toBe(1);

    // loaded with the window its parts were sized to: parts 1 and 2 run together, nothing loaded again
    const from = fake.generations().length;
    const warm = await planOffload(core, req, docs);
    if (warm.kind !== 'split') throw new Error(`expected a split plan, got ${warm.kind}`);
    expect(warm.plan.window).toBe(cold.plan.window);
    expect(warm.plan.firstAlone).toBe(false);
    expect((await runSplit(core, req, warm.plan)).text).toBe('FINAL');
    const b = firstTwo(fake, from);
    expect(b.two.at).toBeLessThan(b.one.endedAt!);
    expect(b.loads).toBe(1);
  }, 60_000);
});
