import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator/index.js';
import { PhaseTracker, type ProgressUpdate } from '../../src/orchestrator/progress/progress.js';
import { routeAndGenerate, RouteError } from '../../src/orchestrator/jobs/route.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { DEFAULT_REGISTRY, FakeOllama, type FakeOllamaOptions } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
let fake: FakeOllama | undefined;
let core: Orchestrator | undefined;
const trackers: PhaseTracker[] = [];
afterEach(async () => {
  for (const t of trackers.splice(0)) t.close();
  await core?.shutdown(200);
  if (core) rmSync(core.config.home, { recursive: true, force: true });
  await fake?.stop();
  fake = core = undefined;
});

async function setup(opts: FakeOllamaOptions & { only?: string[]; yaml?: string; totalBytes?: number } = {}) {
  const { only = ['llama3.2:latest', 'phi3:mini'], yaml = '', totalBytes = 16e9, ...fakeOptions } = opts;
  fake = await FakeOllama.start({
    memoryBytes: totalBytes,
    models: DEFAULT_REGISTRY.filter((m) => only.includes(m.name)),
    tokenDelayMs: 2,
    ...fakeOptions,
  });
  core = await coreFor(fake, { totalBytes, yaml: YAML + yaml });
  return core;
}

/** A reporter as the tools use it, keeping every update it sends. */
function recorder(intervalMs = 300) {
  const updates: Array<ProgressUpdate & { at: number }> = [];
  const tracker = new PhaseTracker((u) => updates.push({ ...u, at: performance.now() }), { intervalMs });
  trackers.push(tracker);
  return { tracker, updates, messages: () => updates.map((u) => u.message) };
}

