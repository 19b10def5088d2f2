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

/** The second host's engine, of the fleet made last. */
let second: FakeOllama;

/** Two hosts of llama3.1:8b loaded at 8k by other clients, reading prompts at these rates (measured). */
async function fleet(rates: [number, number], generationMs = 400) {
  const { core, a, b } = await twoHosts([8192, 8192]);
  await otherClient(a);
  await otherClient(b);
  second = b;
  for (const [i, h] of core.hosts.entries()) {
    const sample = { promptTokens: 4000, promptMs: (4000 / rates[i]!) * 1000, outputTokens: 200, generationMs };
    await core.speeds.record(h.name, MODEL, { ...sample, cut: false }, { defer: false });
  }
  return core;
}

async function planned(core: Awaited<ReturnType<typeof fleet>>) {
  const p = await planOffload(core, ask, [{ label: 'logs/app.log', text: longLog(120_000) }]);
  if (p.kind !== 'split') throw new Error(`expected a split plan, got ${p.kind}`);
  return p.plan;
}

describe('a split job over copies of different speeds', () => {
  it('counts the faster copy for more when the plan host is the slower: its estimate as its parts will run', async () => {
    const core = await fleet([200, 2000]);
    const plan = await planned(core);
    expect(plan.host.name).toBe('ollama');
    expect(plan.copies.map((c) => c.host)).toEqual(['ollama', 'second']);
    expect(plan.width).toBe(4);
    // the slow copy's first parts end the job; the fast copy takes the rest meanwhile: one slow part's time
    expect(plan.pacedWidth).toBeGreaterThanOrEqual(plan.parts.length);
    // the same plan's figures with every copy counted at the plan host's pace: three waves of slow parts
    expect(planFigures(core, ask, plan).seconds).toBe(plan.figures.seconds);
    const even = planFigures(core, ask, { ...plan, pacedWidth: undefined });
    expect(plan.figures.seconds).toBeLessThan(even.seconds / 2);
    // the dry run says that time too, and the requests it asks at once as they are
    const r = await offload(core, { ...ask, inputs: gatheredLog(longLog(120_000)) });
    // the dry run: the requests at once as sent, and the job in one wave of slow parts and its combining, where
    // three waves of them take longer
    expect(r.text).toMatch(/Whole job: 10 parts \(4 at a time\)/);
    const part = Number(/Each part: .* about (\d+) s\./.exec(r.text)?.[1]);
    const said = Number(/4 at a time, .* about (\d+) s in all/.exec(r.text)?.[1]);
    expect(part).toBeGreaterThan(0);
    expect(said).toBeLessThan(3 * part);
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
    const before = second.generations().length;
    const r = await runSplit(core, { ...ask, dryRun: false }, plan);
    expect(r.text).toBe('FINAL');
    expect(second.generations().length).toBe(before);
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
    const before = second.generations().length;
    await runSplit(core, { ...ask, dryRun: false }, plan);
    expect(second.generations().length).toBeGreaterThan(before);
  }, 60_000);
});
