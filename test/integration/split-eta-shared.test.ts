/**
 * Two clients on one model of one slot (issue 81, finding 6): a split job's estimate at each step
 * counts the other client's calls on the copy — those running and those waiting, by the tokens they
 * read and are expected to write, never by name or prompt — as many of them as go before the job's
 * end by turns, which the engine's log then shows. Counted, not timed: the estimate's arguments and
 * what it adds over the job alone, at the speeds it was given.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { splitRemainingMs, type EtaRequest } from '../../src/orchestrator/jobs/split-eta.js';
import type { SpeedFacts } from '../../src/orchestrator/generation/estimate.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { gatheredLog, longLog } from '../helpers/fair.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

type Left = Parameters<typeof splitRemainingMs>[0];
const seen = vi.hoisted(() => ({ steps: [] as Array<{ left: Left; speeds: SpeedFacts; ms: number }> }));
vi.mock('../../src/orchestrator/jobs/split-eta.js', async (original) => {
  const eta = await original<typeof import('../../src/orchestrator/jobs/split-eta.js')>();
  return {
    ...eta,
    splitRemainingMs: (left: Left, speeds: SpeedFacts) => {
      const ms = eta.splitRemainingMs(left, speeds);
      seen.steps.push({ left, speeds, ms });
      return ms;
    },
  };
});

/** One slot, a 16k window: a 42 KB log in 2 parts; the part reads its ~12k tokens in about a second. */
const MODEL = {
  ...DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!,
  contextLength: 16384,
  tokenDelayMs: 1,
  promptTokenDelayMs: 0.08,
};
// the engine serves at 16k (OLLAMA_CONTEXT_LENGTH, told as a user tells it): the other client's first call loads the
// model with the window the job's 2 parts take, so no reload-or-split choice (kept-window.ts, timed) comes between
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\nollama:\n  numParallel: 1\n  contextLength: 16384\n';
const words = oneTokenWords;
const OTHER = words(200, 'answer');
const otherCall = (i: number) => ({
  prompt: `Explain what an ETag is (${i}).`,
  model: MODEL.name,
  task: 'general' as const,
  useMemory: false,
  maxTokens: 1024,
  client: 'other-client',
});

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('a split job sharing its model’s one slot with another client', () => {
  it('counts the other’s calls that go before its end, by their tokens, at every step', async () => {
    const fake = await FakeOllama.start({
      memoryBytes: 128e9,
      models: [MODEL],
      loadDelayMs: 0,
      numParallel: 1,
      defaultNumCtx: 16384,
    });
    fake.reply((ctx) => {
      const prompt = ctx.prompt ?? '';
      return /Answer from this part only/.test(prompt) ? words(150, 'finding') : /^Explain/.test(prompt) ? OTHER : 'ok';
    });
    const core = await coreFor(fake, { totalBytes: 128e9, yaml: YAML });
    stops.push(
      () => core.shutdown(200),
      () => fake.stop(),
    );
    await offload(core, otherCall(-1)); // the other client's answers: 200 tokens, learned
    const before = fake.generations().length;
    const job = offload(core, {
      client: 'job-client',
      prompt: 'List the errors in this log.',
      model: MODEL.name,
      task: 'summarize',
      useMemory: false,
      maxTokens: 1024,
      inputs: gatheredLog(longLog(42_000)),
      onStatus: () => undefined,
    });
    // the other client's 3 calls, sent as the job's first part holds the slot
    const loader = core.hosts[0]!.loader;
    while (loader.requestsOn(MODEL.name) === 0) await new Promise((r) => setTimeout(r, 2));
    const others = [0, 1, 2].map((i) => offload(core, otherCall(i)));
    const r = await job;
    await Promise.all(others);
    expect(r.split?.parts).toBe(2);

    const steps = seen.steps.splice(0);
    expect(steps).toHaveLength(3); // part 1 ends, part 2 ends, the combining round starts
    const theirs = (left: Left) => [...(left.copy?.running ?? []), ...(left.copy?.waiting ?? []).filter((w) => !w.own)];
    // what the estimate adds over the job alone, in whole calls of the other's, at the speeds it was given
    const one = (speeds: SpeedFacts, call: EtaRequest) =>
      splitRemainingMs({ now: 0, width: 1, running: [], waiting: [call], rounds: [] }, speeds);
    const added = ({ left, speeds, ms }: (typeof steps)[number]) => {
      const call = theirs(left)[0]!;
      return (ms - splitRemainingMs({ ...left, copy: undefined }, speeds)) / one(speeds, call);
    };
    // after part 1: the other's 3 calls on the copy (1 let in as the part ended, 2 waiting), each 200 tokens;
    // what is left of the first and the second whole go before the job's end, the third after
    expect(theirs(steps[0]!.left).map((w) => w.answerTokens)).toEqual([200, 200, 200]);
    expect(steps[0]!.left.copy!.running).toHaveLength(1);
    expect(added(steps[0]!)).toBeGreaterThanOrEqual(1);
    expect(added(steps[0]!)).toBeLessThanOrEqual(2);
    // after part 2 and as the round starts: the second let in, the third waiting behind the job's round
    for (const step of steps.slice(1)) {
      expect(theirs(step.left).map((w) => w.answerTokens)).toEqual([200, 200]);
      expect(added(step)).toBeGreaterThan(0);
      expect(added(step)).toBeLessThanOrEqual(1);
    }
    // nothing of who they are nor what they asked reaches the estimate
    for (const { left } of steps) expect(JSON.stringify(left)).not.toMatch(/other-client|job-client|ETag/);
    // the engine's order, as the estimate took the turns: 2 of the other's calls before the job's last request
    const order = fake
      .generations()
      .slice(before)
      .map((g) => (/^Explain/.test(g.prompt ?? '') ? 'other' : 'job'));
    expect(order).toEqual(['job', 'other', 'job', 'other', 'job', 'other']);
  }, 30_000);
});
