/**
 * A busy copy's calls pass to another host's copy only when it answers sooner than waiting (fleet/copy-spread.ts
 * answersSooner): with the second host's speed measured twenty times slower (a laptop's CPU beside a GPU box),
 * three agents' calls at once wait their turns on the first host's copy, and no copy is loaded on the second; with
 * it measured alike, they spread as before. Counted on the fakes (generations per host, loads), never timed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { MODEL, named, namedFleet } from '../helpers/named-fleet.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/**
 * A warm-up on the first host, the speeds recorded — the second's `slower` times the first's —, then three agents ×
 * two calls at once: the generations each fake answered, and the second's loads.
 */
async function rush(slower: number): Promise<{ ran: number[]; loads: number }> {
  const { core, fakes } = await namedFleet(stops, true);
  await routeAndGenerate(core, named('warm up', 'w'));
  // 100 tokens a second, as the fake writes them, on the first host; `slower` times that on the second
  const sample = (times: number) => ({
    promptTokens: 1000,
    promptMs: 100 * times,
    outputTokens: 100,
    generationMs: 1000 * times,
    cut: false,
  });
  for (let i = 0; i < 3; i++) {
    await core.speeds.record('ollama', MODEL, sample(1), { defer: false });
    await core.speeds.record('second', MODEL, sample(slower), { defer: false });
  }
  await Promise.all(
    ['x', 'y', 'z'].map(async (agent) => {
      for (let i = 0; i < 2; i++) await routeAndGenerate(core, named(`question ${i} from ${agent}`, agent));
    }),
  );
  const ran = fakes.map((f) => f.generations().filter((g) => g.evalTokens !== undefined).length);
  return { ran, loads: fakes[1]!.loadCount(MODEL) };
}

describe("a busy copy's calls and another host's copy of other speed", () => {
  it('wait their turns on the busy copy when the other, twenty times slower, would answer later', async () => {
    expect(await rush(20)).toEqual({ ran: [7, 0], loads: 0 });
  });

  it('spread to the other copy when it is measured alike', async () => {
    const { ran, loads } = await rush(1);
    expect(ran[0]! + ran[1]!).toBe(7);
    expect(ran[1]).toBeGreaterThan(0);
    expect(loads).toBe(1);
  });
});
