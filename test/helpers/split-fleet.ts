/**
 * Two fake Ollama hosts for a split job's copies (test/integration/split-copies*.test.ts): two slots
 * each, loads of a given time, the second host with room for qwen2.5:14b or without; the model loaded
 * on the first, its speed and load measured; then a job over a log, planned and run, and each host's
 * generations of it.
 */
import { expect } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama, NAMESPACED_MODELS } from '../fake-ollama/server.js';
import type { GenerationRecord } from '../fake-ollama/generations.js';
import { coreFor } from './core.js';
import { fairModels, logQuestion, longLog } from './fair.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

/** What each test stops after it (the caller's afterEach). */
export const stops: Array<() => Promise<unknown>> = [];

export const MODEL = 'qwen2.5:14b';
const ANSWER = oneTokenWords(300, 'f');
export const combining = (g: GenerationRecord) => /Combine them into one answer/.test(g.prompt ?? '');

/**
 * A core over `a` (ollama.host, 32 GB) and `b` (the `second` host, `secondRam`), two slots each, the whole memory
 * budgeted, `more` settings lines after; stopped with the fakes after the test (`stops`).
 */
async function twoHostCore(a: FakeOllama, b: FakeOllama, secondRam: string, more: string[] = []) {
  const yaml = [
    'ollama:',
    '  capacity: {ram: 32GB}',
    '  numParallel: 2',
    'hosts:',
    `  - {name: second, kind: ollama, url: "${b.url}", capacity: {ram: ${secondRam}}, numParallel: 2}`,
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
    ...more,
  ];
  const core = await coreFor(a, { totalBytes: 32e9, yaml: yaml.join('\n') });
  stops.push(
    () => core.shutdown(200),
    () => a.stop(),
    () => b.stop(),
  );
  return core;
}

/** Two hosts, two slots each, loads of `loadDelayMs`; `room`: the second host's RAM holds the model (else 1 GB). */
export async function fleet(room: boolean, loadDelayMs: number) {
  const options = { memoryBytes: 32e9, tokenDelayMs: 2, loadDelayMs, numParallel: 2, models: fairModels(2) };
  const [a, b] = await Promise.all([0, 1].map(() => FakeOllama.start(options)));
  for (const f of [a!, b!])
    f.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : ANSWER));
  // every request at the model's window: the warm-up loads it as the parts need it, never loaded again
  const core = await twoHostCore(a!, b!, room ? '32GB' : '1GB', ['options:', '  contextSize: 8192']);
  // the model loaded on the first host, its speed and its load measured
  await routeAndGenerate(core, { prompt: 'warm up', model: MODEL, only: true, useMemory: false, maxTokens: 400 });
  return { core, fakes: [a!, b!] };
}

const ask = { agent: 'ann', client: 'ann', ...logQuestion(MODEL) };

/** The job planned and run: its plan, and each host's generations of it. */
export async function job(f: Awaited<ReturnType<typeof fleet>>, bytes: number) {
  const before = f.fakes.map((x) => x.generations().length);
  const plan = await planOffload(f.core, ask, [{ label: 'logs/app.log', text: longLog(bytes) }]);
  if (plan.kind !== 'split') throw new Error(`expected a split plan, got ${plan.kind}`);
  const r = await runSplit(f.core, ask, plan.plan);
  expect(r.text).toBe('FINAL');
  return { plan: plan.plan, gens: f.fakes.map((x, i) => x.generations().slice(before[i])) };
}

/** Whether a generation of `a` and one of `b` ran at the same moment. */
export const overlap = (a: GenerationRecord[], b: GenerationRecord[]) =>
  a.some((x) => b.some((y) => x.at < (y.endedAt ?? Infinity) && y.at < (x.endedAt ?? Infinity)));

/** Two hosts of llama3.1:8b (8k trained), their engines' default windows `defaults`, 32 GB each, two slots. */
export async function twoHosts(defaults: [number, number]) {
  const llama = { ...NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!, contextLength: 8192 };
  const opts = { memoryBytes: 32e9, tokenDelayMs: 1, numParallel: 2, models: [llama] };
  const [a, b] = await Promise.all(defaults.map((d) => FakeOllama.start({ ...opts, defaultNumCtx: d })));
  for (const f of [a!, b!])
    f.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial'));
  const core = await twoHostCore(a!, b!, '32GB');
  return { core, a: a!, b: b! };
}

/** Another client of `f`'s engine asks llama3.1:8b a question, with `numCtx` when given (else the default). */
export async function otherClient(f: FakeOllama, numCtx?: number) {
  const res = await fetch(`${f.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({
      model: 'llama3.1:8b',
      prompt: 'What is a closure?',
      stream: false,
      ...(numCtx && { options: { num_ctx: numCtx } }),
    }),
  });
  expect(res.status).toBe(200);
}

/** A question over a log of llama3.1:8b by reference, for the windows' tests. */
export const windowReq = {
  agent: 'ann',
  client: 'ann',
  prompt: 'Which errors?',
  model: 'llama3.1:8b',
  useMemory: false,
  inputsByReference: true,
};
/** The job over a log of `bytes` planned: split at 8k. */
export const plan8k = async (core: Awaited<ReturnType<typeof twoHosts>>['core'], bytes: number) => {
  const plan = await planOffload(core, windowReq, [{ label: 'app.log', text: longLog(bytes) }]);
  if (plan.kind !== 'split') throw new Error(`expected a split plan, got ${plan.kind}`);
  expect(plan.plan.window).toBe(8192);
  return plan.plan;
};

/** A dry run's question over a log by reference, of agent `ann` (split-spread, split-pace). */
export const annAsk = {
  agent: 'ann',
  client: 'ann',
  prompt: 'Which errors occurred in this log?',
  useMemory: false,
  inputsByReference: true,
  dryRun: true,
};
