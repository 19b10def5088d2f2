// A model the caller names is that model or an error (issue 72 finding 5): when its load fails, no
// other local model answers in its place — the call fails naming the cause and the next step. The
// rest of the route's rules stay: a routed call (no model named) goes on to the next candidate when
// its first one's load fails; a named model whose generation fails, and a model a planner chose
// (chosenBecause), do too.
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate, RouteError } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const MEMORY = 16e9;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\nollama:\n  stallTimeoutMs: 1000\n';
const PROMPT = 'Write a haiku about autumn';

let fake: FakeOllama;
afterEach(async () => {
  await fake?.stop();
});

async function setup() {
  const models = DEFAULT_REGISTRY.filter(
    (m) => m.name !== 'gemma3:4b' && m.name !== 'all-minilm:latest' && m.name !== 'qwen3:8b',
  );
  fake = await FakeOllama.start({ memoryBytes: MEMORY, models, tokenDelayMs: 1 });
  return coreFor(fake, { totalBytes: MEMORY, yaml: YAML });
}

/** The models asked to answer the prompt (not the empty generates that load). */
const answeredBy = (prompt: string) =>
  fake.requests
    .filter((q) => q.path === '/api/generate' && (q.body as { prompt?: string }).prompt === prompt)
    .map((q) => (q.body as { model: string }).model);

describe('a named model whose load fails', () => {
  it('fails the call, naming the cause and the next step; no other model answers', async () => {
    const core = await setup();
    fake.injectLoadFailure('crash', { model: 'llama3.2' });
    const err = await routeAndGenerate(core, { prompt: PROMPT, task: 'general', model: 'llama3.2' }).then(
      () => new Error('it answered'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(RouteError);
    expect(err.message).toMatch(
      /llama-server process has terminated.* llama3\.2:latest was named, and its load failed: no other local model answered in its place — call again once that is fixed, or name another model/,
    );
    expect((err as RouteError).attempts.map((a) => a.model)).toEqual(['llama3.2:latest']);
    expect(answeredBy(PROMPT)).toEqual([]);
  });
});

describe('a named model another client unloads as it loads', () => {
  it('is loaded again, and answers: the call is neither failed nor answered by another model', async () => {
    const core = await setup();
    fake.setLatency('/api/ps', 60); // the loader's reading after the load comes after the other client's unload
    let unloaded = false;
    const other = setInterval(() => {
      if (unloaded || !fake.loaded().some((m) => m.name === 'llama3.2:latest')) return;
      unloaded = true;
      void fetch(`${fake.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.2:latest', keep_alive: 0 }),
      });
    }, 2);
    try {
      const r = await routeAndGenerate(core, { prompt: PROMPT, task: 'general', model: 'llama3.2' });
      expect(unloaded).toBe(true);
      expect(r.model).toBe('llama3.2:latest');
      expect(r.fallbacks).toEqual([]);
      expect(fake.loadCount('llama3.2:latest')).toBe(2);
      expect(answeredBy(PROMPT)).toEqual(['llama3.2:latest']);
    } finally {
      clearInterval(other);
    }
  });
});

describe('the rest of the route, as before', () => {
  it('a routed call whose first candidate fails to load goes on to the next', async () => {
    const core = await setup();
    fake.injectLoadFailure('crash'); // the next load, whichever model it is
    const r = await routeAndGenerate(core, { prompt: PROMPT, task: 'general' });
    expect(r.fallbacks).toEqual([
      { model: expect.any(String), error: expect.stringMatching(/llama-server process has terminated/) },
    ]);
    expect(r.fallbacks[0]!.error).not.toMatch(/was named/);
    expect(r.model).not.toBe(r.fallbacks[0]!.model);
    expect(answeredBy(PROMPT)).toEqual([r.model]);
  });

  it('a named model whose generation fails goes on to the next', async () => {
    const core = await setup();
    fake.injectGenerationFailure({ model: 'llama3.2', error: 'llama runner process has terminated' });
    const r = await routeAndGenerate(core, { prompt: PROMPT, task: 'general', model: 'llama3.2' });
    expect(r.fallbacks).toEqual([
      { model: 'llama3.2:latest', error: expect.stringMatching(/llama runner process has terminated/) },
    ]);
    expect(r.model).not.toBe('llama3.2:latest');
  });

  it('a model a planner chose (chosenBecause), not the caller, goes on to the next when its load fails', async () => {
    const core = await setup();
    fake.injectLoadFailure('crash', { model: 'llama3.2' });
    const r = await routeAndGenerate(core, {
      prompt: PROMPT,
      task: 'general',
      model: 'llama3.2',
      chosenBecause: 'the plan chose it',
    });
    expect(r.fallbacks.map((f) => f.model)).toEqual(['llama3.2:latest']);
    expect(r.model).not.toBe('llama3.2:latest');
  });
});
