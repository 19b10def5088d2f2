// Loading against the fake in its modern-Ollama modes: GPU admission, CPU hosts, the count limit,
// parallel slots, slow unloads, cloud models, namespaces, out-of-memory aftermath.
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { deleteModel } from '../../src/orchestrator/jobs/delete.js';
import { HostError } from '../../src/orchestrator/index.js';
import {
  CAPABILITY_MODELS,
  CLOUD_MODELS,
  DEFAULT_REGISTRY,
  FakeOllama,
  NAMESPACED_MODELS,
  type FakeOllamaOptions,
} from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const GB = 1e9;
const GiB = 1024 ** 3;
let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function setup(opts: FakeOllamaOptions, core: { totalBytes?: number; yaml?: string } = {}) {
  fake = await FakeOllama.start({ loadDelayMs: 1, tokenDelayMs: 0, models: DEFAULT_REGISTRY, ...opts });
  return coreFor(fake, {
    totalBytes: core.totalBytes ?? opts.memoryBytes ?? 16e9,
    yaml: core.yaml ?? 'ram:\n  budget: "100%"\n  bufferBytes: 0\n',
  });
}

/** The server runs with OLLAMA_CONTEXT_LENGTH=4096 (the fake's defaultNumCtx), and ollm-mcp is told so. */
const CTX_4K = 'ollama:\n  contextLength: 4096\nram:\n  budget: "100%"\n  bufferBytes: 0\n';
const noOllamaEvictions = (f: FakeOllama) => expect(f.stats().forcedEvictions).toEqual([]);

describe('a GPU host: admission by VRAM, as Ollama does it', () => {
  it('16 GB of RAM and a 24 GB GPU take a 14 GB model that a RAM budget would refuse', async () => {
    const big = { ...DEFAULT_REGISTRY.find((m) => m.name === 'qwen3:8b')!, name: 'big:14b', size: 14 * GB };
    const core = await setup({ memoryBytes: 16 * GB, gpus: [{ vramBytes: 24 * GiB }], models: [big] });
    const r = await smartLoad(core, { model: 'big:14b' });
    expect(r).toMatchObject({ action: 'loaded', fitsInVram: true });
    expect(fake!.loaded()[0]!.sizeVram).toBe(fake!.loaded()[0]!.size); // entirely on the GPU
    noOllamaEvictions(fake!);
  });

  it(
    'short of VRAM, ollm-mcp unloads its own choice first — through slow unloads and GPU ' +
      'recovery — and Ollama evicts nothing',
    async () => {
      const core = await setup({
        memoryBytes: 32 * GB,
        gpus: [{ vramBytes: 8 * GiB }],
        unloadDelayMs: 300,
        gpuRecoveryMs: 700,
        defaultNumCtx: 4096,
      });
      await smartLoad(core, { model: 'qwen2.5-coder:7b' });
      await smartLoad(core, { model: 'phi3:mini' });
      const r = await smartLoad(core, { model: 'llava:7b' });
      expect(r.action).toBe('loaded');
      expect(r.unloaded.length).toBeGreaterThan(0);
      expect(r.unloadWaitMs).toBeGreaterThanOrEqual(300);
      const llava = fake!.loaded().find((m) => m.name === 'llava:7b')!;
      expect(llava.sizeVram).toBe(llava.size); // it waited for the GPU's memory to read free, so no partial offload
      noOllamaEvictions(fake!);
    },
  );

  it('unloading every model one at a time with 1 s of GPU recovery each is confirmed, not failed', async () => {
    const core = await setup({
      memoryBytes: 32 * GB,
      gpus: [{ vramBytes: 24 * GiB }],
      unloadDelayMs: 200,
      gpuRecoveryMs: 1000,
      defaultNumCtx: 4096,
    });
    await smartLoad(core, { model: 'phi3:mini' });
    await smartLoad(core, { model: 'llama3.2' });
    const out = await core.loader.unload({ all: true });
    expect(out.unloaded.sort()).toEqual(['llama3.2:latest', 'phi3:mini']);
    expect(fake!.loaded()).toEqual([]);
  });
});

