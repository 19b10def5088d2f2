/**
 * stats() on the default host (legacy RAM check): loads, load time, forced evictions, refusals, unloads,
 * peaks, reset.
 */
import { describe, expect, it } from 'vitest';
import { expectNsInt, gen, loadedNames, model, post, start, stopFakesAfterEach, waitFor } from './test-helpers.js';

stopFakesAfterEach();

describe('stats (default host: legacy RAM check)', () => {
  it('a load takes loadDelayMs + loadMsPerGB × GB, seen in load_duration and stats().loadMs', async () => {
    const base = model('phi3:mini');
    const models = [
      { ...base, name: 'tiny:latest', size: 0.5e9 },
      { ...base, name: 'huge:latest', size: 5e9 },
    ];
    const { fake, client } = await start({ models, kvCache: false, loadDelayMs: 10, loadMsPerGB: 50 });
    const small = await client.generate({ model: 'tiny', prompt: 'hi' }); // 10 + 25 ms
    expect(fake.stats()).toMatchObject({ loads: 1, loadMs: 35 });
    let bigNs = 0;
    for await (const part of await client.chat({
      model: 'huge',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })) {
      if (part.done) bigNs = part.load_duration; // 10 + 250 ms
    }
    expect(fake.stats()).toMatchObject({ loads: 2, loadMs: 295 });
    for (const [ns, ms] of [
      [small.load_duration, 35],
      [bigNs, 260],
    ] as const) {
      expectNsInt(ns);
      expect(ns).toBeGreaterThanOrEqual((ms - 2) * 1e6);
    }
    // already loaded: no load, no load_duration, nothing added
    const again = await client.generate({ model: 'huge', prompt: 'hi' });
    expect(again.load_duration ?? 0).toBe(0);
    expect(fake.stats()).toMatchObject({ loads: 2, loadMs: 295 });
  });

  it(
    'records forced evictions (memory and maxLoadedModels) with their reason, not keep_alive:0 ' +
      'unloads, expiries or num_ctx reloads',
    async () => {
      const { fake } = await start({ memoryBytes: 9e9, kvCache: false });
      await gen(fake, { model: 'qwen2.5-coder:7b' }); // 4.68 GB
      await gen(fake, { model: 'phi3:mini', keep_alive: '100ms' }); // 2.18 GB
      await waitFor(() => !loadedNames(fake).includes('phi3:mini')); // expiry
      await gen(fake, { model: 'phi3:mini' });
      await gen(fake, { model: 'phi3:mini', keep_alive: 0 }); // explicit unload, load-only form
      await gen(fake, { model: 'llama3.2', prompt: 'hi', keep_alive: 0 }); // unloads when the request ends
      await gen(fake, { model: 'qwen2.5-coder:7b', options: { num_ctx: 8192 } }); // num_ctx reload
      expect(loadedNames(fake)).toEqual(['qwen2.5-coder:7b']);
      expect(fake.stats()).toMatchObject({
        loads: 5,
        forcedEvictions: [],
        refusedLoads: [],
        unloads: 2,
        unloadsCompleted: 2,
        expiries: 1,
      });
      expect(fake.stats().reloads).toMatchObject([{ model: 'qwen2.5-coder:7b', changed: ['num_ctx'] }]);

      const before = Date.now();
      await gen(fake, { model: 'llava:7b' }); // 4.73 GB does not fit beside the coder: Ollama evicts it
      expect(loadedNames(fake)).toEqual(['llava:7b']);
      const { forcedEvictions } = fake.stats();
      expect(forcedEvictions).toEqual([
        { evicted: 'qwen2.5-coder:7b', for: 'llava:7b', reason: 'memory', at: expect.any(Number) as number },
      ]);
      expect(forcedEvictions[0]?.at).toBeGreaterThanOrEqual(before);

      const { fake: one } = await start({ maxLoadedModels: 1 });
      await gen(one, { model: 'phi3:mini' });
      await gen(one, { model: 'llama3.2' });
      expect(one.stats().forcedEvictions).toMatchObject([
        { evicted: 'phi3:mini', for: 'llama3.2:latest', reason: 'count' },
      ]);
    },
  );

  it('records refused loads: too big for the machine, and no room beside a busy model', async () => {
    const { fake } = await start({ memoryBytes: 9e9, kvCache: false, tokenDelayMs: 20 });
    const tooBig = await gen(fake, { model: 'mixtral:8x7b' });
    expect(tooBig.status).toBe(500);
    expect(tooBig.body['error']).toMatch(/^model requires more system memory/);
    expect(fake.stats().refusedLoads).toEqual([
      {
        model: 'mixtral:8x7b',
        costBytes: model('mixtral:8x7b').size,
        freeBytes: 9e9,
        at: expect.any(Number) as number,
      },
    ]);

    fake.reply('one two three four five six seven eight nine ten');
    const busy = post(`${fake.url}/api/generate`, { model: 'llava:7b', prompt: 'hi' });
    await waitFor(() => fake.loaded()[0]?.inFlight === 1);
    const blocked = await gen(fake, { model: 'qwen2.5-coder:7b' });
    expect(blocked.status).toBe(500);
    await (await busy).text();
    const s = fake.stats();
    expect(s.refusedLoads[1]).toMatchObject({
      model: 'qwen2.5-coder:7b',
      costBytes: model('qwen2.5-coder:7b').size,
      freeBytes: 9e9 - model('llava:7b').size,
    });
    expect(s.forcedEvictions).toEqual([]);
    expect(s.loads).toBe(1);
  });

  it('peakUsedBytes is at least the sum of models loaded together, and stays after they unload', async () => {
    const { fake } = await start({ memoryBytes: 16e9 });
    for (const name of ['phi3:mini', 'llama3.2:latest', 'qwen2.5-coder:7b']) await gen(fake, { model: name });
    const together = fake.loaded().reduce((n, m) => n + m.size, 0);
    expect(fake.loaded()).toHaveLength(3);
    expect(fake.stats().peakUsedBytes).toBeGreaterThanOrEqual(together);
    for (const name of ['phi3:mini', 'llama3.2:latest', 'qwen2.5-coder:7b'])
      await gen(fake, { model: name, keep_alive: 0 });
    expect(fake.usedMemoryBytes()).toBe(0);
    expect(fake.stats()).toMatchObject({ peakUsedBytes: together, unloads: 3, loads: 3 });
  });

  it('resetStats() zeroes everything; stats() is a copy', async () => {
    const { fake } = await start({ memoryBytes: 9e9, kvCache: false, loadMsPerGB: 1 });
    await gen(fake, { model: 'qwen2.5-coder:7b' });
    await gen(fake, { model: 'llava:7b' }); // forced eviction
    await gen(fake, { model: 'mixtral:8x7b' }); // refused
    await gen(fake, { model: 'llava:7b', keep_alive: 0 }); // unload
    const s = fake.stats();
    expect(s).toMatchObject({ loads: 2, unloads: 1 });
    expect(s.loadMs).toBeGreaterThan(0);
    expect(s.forcedEvictions).toHaveLength(1);
    expect(s.refusedLoads).toHaveLength(1);
    s.forcedEvictions.length = 0;
    expect(fake.stats().forcedEvictions).toHaveLength(1);
    fake.resetStats();
    expect(fake.stats()).toEqual({
      loads: 0,
      loadMs: 0,
      reloads: [],
      forcedEvictions: [],
      refusedLoads: [],
      failedLoads: [],
      abortedLoads: [],
      loadRetries: [],
      unloads: 0,
      unloadsCompleted: 0,
      expiries: 0,
      swapLoads: [],
      overcommitBytesPeak: 0,
      peakUsedBytes: 0,
      peakVramBytes: 0,
    });
    await gen(fake, { model: 'phi3:mini' });
    expect(fake.stats()).toMatchObject({ loads: 1, peakUsedBytes: model('phi3:mini').size });
  });
});
