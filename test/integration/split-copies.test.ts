/**
 * A split job's copies are those with room (issue 82, Deliver 1): a second host without room for
 * the model is no copy — the plan's width, what its estimate counts, is the first host's two slots
 * (on the code before, four: every host listing the model), and every part runs on the first,
 * nothing loaded on the second, nothing evicted. Both sides with room: split-copies.slow.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fleet, job, MODEL, stops } from '../helpers/split-fleet.js';

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