describe('timeouts that know the phase', () => {
  it(
    'a stream that goes quiet after its first token is stopped by ollama.stallTimeoutMs, which ' +
      'did not run before it',
    async () => {
      // Every token takes 1.5 s: the first arrives ~3 s after the request (reading the prompt, then the token),
      // longer than the 1 s stall limit — which therefore must not have been running yet.
      const c = await setup({
        only: ['llama3.2:latest'],
        tokenDelayMs: 1500,
        yaml: 'ollama:\n  stallTimeoutMs: 1000\n',
      });
      fake!.reply('one two three four');
      const err = await routeAndGenerate(c, {
        prompt: 'Tell me about owls.',
        model: 'llama3.2',
        useMemory: false,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RouteError);
      expect((err as RouteError).attempts[0]!.error).toMatch(
        /^llama3\.2:latest sent nothing for 1 s while generating \(after 1 token\) and was stopped — .*raise ollama\.stallTimeoutMs \(1000 ms\)/,
      );
    },
  );

  it(
    'a wait queued behind another request on the model is not a stall: only time not queued ' +
      'counts toward the first token',
    async () => {
      const c = await setup({
        only: ['llama3.2:latest'],
        tokenDelayMs: 100,
        yaml: 'ollama:\n  firstTokenTimeoutMs: 1000\n',
      });
      // ~2 s per answer; Ollama serves one at a time
      fake!.reply(oneTokenWords(20, 'w'));
      await smartLoad(c, { model: 'llama3.2' });
      const first = routeAndGenerate(c, { prompt: 'first question', model: 'llama3.2', useMemory: false });
      // the first request holds the model's one slot: it is on Ollama (however slowly a busy machine sends it)
      await vi.waitFor(() => expect(fake!.loaded()[0]?.inFlight).toBe(1), { timeout: 5000, interval: 10 });
      const second = recorder();
      const r2 = await routeAndGenerate(c, {
        prompt: 'second question',
        model: 'llama3.2',
        useMemory: false,
        progress: second.tracker,
      });
      const r1 = await first;
      expect(r1.fallbacks).toEqual([]);
      expect(r2.fallbacks).toEqual([]); // queued ~1.8 s, past the 1 s first-token limit, and still not stopped
      expect(r1.metrics.queueMs).toBe(0);
      expect(r2.metrics.queueMs).toBeGreaterThan(1000);
      // the queue and the first token are parts of the total, apart: the first token's time does not hold the queue
      expect(r2.metrics.queueMs + r2.metrics.timeToFirstTokenMs).toBeLessThanOrEqual(r2.metrics.totalMs);
      // beyond the model's slots the request waits in ollm-mcp for its turn (loading/slot-gate.ts), said as such
      expect(second.messages()).toContainEqual(
        expect.stringMatching(/^waiting for a slot on llama3\.2:latest: 1 request ahead/),
      );
      expect(second.messages()).toContainEqual(
        expect.stringMatching(/^llama3\.2:latest: evaluating the prompt \(~\d+ tokens\)/),
      );
    },
  );

  it('a load past its limit is stopped with a message naming the phase, the time and the settings', async () => {
    const c = await setup({
      only: ['llama3.2:latest'],
      loadDelayMs: 3000,
      yaml: 'ollama:\n  loadTimeoutMs: 1000\n  loadTimeoutMsPerGB: 0\n',
    });
    const err = await routeAndGenerate(c, { prompt: 'hello', model: 'llama3.2', useMemory: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RouteError);
    expect((err as RouteError).attempts[0]!.error).toMatch(
      /^Loading llama3\.2:latest on Ollama at .* took longer than 1 s \(ollama\.loadTimeoutMs 1000 ms \+ ollama\.loadTimeoutMsPerGB 0 ms × 2\.0 GB\) and was stopped — .*raise ollama\.loadTimeoutMs or ollama\.loadTimeoutMsPerGB/,
    );
  });
});

describe('progress through every phase', () => {
  it('names each phase, re-sends it while it lasts, and keeps rising across a fallback to another model', async () => {
    const c = await setup({ loadDelayMs: 1200, tokenDelayMs: 20 });
    await smartLoad(c, { model: 'llama3.2' });
    fake!.failNext('/api/generate', 500, 'llama runner process has terminated', { afterChunks: 3 });
    const rec = recorder(300);
    const r = await routeAndGenerate(c, {
      prompt: 'Write a short note about the weather.',
      task: 'general',
      model: 'llama3.2',
      useMemory: false,
      progress: rec.tracker,
    });
    expect(r.model).toBe('phi3:mini');
    expect(r.fallbacks).toHaveLength(1);
    const messages = rec.messages();
    expect(messages[0]).toBe('planning the call on llama3.2');
    expect(messages).toContainEqual(expect.stringMatching(/^llama3\.2:latest: evaluating the prompt/));
    const loads = messages.filter((m) =>
      /^loading phi3:mini \(2\.2 GB\): ~\d+ s estimated at (an assumed|this host's measured) /.test(m),
    );
    expect(loads.length).toBeGreaterThanOrEqual(2); // the 1.2 s load was re-sent while it lasted
    expect(messages.at(-1)).toMatch(/^phi3:mini: \d+ tokens? generated/);
    for (let i = 1; i < rec.updates.length; i++)
      expect(rec.updates[i]!.progress).toBeGreaterThan(rec.updates[i - 1]!.progress);
    expect(r.metrics.loadMs).toBeGreaterThanOrEqual(1000);
    expect(c.metrics.loadSpeed().measured).toBe(true); // two loads of over a second: the host's speed is now known
  });

  it('smart_load says when it waits for another load, and what it unloads', async () => {
    const c = await setup({ only: ['llama3.2:latest', 'qwen2.5-coder:7b'], loadDelayMs: 800, totalBytes: 7e9 });
    const first = smartLoad(c, { model: 'llama3.2' });
    // its 800 ms load is under way: Ollama has been asked for it
    await vi.waitFor(() => expect(fake!.requests.some((q) => q.path === '/api/generate')).toBe(true), {
      timeout: 5000,
      interval: 10,
    });
    const rec = recorder(200);
    const out = await smartLoad(c, { model: 'qwen2.5-coder:7b', progress: rec.tracker });
    await first;
    expect(out).toMatchObject({ action: 'loaded', unloaded: ['llama3.2:latest'] });
    const messages = rec.messages();
    expect(messages[0]).toBe('planning the load of qwen2.5-coder:7b');
    expect(messages).toContainEqual(
      expect.stringMatching(/^waiting for another request's load of llama3\.2:latest to finish \(\d+ s\)$/),
    );
    expect(messages).toContainEqual(expect.stringMatching(/^unloading llama3\.2:latest to make room/));
    expect(messages).toContainEqual(expect.stringMatching(/^loading qwen2\.5-coder:7b \(4\.7 GB\)/));
  });
});
