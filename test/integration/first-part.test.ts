// A split job's parts all start at once on a model being loaded, or reloaded to the parts' window: the host's
// loader loads it once for every part waiting on it, so no part waits for part 1 (route/first-part.ts, issue 82).
import { afterEach, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { FAIR_YAML, fairModels, logQuestion, longLog } from '../helpers/fair.js';

const YAML = FAIR_YAML.replace('ollama:\n', 'ollama:\n  numParallel: 2\n');

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const req = logQuestion('qwen2.5:14b');
const docs = [{ label: 'logs/app.log', text: longLog() }];

/** Parts 1 and 2 of the job's requests since `from`: when each began and ended. */
function firstTwo(fake: FakeOllama, from: number) {
  const parts = fake
    .generations()
    .slice(from)
    .filter((g) => /Part [12] of \d+ of the input/.test(g.prompt ?? ''));
  const of = (n: number) => parts.find((g) => new RegExp(`Part ${n} of `).test(g.prompt ?? ''))!;
  return { one: of(1), two: of(2) };
}

/** `partMs`: the model's time a token (and to read a prompt): a part, of 2 tokens, takes about three times it. */
async function start(loadDelayMs = 0, partMs = 5) {
  const fake = await FakeOllama.start({
    memoryBytes: 32e9,
    tokenDelayMs: 5,
    numParallel: 2,
    models: fairModels(partMs),
    loadDelayMs,
  });
  fake.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial answer'));
  const core = await coreFor(fake, { totalBytes: 32e9, yaml: YAML });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  return { fake, core };
}

async function splitPlan(core: Awaited<ReturnType<typeof start>>['core']) {
  const planned = await planOffload(core, req, docs);
  if (planned.kind !== 'split') throw new Error(`expected a split plan, got ${planned.kind}`);
  return planned.plan;
}

describe("a split job's first part", () => {
  it('does not wait alone while its model loads: parts 1 and 2 together, the model loaded once', async () => {
    // ~150 ms a part: parts 1 and 2, started together on the warm model, overlap on a busy machine too
    const { fake, core } = await start(300, 50);
    const cold = await splitPlan(core);
    expect(cold.width).toBe(2);
    expect(cold.firstAlone).toBe(false);
    expect((await runSplit(core, req, cold)).text).toBe('FINAL');
    const a = firstTwo(fake, 0);
    expect(a.two.at).toBeLessThan(a.one.endedAt!);
    expect(fake.loadCount('qwen2.5:14b')).toBe(1);

    // loaded with the window its parts were sized to: the same, nothing loaded again
    const from = fake.generations().length;
    const warm = await splitPlan(core);
    expect(warm.window).toBe(cold.window);
    expect(warm.firstAlone).toBe(false);
    expect((await runSplit(core, req, warm)).text).toBe('FINAL');
    const b = firstTwo(fake, from);
    expect(b.two.at).toBeLessThan(b.one.endedAt!);
    expect(fake.loadCount('qwen2.5:14b')).toBe(1);
  }, 60_000);

  it('does not wait alone while its model is reloaded to the parts’ window: one reload for all its parts', async () => {
    const { fake, core } = await start(300);
    const quick = await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'qwen2.5:14b' });
    expect(quick.contextLength).toBeLessThan(8192);
    const wider = await splitPlan(core);
    expect(wider.window).toBe(8192); // idle and its asker's only: the reload is paid (fleet/kept-window.ts)
    expect(wider.firstAlone).toBe(false);
    expect((await runSplit(core, req, wider)).text).toBe('FINAL');
    const a = firstTwo(fake, 1);
    expect(a.two.at).toBeLessThan(a.one.endedAt!);
    expect(fake.stats().reloads).toHaveLength(1);
    expect(fake.loadCount('qwen2.5:14b')).toBe(2);
  }, 60_000);
});
