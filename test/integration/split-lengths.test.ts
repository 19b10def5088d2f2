// A split job's answers are learned by kind (issue 82): its parts' (partial, short), its earlier combinations' and
// its last's (the task's answer) apart, so that the next such job's plan counts its combining rounds as long as they
// run — not every combination and the answer itself at a part's length, the median of a job of many parts — and a
// running part holds its slot, as other work on the copy is timed behind it, for a part's length.
import { afterEach, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import type { TaskType } from '../../src/orchestrator/config/profiles.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { FAIR_YAML, fairModels, logQuestion, longLog } from '../helpers/fair.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const words = oneTokenWords;
/**
 * A part's answer, an earlier combination's (long enough that a job's parts take two rounds) and the last's: the
 * fake writes a token a word.
 */
const PART = words(300, 'finding');
const COMBINATION = words(450, 'merged');
const FINAL = words(200, 'verdict');

describe("a split job's answers, learned by kind", () => {
  it("plan the next job's combining rounds at their own lengths, not a part's", async () => {
    const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, models: fairModels(0) });
    // a probe's work as the gate holds it while it runs: what other requests on the copy are timed behind
    const held: Array<number | undefined> = [];
    fake.reply((ctx) => {
      const p = ctx.prompt ?? '';
      if (p.startsWith('PROBE')) {
        held.push(core.hosts[0]!.loader.queueOn('qwen2.5:14b').running[0]?.work?.answerTokens);
        return 'ok';
      }
      if (/Above are some of the answers/.test(p)) return COMBINATION;
      return /Combine them into one answer/.test(p) ? FINAL : PART;
    });
    const core = await coreFor(fake, { totalBytes: 32e9, yaml: FAIR_YAML });
    stops.push(
      () => core.shutdown(200),
      () => fake.stop(),
    );
    const req = logQuestion('qwen2.5:14b');
    const docs = [{ label: 'logs/app.log', text: longLog(160_000) }];
    const first = await planOffload(core, req, docs);
    if (first.kind !== 'split') throw new Error(`expected a split plan, got ${first.kind}`);
    expect(first.plan.rounds).toBeGreaterThanOrEqual(2);
    expect((await runSplit(core, req, first.plan)).text).toBe(FINAL);
    const combinations = fake.generations().filter((g) => /Above are some of the answers/.test(g.prompt ?? ''));
    expect(combinations.length).toBeGreaterThan(0);

    // learned apart: the parts', the earlier combinations' and the answer's (the task's own)
    const [record] = Object.entries(core.speeds.book()).filter(([k]) => k.includes('qwen2.5:14b'));
    const tasks = record![1].tasks!;
    const task = Object.keys(tasks).find((k) => !k.includes('/'))!;
    const median = (k: string) => tasks[k]!.answers[Math.floor(tasks[k]!.answers.length / 2)];
    expect(median(`${task}/part`)).toBe(300);
    expect(median(`${task}/combination`)).toBe(450);
    expect(tasks[task]!.answers).toEqual([200]);

    // the next job's plan: each at its own length — the answer not at a part's, the combinations not either
    const next = await planOffload(core, req, docs);
    if (next.kind !== 'split') throw new Error(`expected a split plan, got ${next.kind}`);
    const f = next.plan.figures;
    expect(f.partAnswer).toBe(300);
    expect(f.combineAnswer).toBe(Math.min(450, next.plan.partAnswerTokens));
    expect(f.finalAnswer).toBe(200);

    // a running part's work, as others on the copy are timed behind it, is a part's length; a whole answer's, the
    // task's — and with no task named, the model's whole answers: its parts and combinations left out
    const probe = { prompt: 'PROBE', model: 'qwen2.5:14b', task: task as TaskType, useMemory: false };
    await routeAndGenerate(core, { ...probe, partOf: {}, answerKind: 'part' });
    await routeAndGenerate(core, probe);
    await routeAndGenerate(core, { prompt: `PROBE ${req.prompt}`, model: 'qwen2.5:14b', useMemory: false });
    expect(held).toEqual([300, 200, 200]);
  }, 60_000);
});
