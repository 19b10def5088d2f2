/**
 * Ollama v0.30+ runs every model with the KV cache type of OLLAMA_KV_CACHE_TYPE, yet its own
 * pre-flight still counts f16 (server/sched.go, llm/llama_server.go PredictServerVRAM). Both sides:
 * the footprint at the cache type makes memory-bound windows longer (q8_0 about twice f16), and
 * the f16 pre-flight is foreseen, so ollm-mcp makes the eviction Ollama would make — its own
 * choice, never a pin — or sizes the context down.
 */
import { describe, expect, it } from 'vitest';
import {
  effectiveKvType,
  isQuantized,
  kvCacheBytes,
  kvShare,
  ONE_SLOT_FAMILIES,
  PLAIN_RUNNER,
  slotsFor,
  type KvCacheType,
} from '../../src/orchestrator/loading/kv-cache.js';
import {
  automaticBatch,
  batchForContext,
  batchSurcharge,
  passesPreflight,
  preflightBytes,
  type PreflightFacts,
} from '../../src/orchestrator/loading/ollama-preflight.js';
import { gpuBytes } from '../../src/orchestrator/loading/admission.js';
import { planLoad, type PlanInput } from '../../src/orchestrator/loading/planner.js';
import { largestContext } from '../../src/orchestrator/loading/usable-window.js';
import { preflightFacts, runnerFor } from '../../src/orchestrator/loading/load-planning.js';
import type { CatalogModel } from '../../src/orchestrator/models/catalog.js';
import type { HostMemory } from '../../src/orchestrator/loading/plan-types.js';
import { baseContext } from '../../src/orchestrator/loading/load-context.js';

const GB = 1e9;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
/** llama3.1:8b's shape: 128 KiB of f16 KV cache per token. */
const shape = { layers: 32, kvHeads: 8, headDim: 128 };
const policy = { budgetBytes: 20 * GB, safetyMargin: 0.2, bufferBytes: 2 * GB, smallModelBytes: 1 * GB };
const gpu16: HostMemory = {
  kind: 'gpu',
  vram: { totalBytes: 16 * GB, freeBytes: 16 * GB },
  ram: { totalBytes: 4 * GB, availableBytes: 4 * GB },
};
const cpu32: HostMemory = { kind: 'cpu', ram: { totalBytes: 32 * GB, availableBytes: 32 * GB } };

function input(over: Partial<PlanInput> & Pick<PlanInput, 'model' | 'memory'>): PlanInput {
  return {
    loaded: [],
    pinned: new Set(),
    inFlight: new Set(),
    lastUsed: new Map(),
    maxLoadedModels: 99,
    policy,
    now: 1_800_000_000_000,
    ...over,
  };
}

/** The largest context the planner accepts for a 5 GB model with the KV cache at `type`. */
function window(type: KvCacheType, memory: HostMemory, trained = 262_144): number | undefined {
  return largestContext(
    trained,
    4096,
    (ctx) =>
      planLoad(input({ model: { name: 'm:8b', sizeBytes: 5 * GB, kvBytes: kvCacheBytes(shape, ctx, type) }, memory }))
        .action !== 'refuse',
  );
}

