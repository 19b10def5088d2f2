import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { HostError } from '../../src/orchestrator/index.js';
import { compare, groupByMemory } from '../../src/orchestrator/jobs/compare.js';
import { deleteModel } from '../../src/orchestrator/jobs/delete.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { selectModel } from '../../src/orchestrator/generation/router.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import type { PullProgress } from '../../src/orchestrator/models/pull.js';
import { Preferences } from '../../src/orchestrator/stores/preferences.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\nollama:\n  pullStallTimeoutMs: 1000\n';
let fake: FakeOllama;
afterEach(async () => {
  await fake?.stop();
});

async function setup(opts: { memory?: number; pullChunkDelayMs?: number; tokenDelayMs?: number } = {}) {
  const memory = opts.memory ?? 16e9;
  fake = await FakeOllama.start({
    memoryBytes: memory,
    pullChunkDelayMs: opts.pullChunkDelayMs ?? 2,
    tokenDelayMs: opts.tokenDelayMs ?? 1,
    models: DEFAULT_MODELS.filter((m) => m.name !== 'phi3:mini'),
  });
  return coreFor(fake, { totalBytes: memory, yaml: YAML });
}

describe('pull_model', () => {
  it('pulls with progress that only grows, ends at the total, names the phases, then lists the model', async () => {
    const core = await setup();
    const seen: PullProgress[] = [];
    const r = await core.puller.pull({ model: 'phi3:mini', onProgress: (p) => seen.push(p) });
    expect(r).toMatchObject({ model: 'phi3:mini', status: 'pulled' });
    expect(r.sizeBytes).toBe(fake.installed().find((m) => m.name === 'phi3:mini')!.size);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.completedBytes).toBeGreaterThanOrEqual(seen[i - 1]!.completedBytes);
    const last = seen[seen.length - 1]!;
    expect(last.completedBytes).toBe(last.totalBytes);
    expect(last.totalBytes).toBe(r.sizeBytes);
    expect(seen.some((p) => /^pulling [0-9a-f]{12} — \d+% \(.+ of .+\)$/.test(p.message))).toBe(true);
    expect(seen.map((p) => p.message)).toEqual(
      expect.arrayContaining(['verifying sha256 digest', 'writing manifest', 'success']),
    );
    expect((await core.listModels()).models.some((m) => m.name === 'phi3:mini')).toBe(true);
  });

  it('an installed model is already_present without a download, unless forced', async () => {
    const core = await setup();
    expect((await core.puller.pull({ model: 'llama3.2' })).status).toBe('already_present');
    expect(fake.requests.some((q) => q.path === '/api/pull')).toBe(false);
    expect((await core.puller.pull({ model: 'llama3.2', force: true })).status).toBe('pulled');
  });

  it('a bad name fails before any request; an unknown model fails fast with its name', async () => {
    const core = await setup();
    await expect(core.puller.pull({ model: 'llama 3' })).rejects.toThrow(/"llama 3" is not a valid model name/);
    expect(fake.requests.filter((q) => q.path === '/api/pull')).toHaveLength(0);
    const err = (await core.puller.pull({ model: 'nosuchmodel:1b' }).catch((e: unknown) => e)) as HostError;
    expect(err.kind).toBe('model_not_found');
    expect(err.message).toMatch(/"nosuchmodel:1b" was not found in the registry/);
  });

  it('cancelling stops the download and leaves the model not installed', async () => {
    const core = await setup({ pullChunkDelayMs: 100 }); // a download of many seconds
    const ac = new AbortController();
    const pending = core.puller.pull({
      model: 'phi3:mini',
      signal: ac.signal,
      onProgress: (p) => p.completedBytes > 0 && ac.abort(),
    });
    await expect(pending).rejects.toThrow(/cancelled/);
    // the download itself stops: its connection to Ollama closes long before the download could end
    for (let i = 0; i < 50 && fake.pullsRunning() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.pullsRunning()).toBe(0);
    expect(fake.installed().some((m) => m.name === 'phi3:mini')).toBe(false);
  });

  it('concurrent pulls of one model share one download', async () => {
    const core = await setup();
    const [a, b] = await Promise.all([
      core.puller.pull({ model: 'phi3:mini' }),
      core.puller.pull({ model: 'phi3:mini' }),
    ]);
    expect(a.status).toBe('pulled');
    expect(b.status).toBe('pulled');
    expect(fake.requests.filter((q) => q.path === '/api/pull')).toHaveLength(1);
  });

  it('an error line mid-stream is an error, and the model is not installed', async () => {
    const core = await setup();
    fake.failNext('/api/pull', 500, 'max retries exceeded: connection reset', { afterChunks: 3 });
    await expect(core.puller.pull({ model: 'phi3:mini' })).rejects.toThrow(/max retries exceeded/);
    expect(fake.installed().some((m) => m.name === 'phi3:mini')).toBe(false);
  });

  it('a stalled download stops with the advice that a retry resumes it', async () => {
    const core = await setup({ pullChunkDelayMs: 1500 });
    await expect(core.puller.pull({ model: 'phi3:mini' })).rejects.toThrow(
      /stalled: no bytes for 1 s.*resumes the download/,
    );
  });
});

