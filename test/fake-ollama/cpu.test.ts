/**
 * A CPU-only host as Ollama runs it (admission 'ollama', no GPUs), OLLAMA_MAX_LOADED_MODELS and
 * OLLAMA_NUM_PARALLEL.
 */
import { describe, expect, it } from 'vitest';
import { estimateModelMemory, kvCacheBytes } from './models.js';
import { gen, loadedNames, model, post, start, stopFakesAfterEach, waitFor } from './test-helpers.js';
import type { FakeOllama } from './server.js';

stopFakesAfterEach();

const CPU = { admission: 'ollama' } as const;

/** Start a streamed generation; resolves with the number of tokens once it ends. */
function streaming(
  fake: FakeOllama,
  body: Record<string, unknown>,
  events?: string[],
  label?: string,
): Promise<number> {
  return (async () => {
    const res = await post(`${fake.url}/api/generate`, { prompt: 'go', ...body });
    const reader = res.body!.getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = Buffer.from(value).toString();
      if (events && label && chunk.includes('"done":false')) events.push(label);
      text += chunk;
    }
    events?.push(`${label ?? ''} done`);
    return text.split('\n').filter((l) => l.includes('"done":false')).length;
  })();
}

describe('CPU-only host', () => {
  it('checks no memory at all: a load beyond RAM succeeds and is counted as the machine swapping', async () => {
    const { fake } = await start({ ...CPU, memoryBytes: 8e9 });
    await gen(fake, { model: 'qwen2.5-coder:7b' }); // 4.9 GB
    expect(fake.stats().swapLoads).toEqual([]);
    const llava = await gen(fake, { model: 'llava:7b' }); // 6.9 GB more
    expect(llava.status).toBe(200);
    expect(loadedNames(fake).sort()).toEqual(['llava:7b', 'qwen2.5-coder:7b']);
    const used = estimateModelMemory(model('qwen2.5-coder:7b'), 4096) + estimateModelMemory(model('llava:7b'), 4096);
    const s = fake.stats();
    expect(s.forcedEvictions).toEqual([]);
    expect(s.refusedLoads).toEqual([]);
    expect(s.swapLoads).toEqual([
      { model: 'llava:7b', usedBytes: used, memoryBytes: 8e9, at: expect.any(Number) as number },
    ]);
    expect(s.overcommitBytesPeak).toBe(used - 8e9);
    expect(fake.freeMemoryBytes()).toBe(8e9 - used);
    expect((await gen(fake, { model: 'mixtral:8x7b' })).status).toBe(200); // 27 GB on an 8 GB machine: still no error
    expect(fake.stats().swapLoads).toHaveLength(2);
    expect((await fetch(`${fake.url}/api/ps`).then((r) => r.json())) as unknown).toMatchObject({
      models: [{ size_vram: 0 }, { size_vram: 0 }, { size_vram: 0 }],
    });
  });
});

