// A long job holds no more requests on its model than the model's slots (issue 43, item 2), so
// another client's call on it waits one generation at most: a part that its engine's tokenizer
// finds too long is cut in two, and the halves run one after the other, in the part's place.
import { afterEach, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { FAIR_YAML, fairModels, logQuestion, longLog } from '../helpers/fair.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('a split job on a model with one slot', () => {
  it('runs the halves of a part cut in two in turn: never two requests on the model at once', async () => {
    const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 5, models: fairModels(5) });
    fake.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial answer'));
    const core = await coreFor(fake, { totalBytes: 32e9, yaml: FAIR_YAML });
    stops.push(
      () => core.shutdown(200),
      () => fake.stop(),
    );
    const text = longLog();
    const req = logQuestion('qwen2.5:14b');
    const plan = await planOffload(core, req, [{ label: 'logs/app.log', text }]);
    if (plan.kind !== 'split') throw new Error(`expected a split plan, got ${plan.kind}`);
    expect(plan.plan.width).toBe(1);
    // the engine's count: every whole part passes the window (it is cut in two), its halves fit
    const whole = Math.max(...plan.plan.parts.map((p) => p.tokens));
    const counted: number[] = [];
    plan.plan.tokens = async (prompt) => {
      const n = plan.plan.count(prompt);
      counted.push(n);
      return n > whole * 0.75 ? plan.plan.window * 2 : n;
    };
    const loader = core.hosts[0]!.loader;
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, loader.requestsOn('qwen2.5:14b'))), 1);
    try {
      const r = await runSplit(core, req, plan.plan);
      expect(r.text).toBe('FINAL');
      // every part was cut in two: twice the parts' generations, then the combining
      expect(r.split.calls).toBeGreaterThanOrEqual(plan.plan.parts.length * 2 + 1);
    } finally {
      clearInterval(watch);
    }
    expect(counted.some((n) => n > whole * 0.75)).toBe(true);
    expect(most).toBe(1);
  }, 60_000);
});
