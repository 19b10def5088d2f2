// Issue 82's rush named a big file question's combining round "computed twice" (bench/rush-scenario.ts
// computedTwice): the same model sent the same combining prompt again. A split job of four combining rounds
// over the rush's own engine answers shows where it came from: each round's groups of answers are combined
// once, but the rush's engine answered every combination with the same text whatever it combined, so round 3's
// group "combined answer 1, 2" read word for word what round 2's did — a prompt the same as before only because
// the fake made the answers it holds the same (a model's answer follows what it read). The engine here answers
// as the rush's does now: its combination names what it combined.
import { afterAll, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { FAIR_YAML, fairModels, longLog } from '../helpers/fair.js';
import { computedTwice, requestOf, rushReply } from '../../bench/rush-scenario.js';

const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const TAG = 'a2-j3';
const PROMPT = `[rush ${TAG}] Which workers failed most often in this log, and how often?`;

/**
 * The rush's engine (its replies, a part's and a combination's answers twice as long) on a 3k window (four combining rounds), and the rush's
 * biggest log planned as one file question.
 */
async function rushSplit() {
  const models = fairModels(1).map((m) => (m.name === 'qwen2.5:14b' ? { ...m, contextLength: 3072 } : m));
  const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, models });
  fake.reply(rushReply(new Map([[TAG, 150]]), 2));
  const core = await coreFor(fake, { totalBytes: 32e9, yaml: FAIR_YAML });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  const req = { prompt: PROMPT, intent: PROMPT, model: 'qwen2.5:14b', useMemory: false, inputsByReference: true };
  const p = await planOffload(core, req, [{ label: 'service.log', text: longLog(300_000) }]);
  if (p.kind !== 'split') throw new Error(`expected a split plan, got ${p.kind}`);
  return { fake, core, req, plan: p.plan };
}

describe("a split job's combining rounds over the rush's engine", () => {
  // one run of the job (~10 s), read by the two tests that follow
  let ran: Promise<Awaited<ReturnType<typeof rushSplit>> & { r: Awaited<ReturnType<typeof runSplit>> }> | undefined;
  const run = () => (ran ??= rushSplit().then(async (s) => ({ ...s, r: await runSplit(s.core, s.req, s.plan) })));

  it('sends each combining prompt once, over four rounds, and the answer is whole', async () => {
    const { fake, plan, r } = await run();
    expect(r.split.rounds).toBeGreaterThanOrEqual(4); // round 3 combines groups of round 2's answers again
    const combines = fake.generations().filter((g) => requestOf(g.prompt ?? '').combine);
    expect(combines.length).toBe(r.split.calls - plan.parts.length);
    expect(new Set(combines.map((g) => g.prompt)).size).toBe(combines.length);
    expect(computedTwice(fake.generations())).toEqual([]);
    expect(r.text).toMatch(new RegExp(`^FINAL-${TAG} .* END-${TAG}$`));
  }, 60_000);

  it('the count still names a combining prompt the engine was sent again', async () => {
    const { fake } = await run();
    const gens = fake.generations();
    const last = gens.filter((g) => requestOf(g.prompt ?? '').combine).at(-1)!;
    expect(computedTwice([...gens, { ...last }])).toEqual([`${TAG} combining on qwen2.5:14b`]);
  }, 60_000);

  it("the rush's engine answers a combination after what it combined: the same prompt alike, another not", () => {
    const reply = rushReply(new Map([[TAG, 150]]));
    const ask = (answers: string) =>
      reply({ prompt: `### combined answer 1\n${answers}\n\n[rush ${TAG}] Combine them into one answer` } as never);
    expect(ask('FINAL-a one')).toBe(ask('FINAL-a one'));
    expect(ask('FINAL-a one')).not.toBe(ask('FINAL-a two'));
    expect(ask('FINAL-a one')).toMatch(new RegExp(`^FINAL-${TAG} .* END-${TAG}$`));
  });
});