describe('delete_model', () => {
  it('unloads then deletes; refuses a pinned model unless forced; unknown is a clear error', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'llama3.2', pin: true });
    await expect(deleteModel(core, { model: 'llama3.2' })).rejects.toThrow(/pinned.*force: true/);
    const out = await deleteModel(core, { model: 'llama3.2', force: true });
    expect(out).toMatchObject({ model: 'llama3.2:latest', deleted: true, unloaded: true });
    expect(fake.installed().some((m) => m.name === 'llama3.2:latest')).toBe(false);
    expect(fake.loaded()).toEqual([]);
    expect((await core.listModels()).models.some((m) => m.name === 'llama3.2:latest')).toBe(false);
    await expect(deleteModel(core, { model: 'ghost:1b' })).rejects.toThrow(/not installed/);
  });
});

describe('compare', () => {
  it('groups by memory, in order', () => {
    const m = (name: string, gb: number) =>
      ({ name, requiredBytes: gb * 1e9 }) as Parameters<typeof groupByMemory>[0][number];
    expect(groupByMemory([m('a', 3), m('b', 4), m('c', 5)], 12e9)).toEqual([['a', 'b', 'c']]);
    expect(groupByMemory([m('a', 6), m('b', 7), m('c', 3)], 12e9)).toEqual([['a'], ['b', 'c']]);
  });

  it('three models that fit together run in parallel, each with its metrics', async () => {
    const core = await setup({ tokenDelayMs: 15, memory: 24e9 });
    fake.reply('a b c d e f g h i j');
    // how many models the fake saw generating at once, sampled while the comparison runs
    let most = 0;
    const sample = setInterval(() => (most = Math.max(most, fake.loaded().filter((m) => m.inFlight > 0).length)), 5);
    const r = await compare(core, {
      prompt: 'Say something',
      models: ['llama3.2', 'qwen2.5-coder:7b', 'llava:7b'],
    }).finally(() => clearInterval(sample));
    expect(r.results.map((e) => e.model)).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b', 'llava:7b']);
    expect(r.parallel).toBe(true);
    expect(r.groups).toEqual([['llama3.2:latest', 'qwen2.5-coder:7b', 'llava:7b']]);
    for (const e of r.results) {
      expect(e.error).toBeUndefined();
      expect(e.text).toBe('a b c d e f g h i j');
      expect(e.metrics.outputTokens).toBe(10);
      expect(e.metrics.loadMs).toBeGreaterThan(0);
    }
    // in parallel: Ollama had more than one of them generating at the same moment
    expect(most).toBeGreaterThan(1);
    expect(r.fastest).toBeDefined();
    expect(fake.stats()).toMatchObject({ forcedEvictions: [], refusedLoads: [] });
  });

  it(
    'keeps load, first token and generation apart: a model loaded before the call shows no load ' +
      'and wins nothing by it',
    async () => {
      fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 10, loadDelayMs: 5, loadMsPerGB: 60 });
      const core = await coreFor(fake, { totalBytes: 24e9, yaml: YAML });
      fake.reply('a b c d e f g h i j');
      await core.loader.ensureLoaded({ model: 'llama3.2:latest' }); // loaded before the comparison
      const r = await compare(core, { prompt: 'Say something', models: ['llama3.2', 'qwen2.5-coder:7b'] });
      const [warm, cold] = r.results;
      expect(warm).toMatchObject({ model: 'llama3.2:latest', loadedBefore: true });
      expect(warm!.metrics.loadMs).toBe(0);
      expect(cold!.loadedBefore).toBeUndefined();
      expect(cold!.metrics.loadMs).toBeGreaterThanOrEqual(250); // ~4.7 GB at 60 ms per GB
      for (const e of r.results) {
        const m = e.metrics;
        expect(m.generationMs).toBeGreaterThan(0);
        expect(m.totalMs).toBeGreaterThanOrEqual(m.loadMs + m.timeToFirstTokenMs + m.generationMs);
      }
      const best = Math.max(...r.results.map((e) => e.metrics.tokensPerSecond));
      expect(r.results.find((e) => e.model === r.fastest)!.metrics.tokensPerSecond).toBe(best);
    },
  );

  it('models that do not fit together run in sequence with smart loading, never overcommitting', async () => {
    const core = await setup({ memory: 9e9 });
    const r = await compare(core, { prompt: 'Say something', models: ['llava:7b', 'qwen2.5-coder:7b', 'llama3.2'] });
    expect(r.results.every((e) => !e.error)).toBe(true);
    expect(r.groups.length).toBeGreaterThan(1);
    expect(fake.stats()).toMatchObject({ forcedEvictions: [], refusedLoads: [] });
    expect(fake.stats().peakUsedBytes).toBeLessThanOrEqual(9e9);
  });

  it('one failing model does not fail the comparison', async () => {
    const core = await setup();
    const r = await compare(core, { prompt: 'hi', models: ['llama3.2', 'ghost:7b'] });
    expect(r.results[0]).toMatchObject({ model: 'llama3.2:latest' });
    expect(r.results[0]!.error).toBeUndefined();
    expect(r.results[1]).toMatchObject({ model: 'ghost:7b', error: expect.stringContaining('ollama pull ghost:7b') });
  });

  it('without models, compares the top candidates for the task', async () => {
    const core = await setup();
    const r = await compare(core, { prompt: 'Tell me about the moon', task: 'general' });
    const expected = selectModel({ task: 'general' }, (await core.listModels()).models, core.routingSettings())!
      .ranked.slice(0, 3)
      .map((x) => x.model);
    expect(r.results.map((e) => e.model)).toEqual(expected);
    expect(expected[0]).toBe('llama3.2:latest');
    expect(r.results.every((e) => !e.error && e.text.length > 0)).toBe(true);
  });
});