describe('OLLAMA_MAX_LOADED_MODELS', () => {
  it('3 on CPU: a fourth load evicts the idle runner with the shortest keep_alive', async () => {
    const { fake } = await start({ ...CPU, memoryBytes: 64e9 });
    await gen(fake, { model: 'phi3:mini', keep_alive: -1 });
    await gen(fake, { model: 'llama3.2', keep_alive: '1h' });
    await gen(fake, { model: 'qwen2.5-coder:7b', keep_alive: '10m' });
    await gen(fake, { model: 'llava:7b' }); // 5 min, but not loaded yet: qwen (10 min) is the shortest
    expect(loadedNames(fake).sort()).toEqual(['llama3.2:latest', 'llava:7b', 'phi3:mini']);
    expect(fake.stats().forcedEvictions).toMatchObject([
      { evicted: 'qwen2.5-coder:7b', for: 'llava:7b', reason: 'count' },
    ]);
  });

  it('keep_alive -1 sorts last but is evicted when it is the only idle runner', async () => {
    const { fake } = await start({ ...CPU, memoryBytes: 64e9, tokenDelayMs: 10 });
    fake.reply(Array.from({ length: 40 }, () => 'word').join(' ')); // 40 tokens
    await gen(fake, { model: 'phi3:mini', keep_alive: -1 });
    const busy = [
      streaming(fake, { model: 'llama3.2', keep_alive: '1m' }),
      streaming(fake, { model: 'qwen2.5-coder:7b', keep_alive: '1m' }),
    ];
    await waitFor(() => fake.loaded().filter((m) => m.inFlight > 0).length === 2);
    await gen(fake, { model: 'llava:7b' });
    expect(fake.stats().forcedEvictions).toMatchObject([{ evicted: 'phi3:mini', reason: 'count' }]);
    expect(await Promise.all(busy)).toEqual([40, 40]); // the busy ones were not touched
  });

  it('when no runner is idle the load waits: the shortest keep_alive busy one is unloaded after its request', async () => {
    const { fake } = await start({ ...CPU, memoryBytes: 64e9, maxLoadedModels: 1, tokenDelayMs: 10 });
    fake.reply(Array.from({ length: 20 }, () => 'word').join(' ')); // 20 tokens
    const events: string[] = [];
    const stream = streaming(fake, { model: 'llama3.2' }, events, 'llama');
    await waitFor(() => events.includes('llama'));
    const load = gen(fake, { model: 'phi3:mini' }).then((r) => {
      events.push('phi3 loaded');
      return r.status;
    });
    expect(await stream).toBe(20); // not cut short
    expect(await load).toBe(200);
    expect(events.indexOf('phi3 loaded')).toBeGreaterThan(events.indexOf('llama done'));
    expect(loadedNames(fake)).toEqual(['phi3:mini']);
    expect(fake.stats().forcedEvictions).toMatchObject([
      { evicted: 'llama3.2:latest', for: 'phi3:mini', reason: 'count' },
    ]);
  });
});

describe('OLLAMA_NUM_PARALLEL', () => {
  it('sizes the runner for num_ctx × parallel; context_length stays per slot; embedding models get one slot', async () => {
    const { fake } = await start({ ...CPU, memoryBytes: 64e9, numParallel: 4 });
    await gen(fake, { model: 'llama3.2' });
    await post(`${fake.url}/api/embed`, { model: 'nomic-embed-text', input: 'x' }).then((r) => r.text());
    const byName = Object.fromEntries(fake.loaded().map((m) => [m.name, m]));
    expect(byName['llama3.2:latest']).toMatchObject({
      parallel: 4,
      contextLength: 4096,
      size: model('llama3.2:latest').size + kvCacheBytes(model('llama3.2:latest'), 16384),
    });
    const nomic = model('nomic-embed-text:latest');
    expect(byName['nomic-embed-text:latest']).toMatchObject({
      parallel: 1,
      contextLength: 2048,
      size: nomic.size + kvCacheBytes(nomic, 2048),
    });
  });

  it('with 1 slot a second request to the same model queues; with 2 slots both stream at once', async () => {
    for (const numParallel of [1, 2]) {
      const { fake } = await start({ ...CPU, numParallel, tokenDelayMs: 10 });
      fake.reply('a b c d e f g h');
      await gen(fake, { model: 'llama3.2' });
      const events: string[] = [];
      const [a, b] = await Promise.all([
        streaming(fake, { model: 'llama3.2' }, events, 'A'),
        streaming(fake, { model: 'llama3.2' }, events, 'B'),
      ]);
      expect([a, b]).toEqual([8, 8]);
      const firstDone = Math.min(events.indexOf('A done'), events.indexOf('B done'));
      const tokensOfOther = events
        .slice(0, firstDone)
        .filter((e) => e === (events.indexOf('A done') < events.indexOf('B done') ? 'B' : 'A'));
      if (numParallel === 1) expect(tokensOfOther).toEqual([]);
      else expect(tokensOfOther.length).toBeGreaterThan(0);
      expect(fake.loadCount('llama3.2')).toBe(1);
    }
  });
});
