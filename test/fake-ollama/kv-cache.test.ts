/**
 * The KV cache type (OLLAMA_KV_CACHE_TYPE) and Ollama's f16 pre-flight: /api/ps reports what the
 * runner took at its cache type, while the scheduler evicts by file size + f16 KV + batch buffers
 * against 80% of free VRAM (server/sched.go load, llm/llama_server.go PredictServerVRAM); some
 * families get one slot whatever OLLAMA_NUM_PARALLEL says.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, NAMESPACED_MODELS } from './server.js';
import { kvCacheBytes } from './models.js';
import { GiB, gen, model, ps, start, stopFakesAfterEach } from './test-helpers.js';

stopFakesAfterEach();

const llama31 = NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!;
const models = [...DEFAULT_MODELS, llama31];

describe('the KV cache type', () => {
  it('/api/ps size is the weights + the KV cache at its type: q8_0 34 bytes per 32 values', async () => {
    const { fake } = await start({ gpus: [{ vramBytes: 24 * GiB }], memoryBytes: 32e9, kvCacheType: 'q8_0', models });
    await gen(fake, { model: 'llama3.1:8b', options: { num_ctx: 8192 } });
    const [entry] = await ps(fake);
    expect(entry!.size).toBe(llama31.size + kvCacheBytes(llama31, 8192, 34 / 32));
    expect(kvCacheBytes(llama31, 8192, 34 / 32)).toBe(Math.ceil(kvCacheBytes(llama31, 8192) * 0.53125));
    expect(entry!.size_vram).toBe(entry!.size);
  });

  it(
    'the pre-flight still counts f16: a load whose q8_0 size fits beside a loaded model is ' +
      'answered with an eviction',
    async () => {
      const { fake } = await start({ gpus: [{ vramBytes: 12 * GiB }], memoryBytes: 32e9, kvCacheType: 'q8_0', models });
      await gen(fake, { model: 'phi3:mini', keep_alive: -1, options: { num_ctx: 4096 } });
      const phi = (await ps(fake))[0]!;
      const free = 12 * GiB - phi.size_vram;
      const q8 = llama31.size + kvCacheBytes(llama31, 32768, 34 / 32);
      const f16 = llama31.size + kvCacheBytes(llama31, 32768);
      expect(q8).toBeLessThanOrEqual(free * 0.8); // what it really takes would fit
      expect(f16).toBeGreaterThan(free * 0.8); // what Ollama predicts does not
      await gen(fake, { model: 'llama3.1:8b', options: { num_ctx: 32768 } });
      expect(fake.stats().forcedEvictions).toMatchObject([
        { evicted: 'phi3:mini', for: 'llama3.1:8b', reason: 'memory' },
      ]);
    },
  );

  it(
    'at f16 with room for the prediction but not for its batch buffers, the batch is lowered ' +
      'and nothing is evicted',
    async () => {
      const { fake } = await start({ gpus: [{ vramBytes: 12 * GiB }], memoryBytes: 32e9, models });
      await gen(fake, { model: 'phi3:mini', keep_alive: -1, options: { num_ctx: 4096 } });
      const free = 12 * GiB - (await ps(fake))[0]!.size_vram;
      const f16 = llama31.size + kvCacheBytes(llama31, 16384);
      expect(f16).toBeLessThanOrEqual(free * 0.8);
      expect(f16 + 768 * 1024 ** 2).toBeGreaterThan(free * 0.8); // batch 1024's buffers would not fit
      await gen(fake, { model: 'llama3.1:8b', options: { num_ctx: 16384 } });
      expect(fake.stats().forcedEvictions).toEqual([]);
      expect(fake.loaded().find((m) => m.name === 'llama3.1:8b')!.numBatch).toBe(512);
    },
  );

  it('a quantized cache with flash attention off fails the load as llama-server does', async () => {
    const { fake } = await start({ gpus: [{ vramBytes: 24 * GiB }], kvCacheType: 'q4_0', flashAttention: 'off' });
    const r = await gen(fake, { model: 'llama3.2' });
    expect(r.status).toBe(500);
    expect(String(r.body['error'])).toMatch(/V cache quantization requires flash_attn/);
  });
});

describe('forced single slots', () => {
  it('a family Ollama runs with one slot gets one whatever OLLAMA_NUM_PARALLEL says; others get them all', async () => {
    const qwen3next = { ...model('llama3.2:latest'), name: 'next:latest', family: 'qwen3next', digest: 'a'.repeat(64) };
    const { fake } = await start({
      gpus: [{ vramBytes: 24 * GiB }],
      memoryBytes: 32e9,
      numParallel: 4,
      models: [...DEFAULT_MODELS, qwen3next],
    });
    await gen(fake, { model: 'next', options: { num_ctx: 4096 } });
    await gen(fake, { model: 'llama3.2', options: { num_ctx: 4096 } });
    const sizes = Object.fromEntries((await ps(fake)).map((e) => [e.name, e.size]));
    expect(sizes['next:latest']).toBe(qwen3next.size + kvCacheBytes(qwen3next, 4096));
    expect(sizes['llama3.2:latest']).toBe(qwen3next.size + kvCacheBytes(qwen3next, 4 * 4096));
  });
});
