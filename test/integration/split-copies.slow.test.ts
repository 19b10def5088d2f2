/**
 * A split job's parts go to every copy with room (issue 82, Deliver 1). Two fake Ollama hosts with
 * room for the model, two slots each; the model loaded on the first, its speed and load measured
 * (2.5 s a load: real seconds, so this file is in test:slow); a 200 KB log read in parts. The second
 * copy is worth loading for the job — its load takes less than the parts' wait on the first copy —
 * so the plan uses both copies and the run loads the second as the job starts, beside the first
 * part: the first parts run on the first copy while it loads (none waits for that load: the first
 * part the second copy answers comes after part 5), then on both hosts at once (the fakes' logs
 * overlap), each part once, nothing evicted, the copy said extra with why, the last combination on
 * the copy that answered most parts. On the code before, each part weighed the load against its own
 * wait behind the busy copy (about one part's answer, under the 2.5 s load): no second copy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../fake-ollama/generations.js';
import {
  combining,
  fleet,
  job,
  MODEL,
  otherClient,
  overlap,
  plan8k,
  stops,
  twoHosts,
  windowReq,
} from '../helpers/split-fleet.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';

afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('a split job on two hosts with room', () => {
  it('loads a second copy for its parts and runs them on both hosts at once, each once', async () => {
    const f = await fleet(true, 2500);
    const { plan, gens } = await job(f, 200_000);
    const [first, second] = gens as [GenerationRecord[], GenerationRecord[]];
    expect(f.fakes.map((x) => x.loadCount(MODEL))).toEqual([1, 1]);
    const parts = gens.map((g) => g.filter((x) => !combining(x)));
    // the first parts run on the first copy while the second loads, never waiting for that load; then both
    const numbers = (g: GenerationRecord[]) =>
      g.map((x) => Number(/Part (\d+) of \d+ of the input/.exec(x.prompt ?? '')?.[1]));
    expect(parts[1]!.length).toBeGreaterThan(0);
    expect(Math.min(...numbers(parts[1]!))).toBeGreaterThan(5);
    expect(overlap(parts[0]!, parts[1]!)).toBe(true);
    expect(plan.width).toBe(4);
    expect(plan.copies).toMatchObject([
      { host: 'ollama', slots: 2 },
      { host: 'second', slots: 2, load: { ms: expect.any(Number) } },
    ]);
    // every part asked once, on one host: nothing computed twice
    const prompts = parts.flat().map((g) => g.prompt);
    expect(new Set(prompts).size).toBe(prompts.length);
    expect(prompts.length).toBe(plan.parts.length);
    expect(f.fakes.flatMap((x) => x.stats().forcedEvictions)).toEqual([]);
    // the copy loaded is extra, said with why
    expect(f.core.fleet.extraCopies.list()).toMatchObject([
      { model: MODEL, host: 'second', of: 'ollama', why: expect.stringMatching(/took less than their wait/) },
    ]);
    // the last combination on the copy that answered most parts
    const last = [...first, ...second]
      .filter(combining)
      .sort((x, y) => x.at - y.at)
      .at(-1)!;
    const most = parts[0]!.length >= parts[1]!.length ? first : second;
    expect(most).toContain(last);
  }, 90_000);
});

describe('a split job on two hosts, a copy of its plan reloaded smaller by another client', () => {
  it('a copy of the plan reloaded smaller by another client before the job runs: its parts go elsewhere', async () => {
    const { core, a, b } = await twoHosts([8192, 8192]);
    await otherClient(a);
    await otherClient(b);
    const plan = await plan8k(core, 80_000);
    expect(plan.copies.map((c) => c.host).sort()).toEqual(['ollama', 'second']);
    await otherClient(b, 4096); // the other client reloads it there with its own window
    expect(b.loaded().map((m) => m.contextLength)).toEqual([4096]);
    // seen as the parts are placed: a reading of /api/ps is kept a second (real time: this file is in test:slow)
    await new Promise((r) => setTimeout(r, 1100));
    const before = b.generations().length;
    expect((await runSplit(core, windowReq, plan)).text).toBe('FINAL');
    expect(b.stats().reloads).toHaveLength(1); // the other client's own
    // only what fits the window it is loaded with went there (a short last part, a combination): never a ~7k part
    const job = b.generations().slice(before);
    expect(job.map((g) => [g.numCtx, g.fits, g.promptTokens < 4096])).toEqual(job.map(() => [4096, true, true]));
    expect(a.generations().filter((g) => g.promptTokens > 4096).length).toBeGreaterThan(5);
    expect(b.loaded().map((m) => m.contextLength)).toEqual([4096]);
  }, 60_000);
});