describe('the count limit and parallel slots', () => {
  it(
    'a fourth model with OLLAMA_MAX_LOADED_MODELS 3: ollm-mcp reports the model it unloaded; ' +
      'Ollama evicts nothing',
    async () => {
      const core = await setup(
        { memoryBytes: 64 * GB, admission: 'ollama', maxLoadedModels: 3 },
        { totalBytes: 64 * GB, yaml: 'ollama:\n  maxLoadedModels: 3\nram:\n  budget: "100%"\n  bufferBytes: 0\n' },
      );
      for (const m of ['phi3:mini', 'llama3.2', 'gemma3:4b'])
        expect((await smartLoad(core, { model: m })).unloaded).toEqual([]);
      const fourth = await smartLoad(core, { model: 'qwen2.5-coder:7b' });
      // idle alike (loaded moments apart): the one cheapest to load again
      expect(fourth.unloaded).toEqual(['llama3.2:latest']);
      expect(fourth.reason).toMatch(/holds at most 3 models/);
      noOllamaEvictions(fake!);
    },
  );

  it('on a CPU host Ollama checks nothing: with 4 parallel slots the KV cache counts 4 times, so nothing swaps', async () => {
    const core = await setup(
      { memoryBytes: 12 * GB, admission: 'ollama', numParallel: 4, defaultNumCtx: 8192 },
      {
        totalBytes: 12 * GB,
        yaml: 'ollama:\n  numParallel: 4\noptions:\n  contextSize: 8192\nram:\n  budget: "100%"\n  bufferBytes: 0\n',
      },
    );
    for (const m of ['qwen2.5-coder:7b', 'llava:7b', 'qwen3:8b', 'llama3.2']) {
      const r = await smartLoad(core, { model: m });
      expect(['loaded', 'refused']).toContain(r.action);
    }
    expect(fake!.stats().swapLoads).toEqual([]);
    expect(fake!.stats().overcommitBytesPeak).toBe(0);
    const sizes = fake!.loaded().map((m) => m.size);
    const list = await core.listModels();
    for (const loaded of fake!.loaded())
      expect(list.loaded.find((l) => l.name === loaded.name)!.sizeBytes).toBe(loaded.size);
    expect(sizes.length).toBeGreaterThan(0);
  });
});

describe("the host's capacity from settings, not this machine's readings", () => {
  it(
    'with ollama.capacity set, a GPU host is planned by its VRAM although this machine has ' +
      'none, and the source is said',
    async () => {
      const big = { ...DEFAULT_REGISTRY.find((m) => m.name === 'qwen3:8b')!, name: 'big:14b', size: 14 * GB };
      // this machine: 8 GB and no GPU; the Ollama host (per settings): 64 GB and a 24 GB GPU
      const core = await setup(
        { memoryBytes: 64 * GB, gpus: [{ vramBytes: 24 * GiB }], models: [big] },
        { totalBytes: 8 * GB, yaml: 'ollama:\n  capacity:\n    ram: 64GB\n    vram: 24GiB\n' },
      );
      expect((await smartLoad(core, { model: 'big:14b' })).action).toBe('loaded');
      const status = await core.ramStatus();
      expect(status.host).toMatchObject({ kind: 'gpu', source: 'settings', vramTotalBytes: 24 * GiB });
      expect(status.host.note).toMatch(/ollama\.capacity/);
    },
  );
});

describe('cloud models, names and capabilities', () => {
  const models = [...DEFAULT_REGISTRY, ...CLOUD_MODELS, ...NAMESPACED_MODELS, ...CAPABILITY_MODELS];

  it('cloud models are listed as cloud, take no memory, and are not routed to unless allowed', async () => {
    const core = await setup({ models });
    const list = await core.listModels();
    const cloud = list.models.filter((m) => m.cloud);
    expect(cloud.map((m) => m.name).sort()).toEqual(CLOUD_MODELS.map((m) => m.name).sort());
    for (const c of cloud) expect(c).toMatchObject({ requiredBytes: 0, fits: true });
    for (const task of ['code', 'general', 'reasoning'] as const) {
      const r = await routeAndGenerate(core, { prompt: 'Write a haiku about the sea', task });
      expect(r.model, task).not.toMatch(/cloud/);
    }
  });

  it(
    'when cloud routing is allowed but Ollama is not signed in, the 401 says to run `ollama ' +
      'signin` and the next model answers',
    async () => {
      const core = await setup(
        { models },
        { yaml: 'model:\n  routing:\n    allowCloud: true\n    overrides:\n      general: "glm-4.6:cloud"\n' },
      );
      const r = await routeAndGenerate(core, { prompt: 'Explain DNS caching in two sentences', task: 'general' });
      expect(r.model).not.toMatch(/cloud/);
      expect(r.fallbacks[0]).toMatchObject({ model: 'glm-4.6:cloud' });
      expect(r.fallbacks[0]!.error).toMatch(/not signed in.*ollama signin/);
    },
  );

  it('"llama3.1:8b" is the library model, never someuser/llama3.1:8b; delete_model removes only the model named', async () => {
    const core = await setup({ models: [...NAMESPACED_MODELS] });
    const r = await smartLoad(core, { model: 'llama3.1:8b' });
    expect(r.model).toBe('llama3.1:8b');
    expect(fake!.loaded().map((m) => m.name)).toEqual(['llama3.1:8b']);
    await core.loader.unload({ all: true });
    await deleteModel(core, { model: 'someuser/llama3.1:8b' });
    expect(fake!.installed().map((m) => m.name)).toEqual(['llama3.1:8b']);
    const missing = (await smartLoad(core, { model: 'someuser/llama3.1:8b' }).catch((e: unknown) => e)) as HostError;
    expect(missing.message).toMatch(/not installed.*Installed under other names: llama3\.1:8b/);
  });

  it('an image-generation model never gets text work; an embedding model is loaded through /api/embed', async () => {
    const core = await setup({ models });
    const list = await core.listModels();
    expect(list.models.find((m) => m.name === 'x/z-image-turbo:latest')!.profiles).toEqual([]);
    const before = fake!.requests.length;
    const r = await smartLoad(core, { model: 'nomic-embed-text' });
    expect(r.action).toBe('loaded');
    expect(fake!.requests.slice(before).some((q) => q.path === '/api/embed')).toBe(true);
    expect(fake!.loaded().map((m) => m.name)).toContain('nomic-embed-text:latest');
  });
});

