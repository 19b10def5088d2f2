/**
 * Each engine's own timings reach the result's metrics engine-neutral — reading the prompt (the
 * tokens its cache did not hold), the prompt tokens its cache held, generating — and are learned
 * per host and model (stores/speeds.ts); the dry run's time is made from them once learned.
 * Against the fakes, which time the prompt and the answer as the engines report them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { coreFor } from '../helpers/core.js';
import { tempDir } from '../helpers/temp.js';
import { answerRecorded } from '../helpers/answer-records.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const words = (n: number, w = 'alpha') => oneTokenWords(n, w);
const memory = {
  memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
  gpus: async () => [],
};

/**
 * An orchestrator whose only generating host is `kind` at `url` (a fake Ollama without models stands by as
 * the default host).
 */
async function hostOf(kind: 'llamacpp' | 'openai', url: string) {
  const ollama = await FakeOllama.start({ models: [] });
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: eng\n    kind: ${kind}\n    url: ${url}\n`);
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), {
    memorySource: memory,
  });
  stops.push(
    () => orch.shutdown(200),
    () => ollama.stop(),
  );
  return orch;
}

/**
 * A fake Ollama reading each prompt token it does not hold in `msPerToken`, writing one a ms, and this server
 * over it.
 */
async function ollamaReading(msPerToken: number) {
  const fake = await FakeOllama.start({
    memoryBytes: 24e9,
    tokenDelayMs: 1,
    promptTokenDelayMs: msPerToken,
    loadDelayMs: 0,
  });
  fake.reply(words(60, 'w'));
  stops.push(() => fake.stop());
  const orch = await coreFor(fake);
  stops.push(() => orch.shutdown(200));
  return { fake, orch };
}

describe('Ollama', () => {
  it(
    'reports prompt_eval_duration as promptMs and eval_duration as generationMs, no cache ' +
      'figure (Ollama gives none); they are learned, and the dry run uses them',
    async () => {
      const { fake, orch } = await ollamaReading(0.5);
      const ask = { prompt: `Summarize: ${words(300)}`, model: 'llama3.2', maxTokens: 40 };
      const fresh = await routeAndGenerate(orch, { ...ask, dryRun: true });
      expect(fresh.advice).toMatchObject({ speedMeasured: false });
      expect(fresh.text).toMatch(/Expected: about [\d.]+ s \(assumed speeds\)/);
      const r = await routeAndGenerate(orch, ask);
      const g = fake.generations().at(-1)!;
      expect(r.metrics.promptTokens).toBe(g.evalTokens);
      // the engine's own times, as it reported them (the fake read each prompt token in 0.5 ms, each answer token
      // in 1 ms), not the wall clock's
      expect(r.metrics.promptMs).toBe(Math.round(g.reported!.promptEvalNs! / 1e6));
      expect(r.metrics.generationMs).toBe(Math.round(g.reported!.evalNs! / 1e6));
      expect(r.metrics.cachedPromptTokens).toBeUndefined();
      await routeAndGenerate(orch, ask);
      await orch.speeds.load(); // recorded with the next group commit, after the answer went out
      const learned = orch.speeds.at(orch.hosts[0]!.name, r.model);
      expect(learned.promptTokensPerSecond).toBeGreaterThan(0);
      expect(learned.promptTokensPerSecond).toBeLessThanOrEqual(2000); // 0.5 ms a token at the most
      expect(learned.tokensPerSecond).toBeLessThanOrEqual(1000);
      // every answer ran into maxTokens: no length of its own yet
      expect(learned).toMatchObject({ cutShare: 1 });
      expect(learned.answerTokens).toBeUndefined();
      const dry = await routeAndGenerate(orch, { ...ask, dryRun: true });
      expect(dry.advice).toMatchObject({
        speedMeasured: true,
        promptTokensPerSecond: Math.round(learned.promptTokensPerSecond! * 10) / 10,
      });
      // the prompt's tokens calibrated to the engine's count, at the rate learned
      const counted = Math.round(dry.metrics.promptTokens * (orch.metrics.tokenRatio(r.model) ?? 1));
      expect(dry.advice!.promptSeconds).toBeCloseTo(counted / learned.promptTokensPerSecond!, 1);
      expect(dry.text).toMatch(
        /Expected: about [\d.]+ s \(measured speeds\) for ~40 tokens of answer, as [a-z]+ answers ran here, up to 40 \(already loaded; [\d.]+ s reading ~\d+ prompt tokens; reading [\d.]+ prompt tokens\/s and writing [\d.]+ tokens\/s, measured here(; [\d.]+ s more a request)?\)\.$/m,
      );
    },
  );
});

describe('Ollama, whose prompt time counts only what it read again and which says nothing of its cache', () => {
  it('a follow-up over the same long prompt: what its slot is believed to hold is left out of the rate learned', async () => {
    // the fake reads each prompt token its runner's slot does not hold in 1 ms (prompt-cache.ts)
    const { fake, orch } = await ollamaReading(1);
    const file = words(600, 'line'); // read whole by the first call
    await routeAndGenerate(orch, { prompt: `${file}\nTask: which lines repeat?`, model: 'llama3.2', maxTokens: 20 });
    const first = fake.generations().at(-1)!;
    // a follow-up: the same file, then another question of 60 words — only those are read again
    await routeAndGenerate(orch, { prompt: `${file}\nTask: ${words(60, 'next')}`, model: 'llama3.2', maxTokens: 20 });
    const follow = fake.generations().at(-1)!;
    expect(first.promptTokens).toBeGreaterThan(600);
    expect(follow.cachedTokens).toBeGreaterThan(0.8 * follow.promptTokens); // the engine did hold it
    await orch.speeds.load(); // recorded with the next group commit, after the answer went out
    const learned = orch.speeds.at(orch.hosts[0]!.name, 'llama3.2:latest');
    // 1 ms a token read: 1,000 tokens/s. The whole prompt over the time of its last words would teach ~10× that.
    expect(learned.promptTokensPerSecond).toBeGreaterThan(500);
    expect(learned.promptTokensPerSecond).toBeLessThanOrEqual(1200);
  });
});

describe('llama-server', () => {
  it(
    "reports its timings (prompt_ms, predicted_ms) and the prompt tokens its slot's cache held " + '(cache_n)',
    async () => {
      const router = await FakeLlamacpp.start({
        models: [{ id: 'storiesA', file: STORIES }],
        promptTokenDelayMs: 1,
        tokenDelayMs: 1,
        reply: words(30),
      });
      stops.push(() => router.stop());
      const orch = await hostOf('llamacpp', router.url);
      const prompt = `Tell me a story about ${words(40, 'dragon')}`;
      const first = await routeAndGenerate(orch, { prompt, model: 'storiesA', maxTokens: 20 });
      expect(first.metrics).toMatchObject({
        cachedPromptTokens: 0,
        promptMs: expect.any(Number),
        generationMs: expect.any(Number),
      });
      expect(first.metrics.promptMs).toBeGreaterThanOrEqual(first.metrics.promptTokens - 1);
      // the same prompt again: the slot's cache holds all but the last token, read in a moment
      const again = await routeAndGenerate(orch, { prompt, model: 'storiesA', maxTokens: 20 });
      expect(again.metrics.cachedPromptTokens).toBe(again.metrics.promptTokens - 1);
      expect(again.metrics.promptMs).toBeLessThan(first.metrics.promptMs!);
      // the rate learned is that of the tokens read: the cache hit (one token read) is too few to time
      await orch.speeds.load();
      const learned = orch.speeds.at('eng', first.model);
      expect(orch.speeds.book()[JSON.stringify(['eng', first.model])]!.prompt).toHaveLength(1);
      // the first answer's: its tokens read over the time llama-server said it read them (the fake's wall
      // clock, so not asserted against 1 ms a token)
      expect(learned.promptTokensPerSecond).toBeCloseTo(
        first.metrics.promptTokens / (first.metrics.promptMs! / 1000),
        0,
      );
    },
  );
});

describe('an OpenAI-compatible engine', () => {
  it(
    'without timings: the prompt by the wall clock to the first token, generating from the ' +
      'stream, no cache figure',
    async () => {
      const engine = await FakeOpenAI.start({ models: ['m1'], tokenDelayMs: 3, reply: words(20) });
      stops.push(() => engine.stop());
      const orch = await hostOf('openai', engine.url);
      const r = await routeAndGenerate(orch, { prompt: `Explain ${words(50)}`, model: 'm1', maxTokens: 20 });
      expect(r.metrics.promptMs).toBeGreaterThanOrEqual(3); // the engine's first delay
      expect(r.metrics.generationMs).toBeGreaterThan(0);
      expect(r.metrics.cachedPromptTokens).toBeUndefined();
      await answerRecorded();
      await orch.speeds.load();
      expect(orch.speeds.at('eng', r.model).tokensPerSecond).toBeGreaterThan(0);
      // a dry run names the engine kind that would answer, as the answer does
      expect(r.provider).toBe('openai');
      expect((await routeAndGenerate(orch, { prompt: 'hi', model: 'm1', dryRun: true })).provider).toBe('openai');
    },
  );
});
