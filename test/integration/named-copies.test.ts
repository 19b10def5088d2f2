/**
 * A named model's calls use its copies on every host (issue 81, finding 1). The tool sends a named
 * model as that model alone (`only`: no other model answers in its place), and on c0c8fe6 that
 * left its other hosts out too — three agents' calls all waited on the first host's one slot, the
 * other host with room idle. Its copies are that model: calls placed at once pass the busy copy for
 * a copy loaded on the host with room (an extra copy, said with why). Both sides: with one host, or
 * a second host with no room for it, every call runs on the first host and nothing is loaded
 * elsewhere. Counted on the fakes (generations per host, loads), never timed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { named, namedFleet } from '../helpers/named-fleet.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const fleet = (two: boolean, room = true) => namedFleet(stops, two, room);

/** A warm-up on the first host, then three agents × two calls at once: the generations each fake answered. */
async function rush({ core, fakes }: Awaited<ReturnType<typeof fleet>>): Promise<number[]> {
  await routeAndGenerate(core, named('warm up', 'w'));
  await Promise.all(
    ['x', 'y', 'z'].map(async (agent) => {
      for (let i = 0; i < 2; i++) await routeAndGenerate(core, named(`question ${i} from ${agent}`, agent));
    }),
  );
  return fakes.map((f) => f.generations().filter((g) => g.evalTokens !== undefined).length);
}

describe('a named model, sent alone, on a fleet', () => {
  it('calls at once pass its busy copy for a copy loaded on the host with room', async () => {
    const f = await fleet(true);
    const [first, second] = await rush(f);
    expect(first! + second!).toBe(7);
    expect(second).toBeGreaterThan(0);
    expect(f.fakes[1]!.loadCount('llama3.2:latest')).toBe(1);
    expect(f.core.fleet.extraCopies.list()).toMatchObject([
      { model: 'llama3.2:latest', host: 'second', of: 'ollama', why: expect.stringMatching(/^the copy on ollama/) },
    ]);
  });

  it('with one host, every call runs there', async () => {
    const f = await fleet(false);
    expect(await rush(f)).toEqual([7, 0]);
    expect(f.core.fleet.extraCopies.list()).toEqual([]);
  });

  it('a host without room for it gets no copy: every call runs on the first', async () => {
    const f = await fleet(true, false);
    expect(await rush(f)).toEqual([7, 0]);
    expect(f.fakes[1]!.loadCount('llama3.2:latest')).toBe(0);
    expect(f.core.fleet.extraCopies.list()).toEqual([]);
  });
});