describe('out of memory and its aftermath', () => {
  it(
    'a load whose first attempt runs out of memory: Ollama evicts the rest and retries; the ' +
      'result says so and the pin is loaded again',
    async () => {
      const core = await setup(
        { memoryBytes: 32 * GB, gpus: [{ vramBytes: 24 * GiB }], defaultNumCtx: 4096 },
        { yaml: CTX_4K },
      );
      await smartLoad(core, { model: 'phi3:mini', pin: true });
      fake!.injectLoadFailure('oom', { model: 'qwen3:8b' });
      const r = await smartLoad(core, { model: 'qwen3:8b' });
      expect(r.action).toBe('loaded');
      expect(r.reason).toMatch(
        /Ollama unloaded phi3:mini while loading it \(its first attempt ran out of memory\); pinned phi3:mini was loaded again/,
      );
      expect(
        fake!
          .loaded()
          .map((m) => m.name)
          .sort(),
      ).toEqual(['phi3:mini', 'qwen3:8b']);
    },
  );

  it(
    'a load that dies ("llama-server process has terminated") is out of memory; pins Ollama ' +
      'dropped are loaded again',
    async () => {
      const core = await setup(
        { memoryBytes: 32 * GB, gpus: [{ vramBytes: 24 * GiB }], defaultNumCtx: 4096 },
        { yaml: CTX_4K },
      );
      await smartLoad(core, { model: 'phi3:mini', pin: true });
      fake!.injectLoadFailure('oom', { model: 'qwen3:8b', times: 2 });
      const err = (await smartLoad(core, { model: 'qwen3:8b' }).catch((e: unknown) => e)) as HostError;
      expect(err).toBeInstanceOf(HostError);
      expect(err.kind).toBe('out_of_memory');
      expect(err.message).toMatch(
        /out-of-memory.*Ollama unloaded phi3:mini after it; pinned phi3:mini was loaded again/,
      );
      expect(fake!.loaded().map((m) => m.name)).toContain('phi3:mini');
    },
  );

  it('an out-of-memory during generation: the next candidate answers, and the pin Ollama expired is loaded again', async () => {
    const core = await setup(
      { memoryBytes: 32 * GB, gpus: [{ vramBytes: 24 * GiB }], defaultNumCtx: 4096 },
      { yaml: CTX_4K },
    );
    await smartLoad(core, { model: 'phi3:mini', pin: true });
    fake!.injectGenerationFailure({ afterChunks: 1 });
    const r = await routeAndGenerate(core, { prompt: 'Explain what a mutex is in two sentences', task: 'general' });
    expect(r.fallbacks).toHaveLength(1);
    expect(r.fallbacks[0]!.error).toMatch(/out of memory.*pinned phi3:mini was loaded again/);
    expect(fake!.loaded().map((m) => m.name)).toContain('phi3:mini');
  });
});

describe('compare next to a model that must stay', () => {
  it('with 3 loaded at most and a pinned model loaded, three models run in groups Ollama never has to evict from', async () => {
    const core = await setup(
      { memoryBytes: 64 * GB, admission: 'ollama', maxLoadedModels: 3 },
      { totalBytes: 64 * GB, yaml: 'ollama:\n  maxLoadedModels: 3\nram:\n  budget: "100%"\n  bufferBytes: 0\n' },
    );
    await smartLoad(core, { model: 'phi3:mini', pin: true });
    const { compare } = await import('../../src/orchestrator/jobs/compare.js');
    const r = await compare(core, { prompt: 'Say hi', models: ['llama3.2', 'qwen2.5-coder:7b', 'gemma3:4b'] });
    expect(r.groups.every((g) => g.length <= 2)).toBe(true);
    for (const e of r.results) expect(e.error).toBeUndefined();
    noOllamaEvictions(fake!);
    expect(fake!.loaded().map((m) => m.name)).toContain('phi3:mini');
  });
});