describe('the KV cache at its type', () => {
  it('q8_0 takes 34 bytes per 32 values (about half of f16), q4_0 18 (about a quarter); f16 is 2 bytes a value', () => {
    expect(kvCacheBytes(shape, 1)).toBe(131_072);
    expect(kvCacheBytes(shape, 1, 'f16')).toBe(131_072);
    expect(kvCacheBytes(shape, 1, 'q8_0')).toBe(69_632);
    expect(kvCacheBytes(shape, 1, 'q4_0')).toBe(36_864);
    expect(kvCacheBytes(shape, 1, 'f32')).toBe(262_144);
    // the other ggml block types: q5_1 24 bytes per 32 values, q5_0 22, q4_1 20, iq4_nl 18
    expect((['q5_1', 'q5_0', 'q4_1', 'iq4_nl'] as const).map((t) => kvCacheBytes(shape, 1, t))).toEqual([
      49_152, 45_056, 40_960, 36_864,
    ]);
    expect(kvShare('q8_0')).toBeCloseTo(0.53, 2);
    expect(kvCacheBytes(undefined, 4096, 'q8_0')).toBe(0);
  });

  it(
    'a quantized cache with flash attention off cannot run (llama.cpp refuses it): it is sized ' +
      'as f16; on or auto, as set',
    () => {
      expect(effectiveKvType({ kvCacheType: 'q8_0', flashAttention: 'off' })).toBe('f16');
      expect(effectiveKvType({ kvCacheType: 'q8_0', flashAttention: 'auto' })).toBe('q8_0');
      expect(effectiveKvType({ kvCacheType: 'q4_0', flashAttention: 'on' })).toBe('q4_0');
      expect(effectiveKvType({ kvCacheType: 'bf16', flashAttention: 'off' })).toBe('bf16');
      expect([
        isQuantized('q8_0'),
        isQuantized('iq4_nl'),
        isQuantized('f16'),
        isQuantized('bf16'),
        isQuantized('f32'),
      ]).toEqual([true, true, false, false, false]);
    },
  );

  it('with q8_0 a memory-bound window is twice the f16 one on a GPU host, and nothing is planned past memory', () => {
    const f16 = window('f16', gpu16)!;
    const q8 = window('q8_0', gpu16)!;
    expect(f16).toBe(65_536);
    expect(q8).toBe(2 * f16);
    // the window q8_0 gets is still within what the GPU holds (80% of it, or a CPU part within RAM)
    expect(
      planLoad(
        input({ model: { name: 'm:8b', sizeBytes: 5 * GB, kvBytes: kvCacheBytes(shape, q8, 'q8_0') }, memory: gpu16 }),
      ).action,
    ).toBe('load');
    expect(
      planLoad(
        input({
          model: { name: 'm:8b', sizeBytes: 5 * GB, kvBytes: kvCacheBytes(shape, 2 * q8, 'q8_0') },
          memory: gpu16,
        }),
      ).action,
    ).toBe('refuse');
    expect(window('q4_0', gpu16)).toBe(2 * q8);
  });

  it('and on a CPU host by the RAM budget', () => {
    expect(window('f16', cpu32)).toBe(65_536);
    expect(window('q8_0', cpu32)).toBe(131_072);
  });

  it('the slots: one for embedding models and the families Ollama forces to one, else OLLAMA_NUM_PARALLEL', () => {
    expect(ONE_SLOT_FAMILIES).toEqual(
      expect.arrayContaining([
        'mllama',
        'qwen3vl',
        'qwen3vlmoe',
        'qwen35',
        'qwen35moe',
        'qwen3next',
        'lfm2',
        'lfm2moe',
        'nemotron_h',
        'nemotron_h_moe',
        'nemotron_h_omni',
      ]),
    );
    expect(slotsFor({ capabilities: ['completion'], family: 'qwen3next' }, 4, ONE_SLOT_FAMILIES)).toBe(1);
    expect(slotsFor({ capabilities: ['completion', 'vision'], family: 'qwen3vl' }, 4, ONE_SLOT_FAMILIES)).toBe(1);
    expect(slotsFor({ capabilities: ['completion'], family: 'llama' }, 4, ONE_SLOT_FAMILIES)).toBe(4);
    expect(slotsFor({ capabilities: ['embedding'], family: 'bert' }, 4, ONE_SLOT_FAMILIES)).toBe(1);
    // not known: the larger figure
    expect(slotsFor({ capabilities: [], family: 'llama' }, 4, ONE_SLOT_FAMILIES)).toBe(4);
    expect(slotsFor({ capabilities: ['completion'] }, 4, ONE_SLOT_FAMILIES)).toBe(4); // no family reported
    // the families reach it as data
    expect(slotsFor({ capabilities: ['completion'], family: 'qwen3next' }, 4, [])).toBe(4);
  });
});

