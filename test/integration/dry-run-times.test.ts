/**
 * A dry run's expected time counts what the answer will wait for: the cold load when the model is
 * not loaded (from the measured load speed, else its size), and queueing when its slots are busy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const ask = {
  prompt: 'Explain how HTTP caching works and when to use ETag versus Cache-Control.',
  model: 'llama3.2',
  maxTokens: 256,
  dryRun: true,
} as const;

describe('a dry run expects', () => {
  it('longer with nothing loaded than with the model loaded, by its load', async () => {
    fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
    const core = await coreFor(fake);
    const cold = await routeAndGenerate(core, ask);
    expect(cold.advice?.loaded).toBe(false);
    await core.loader.ensureLoaded({ model: 'llama3.2:latest' });
    const warm = await routeAndGenerate(core, ask);
    expect(warm.advice?.loaded).toBe(true);
    expect(cold.advice!.expectedSeconds).toBeGreaterThan(warm.advice!.expectedSeconds);
    expect(cold.advice!.expectedSeconds - warm.advice!.expectedSeconds).toBeCloseTo(cold.advice!.loadSeconds, 0);
  });
});

describe('a dry run after real work', () => {
  it('sees the model the work loaded', async () => {
    fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
    const core = await coreFor(fake);
    const general = {
      prompt: 'Explain how HTTP caching works and when to use ETag versus Cache-Control.',
      maxTokens: 256,
    };
    const cold = await routeAndGenerate(core, { ...general, dryRun: true });
    const done = await routeAndGenerate(core, general);
    expect(done.model).toBe(cold.model);
    const warm = await routeAndGenerate(core, { ...general, dryRun: true });
    expect(warm.model).toBe(cold.model);
    expect(warm.advice?.loaded).toBe(true);
    expect(cold.advice!.expectedSeconds).toBeGreaterThan(warm.advice!.expectedSeconds);
  });
});

describe('a dry run while the model answers others', () => {
  it('counts the wait for a slot, and none once the slot is free', async () => {
    fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 20, loadDelayMs: 0, numParallel: 1 });
    fake.reply(oneTokenWords(60, 'word'));
    const core = await coreFor(fake, { yaml: 'ollama:\n  numParallel: 1\n' });
    await core.loader.ensureLoaded({ model: 'llama3.2:latest' });
    const idle = await routeAndGenerate(core, ask);
    expect(idle.advice?.queueSeconds).toBe(0);
    const running = routeAndGenerate(core, { ...ask, dryRun: false, maxTokens: 60 });
    for (let i = 0; i < 200 && core.loader.requestsOn('llama3.2:latest') === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    const busy = await routeAndGenerate(core, ask);
    await running;
    expect(busy.advice!.queueSeconds).toBeGreaterThan(0);
    expect(busy.advice!.expectedSeconds).toBeCloseTo(idle.advice!.expectedSeconds + busy.advice!.queueSeconds, 0);
    expect(busy.text).toMatch(/waiting behind 1 request on its 1 slot/);
    const after = await routeAndGenerate(core, ask);
    expect(after.advice?.queueSeconds).toBe(0);
  });
});
