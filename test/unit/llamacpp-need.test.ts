/**
 * One figure for what a llama.cpp model needs (issue 73, finding 6): its GGUF header's figure at
 * the window the router starts it with (weights + KV cache + the prompt cache it may keep) plus
 * the safety margin — the same for list_models (assessFit), a load's plan (planLoad) and the
 * model while loaded (believedSize). What was learned of it counts only within the bounds of that
 * figure, and nothing is learned from this machine's memory across a load: that is the model's
 * llama-server process, its runtime included, another figure each run (8.8 and 9.8 MB for a 1.8
 * MB model on two runs of b47b5a7). Both sides of each rule.
 */
import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../src/orchestrator/config/index.js';
import type { RunningModel } from '../../src/orchestrator/engines/engine-model.js';
import { predictBytes, type GgufFacts } from '../../src/orchestrator/engines/llamacpp/llamacpp-gguf.js';
import type { CatalogModel } from '../../src/orchestrator/models/catalog.js';
import { HostMemoryModel } from '../../src/orchestrator/loading/host-memory.js';
import { PLAIN_RUNNER } from '../../src/orchestrator/loading/kv-cache.js';
import type { SeenSize } from '../../src/orchestrator/loading/learned-size.js';
import { LlamacppMemoryModel } from '../../src/orchestrator/loading/llamacpp-memory.js';
import { learnedFor, modelFacts, plannedModel } from '../../src/orchestrator/loading/load-planning.js';
import { believedSize, type HeldParts } from '../../src/orchestrator/loading/held-sizes.js';
import { assessFit, planLoad, type HostMemory } from '../../src/orchestrator/loading/planner.js';
import { RamMonitor, resolveRamPolicy } from '../../src/orchestrator/loading/ram.js';

/**
 * The stories model's header (test/fixtures/models): 5 blocks, 4 KV heads 8 wide — 640 bytes of f16 KV cache
 * a token.
 */
const HEADER: GgufFacts = {
  file: 'stories.gguf',
  fileBytes: 1_185_632,
  architecture: 'llama',
  contextLength: 2048,
  blocks: 5,
  heads: 8,
  kvHeads: 4,
  embedding: 64,
};
const settings = settingsSchema.parse({});
const memory: HostMemory = { kind: 'cpu', ram: { totalBytes: 16e9, availableBytes: 12e9 } };
const policy = resolveRamPolicy(settings.ram, { totalBytes: 16e9 });
const view = { memory, numParallel: 1, runner: PLAIN_RUNNER };

/** A router model as the catalog lists it: its size the header's figure at `ctx` (llamacpp.ts). */
function routerModel(name: string, ctx: number): CatalogModel {
  const size = predictBytes(HEADER, { ctxSize: ctx }).totalBytes;
  return {
    name,
    sizeBytes: size,
    sizeAtWindow: true,
    digest: `llamacpp:${name}`,
    modifiedAt: '',
    parameterSize: '293K',
    quantization: 'F32',
    detailsKnown: true,
    family: 'llama',
    contextWindow: ctx,
    capabilities: ['completion'],
    profiles: ['general'],
    contextSource: 'ollama',
  };
}

const running = (m: CatalogModel): RunningModel => ({
  name: m.name,
  model: m.name,
  size: m.sizeBytes,
  digest: m.digest,
  details: {} as RunningModel['details'],
  modified_at: '',
  expires_at: '',
  size_vram: 0,
  context_length: m.contextWindow,
});
const seen = (contextLength: number, bytes: number[]): SeenSize => ({
  contextLength,
  count: bytes.length,
  meanBytes: bytes.reduce((s, b) => s + b, 0) / bytes.length,
  minBytes: Math.min(...bytes),
  maxBytes: Math.max(...bytes),
  meanVramBytes: 0,
});
const llamaServer: HeldParts = {
  backend: {
    can: { managesMemory: true, pullAndDelete: false, contextPerRequest: false, tokenize: true, embeddings: false },
  },
  settings,
  learned: () => undefined,
};

const storyA = routerModel('storyA:latest', 512);
const storyC = routerModel('storyC:latest', 2048);

