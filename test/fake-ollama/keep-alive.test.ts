/** The scheduler on the default host (no gpus: the legacy RAM check), as tests written for Ollama ≤ 0.12 rely on. */
import { describe, expect, it } from 'vitest';
import { estimateModelMemory, kvCacheBytes } from './models.js';
import {
  expectResponseError,
  isResponseError,
  type ClientResponseError,
  model,
  post,
  start,
  stopFakesAfterEach,
  waitFor,
} from './test-helpers.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

stopFakesAfterEach();

describe('fake ollama: loading, keep_alive and /api/ps (default host: legacy RAM check)', () => {
  it('load-only (no prompt) answers done_reason "load" even when streaming; keep_alive 0 unloads', async () => {
    const { fake, client } = await start();
    const res = await post(`${fake.url}/api/generate`, { model: 'llama3.2' });
    expect(res.headers.get('content-type')).toContain('application/json');
    const load = (await res.json()) as Record<string, unknown>;
    expect(load).toMatchObject({ model: 'llama3.2', response: '', done: true, done_reason: 'load' });
    const ps = await client.ps();
    expect(ps.models).toHaveLength(1);
    const entry = ps.models[0] as unknown as Record<string, unknown>;
    expect(entry).toMatchObject({
      name: 'llama3.2:latest',
      model: 'llama3.2:latest',
      size_vram: 0,
      context_length: 4096,
    });
    expect(entry['size']).toBe(estimateModelMemory(model('llama3.2:latest'), 4096));
    expect(String(entry['expires_at'])).toMatch(RFC3339);
    const expiresIn = Date.parse(String(entry['expires_at'])) - Date.now();
    expect(expiresIn).toBeGreaterThan(4 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(5 * 60_000);
    expect(fake.usedMemoryBytes()).toBe(entry['size']);

    const unload = await client.generate({ model: 'llama3.2', prompt: '', keep_alive: 0 });
    expect(unload.done_reason).toBe('unload');
    expect((await client.ps()).models).toHaveLength(0);
    expect(fake.usedMemoryBytes()).toBe(0);
    // unloading something not loaded is still 200; chat has the same load/unload rules
    const again = await post(`${fake.url}/api/generate`, { model: 'phi3:mini', keep_alive: '0s' });
    expect(again.status).toBe(200);
    const chatLoad = await client.chat({ model: 'phi3:mini', messages: [] });
    expect(chatLoad.done_reason).toBe('load');
    expect(fake.loaded().map((l) => l.name)).toEqual(['phi3:mini']);
  });

  it(
    'keep_alive: negative = forever (centuries ahead), a short Go duration really unloads, ps ' +
      'is sorted latest first',
    async () => {
      const { fake, client } = await start();
      await client.generate({ model: 'phi3:mini', prompt: '', keep_alive: -1 });
      await client.generate({ model: 'llama3.2', prompt: '', keep_alive: '300ms' });
      await client.generate({ model: 'qwen2.5-coder:7b', prompt: '', keep_alive: '1h30m' });
      const ps = await client.ps();
      expect(ps.models.map((m) => m.name)).toEqual(['phi3:mini', 'qwen2.5-coder:7b', 'llama3.2:latest']);
      expect(new Date(ps.models[0]?.expires_at ?? 0).getUTCFullYear()).toBeGreaterThan(2300);
      await waitFor(() => !fake.loaded().some((l) => l.name === 'llama3.2:latest'));
      expect((await client.ps()).models.map((m) => m.name)).toEqual(['phi3:mini', 'qwen2.5-coder:7b']);
      expect(fake.usedMemoryBytes()).toBe(fake.loaded().reduce((s, l) => s + l.size, 0));
    },
  );

  it('the keep_alive timer does not run while a request is in flight', async () => {
    const { fake, client } = await start({ tokenDelayMs: 40 });
    const stream = await client.generate({ model: 'llama3.2', prompt: 'x', keep_alive: '50ms', stream: true });
    let chunks = 0;
    for await (const part of stream) {
      if (part.done) continue;
      chunks++;
      // checked while another token is to come: the last one and done end the request at once, and its 50 ms may
      // then run out before they are read
      if (chunks < 10) expect(fake.loaded().map((l) => l.name)).toEqual(['llama3.2:latest']); // 10 × 40 ms ≫ 50 ms
    }
    expect(chunks).toBe(10);
    await waitFor(() => fake.loaded().length === 0);
  });

  it('charges memory (weights + KV estimate) and rejects a model larger than memory with 500', async () => {
    const { fake, client } = await start({ memoryBytes: 16e9 });
    await client.generate({ model: 'llama3.2', prompt: '' });
    const llama = model('llama3.2:latest');
    expect(kvCacheBytes(llama, 4096)).toBe(2 * 28 * 8 * 128 * 4096 * 2);
    expect(fake.usedMemoryBytes()).toBe(llama.size + kvCacheBytes(llama, 4096));
    expect(fake.freeMemoryBytes()).toBe(16e9 - fake.usedMemoryBytes());
    const err = await client.generate({ model: 'mixtral:8x7b', prompt: 'x' }).catch((e: unknown) => e);
    expect(isResponseError(err)).toBe(true);
    expect((err as ClientResponseError).status_code).toBe(500);
    expect((err as ClientResponseError).error).toMatch(
      /^model requires more system memory \(\d+\.\d GiB\) than is available \(\d+\.\d GiB\)$/,
    );
    expect(fake.loaded().map((l) => l.name)).toEqual(['llama3.2:latest']); // nothing evicted for a hopeless load
    expect(fake.loadCount('mixtral:8x7b')).toBe(0);
  });

  it('evicts idle models shortest keep_alive first (not LRU) until the new one fits', async () => {
    const { fake, client } = await start({ memoryBytes: 7e9, kvCache: false });
    await client.generate({ model: 'llama3.2', prompt: '', keep_alive: '1h' }); // 2.02 GB, loaded first
    await client.generate({ model: 'phi3:mini', prompt: '', keep_alive: '10m' }); // 2.18 GB
    expect(fake.usedMemoryBytes()).toBe(2019393189 + 2176178913);
    // 4.68 GB does not fit in 2.8 GB free → evict phi3 (shortest keep_alive), keep llama3.2 although it is older
    await client.generate({ model: 'qwen2.5-coder:7b', prompt: '' });
    expect(
      fake
        .loaded()
        .map((l) => l.name)
        .sort(),
    ).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']);
    expect(fake.usedMemoryBytes()).toBe(2019393189 + 4683087332);
  });

  it('evicts by blob path when keep_alive ties (not by name, not LRU), and honours maxLoadedModels', async () => {
    const { fake, client } = await start({ maxLoadedModels: 2 });
    await client.generate({ model: 'llama3.2', prompt: '' }); // blob sha256-a80c…
    await client.generate({ model: 'phi3:mini', prompt: '' }); // blob sha256-4f22…, loaded last
    await client.generate({ model: 'qwen2.5-coder:7b', prompt: '' });
    expect(
      fake
        .loaded()
        .map((l) => l.name)
        .sort(),
    ).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']); // '4f22' < 'a80c'
    expect(fake.stats().forcedEvictions).toMatchObject([
      { evicted: 'phi3:mini', for: 'qwen2.5-coder:7b', reason: 'count' },
    ]);
  });

  it('returns 500 when only busy models could make room (default), or waits with busyEviction:"wait"', async () => {
    for (const busyEviction of ['error', 'wait'] as const) {
      const { fake, client } = await start({ memoryBytes: 6e9, kvCache: false, tokenDelayMs: 15, busyEviction });
      const stream = await client.generate({ model: 'qwen2.5-coder:7b', prompt: 'x', stream: true });
      const consume = (async () => {
        let n = 0;
        for await (const p of stream) if (!p.done) n++;
        return n;
      })();
      consume.catch(() => undefined); // asserted below; avoid an unhandled rejection if an assertion fails first
      await waitFor(() => fake.loaded()[0]?.inFlight === 1);
      const other = client.generate({ model: 'llama3.2', prompt: 'y' });
      if (busyEviction === 'error') {
        await expectResponseError(
          other,
          500,
          'model requires more system memory (1.9 GiB) than is available (1.2 GiB)',
        );
        expect(await consume).toBe(10);
        expect(fake.loaded().map((l) => l.name)).toEqual(['qwen2.5-coder:7b']);
      } else {
        const r = await other;
        expect(await consume).toBe(10); // the busy stream was not cut
        expect(r.done).toBe(true);
        expect(fake.loaded().map((l) => l.name)).toEqual(['llama3.2:latest']);
      }
    }
  });

  it('a num_ctx change forces a reload; num_ctx is capped at the trained context', async () => {
    const { fake, client } = await start();
    await client.generate({ model: 'llama3.2', prompt: 'a' });
    await client.generate({ model: 'llama3.2', prompt: 'b' });
    expect(fake.loadCount('llama3.2')).toBe(1);
    const r = await client.generate({ model: 'llama3.2', prompt: 'c', options: { num_ctx: 8192 } });
    expect(r.load_duration).toBeGreaterThan(0);
    expect(fake.loadCount('llama3.2:latest')).toBe(2);
    expect((await client.ps()).models[0]).toMatchObject({ context_length: 8192 });
    await client.generate({ model: 'llama3.2', prompt: 'd' }); // back to the default 4096 → reload again
    expect(fake.loadCount('llama3.2')).toBe(3);
    await client.generate({ model: 'llava:7b', prompt: 'e', options: { num_ctx: 32768 } });
    expect(fake.loaded().find((l) => l.name === 'llava:7b')?.contextLength).toBe(4096);
  });

  it('serialises loads', async () => {
    const { fake } = await start({ loadDelayMs: 60 });
    const t0 = Date.now();
    const [a, b] = await Promise.all([
      post(`${fake.url}/api/generate`, { model: 'llama3.2' }),
      post(`${fake.url}/api/generate`, { model: 'phi3:mini' }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
    expect(fake.loaded()).toHaveLength(2);
  });

  it('deleting a loaded model does not unload it; unknown delete is 404', async () => {
    const { fake, client } = await start();
    await client.generate({ model: 'phi3:mini', prompt: '' });
    const res = await fetch(`${fake.url}/api/delete`, {
      method: 'DELETE',
      body: JSON.stringify({ model: 'phi3:mini' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect((await client.ps()).models.map((m) => m.name)).toEqual(['phi3:mini']); // the runner keeps running
    expect(fake.installed().some((m) => m.name === 'phi3:mini')).toBe(false);
    await expectResponseError(client.delete({ model: 'phi3:mini' }), 404, "model 'phi3:mini' not found");
  });

  it('a client abort mid-stream stops streaming and releases the model', async () => {
    const { fake, client } = await start({ tokenDelayMs: 20, defaultKeepAliveMs: 60_000 });
    // 100,000 tokens × 20 ms: some 33 min if not stopped, so its release at all is the proof, whatever the clock
    fake.reply(Array.from({ length: 100_000 }, (_, i) => `w${i}`).join(' '));
    const stream = await client.generate({ model: 'llama3.2', prompt: 'x', stream: true });
    let seen = 0;
    await expect(
      (async () => {
        for await (const p of stream) {
          seen++;
          if (seen === 2) stream.abort();
          void p;
        }
      })(),
    ).rejects.toThrow();
    await waitFor(() => fake.loaded()[0]?.inFlight === 0, 15_000); // a bound against hanging, not a timing
    expect(fake.generations()[0]!.aborted).toBe(true); // the client's close reached the fake, which stopped
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(fake.loaded()).toHaveLength(1); // still loaded, timer running again
  });
});
