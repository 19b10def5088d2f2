/**
 * Estimate benchmark (`npm run bench -- estimate`): a dry run's expectedSeconds against the real
 * time of the same job, once each model has been used twice. The fake Ollama reads prompts and
 * writes answers at a CPU's proportions (prompt 10× faster per token than writing), scaled down
 * 20× so the run is short: phi3:mini reads a prompt token in 0.5 ms and writes one in 5 ms,
 * qwen2.5-coder:7b in 1 ms and 10 ms; it reports prompt_eval_duration and eval_duration as it slept them.
 * Jobs: short prompts, a long prompt sent whole, logs read by path and split into parts (two slots
 * at once), answers of 50 to 400 tokens (the fake's answers run to their limit). Goal: within 25%
 * for 80% of the jobs.
 */
import { offload, type OffloadRequest } from '../src/orchestrator/jobs/offload.js';
import { gatheredLog, longLog } from '../test/helpers/fair.js';
import type { GatheredInputs } from '../src/orchestrator/inputs/types.js';
import { DEFAULT_MODELS, FakeOllama } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';
import { oneTokenWords } from '../test/fake-ollama/tokenize.js';

const GOAL = { within: 0.25, share: 0.8 };
const phi3 = {
  ...DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!,
  contextLength: 8192,
  tokenDelayMs: 5,
  promptTokenDelayMs: 0.5,
};
const qwen3 = {
  ...DEFAULT_MODELS.find((m) => m.name === 'qwen2.5-coder:7b')!,
  contextLength: 8192,
  tokenDelayMs: 10,
  promptTokenDelayMs: 1,
};
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\nollama:\n  numParallel: 2\n';
/** Long enough that every answer runs to its limit. */
const REPLY = oneTokenWords(2000, 'word');

const prose = (words: number) =>
  Array.from(
    { length: words },
    (_, i) => ['the', 'cache', 'holds', 'requests', 'until', 'their', 'entries', 'expire'][i % 8],
  ).join(' ');
const ask = (model: string, prompt: string, maxTokens: number, inputs?: GatheredInputs): OffloadRequest => ({
  prompt,
  model,
  maxTokens,
  task: 'summarize',
  useMemory: false,
  ...(inputs && { inputs }),
});

const LEARN = [
  ask('phi3:mini', `Summarize: ${prose(600)}`, 80),
  ask('qwen2.5-coder:7b', `Summarize: ${prose(600)}`, 80),
];
const JOBS: Array<{ name: string; req: OffloadRequest }> = [
  { name: 'phi3, short prompt, 50-token answer', req: ask('phi3:mini', 'Explain what an ETag is.', 50) },
  { name: 'phi3, short prompt, 300-token answer', req: ask('phi3:mini', 'Explain how HTTP caching works.', 300) },
  { name: 'phi3, 3k-token prompt, 100-token answer', req: ask('phi3:mini', `Summarize: ${prose(2400)}`, 100) },
  {
    name: 'phi3, 30 KB log by path, 150-token answer',
    req: ask('phi3:mini', 'List the errors in this log.', 150, gatheredLog(longLog(30_000))),
  },
  {
    name: 'phi3, 100 KB log by path (split), 200-token answer',
    req: ask('phi3:mini', 'List the errors in this log.', 200, gatheredLog(longLog(100_000))),
  },
  { name: 'qwen2.5, short prompt, 100-token answer', req: ask('qwen2.5-coder:7b', 'Explain what an ETag is.', 100) },
  {
    name: 'qwen2.5, 1.5k-token prompt, 200-token answer',
    req: ask('qwen2.5-coder:7b', `Summarize: ${prose(1200)}`, 200),
  },
  {
    name: 'qwen2.5, 60 KB log by path (split), 120-token answer',
    req: ask('qwen2.5-coder:7b', 'List the errors in this log.', 120, gatheredLog(longLog(60_000))),
  },
  {
    name: 'qwen2.5, short prompt, 400-token answer',
    req: ask('qwen2.5-coder:7b', 'Explain how HTTP caching works.', 400),
  },
  {
    name: 'phi3, 200 KB log by path (split), 100-token answer',
    req: ask('phi3:mini', 'List the errors in this log.', 100, gatheredLog(longLog(200_000))),
  },
];

const s = (ms: number) => (ms / 1000).toFixed(1);

export async function benchEstimate(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start({ memoryBytes: 32e9, models: [phi3, qwen3], loadDelayMs: 0, numParallel: 2 });
  fake.reply(REPLY);
  const core = await coreFor(fake, { totalBytes: 32e9, yaml: YAML });
  const lines: string[] = [];
  let within = 0;
  try {
    // each model used twice: its speeds learned
    for (const req of [...LEARN, ...LEARN]) await offload(core, req);
    await core.speeds.load();
    for (const job of JOBS) {
      const dry = await offload(core, { ...job.req, dryRun: true });
      const estimate = dry.advice!.expectedSeconds * 1000;
      const t0 = performance.now();
      const r = await offload(core, job.req);
      const real = performance.now() - t0;
      await core.speeds.load();
      const error = (estimate - real) / real;
      if (Math.abs(error) <= GOAL.within) within++;
      const how = r.split ? `${r.split.parts} parts, ${r.split.calls} requests` : 'whole';
      lines.push(
        `estimate: ${job.name} (${how}): estimated ${s(estimate)} s ` +
          `(${dry.advice!.speedMeasured ? 'measured' : 'assumed'} speeds), took ${s(real)} s, ` +
          `${error >= 0 ? '+' : ''}${(error * 100).toFixed(0)}%`,
      );
    }
  } finally {
    await core.shutdown(100);
    await fake.stop();
  }
  const share = within / JOBS.length;
  const ok = share >= GOAL.share;
  lines.push(
    `estimate: ${within} of ${JOBS.length} jobs within ${GOAL.within * 100}% ` +
      `(${(share * 100).toFixed(0)}%; goal ≥ ${GOAL.share * 100}%) ${ok ? 'OK' : 'MISSED'}`,
  );
  return { ok, lines };
}
