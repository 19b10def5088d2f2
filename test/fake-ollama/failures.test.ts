/**
 * Failed loads with llama-server's wording, Ollama's retries after an out-of-memory, OOM during generation,
 * aborted loads.
 */
import { describe, expect, it } from 'vitest';
import { GiB, gen, loadedNames, ndjson, post, ps, start, stopFakesAfterEach, waitFor } from './test-helpers.js';
import { RUNTIME_OOM } from './failures.js';

stopFakesAfterEach();

const CPU = { admission: 'ollama', memoryBytes: 64e9 } as const;

describe('failed loads', () => {
  it(
    'a crash answers 500 "llama-server process has terminated: …" (no word "memory"); nothing ' +
      'is retried or evicted',
    async () => {
      const { fake } = await start(CPU);
      await gen(fake, { model: 'phi3:mini' });
      fake.injectLoadFailure('crash', { model: 'llama3.2' });
      const r = await gen(fake, { model: 'llama3.2', prompt: 'x' });
      expect(r).toEqual({ status: 500, body: { error: 'llama-server process has terminated: exit status 2' } });
      expect(String(r.body['error'])).not.toMatch(/memory/i);
      expect(loadedNames(fake)).toEqual(['phi3:mini']);
      expect(fake.stats()).toMatchObject({
        failedLoads: [{ model: 'llama3.2:latest', error: 'llama-server process has terminated: exit status 2' }],
        loadRetries: [],
        forcedEvictions: [],
      });
      expect((await gen(fake, { model: 'llama3.2' })).status).toBe(200); // the failure was used once
    },
  );

  it('out of memory alone, with an explicit context: 500 "llama-server reported out-of-memory during startup: …"', async () => {
    const { fake } = await start(CPU);
    fake.injectLoadFailure('oom', {
      detail:
        'ggml_backend_cuda_buffer_type_alloc_buffer: allocating 9000.00 MiB on device 0: cudaMalloc ' +
        'failed: out of memory',
    });
    const r = await gen(fake, { model: 'llama3.2', options: { num_ctx: 8192 } });
    expect(r.status).toBe(500);
    expect(r.body['error']).toBe(
      'llama-server reported out-of-memory during startup: ' +
        'ggml_backend_cuda_buffer_type_alloc_buffer: allocating 9000.00 MiB on device 0: cudaMalloc ' +
        'failed: out of memory',
    );
    expect(fake.stats().loadRetries).toEqual([]);
    expect(fake.loaded()).toEqual([]);
  });

  it('out of memory with other models loaded: Ollama evicts all of them, pinned ones too, and retries once', async () => {
    for (const times of [1, 2]) {
      const { fake } = await start(CPU);
      await gen(fake, { model: 'phi3:mini', keep_alive: -1 });
      await gen(fake, { model: 'llama3.2' });
      fake.injectLoadFailure('oom', { model: 'qwen2.5-coder:7b', times });
      const r = await gen(fake, { model: 'qwen2.5-coder:7b', options: { num_ctx: 4096 } });
      expect(r.status).toBe(times === 1 ? 200 : 500);
      expect(loadedNames(fake)).toEqual(times === 1 ? ['qwen2.5-coder:7b'] : []);
      const s = fake.stats();
      expect(s.forcedEvictions.map((e) => [e.evicted, e.for, e.reason]).sort()).toEqual([
        ['llama3.2:latest', 'qwen2.5-coder:7b', 'evict-all'],
        ['phi3:mini', 'qwen2.5-coder:7b', 'evict-all'],
      ]);
      expect(s.loadRetries).toMatchObject([{ model: 'qwen2.5-coder:7b', numCtx: 4096, evictedAll: true }]);
      expect(s.failedLoads).toHaveLength(times - 1);
    }
  });

  it('out of memory with an automatic context: retried once with a smaller context', async () => {
    const { fake } = await start({ gpus: [{ vramBytes: 48 * GiB }], memoryBytes: 64e9 }); // automatic context 262144
    fake.injectLoadFailure('oom');
    expect((await gen(fake, { model: 'llama3.2' })).status).toBe(200);
    expect((await ps(fake))[0]!.context_length).toBe(32768); // 131072 (the window) failed; the next tier down
    expect(fake.stats().loadRetries).toMatchObject([{ numCtx: 32768, evictedAll: false }]);
  });
});

describe('out of memory during generation', () => {
  it('expires every loaded model, pinned ones included; the failing one goes when its request ends', async () => {
    const { fake } = await start(CPU);
    await gen(fake, { model: 'phi3:mini', keep_alive: -1 });
    await gen(fake, { model: 'qwen2.5-coder:7b', keep_alive: '1h' });
    fake.injectGenerationFailure({ model: 'llama3.2', afterChunks: 2 });
    const lines = await ndjson(await post(`${fake.url}/api/generate`, { model: 'llama3.2', prompt: 'x' }));
    expect(lines.slice(0, 2).map((l) => l['response'])).toEqual(['The', ' quick']);
    expect(lines[2]).toEqual({ error: RUNTIME_OOM });
    expect(lines).toHaveLength(3);
    await waitFor(() => fake.loaded().length === 0);
    expect(
      fake
        .stats()
        .forcedEvictions.map((e) => [e.evicted, e.reason])
        .sort(),
    ).toEqual([
      ['llama3.2:latest', 'oom'],
      ['phi3:mini', 'oom'],
      ['qwen2.5-coder:7b', 'oom'],
    ]);
  });

  it('another error during generation expires nothing; stream:false answers 500', async () => {
    const { fake } = await start(CPU);
    await gen(fake, { model: 'phi3:mini' });
    fake.injectGenerationFailure({ error: 'llama-server error: {"code":500,"message":"Invalid input batch"}' });
    const r = await gen(fake, { model: 'phi3:mini', prompt: 'x' });
    expect(r).toEqual({
      status: 500,
      body: { error: 'llama-server error: {"code":500,"message":"Invalid input batch"}' },
    });
    expect(loadedNames(fake)).toEqual(['phi3:mini']);
    expect(fake.stats().forcedEvictions).toEqual([]);
  });
});

describe('a client that disconnects during a load', () => {
  it('aborts the load: the model does not end up loaded, and it is counted', async () => {
    const { fake } = await start({ ...CPU, loadDelayMs: 200 });
    const ac = new AbortController();
    const pending = fetch(`${fake.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2' }),
      signal: ac.signal,
    }).catch((e: unknown) => e);
    // the fake has the request, so its 200 ms load has begun (nothing between the two but promise jobs)
    await waitFor(() => fake.requests.some((q) => q.path === '/api/generate'), 5000);
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 300)); // past the time the load would have taken
    expect(fake.loaded()).toEqual([]);
    expect(fake.stats()).toMatchObject({ loads: 0, abortedLoads: [{ model: 'llama3.2:latest' }] });
    expect((await gen(fake, { model: 'llama3.2' })).status).toBe(200); // the next request loads it
    expect(fake.stats().loads).toBe(1);
  });
});
