// A split job over copies on two hosts whose speeds differ is timed at the pace of each (fleet/copies-pace.ts):
// the run sends each part to the copy with most slots free, so the faster copy takes more of them. Before, the
// plan's estimate counted every copy's slots at its own host's speeds (issue 82: the same copies timed 20.1 s at
// one host's and 5.0 s at the other's).
import { afterEach, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import type { FakeOllama } from '../fake-ollama/server.js';
import { annAsk, otherClient, stops, twoHosts } from '../helpers/split-fleet.js';
import { gatheredLog, longLog } from '../helpers/fair.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { planFigures } from '../../src/orchestrator/route/split-figures.js';

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const MODEL = 'llama3.1:8b';
const ask = { ...annAsk, model: MODEL, task: 'summarize' as const };

/** The hosts' engines, of the fleet made last. */
let first: FakeOllama;
let second: FakeOllama;

/** Two hosts of llama3.1:8b loaded at 8k by other clients, reading prompts at these rates (measured). */
async function fleet(rates: [number, number], generationMs = 400) {
  const { core, a, b } = await twoHosts([8192, 8192]);
  await otherClient(a);
  await otherClient(b);
  first = a;
  second = b;
  for (const [i, h] of core.hosts.entries()) {
    const sample = { promptTokens: 4000, promptMs: (4000 / rates[i]!) * 1000, outputTokens: 200, generationMs };
    await core.speeds.record(h.name, MODEL, { ...sample, cut: false }, { defer: false });
  }
  return core;
}

/** The requests `job` sent to `f`'s engine, its answer whole. */
async function requestsOn(f: FakeOllama, job: () => Promise<{ text: string }>): Promise<number> {
  const before = f.generations().length;
  expect((await job()).text).toBe('FINAL');
  return f.generations().length - before;
}

async function planned(core: Awaited<ReturnType<typeof fleet>>) {
  const p = await planOffload(core, ask, [{ label: 'logs/app.log', text: longLog(120_000) }]);
  if (p.kind !== 'split') throw new Error(`expected a split plan, got ${p.kind}`);
  return p.plan;
}

describe('a split job over copies of different speeds', () => {
  it("leaves out the route's own copy when it is the slow one: the job planned, timed and run on the faster", async () => {
    const core = await fleet([200, 2000]);
    // where the route's choice alone would plan it: the first host's copy, ten times slower at reading
    const alone = await planned(await fleet([200, 200]));
    expect(alone.host.name).toBe('ollama');
    const plan = await planned(core);
    // the first host's two parts would end after the second's two slots had ended all ten: it is left out, and
    // the job is planned at the host its parts run on — timed at its speeds, said so by the dry run
    expect(plan.copies.map((c) => c.host)).toEqual(['second']);
    expect(plan.slowLeft).toEqual(['ollama']);
    expect(plan.host.name).toBe('second');
    expect(plan.width).toBe(2);
    expect(plan.pacedWidth).toBe(2);
    expect(planFigures(core, ask, plan).seconds).toBe(plan.figures.seconds);
    const r = await offload(core, { ...ask, inputs: gatheredLog(longLog(120_000)) });
    expect(r.text).toMatch(/llama3\.1:8b on second would take/);
    expect(r.text).toMatch(/Whole job: 10 parts \(2 at a time\)/);
    // at the second host's speeds: well under the same job over four slots at the first's
    const said = Number(/2 at a time, .* about (\d+) s in all/.exec(r.text)?.[1]);
    expect(said).toBeGreaterThan(0);
    expect(said).toBeLessThan(alone.figures.seconds / 2);
    expect(plan.why).toMatch(/its parts run on second: llama3\.1:8b on ollama is too slow to help/);
    // run: every request on the second host's copy, none on the first's, loaded and free
    expect(await requestsOn(first, () => runSplit(core, { ...ask, dryRun: false }, plan))).toBe(0);
  }, 60_000);

  it('leaves out a copy so slow that its parts would end after the plan host had ended them all', async () => {
    const core = await fleet([2000, 200]);
    const plan = await planned(core);
    expect(plan.host.name).toBe('ollama');
    expect(plan.copies.map((c) => c.host)).toEqual(['ollama']);
    expect(plan.slowLeft).toEqual(['second']);
    expect(plan.width).toBe(2);
    expect(plan.pacedWidth).toBe(2);
    // run, its parts wait for its two slots there: none spills to the slow copy, loaded and free beside it
    expect(await requestsOn(second, () => runSplit(core, { ...ask, dryRun: false }, plan))).toBe(0);
  }, 60_000);

  it("counts copies of alike speeds alike though one host learned the task's answers and the other did not", async () => {
    // writing 50 tokens/s: an answer's length is most of a part's time
    const core = await fleet([20_000, 20_000], 4000);
    // summaries of 20 tokens learned on the first host only: the second expects a typical summary's length
    const short = { promptTokens: 4000, promptMs: 200, outputTokens: 20, generationMs: 400, cut: false };
    for (let i = 0; i < 4; i++)
      await core.speeds.record('ollama', MODEL, { ...short, task: 'summarize' }, { defer: false });
    const plan = await planned(core);
    expect(plan.copies.map((c) => c.host)).toEqual(['ollama', 'second']);
    expect(plan.pacedWidth).toBe(4);
  }, 60_000);

  it('uses both copies at their slots where their speeds are alike', async () => {
    const core = await fleet([2000, 2000]);
    const plan = await planned(core);
    expect(plan.copies.map((c) => c.host)).toEqual(['ollama', 'second']);
    expect(plan.slowLeft).toBeUndefined();
    expect(plan.width).toBe(4);
    expect(plan.pacedWidth).toBe(4);
    expect(await requestsOn(second, () => runSplit(core, { ...ask, dryRun: false }, plan))).toBeGreaterThan(0);
  }, 60_000);
});
