import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../src/orchestrator/index.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

let fake: FakeOllama;
beforeEach(async () => {
  fake = await FakeOllama.start({ memoryBytes: 16e9, version: '0.12.6' });
});
afterEach(async () => {
  await fake.stop();
});

const count = (path: string) => fake.requests.filter((r) => r.path === path).length;

describe('catalog against a fake Ollama', () => {
  it('lists every installed model with its trained context window and capabilities from /api/show', async () => {
    const core = await coreFor(fake);
    const { models } = await core.catalog.list();
    expect(models.map((m) => m.name).sort()).toEqual(
      fake
        .installed()
        .map((m) => m.name)
        .sort(),
    );
    for (const m of models) {
      const truth = fake.installed().find((f) => f.name === m.name)!;
      expect(m.contextWindow).toBe(truth.contextLength);
      expect(m.contextSource).toBe('ollama');
      expect(m.capabilities).toEqual(
        truth.capabilities.filter((c) =>
          ['completion', 'tools', 'vision', 'embedding', 'thinking', 'insert'].includes(c),
        ),
      );
      expect(m.sizeBytes).toBe(truth.size);
      expect(m.parameterSize).toBe(truth.parameterSize);
      expect(m.quantization).toBe(truth.quantization);
      expect(m.detailsKnown).toBe(true);
    }
    const embed = models.find((m) => m.capabilities.includes('embedding'));
    expect(embed?.profiles).toEqual([]);
    const vision = models.find((m) => m.capabilities.includes('vision'));
    expect(vision?.profiles).toContain('vision');
  });

  it('caches the list, and a refresh asks /api/show only about new or changed models', async () => {
    const core = await coreFor(fake);
    await core.catalog.list();
    const tags = count('/api/tags');
    const shows = count('/api/show');
    expect(shows).toBe(fake.installed().length);

    await core.catalog.list();
    expect(count('/api/tags')).toBe(tags); // served from cache

    fake.addModel({
      name: 'tinyllama:latest',
      size: 637_700_138,
      family: 'llama',
      parameterSize: '1B',
      quantization: 'Q4_0',
      architecture: 'llama',
      contextLength: 2048,
      capabilities: ['completion'],
    });
    const refreshed = await core.catalog.list({ refresh: true });
    expect(count('/api/tags')).toBe(tags + 1);
    expect(count('/api/show')).toBe(shows + 1); // only the new model
    expect(refreshed.models.some((m) => m.name === 'tinyllama:latest')).toBe(true);
  });

  it('concurrent readers share one fetch', async () => {
    const core = await coreFor(fake);
    await Promise.all([core.catalog.list(), core.catalog.list(), core.catalog.list()]);
    expect(count('/api/tags')).toBe(1);
  });

  it('bounds /api/show concurrency', async () => {
    let inflight = 0;
    let peak = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      const isShow = String(input instanceof Request ? input.url : input).endsWith('/api/show');
      if (isShow) peak = Math.max(peak, ++inflight);
      try {
        return await fetch(input, init);
      } finally {
        if (isShow) inflight--;
      }
    };
    for (let i = 0; i < 8; i++) {
      fake.addModel({
        name: `extra${i}:latest`,
        size: 1e9,
        family: 'llama',
        parameterSize: '1B',
        quantization: 'Q4_0',
        architecture: 'llama',
        contextLength: 2048,
        capabilities: ['completion'],
      });
    }
    fake.setLatency('/api/show', 30);
    const core = await coreFor(fake, { deps: { fetch: countingFetch } });
    const { models } = await core.catalog.list();
    expect(models.length).toBeGreaterThanOrEqual(12);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('falls back to the database when /api/show fails for one model', async () => {
    fake.failNext('/api/show', 500, 'boom');
    const core = await coreFor(fake);
    const { models } = await core.catalog.list();
    expect(models).toHaveLength(fake.installed().length);
    const degraded = models.filter((m) => !m.detailsKnown);
    expect(degraded).toHaveLength(1);
    expect(degraded[0]!.contextSource).not.toBe('ollama');
    expect(degraded[0]!.contextWindow).toBeGreaterThan(0);
  });

  it('serves the last good list, marked stale, when Ollama goes away', async () => {
    const core = await coreFor(fake);
    const first = await core.catalog.list();
    fake.setOffline(true);
    const again = await core.catalog.list({ refresh: true });
    expect(again.models).toEqual(first.models);
    expect(again.stale).toBeInstanceOf(HostError);
    expect(again.stale?.kind).toBe('unreachable');
  });

  it('with no list yet, an unreachable Ollama is an error naming the host and the fix', async () => {
    const core = await coreFor(fake);
    await fake.stop();
    const err = await core.catalog.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).kind).toBe('unreachable');
    expect((err as Error).message).toContain(fake.host);
    expect((err as Error).message).toContain('ollama serve');
  });
});

describe('host forms', () => {
  it.each(['0.0.0.0:PORT', 'localhost:PORT', 'http://localhost:PORT/', ':PORT'])(
    'OLLAMA_HOST=%s reaches the fake on 127.0.0.1',
    async (form) => {
      const core = await coreFor(fake, {
        env: { OLLM_HOST: '', OLLAMA_HOST: form.replace('PORT', String(fake.port)) },
      });
      expect(core.host).toBe(`127.0.0.1:${fake.port}`);
      expect(await core.backend.version()).toBe('0.12.6');
    },
  );
});

describe('Ollama backend errors', () => {
  it('a slow answer times out with the host, the endpoint and what to do', async () => {
    fake.setLatency('/api/tags', 2000);
    const core = await coreFor(fake, { yaml: 'ollama:\n  timeoutMs: 200\n' });
    // without the 200 ms limit the list would arrive after 2 s: an error of kind timeout is the limit at work
    const err = (await core.backend.list().catch((e: unknown) => e)) as HostError;
    expect(err).toBeInstanceOf(Error);
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(new RegExp(`${fake.host}.*/api/tags.*200 ms`));
  });

  it("the caller's signal cancels a call", async () => {
    fake.setLatency('/api/tags', 2000);
    const core = await coreFor(fake);
    const ac = new AbortController();
    const pending = core.backend.list({ signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = (await pending.catch((e: unknown) => e)) as HostError;
    expect(err.kind).toBe('aborted');
  });

  it('a missing model says to pull it', async () => {
    const core = await coreFor(fake);
    const err = (await core.backend.show('nope:1b').catch((e: unknown) => e)) as HostError;
    expect(err.kind).toBe('model_not_found');
    expect(err.status).toBe(404);
    expect(err.message).toContain('ollama pull nope:1b');
  });

  it('an out-of-memory 500 is named as such', async () => {
    const core = await coreFor(fake);
    const err = core.backend.toError(
      { status_code: 500, error: 'model requires more system memory (30 GiB) than is available (12 GiB)' },
      'load',
      { model: 'big' },
    );
    expect(err.kind).toBe('out_of_memory');
    expect(err.message).toMatch(/unload other models or choose a smaller one/);
  });

  it('reuses connections: many calls open few sockets', async () => {
    const core = await coreFor(fake);
    for (let i = 0; i < 20; i++) await core.backend.version();
    expect(fake.connectionCount()).toBeLessThanOrEqual(2);
  });
});
