// A running split job's parts left to begin are told to its copy's host (issue 82: loading/parts-backlog.ts), so
// that another job planned meanwhile counts the turns it would take with them: all of them as the job starts,
// fewer as its parts begin, none once it has ended — answered, or stopped midway.
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

const MODEL = 'qwen2.5:14b';

async function setup() {
  const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 2, models: fairModels(5) });
  fake.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial answer'));
  const core = await coreFor(fake, { totalBytes: 32e9, yaml: FAIR_YAML });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  const plan = await planOffload(core, logQuestion(MODEL), [{ label: 'logs/app.log', text: longLog() }]);
  if (plan.kind !== 'split') throw new Error(`expected a split plan, got ${plan.kind}`);
  const backlog = core.hosts[0]!.loader.backlog;
  return { core, plan: plan.plan, left: () => backlog.on(MODEL) };
}

describe("a running split job's parts left to begin", () => {
  it('are all counted as it starts, fewer as its parts begin, and none once it is answered', async () => {
    const { core, plan, left } = await setup();
    const parts = plan.parts.length;
    expect(parts).toBeGreaterThan(2);
    expect(left()).toBe(0);
    const seen: number[] = [];
    const run = runSplit(core, logQuestion(MODEL), plan);
    seen.push(left()); // counted before anything of it is asked
    const watch = setInterval(() => seen.push(left()), 1);
    try {
      expect((await run).text).toBe('FINAL');
    } finally {
      clearInterval(watch);
    }
    expect(seen[0]).toBe(parts);
    expect(seen.some((n) => n > 0 && n < parts)).toBe(true);
    expect(seen.every((n, i) => i === 0 || n <= seen[i - 1]!)).toBe(true); // only ever fewer
    expect(left()).toBe(0);
  }, 60_000);

  it('are none once the job is stopped midway', async () => {
    const { core, plan, left } = await setup();
    const stop = new AbortController();
    const run = runSplit(core, { ...logQuestion(MODEL), signal: stop.signal }, plan);
    expect(left()).toBe(plan.parts.length);
    stop.abort();
    await expect(run).rejects.toThrow();
    expect(left()).toBe(0);
  }, 60_000);
});