describe("a llama.cpp model's need", () => {
  it(
    'is its header at its window + 20%: storyA at 512 tokens, storyC at 2,048, storyC more by ' +
      'the KV cache of 1,536 tokens (twice: the prompt cache)',
    () => {
      expect(storyA.sizeBytes).toBe(1_185_632 + 2 * 640 * 512);
      expect(storyC.sizeBytes).toBe(1_185_632 + 2 * 640 * 2048);
      const need = (m: CatalogModel) =>
        assessFit({ modelBytes: m.sizeBytes, kvBytes: 0, isLoaded: false, loadedBytes: 0, memory, policy })
          .requiredBytes;
      expect(need(storyA)).toBe(Math.ceil(storyA.sizeBytes * 1.2));
      expect(need(storyC) - need(storyA)).toBeCloseTo(1.2 * 2 * 640 * 1536, -1);
    },
  );

  it('is the one figure list_models shows, a load is planned with, and the model counts for once loaded', () => {
    const listed = assessFit({
      modelBytes: storyC.sizeBytes,
      kvBytes: 0,
      isLoaded: false,
      loadedBytes: 0,
      memory,
      policy,
    }).requiredBytes;
    const input = {
      loaded: [],
      pinned: new Set<string>(),
      inFlight: new Set<string>(),
      lastUsed: new Map<string, number>(),
      memory,
      maxLoadedModels: 2,
      policy,
    };
    expect(planLoad({ ...input, model: plannedModel({}, storyC, view, 2048) }).requiredBytes).toBe(listed);
    // loaded: its engine reports nothing it holds (the listed size is the header's), so it counts for its need
    expect(believedSize(llamaServer, storyC, running(storyC), view)).toBe(listed);
    // an engine that reports what a model holds (Ollama's /api/ps) is believed within the bounds
    const reporting: HeldParts = {
      ...llamaServer,
      backend: { can: { ...llamaServer.backend.can, reportsLoadedSize: true } },
    };
    expect(believedSize(reporting, storyC, running(storyC), view)).toBe(storyC.sizeBytes);
  });
});

describe('what is learned of a llama.cpp model', () => {
  it(
    "never replaces the header with a process's memory (8.8, 9.8 MB learned by b47b5a7): read " +
      "back, those rows are not used; one within the bounds of the header's figure is",
    () => {
      const rows = [seen(512, [8.8e6, 9.8e6])];
      // bounded by it alone (plausible-size.test.ts)
      expect(modelFacts(storyA, 1)).toMatchObject({ weightsBytes: storyA.sizeBytes, sizeAtWindow: true });
      expect(learnedFor({ seenSizes: () => rows }, storyA, 512, 1)).toBeUndefined();
      expect(learnedFor({ seenSizes: () => [seen(512, [2.0e6])] }, storyA, 512, 1)?.plannedBytes).toBe(
        Math.ceil(2.0e6 * 1.03),
      );
    },
  );

  it(
    "is nothing from this machine's memory: a llama.cpp host gives no reading to measure a load " +
      'by, on this machine too',
    async () => {
      const local = settingsSchema.parse({ ollama: { host: 'http://127.0.0.1:8080' } });
      const ram = new RamMonitor({
        memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
        gpus: async () => [],
      });
      const llama = new LlamacppMemoryModel('http://127.0.0.1:8080', local, ram, 'hosts.llama.capacity', async () => 2);
      expect(llama.local).toBe(true);
      expect(await llama.availableNow()).toBeUndefined();
      // an Ollama host's, yes (it reports its own)
      expect(await new HostMemoryModel('http://127.0.0.1:11434', local, ram).availableNow()).toBe(12e9);
    },
  );

  it("leaves a llama.cpp host's capacity as set, on this machine too", async () => {
    const capped = settingsSchema.parse({
      ollama: { host: 'http://127.0.0.1:8080', capacity: { ram: 6_852_000 } },
      ram: { bufferBytes: 0 },
    });
    const llama = new LlamacppMemoryModel(
      'http://127.0.0.1:8080',
      capped,
      new RamMonitor(),
      'hosts.llama.capacity',
      async () => 2,
    );
    const v = await llama.view([running(storyA)]);
    expect(v).toMatchObject({
      source: 'settings',
      memory: { kind: 'cpu', ram: { totalBytes: 6_852_000 } },
      maxLoadedModels: 2,
    });
  });
});