describe("Ollama's pre-flight (f16, batch buffers by context)", () => {
  it(
    'the automatic batch by effective context: 512 up to 4096, 1024 up to 32768, 2048 beyond; 0 ' +
      '/ 768 MiB / 2 GiB of buffers',
    () => {
      expect([4096, 4097, 32768, 32769].map(batchForContext)).toEqual([512, 1024, 1024, 2048]);
      expect([512, 1024, 2048].map(batchSurcharge)).toEqual([0, 768 * MiB, 2 * GiB]);
    },
  );

  it('the batch is lowered while it does not fit the free memory, so its buffers count only where they fit', () => {
    expect(automaticBatch(65536, 5 * GB, 100 * GB)).toBe(2048);
    expect(automaticBatch(65536, 5 * GB, 8 * GB)).toBe(1024); // 5 GB is more than 60% of 8 GB, not more than 75%
    expect(automaticBatch(65536, 5 * GB, 6.5 * GB)).toBe(512);
    const f: PreflightFacts = { predictedBytes: 5 * GB, effectiveContext: 65536, completion: true };
    expect(preflightBytes(f, 100 * GB)).toBe(5 * GB + 2 * GiB);
    // an embedding model gets no batch buffers
    expect(preflightBytes({ ...f, completion: false }, 100 * GB)).toBe(5 * GB);
    expect(passesPreflight(f, 6.25 * GB)).toBe(true); // 5 GB ≤ 80% of 6.25 GB, batch 512
    expect(passesPreflight(f, 6.24 * GB)).toBe(false);
  });

  it(
    "each of Ollama's batch rules at its boundary (generationBatchFits: 80% of free, 2048 " +
      'within 60%, 1024 within 75%, the buffers beside the prediction)',
    () => {
      expect(automaticBatch(65536, 12 * GB, 20 * GB)).toBe(2048); // 60% of 20 GB exactly
      expect(automaticBatch(65536, 12.5 * GB, 20 * GB)).toBe(1024); // its 2 GiB would fit, the 60% headroom does not
      expect(automaticBatch(8192, 15 * GB, 20 * GB)).toBe(1024); // 75% exactly
      expect(automaticBatch(8192, 15.1 * GB, 20 * GB)).toBe(512); // its 768 MiB would fit, the 75% headroom does not
      expect(automaticBatch(8192, 8 * GB - 768 * MiB, 10 * GB)).toBe(1024); // the buffers just fit within 80%
      expect(automaticBatch(8192, 8 * GB - 768 * MiB + 1, 10 * GB)).toBe(512);
      // over 80%: lowered to 512, no buffers
      expect(preflightBytes({ predictedBytes: 9 * GB, effectiveContext: 65536, completion: true }, 10 * GB)).toBe(
        9 * GB,
      );
      expect(automaticBatch(65536, 0, 1 * GB)).toBe(2048); // nothing predicted: kept
      expect(automaticBatch(65536, 5 * GB, 0)).toBe(2048); // free memory not known: kept
      expect(
        preflightBytes({ predictedBytes: 8 * GB - 768 * MiB, effectiveContext: 8192, completion: true }, 10 * GB),
      ).toBe(8 * GB);
    },
  );

  it('counts f16 for min(num_ctx, trained) × slots whatever the cache type, with the file size', () => {
    const model = {
      name: 'm:8b',
      sizeBytes: 5 * GB,
      contextWindow: 32768,
      capabilities: ['completion'],
      family: 'llama',
      kvShape: shape,
    } as unknown as CatalogModel;
    const runner = {
      kvCacheType: 'q8_0' as const,
      flashAttention: 'auto' as const,
      gpuOverheadBytes: 0,
      oneSlotFamilies: ONE_SLOT_FAMILIES,
      preflight: true,
    };
    expect(preflightFacts(model, 65536, 2, runner)).toEqual({
      predictedBytes: 5 * GB + 131_072 * 65536,
      effectiveContext: 65536,
      completion: true,
    });
    // an engine without Ollama's pre-flight
    expect(preflightFacts(model, 8192, 1, { ...runner, preflight: false })).toBeUndefined();
    expect(runnerFor(model, { numParallel: 4, runner })).toEqual({ slots: 4, kvType: 'q8_0' });
    expect(runnerFor({ ...model, family: 'lfm2' } as CatalogModel, { numParallel: 4, runner })).toEqual({
      slots: 1,
      kvType: 'q8_0',
    });
  });

  it(
    'a llama-server router sizes a model as its own: f16, the slots given whatever its family, ' +
      'no Ollama pre-flight',
    () => {
      const model = {
        name: 'm:8b',
        sizeBytes: 5 * GB,
        contextWindow: 32768,
        capabilities: ['completion'],
        family: 'lfm2',
        kvShape: shape,
      } as unknown as CatalogModel;
      expect(runnerFor(model, { numParallel: 2, runner: PLAIN_RUNNER })).toEqual({ slots: 2, kvType: 'f16' });
      expect(preflightFacts(model, 8192, 1, PLAIN_RUNNER)).toBeUndefined();
    },
  );
});

