/**
 * Against the fake Ollama with OLLAMA_KV_CACHE_TYPE=q8_0 on a GPU: ollm-mcp sizes models at the
 * cache type (the footprint), yet foresees Ollama's own f16 pre-flight, so a load Ollama would answer
 * with an eviction is made with ollm-mcp's own unload (never a pin's) or at a smaller context —
 * the fake evicts nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama, NAMESPACED_MODELS, kvCacheBytes } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const GiB = 1024 ** 3;
const llama31 = NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!;
const YAML = 'ollama:\n  kvCacheType: q8_0\nram:\n  budget: "100%"\n  bufferBytes: 0\n';

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function gpuHost(vramGiB: number) {
  fake = await FakeOllama.start({
    memoryBytes: 32e9,
    gpus: [{ vramBytes: vramGiB * GiB }],
    kvCacheType: 'q8_0',
    models: [...DEFAULT_MODELS, llama31],
    loadDelayMs: 1,
    tokenDelayMs: 0,
  });
  return coreFor(fake, { totalBytes: 32e9, yaml: YAML });
}

describe('q8_0 on a GPU with a pin loaded', () => {
  it(
    "a load whose q8_0 footprint fits beside the pin and an idle model, but not Ollama's f16 " +
      'pre-flight: ollm-mcp unloads the idle one itself; the pin stays',
    async () => {
      const core = await gpuHost(14);
      await core.loader.ensureLoaded({ model: 'phi3:mini', pin: true, contextLength: 4096 });
      await core.loader.ensureLoaded({ model: 'llama3.2', contextLength: 4096 });
      const free = 14 * GiB - fake!.gpus()[0]!.usedBytes;
      // the footprint fits beside both
      expect(llama31.size * 1.05 + kvCacheBytes(llama31, 32768, 34 / 32)).toBeLessThanOrEqual(free * 0.8);
      expect(llama31.size + kvCacheBytes(llama31, 32768)).toBeGreaterThan(free * 0.8); // Ollama's prediction does not
      const r = await core.loader.ensureLoaded({ model: 'llama3.1:8b', contextLength: 32768 });
      expect(r).toMatchObject({ action: 'loaded', unloaded: ['llama3.2:latest'], contextLength: 32768 });
      expect(fake!.stats().forcedEvictions).toEqual([]);
      expect(
        fake!
          .loaded()
          .map((m) => m.name)
          .sort(),
      ).toEqual(['llama3.1:8b', 'phi3:mini']);
      const loaded = fake!.loaded().find((m) => m.name === 'llama3.1:8b')!;
      expect(loaded.size).toBe(llama31.size + kvCacheBytes(llama31, 32768, 34 / 32));
      expect(loaded.sizeVram).toBe(loaded.size); // nothing overcommitted: all of it on the GPU
    },
  );

  it('with only the pin loaded, the usable window is what the pre-flight passes, and loading at it evicts nothing', async () => {
    const core = await gpuHost(13);
    await core.loader.ensureLoaded({ model: 'phi3:mini', pin: true, contextLength: 4096 });
    const free = 13 * GiB - fake!.gpus()[0]!.usedBytes;
    // the footprint would take 32k
    expect(llama31.size * 1.05 + kvCacheBytes(llama31, 32768, 34 / 32)).toBeLessThanOrEqual(free * 0.8);
    const window = (await core.loader.usableWindows(['llama3.1:8b'])).get('llama3.1:8b')!.window;
    expect(window).toBe(16384);
    const r = await core.loader.ensureLoaded({ model: 'llama3.1:8b', contextLength: window });
    expect(r).toMatchObject({ action: 'loaded', unloaded: [] });
    expect(fake!.stats().forcedEvictions).toEqual([]);
    expect(
      fake!
        .loaded()
        .map((m) => m.name)
        .sort(),
    ).toEqual(['llama3.1:8b', 'phi3:mini']);
  });
});

describe('q8_0 without a pin', () => {
  it('the memory-bound window is twice the f16 one, and a load at it fits', async () => {
    fake = await FakeOllama.start({
      memoryBytes: 32e9,
      gpus: [{ vramBytes: 8 * GiB }],
      kvCacheType: 'q8_0',
      models: [...DEFAULT_MODELS, llama31],
      loadDelayMs: 1,
      tokenDelayMs: 0,
    });
    const f16 = await coreFor(fake, { totalBytes: 2e9, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
    const q8 = await coreFor(fake, { totalBytes: 2e9, yaml: YAML });
    const w16 = (await f16.loader.usableWindows(['llama3.1:8b'])).get('llama3.1:8b')!.window;
    const w8 = (await q8.loader.usableWindows(['llama3.1:8b'])).get('llama3.1:8b')!.window;
    expect(w16).toBe(16384);
    expect(w8).toBe(2 * w16);
    await q8.loader.ensureLoaded({ model: 'llama3.1:8b', contextLength: w8 });
    expect(fake.stats().overcommitBytesPeak).toBe(0);
    expect(fake.stats().swapLoads).toEqual([]);
  });
});
