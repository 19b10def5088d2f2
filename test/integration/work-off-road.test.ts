/**
 * The work a prompt is (generation/classify.ts) is inferred once a call needs it: at once when a model must
 * be chosen, but for a model the caller named only once its request is sent — off the way to the engine,
 * while the engine reads the prompt — even when the call reports its progress (every tool call does).
 */
import { rmSync } from 'node:fs';
import { afterEach, expect, it, vi } from 'vitest';
import { PhaseTracker } from '../../src/orchestrator/progress/progress.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const classified = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../src/orchestrator/generation/classify.js', async (original) => {
  const real = await original<typeof import('../../src/orchestrator/generation/classify.js')>();
  return {
    ...real,
    classify: (...args: Parameters<typeof real.classify>) => {
      classified.calls++;
      return real.classify(...args);
    },
  };
});

/** What each test started, stopped after it: the engine, the core (and its home), the reporter. */
const started: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of started.splice(0).reverse()) await stop();
});

/** A call with progress, and how often the work had been inferred when the engine was asked. */
async function inferredBeforeEngine(
  model: string | undefined,
): Promise<{ before: number; whenRead: number; messages: string[] }> {
  const fake = await FakeOllama.start({
    memoryBytes: 16e9,
    models: DEFAULT_REGISTRY.filter((m) => ['llama3.2:latest', 'phi3:mini'].includes(m.name)),
    tokenDelayMs: 1,
  });
  started.push(() => fake.stop());
  const core = await coreFor(fake, { totalBytes: 16e9, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  started.push(async () => {
    await core.shutdown(200);
    rmSync(core.config.home, { recursive: true, force: true });
  });
  // counted as the engine is asked: the request sent from this process (the fake, in it too, reads it a turn
  // of the event loop later, once the work is worked out while the engine reads the prompt)
  let before = -1;
  let whenRead = -1;
  const engine = core.fleet.hosts[0]!.engine;
  const generate = engine.generate.bind(engine);
  engine.generate = (...args: Parameters<typeof generate>) => {
    const sent = generate(...args);
    before = classified.calls;
    return sent;
  };
  fake.reply(() => {
    whenRead = classified.calls;
    return 'hello there';
  });
  const messages: string[] = [];
  const tracker = new PhaseTracker((u) => messages.push(u.message), { intervalMs: 300 });
  started.push(() => tracker.close());
  classified.calls = 0;
  const r = await routeAndGenerate(core, {
    prompt: 'hi',
    ...(model && { model }),
    maxTokens: 16,
    useMemory: false,
    progress: tracker,
  });
  expect(r.task).toBe('fast'); // inferred all the same: the result says what work it was
  expect(classified.calls).toBe(1);
  return { before, whenRead, messages };
}

it("a named model's call reaches the engine before its work is inferred, which is inferred while the engine reads", async () => {
  const { before, whenRead, messages } = await inferredBeforeEngine('llama3.2');
  expect(before).toBe(0);
  expect(whenRead).toBe(1); // before the first token: the engine's reading of the prompt hides it
  expect(messages[0]).toBe('planning the call on llama3.2');
});

it('a call whose model is to be chosen infers its work first: the choice needs it', async () => {
  const { before, messages } = await inferredBeforeEngine(undefined);
  expect(before).toBe(1);
  expect(messages[0]).toBe('choosing a model for fast work');
});
