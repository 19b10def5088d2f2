/**
 * How an Ollama (v0.30 and later) runs a model, as far as memory goes — plain data and pure
 * arithmetic. Every GGUF model runs in a llama-server subprocess started with
 * `--cache-type-k X --cache-type-v X` from the server's OLLAMA_KV_CACHE_TYPE (llm/server.go,
 * llm/llama_server.go "KV cache type"), and `--flash-attn` from OLLAMA_FLASH_ATTENTION (unset:
 * auto; llm/llama_server.go LlamaServerFlashAttention). A quantized cache takes less memory: q8_0
 * about half the f16 cache, q4_0 about a quarter. Some model families and every embedding model
 * get one parallel slot whatever OLLAMA_NUM_PARALLEL says (server/sched.go load).
 */

import type { KV_CACHE_TYPES } from '../config/schema-parts.js';

export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

/** The bytes one value takes in each cache type (ggml's block sizes). */
const BYTES_PER_VALUE: Record<KvCacheType, number> = {
  f32: 4,
  f16: 2,
  bf16: 2,
  q8_0: 34 / 32, // blocks of 32 values: 32 bytes + an f16 scale
  q5_1: 24 / 32,
  q5_0: 22 / 32,
  q4_1: 20 / 32,
  q4_0: 18 / 32,
  iq4_nl: 18 / 32,
};

/** OLLAMA_FLASH_ATTENTION as llama-server gets it: unset is 'auto', "0"/"false" 'off', "1"/"true" 'on'. */
export type FlashAttention = 'auto' | 'on' | 'off';

/**
 * Families Ollama runs with one slot whatever OLLAMA_NUM_PARALLEL says (server/sched.go load, "not safe with
 * num_parallel > 1").
 */
export const ONE_SLOT_FAMILIES: readonly string[] = [
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
];

/** How the host's engine runs models, as far as memory goes: what loading decisions are given. */
export interface RunnerSettings {
  /** OLLAMA_KV_CACHE_TYPE as the server has it. */
  kvCacheType: KvCacheType;
  flashAttention: FlashAttention;
  /** OLLAMA_GPU_OVERHEAD: VRAM per GPU kept aside. */
  gpuOverheadBytes: number;
  /** Families given one slot (embedding models always are). */
  oneSlotFamilies: readonly string[];
  /** Ollama's own pre-flight (server/sched.go) decides evictions on a GPU: foresee it (ollama-preflight.ts). */
  preflight: boolean;
}

/** An engine that reports each model's whole size and plans no pre-flight of its own (llama.cpp's router). */
export const PLAIN_RUNNER: RunnerSettings = {
  kvCacheType: 'f16',
  flashAttention: 'auto',
  gpuOverheadBytes: 0,
  oneSlotFamilies: [],
  preflight: false,
};

/**
 * A quantized V cache needs flash attention: llama.cpp refuses it without ("V cache quantization requires
 * flash_attn").
 */
export function isQuantized(type: KvCacheType): boolean {
  return BYTES_PER_VALUE[type] < 2;
}

/**
 * The cache type sized for: the one set, except a quantized one with flash attention off, which cannot run
 * (sized as f16, the larger).
 */
export function effectiveKvType(r: Pick<RunnerSettings, 'kvCacheType' | 'flashAttention'>): KvCacheType {
  return r.flashAttention === 'off' && isQuantized(r.kvCacheType) ? 'f16' : r.kvCacheType;
}

/** What a KV cache of `type` takes, as a share of the f16 one. */
export function kvShare(type: KvCacheType): number {
  return BYTES_PER_VALUE[type] / 2;
}

/** The KV cache: 2 (K and V) × layers × kv heads × head dim × context × bytes per value of `type` (f16: 2). */
export function kvCacheBytes(
  shape: { layers: number; kvHeads: number; headDim: number } | undefined,
  contextLength: number,
  type: KvCacheType = 'f16',
): number {
  if (!shape) return 0;
  return Math.ceil(2 * shape.layers * shape.kvHeads * shape.headDim * contextLength * BYTES_PER_VALUE[type]);
}

/**
 * The parallel slots a model gets: one for a model that does not complete text (embedding models)
 * or of a family Ollama forces to one (server/sched.go load), else OLLAMA_NUM_PARALLEL. Capabilities
 * not known (an old server lists none): the slots as set, the larger figure.
 */
export function slotsFor(
  model: { capabilities: readonly string[]; family?: string },
  numParallel: number,
  oneSlotFamilies: readonly string[],
): number {
  const noCompletion = model.capabilities.length > 0 && !model.capabilities.includes('completion');
  if (noCompletion || oneSlotFamilies.some((f) => f === model.family)) return 1;
  return Math.max(1, numParallel);
}
