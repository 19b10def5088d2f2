// A split job's model against the client's limit, its copies on two hosts of different speeds timed each at its
// own pace (fleet/copies-pace.ts): the planned model's copy on the second host, ten times slower, would end its
// parts after the first host's copy had ended them all, so the plan leaves it out — and the limit times the
// planned model on the first host's two slots alone. On the code before, it counted the slow copy's slots at the
// first host's pace, found the planned model within the limit, and kept it: a job over the client's time.
import { afterEach, describe, expect, it } from 'vitest';
import { limitHosts, sample } from '../helpers/limit-hosts.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe("a split job's model against the client's limit, its copies of different speeds", () => {
  it('times the planned model without a copy too slow to help, and moves the job to one that finishes in time', async () => {
    const { core, big, small, loadSmall, plan } = await limitHosts(stops, 2);
    // the 14B model measured on both hosts, ten times slower on the second; phi3:mini fast on the first
    await core.speeds.record('ollama', big.name, sample(3_000, 2_000), { defer: false });
    await core.speeds.record('second', big.name, sample(30_000, 20_000), { defer: false });
    await core.speeds.record('ollama', small.name, sample(150, 200), { defer: false });
    await loadSmall();
    const LOG = 1_200_000;
    // the second host's copy, ten times slower, would end the job after the first's two slots had ended it
    const free = await plan(LOG);
    expect([free.model, free.host.name]).toEqual(['qwen2.5:14b', 'ollama']);
    expect(free.copies.map((c) => c.host)).toEqual(['ollama']);
    expect([free.width, free.pacedWidth]).toEqual([2, 2]);
    // timed on those two slots (~6 min), it does not finish within 5 min; phi3:mini does (on the code before: ~3 min
    // on four slots, kept)
    const tight = await plan(LOG, 300_000);
    expect(tight.model).toBe('phi3:mini');
    expect(tight.why).toMatch(/finishes within what your client waits \(270 s\): ~\d+ s, where qwen2\.5:14b, first/);
    // within 7.5 min it is kept
    const roomy = await plan(LOG, 450_000);
    expect([roomy.model, roomy.host.name]).toEqual(['qwen2.5:14b', 'ollama']);
  }, 60_000);
});
