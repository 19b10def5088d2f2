/**
 * The estimate of a prompt's tokens is corrected per model by what its engine reported for earlier
 * prompts (every Ollama answer carries prompt_eval_count): a model whose tokenizer counts twice as
 * many tokens gets parts half as large.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import { RATIO_MARGIN } from '../../src/orchestrator/generation/token-count.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { countTokens } from '../fake-ollama/tokenize.js';
import { coreFor } from '../helpers/core.js';

const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
const phi3 = { ...DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!, contextLength: 8192 };
let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const text = Array.from(
  { length: 4000 },
  (_, n) => `2026-11-22T10:00:${String(n % 60).padStart(2, '0')}Z worker-${n % 7} LINE-${n} handled job ${n * 31}`,
).join('\n');
const inputs = {
  docs: [{ label: 'app.log', text }],
  images: [],
  read: [],
  skipped: [],
  bytes: text.length,
  tokens: estimateTokens(text),
};

describe('calibrating the token estimate per model', () => {
  it("learns the engine's count from answers to long prompts", async () => {
    fake = await FakeOllama.start({ memoryBytes: 32e9, models: [phi3], tokenDelayMs: 0 });
    const core = await coreFor(fake, { totalBytes: 32e9, yaml: YAML });
    const prompt = `Summarise:\n${text.slice(0, 6000)}`;
    for (let i = 0; i < 3; i++) await routeAndGenerate(core, { prompt, model: 'phi3:mini', useMemory: false });
    const counted = fake.generations()[0]!.promptTokens;
    const ratio = core.metrics.tokenRatio('phi3:mini')!;
    expect(ratio).toBeCloseTo((counted / estimateTokens(`\n${prompt}`)) * RATIO_MARGIN, 2);
    expect(countTokens(prompt)).toBeLessThanOrEqual(counted);
  });

  it('sizes parts by it: a tokenizer counting twice as much gets twice as many parts', async () => {
    fake = await FakeOllama.start({ memoryBytes: 32e9, models: [phi3], tokenDelayMs: 0 });
    const plain = await coreFor(fake, { totalBytes: 32e9, yaml: YAML });
    const before = await offload(plain, {
      prompt: 'List the errors.',
      task: 'summarize',
      useMemory: false,
      dryRun: true,
      inputs,
    });
    const calibrated = await coreFor(fake, { totalBytes: 32e9, yaml: YAML });
    calibrated.metrics.recordPromptCount('phi3:mini', 10_000, 20_000); // earlier answers: twice the estimate
    const after = await offload(calibrated, {
      prompt: 'List the errors.',
      task: 'summarize',
      useMemory: false,
      dryRun: true,
      inputs,
    });
    expect(after.split!.parts).toBeGreaterThanOrEqual(Math.floor(before.split!.parts * 1.8));
    expect(after.text).toMatch(/counted by earlier answers/);
  });
});
