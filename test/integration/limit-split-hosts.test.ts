// Issue 82: a planned model timed slow at its host's facts (its speeds there, its requests) is moved by the limit to
// its own copy on another host that finishes in time before any other model — phi3:mini, ranked before it and passed
// over for its 8k window's room, would also finish in time (on the code before, the limit took it: 8k parts where
// the planned model's hold 64k).
import { afterEach, describe, expect, it } from 'vitest';
import { limitHosts, sample } from '../helpers/limit-hosts.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe("a split job's model against the client's limit, on two hosts", () => {
  it("goes to the planned model's copy on the other host before another model, naming the host", async () => {
    const { core, big, small, loadSmall, plan } = await limitHosts(stops);
    // the 14B model measured slow on the first host (15 prompt tokens/s, 5 tokens/s), fast on the second
    await core.speeds.record('ollama', big.name, sample(200_000, 20_000), { defer: false });
    await core.speeds.record('second', big.name, sample(1_500, 2_000), { defer: false });
    await core.speeds.record('ollama', small.name, sample(1_500, 2_000), { defer: false });
    // phi3:mini, measured fast and loaded on the first host by another client: the route ranks it first
    await loadSmall();
    const free = await plan(400_000);
    expect([free.model, free.host.name]).toEqual(['qwen2.5:14b', 'ollama']);
    const tight = await plan(400_000, 2 * 3_600_000);
    expect([tight.model, tight.host.name]).toEqual(['qwen2.5:14b', 'second']);
    expect(tight.why).toMatch(/where qwen2\.5:14b on ollama, first for the work, would take ~\d+ s as measured here/);
  }, 60_000);
});
