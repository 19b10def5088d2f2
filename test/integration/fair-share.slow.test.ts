// Fair between clients (issue 43, item 2): while one client's long split job holds the 14B model's
// slot, another client's quick call goes to the small model that fits beside it in free memory —
// and a call that names the busy model (or its parts, which the split planner gave it), or whose
// model the user preferred for the work (issue 73), stays.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { FAIR_YAML, PART_ANSWER, fairModels, longLog } from '../helpers/fair.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

function gathered(text: string): GatheredInputs {
  const tokens = estimateTokens(text);
  return {
    docs: [{ label: 'logs/app.log', text }],
    images: [],
    read: [{ path: 'logs/app.log', kind: 'text', bytes: text.length, tokens, encoding: 'utf-8' }],
    skipped: [],
    bytes: text.length,
    tokens,
  };
}

async function machine() {
  const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 2, models: fairModels(40) });
  fake.reply((ctx) =>
    /Combine them into one answer/.test(ctx.prompt ?? '')
      ? 'FINAL'
      : /French/.test(ctx.prompt ?? '')
        ? 'Bonjour !'
        : PART_ANSWER,
  );
  const core = await coreFor(fake, { totalBytes: 32e9, yaml: FAIR_YAML });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  return { fake, core };
}

/**
 * Waits until the split job's first part has begun on the 14B model (the fake has its request: most of its
 * generation ahead).
 */
async function partBegun(fake: FakeOllama): Promise<void> {
  await vi.waitFor(
    () => expect(fake.generations().filter((g) => g.model === 'qwen2.5:14b').length).toBeGreaterThan(0),
    { timeout: 30_000, interval: 5 },
  );
}

describe("a quick call beside another client's long split job", () => {
  it('is answered by the small model that fits beside the busy 14B one, and finishes first', async () => {
    const { fake, core } = await machine();
    const order: string[] = [];
    const job = offload(core, {
      prompt: 'Which errors occurred in this log?',
      model: 'qwen2.5:14b',
      useMemory: false,
      inputs: gathered(longLog()),
    }).then((r) => (order.push('split job'), r));
    await partBegun(fake);
    const quick = await routeAndGenerate(core, { prompt: 'Say hello in French.', task: 'fast', useMemory: false }).then(
      (r) => (order.push('quick call'), r),
    );
    expect(quick.model).toBe('phi3:mini');
    expect(quick.text).toBe('Bonjour !');
    expect(quick.reason).toMatch(
      /^phi3:mini serves fast work and fits now; it answers sooner than qwen2\.5:14b, its slot is answering 1 request \(~[\d.]+ s here, [\d.]+ s of it loading beside the others, against ~[\d.]+ s of waiting \+ [\d.]+ s there\)/,
    );
    const r = await job;
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(r.model).toBe('qwen2.5:14b');
    expect(order).toEqual(['quick call', 'split job']);
    // every part stayed on the model the planner sized them to; nothing was unloaded for the quick call
    expect(fake.generations().filter((g) => g.model.startsWith('qwen2.5')).length).toBe(r.split!.calls);
    expect(fake.stats().unloads).toBe(0);
    expect(fake.stats().forcedEvictions).toEqual([]);
    expect(
      fake
        .loaded()
        .map((m) => m.name)
        .sort(),
    ).toEqual(['phi3:mini', 'qwen2.5:14b']);
  }, 60_000);

  it('a call naming the busy model stays on it, waiting its turn', async () => {
    const { fake, core } = await machine();
    const job = offload(core, {
      prompt: 'Which errors occurred in this log?',
      model: 'qwen2.5:14b',
      useMemory: false,
      inputs: gathered(longLog()),
    });
    await partBegun(fake);
    const named = await routeAndGenerate(core, {
      prompt: 'Say hello in French.',
      task: 'fast',
      model: 'qwen2.5:14b',
      useMemory: false,
    });
    expect(named.model).toBe('qwen2.5:14b');
    expect(named.reason).toMatch(/^qwen2\.5:14b was named by the caller/);
    expect(named.metrics.queueMs).toBeGreaterThan(0);
    await job;
  }, 60_000);

  it('a call whose model the user preferred for the work stays on the busy model too, waiting its turn (issue 73)', async () => {
    const { fake, core } = await machine();
    await core.preferences.set('fast', { model: 'qwen2.5:14b', task: 'fast', at: new Date().toISOString() });
    const job = offload(core, {
      prompt: 'Which errors occurred in this log?',
      model: 'qwen2.5:14b',
      useMemory: false,
      inputs: gathered(longLog()),
    });
    await partBegun(fake);
    const preferred = await routeAndGenerate(core, {
      prompt: 'Say hello in French.',
      task: 'fast',
      useMemory: false,
    });
    expect(preferred.model).toBe('qwen2.5:14b');
    expect(preferred.reason).toMatch(/^qwen2\.5:14b is the model you preferred for fast work/);
    expect(preferred.reason).not.toContain('answers sooner');
    expect(preferred.metrics.queueMs).toBeGreaterThan(0);
    await job;
  }, 60_000);

  it('with the 14B model idle, the quick call takes it (loaded, it answers at once): nothing is moved', async () => {
    const { core } = await machine();
    await routeAndGenerate(core, { prompt: 'Hello.', model: 'qwen2.5:14b', useMemory: false, maxTokens: 4 });
    const quick = await routeAndGenerate(core, { prompt: 'Say hello in French.', task: 'fast', useMemory: false });
    expect(quick.model).toBe('qwen2.5:14b');
    expect(quick.reason).not.toContain('answers sooner');
  }, 60_000);

  it('a dry run during the split job says the small model would take the quick call, and why', async () => {
    const { fake, core } = await machine();
    const job = offload(core, {
      prompt: 'Which errors occurred in this log?',
      model: 'qwen2.5:14b',
      useMemory: false,
      inputs: gathered(longLog()),
    });
    await partBegun(fake);
    const dry = await routeAndGenerate(core, {
      prompt: 'Say hello in French.',
      task: 'fast',
      useMemory: false,
      dryRun: true,
    });
    expect(dry.model).toBe('phi3:mini');
    expect(dry.reason).toContain('answers sooner than qwen2.5:14b');
    expect(dry.advice!.queueSeconds).toBe(0);
    await job;
  }, 60_000);
});