describe('preferences', () => {
  it('a preferred model changes the next routing decision, and the reason says so', async () => {
    fake = await FakeOllama.start({ memoryBytes: 16e9, tokenDelayMs: 1 });
    const core = await coreFor(fake, { totalBytes: 16e9, yaml: YAML });
    const before = await routeAndGenerate(core, { prompt: 'Tell me about the moon', task: 'general' });
    expect(before.model).toBe('llama3.2:latest'); // phi is the last resort of the seed 001 chain
    await core.preferences.set('general', { model: 'phi3:mini', task: 'general', at: new Date().toISOString() });
    const after = await routeAndGenerate(core, { prompt: 'Tell me about the moon', task: 'general' });
    expect(after.model).toBe('phi3:mini');
    expect(after.reason).toMatch(/phi3:mini is the model you preferred for general work/);
    const reread = new Preferences(core.config.home); // a later session, on the same state database
    await reread.load();
    expect(reread.byProfile()).toEqual({ general: 'phi3:mini' });
    const db = new Database(join(core.config.home, 'state.db'), { readonly: true }); // what another process reads
    try {
      const row = db.prepare("SELECT json FROM documents WHERE name = 'preferences'").get() as { json: string };
      expect(JSON.parse(row.json)).toMatchObject({ byProfile: { general: { model: 'phi3:mini', task: 'general' } } });
    } finally {
      db.close();
    }
  });
});