describe('the footprint and the pre-flight together on a GPU', () => {
  const model = (ctx: number, preflight = true) => ({
    name: 'm:8b',
    sizeBytes: 5 * GB,
    kvBytes: kvCacheBytes(shape, ctx, 'q8_0'),
    ...(preflight && {
      preflight: { predictedBytes: 5 * GB + kvCacheBytes(shape, ctx, 'f16'), effectiveContext: ctx, completion: true },
    }),
  });
  const pin = { name: 'pin:3b', sizeBytes: 3 * GB, vramBytes: 3 * GB };
  const idle = { name: 'idle:3b', sizeBytes: 3 * GB, vramBytes: 3 * GB };
  const twoLoaded: HostMemory = { kind: 'gpu', vram: { totalBytes: 16 * GB, freeBytes: 10 * GB } };

  it(
    'where the q8_0 footprint fits beside what is loaded but the f16 pre-flight does not, the ' +
      'cheapest idle model is unloaded first — never the pin',
    () => {
      // the footprint alone would load beside both
      expect(gpuBytes(5 * GB, kvCacheBytes(shape, 32768, 'q8_0'))).toBeLessThanOrEqual(10 * GB * 0.8);
      const plan = planLoad(
        input({ model: model(32768), memory: twoLoaded, loaded: [pin, idle], pinned: new Set(['pin:3b']) }),
      );
      expect(plan).toMatchObject({ action: 'load', unload: ['idle:3b'] });
      expect(plan.reason).toMatch(/Ollama's pre-flight counts/);
    },
  );

  it('without the pre-flight (the footprint alone) nothing would be unloaded: Ollama would evict one itself', () => {
    const plan = planLoad(
      input({ model: model(32768, false), memory: twoLoaded, loaded: [pin, idle], pinned: new Set(['pin:3b']) }),
    );
    expect(plan).toMatchObject({ action: 'load', unload: [] });
  });

  it(
    'a pin is never unloaded for it: with only the pin loaded the context is sized down to what ' +
      'the pre-flight passes',
    () => {
      const pinOnly: HostMemory = { kind: 'gpu', vram: { totalBytes: 13 * GB, freeBytes: 10 * GB } };
      const plan = planLoad(
        input({ model: model(32768), memory: pinOnly, loaded: [pin], pinned: new Set(['pin:3b']) }),
      );
      expect(plan.action).toBe('refuse');
      expect(plan.unload).toEqual([]);
      const fits = (ctx: number) =>
        planLoad(input({ model: model(ctx), memory: pinOnly, loaded: [pin], pinned: new Set(['pin:3b']) })).action !==
        'refuse';
      expect(largestContext(131072, 4096, fits)).toBe(16384);
      // the footprint alone would have said 32k
      expect(
        largestContext(
          131072,
          4096,
          (ctx) =>
            planLoad(input({ model: model(ctx, false), memory: pinOnly, loaded: [pin], pinned: new Set(['pin:3b']) }))
              .action !== 'refuse',
        ),
      ).toBe(32768);
    },
  );

  it('with nothing else loaded Ollama checks nothing: the footprint alone decides', () => {
    const empty: HostMemory = { kind: 'gpu', vram: { totalBytes: 16 * GB, freeBytes: 16 * GB } };
    expect(planLoad(input({ model: model(65536), memory: empty })).action).toBe('load');
  });

  it('OLLAMA_GPU_OVERHEAD is kept aside from the VRAM the footprint may use', () => {
    const kept: HostMemory = { kind: 'gpu', vram: { totalBytes: 16 * GB, freeBytes: 10 * GB, keptBytes: 2 * GB } };
    // 7.53 GB fits 80% of 10 GB, not 80% of 10 − 2 GB
    expect(planLoad(input({ model: model(32768, false), memory: kept, loaded: [pin, idle] })).unload).not.toEqual([]);
    expect(planLoad(input({ model: model(32768, false), memory: twoLoaded, loaded: [pin, idle] })).unload).toEqual([]);
  });
});

describe("Ollama's default context tiers", () => {
  it('by total VRAM less OLLAMA_GPU_OVERHEAD per GPU: 4k, 32k from 23 GiB, 256k from 47 GiB', () => {
    const settings = { options: {}, ollama: {} } as Parameters<typeof baseContext>[0];
    const vram = (total: number, kept?: number): HostMemory => ({
      kind: 'gpu',
      vram: { totalBytes: total, freeBytes: total, ...(kept !== undefined && { keptBytes: kept }) },
    });
    expect(baseContext(settings, vram(24 * GiB))).toBe(32768);
    // 22 GiB left: the lower tier, as Ollama picks it
    expect(baseContext(settings, vram(24 * GiB, 2 * GiB))).toBe(4096);
    expect(baseContext(settings, vram(48 * GiB))).toBe(262144);
    expect(baseContext(settings, vram(48 * GiB, 2 * GiB))).toBe(32768);
    expect(baseContext(settings, { kind: 'cpu', ram: { totalBytes: 64 * GB, availableBytes: 64 * GB } })).toBe(4096);
  });
});
