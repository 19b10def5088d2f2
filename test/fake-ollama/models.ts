/**
 * What a fake model is, and the arithmetic Ollama does on it: digest, parameter count,
 * architecture numbers and the KV-cache and memory estimates. The fixtures themselves are in
 * fixtures.ts and fixtures-extra.ts (re-exported here); names are read as in names.ts.
 */
import { createHash } from 'node:crypto';
import { normalizeName } from './names.js';

export { DEFAULT_MODELS, DEFAULT_REGISTRY, EXTRA_REGISTRY_MODELS } from './fixtures.js';
export { CAPABILITY_MODELS, CLOUD_MODELS, NAMESPACED_MODELS } from './fixtures-extra.js';
export { nameKey, normalizeName } from './names.js';

/** What a model made with /api/create (create.ts) carries beyond its base's fields. */
export interface MadeFields {
  /** details.parent_model: the name it was made from. */
  parentModel: string;
  /** Its weights file, shared with its base (unless quantized): the FROM line of its modelfile. */
  weightsDigest: string;
  weightsSize: number;
  /** general.basename of its weights file (its first base's name). */
  basename: string;
  /** Its parameters as stored (JSON values): the base's, with the ones given over them. */
  parameters: Record<string, unknown>;
  system?: string;
  template?: string;
  messages?: Array<Record<string, unknown>>;
}

export interface FakeModel {
  /** e.g. 'llama3.2:latest' (always with a tag; names without a tag are normalised to ':latest' when looked up). */
  name: string;
  /** Bytes on disk (the weights). Loading costs at least this much, see {@link estimateModelMemory}. */
  size: number;
  /** details.family, e.g. 'llama'. */
  family: string;
  /** details.families; defaults to [family]. */
  families?: string[];
  /** details.parameter_size, e.g. '3.2B'. */
  parameterSize: string;
  /** details.quantization_level, e.g. 'Q4_K_M'. */
  quantization: string;
  /** model_info['general.architecture'], e.g. 'llama', 'qwen2', 'nomic-bert'. */
  architecture: string;
  /** model_info['<arch>.context_length'] — the trained context window. */
  contextLength: number;
  /** model_info['general.parameter_count']; defaults to a value derived from parameterSize. */
  parameterCount?: number;
  /** e.g. ['completion','tools']; embedding models: ['embedding']; vision: ['completion','vision']. */
  capabilities: string[];
  license?: string;
  /** sha256 hex (64 chars); defaults to a hash derived from the name. */
  digest?: string;
  /** RFC 3339; defaults to the time the fake server was started / the model was added. */
  modifiedAt?: string;
  // ---- optional architecture numbers (used by model_info and the KV-cache estimate) ----
  /** model_info['<arch>.block_count'] (layers); default 32. */
  blockCount?: number;
  /** model_info['<arch>.embedding_length']; default 4096. */
  embeddingLength?: number;
  /** model_info['<arch>.attention.head_count']; default 32. */
  headCount?: number;
  /** model_info['<arch>.attention.head_count_kv']; default 8. */
  headCountKv?: number;
  /**
   * This model's delay between streamed tokens (and prompt-eval time), instead of the server's tokenDelayMs:
   * a big model writes slower.
   */
  tokenDelayMs?: number;
  /** This model's prompt evaluation per prompt token, instead of the server's promptTokenDelayMs. */
  promptTokenDelayMs?: number;
  // ---- cloud stubs ----
  /** A cloud model's host, e.g. 'https://ollama.com:443' (listed in /api/tags as remote_host; never loaded here). */
  remoteHost?: string;
  /** The name the cloud knows it by, e.g. 'gpt-oss:120b' (remote_model). */
  remoteModel?: string;
  // ---- made with /api/create ----
  made?: MadeFields;
}

/** The model's digest: the given one or a sha256 hex derived from its normalised name. */
export function digestOf(m: FakeModel): string {
  return m.digest ?? createHash('sha256').update(normalizeName(m.name)).digest('hex');
}

/** Parse '3.2B' / '137M' / '8x7B' into a number of parameters. */
export function parseParameterSize(s: string): number {
  const m = /^\s*(?:(\d+)x)?([\d.]+)\s*([KMBT]?)\s*$/i.exec(s);
  if (!m) return 0;
  const mult = m[1] ? Number(m[1]) : 1;
  const unit = (m[3] ?? '').toUpperCase();
  const scale = unit === 'K' ? 1e3 : unit === 'M' ? 1e6 : unit === 'B' ? 1e9 : unit === 'T' ? 1e12 : 1;
  return Math.round(mult * Number(m[2]) * scale);
}

export interface ArchParams {
  blockCount: number;
  embeddingLength: number;
  headCount: number;
  headCountKv: number;
  headDim: number;
  parameterCount: number;
}

export function archParams(m: FakeModel): ArchParams {
  const blockCount = m.blockCount ?? 32;
  const embeddingLength = m.embeddingLength ?? 4096;
  const headCount = m.headCount ?? 32;
  const headCountKv = m.headCountKv ?? 8;
  return {
    blockCount,
    embeddingLength,
    headCount,
    headCountKv,
    headDim: Math.max(1, Math.floor(embeddingLength / headCount)),
    parameterCount: m.parameterCount ?? parseParameterSize(m.parameterSize),
  };
}

/**
 * KV-cache estimate, as in Ollama's own memory estimate at f16:
 *   2 (K and V) × layers × kv_heads × head_dim × num_ctx × 2 bytes.
 * e.g. llama3.2 (28 layers, 8 kv heads, head_dim 128) at num_ctx 4096 → 469,762,048 bytes.
 */
/**
 * The KV cache at `bytesPerValue` (f16: 2). llama-server is started with `--cache-type-k X
 * --cache-type-v X` from OLLAMA_KV_CACHE_TYPE (llm/llama_server.go "KV cache type"); what it takes
 * is what /api/ps reports (its buffer log), so q8_0 (34 bytes per 32 values) is about half of f16.
 */
export function kvCacheBytes(m: FakeModel, numCtx: number, bytesPerValue = 2): number {
  const a = archParams(m);
  return Math.ceil(2 * a.blockCount * a.headCountKv * a.headDim * numCtx * bytesPerValue);
}

/** Bytes per cached value of the KV cache types the fake runs (ggml block sizes). */
export const KV_BYTES_PER_VALUE: Readonly<Record<string, number>> = {
  f32: 4,
  f16: 2,
  bf16: 2,
  q8_0: 34 / 32,
  q5_1: 24 / 32,
  q5_0: 22 / 32,
  q4_1: 20 / 32,
  q4_0: 18 / 32,
  iq4_nl: 18 / 32,
};

/**
 * Families Ollama runs with one slot whatever OLLAMA_NUM_PARALLEL says (server/sched.go load: "Some
 * architectures are not safe with num_parallel > 1").
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

/**
 * The slots a runner gets: 1 for embedding models (sched.go "Embedding models should always be loaded with
 * parallel=1") and the families above.
 */
export function slotsOf(m: FakeModel, numParallel: number): number {
  return isEmbeddingOnly(m) || ONE_SLOT_FAMILIES.includes(m.family) ? 1 : numParallel;
}

/**
 * Memory the fake charges for loading `m` with `numCtx` per slot and `parallel` slots (the runner
 * is started with `-c numCtx × parallel`): the weights (`size`) plus, when `kvCache` is true
 * (the server default), the KV cache for the whole context at `bytesPerValue` (the cache type).
 * This is also the `size` the fake reports in /api/ps (as real Ollama reports its total estimate there).
 */
export function estimateModelMemory(
  m: FakeModel,
  numCtx: number,
  kvCache = true,
  parallel = 1,
  bytesPerValue = 2,
): number {
  return m.size + (kvCache ? kvCacheBytes(m, numCtx * Math.max(1, parallel), bytesPerValue) : 0);
}

/** A cloud stub: listed, never loaded, answered by the cloud (see cloud.ts). */
export function isCloudModel(m: FakeModel): boolean {
  return m.remoteHost !== undefined && m.remoteHost !== '';
}

/** Embedding-only: no `completion` capability. */
export function isEmbeddingOnly(m: FakeModel): boolean {
  return !m.capabilities.includes('completion');
}
