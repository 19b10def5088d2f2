/**
 * Model fixtures for the fake Ollama server.
 *
 * Sizes, parameter counts and architecture numbers are taken from the real
 * models on ollama.com (rounded where noted), so memory arithmetic in tests
 * looks like it would on a real machine.
 */
import { createHash } from 'node:crypto';

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
}

export const DEFAULT_MODELS: FakeModel[] = [
  {
    name: 'llama3.2:latest',
    size: 2019393189,
    family: 'llama',
    families: ['llama'],
    parameterSize: '3.2B',
    quantization: 'Q4_K_M',
    architecture: 'llama',
    contextLength: 131072,
    parameterCount: 3212749888,
    capabilities: ['completion', 'tools'],
    license: 'LLAMA 3.2 COMMUNITY LICENSE AGREEMENT',
    digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
    modifiedAt: '2025-09-20T10:15:00.000Z',
    blockCount: 28,
    embeddingLength: 3072,
    headCount: 24,
    headCountKv: 8,
  },
  {
    name: 'qwen2.5-coder:7b',
    size: 4683087332,
    family: 'qwen2',
    families: ['qwen2'],
    parameterSize: '7.6B',
    quantization: 'Q4_K_M',
    architecture: 'qwen2',
    contextLength: 32768,
    parameterCount: 7615616512,
    capabilities: ['completion', 'tools', 'insert'],
    license: 'Apache License Version 2.0',
    digest: 'dae161e27b0e90dd1856c8bb3209201fd6736d8eb66298e75ed87571486f4364',
    modifiedAt: '2025-09-18T08:00:00.000Z',
    blockCount: 28,
    embeddingLength: 3584,
    headCount: 28,
    headCountKv: 4,
  },
  {
    name: 'llava:7b',
    size: 4733363377,
    family: 'llama',
    families: ['llama', 'clip'],
    parameterSize: '7B',
    quantization: 'Q4_0',
    architecture: 'llama',
    contextLength: 4096,
    parameterCount: 7241732096,
    capabilities: ['completion', 'vision'],
    license: 'Apache License Version 2.0',
    digest: '8dd30f6b0cb19f555f2c7a7ebda861449ea2cc76bf1f44e262931f45fc81d081',
    modifiedAt: '2025-09-15T12:30:00.000Z',
    blockCount: 32,
    embeddingLength: 4096,
    headCount: 32,
    headCountKv: 32,
  },
  {
    name: 'nomic-embed-text:latest',
    size: 274302450,
    family: 'nomic-bert',
    families: ['nomic-bert'],
    parameterSize: '137M',
    quantization: 'F16',
    architecture: 'nomic-bert',
    contextLength: 2048,
    parameterCount: 136727040,
    capabilities: ['embedding'],
    license: 'Apache License Version 2.0',
    digest: '0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f',
    modifiedAt: '2025-09-10T09:00:00.000Z',
    blockCount: 12,
    embeddingLength: 768,
    headCount: 12,
    headCountKv: 12,
  },
  {
    name: 'phi3:mini',
    size: 2176178913,
    family: 'phi3',
    families: ['phi3'],
    parameterSize: '3.8B',
    quantization: 'Q4_0',
    architecture: 'phi3',
    contextLength: 131072,
    parameterCount: 3821079552,
    capabilities: ['completion'],
    license: 'Microsoft. MIT License',
    digest: '4f222292793889a9a40a020799cfd28d53f3e01af25d48e06c5e708610fc47e9',
    modifiedAt: '2025-09-05T16:45:00.000Z',
    blockCount: 32,
    embeddingLength: 3072,
    headCount: 32,
    headCountKv: 32,
  },
  {
    name: 'mixtral:8x7b',
    size: 26442481545,
    family: 'llama',
    families: ['llama'],
    parameterSize: '46.7B',
    quantization: 'Q4_0',
    architecture: 'llama',
    contextLength: 32768,
    parameterCount: 46702792704,
    capabilities: ['completion', 'tools'],
    license: 'Apache License Version 2.0',
    digest: 'a3b6bef0f836f7e3d3d2f5a46b7d0d6c4a55ab1b2a4d0fdd5f0a8a4d1b7dc1a8',
    modifiedAt: '2025-09-01T07:20:00.000Z',
    blockCount: 32,
    embeddingLength: 4096,
    headCount: 32,
    headCountKv: 8,
  },
];

/** Models that are in the default registry but not installed by default. */
export const EXTRA_REGISTRY_MODELS: FakeModel[] = [
  {
    name: 'gemma3:4b',
    size: 3338801804,
    family: 'gemma3',
    families: ['gemma3'],
    parameterSize: '4.3B',
    quantization: 'Q4_K_M',
    architecture: 'gemma3',
    contextLength: 131072,
    parameterCount: 4299915632,
    capabilities: ['completion', 'vision'],
    license: 'Gemma Terms of Use',
    digest: 'a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a',
    blockCount: 34,
    embeddingLength: 2560,
    headCount: 8,
    headCountKv: 4,
  },
  {
    name: 'qwen3:8b',
    size: 5225388164,
    family: 'qwen3',
    families: ['qwen3'],
    parameterSize: '8.2B',
    quantization: 'Q4_K_M',
    architecture: 'qwen3',
    contextLength: 40960,
    parameterCount: 8190735360,
    capabilities: ['completion', 'tools', 'thinking'],
    license: 'Apache License Version 2.0',
    digest: '500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41',
    blockCount: 36,
    embeddingLength: 4096,
    headCount: 32,
    headCountKv: 8,
  },
  {
    name: 'all-minilm:latest',
    size: 45960996,
    family: 'bert',
    families: ['bert'],
    parameterSize: '23M',
    quantization: 'F16',
    architecture: 'bert',
    contextLength: 512,
    parameterCount: 22565376,
    capabilities: ['embedding'],
    license: 'Apache License Version 2.0',
    digest: '1b226e2802dbb772b5fc32a58f103ca1804ef7501331012de126ab22f67475ef',
    blockCount: 6,
    embeddingLength: 384,
    headCount: 12,
    headCountKv: 12,
  },
];

/** Default pullable registry: everything in DEFAULT_MODELS plus EXTRA_REGISTRY_MODELS. */
export const DEFAULT_REGISTRY: FakeModel[] = [...DEFAULT_MODELS, ...EXTRA_REGISTRY_MODELS];

/**
 * Normalise a model name like Ollama does for lookups: drops a leading
 * 'registry.ollama.ai/' and 'library/', adds ':latest' when there is no tag.
 * Case is kept (compare with {@link nameKey}).
 */
export function normalizeName(name: string): string {
  let n = name.trim();
  n = n.replace(/^(https?:\/\/)?registry\.ollama\.ai\//i, '');
  n = n.replace(/^library\//i, '');
  const lastSlash = n.lastIndexOf('/');
  const afterSlash = n.slice(lastSlash + 1);
  if (!afterSlash.includes(':')) n = `${n}:latest`;
  return n;
}

/** Case-insensitive lookup key of a model name (Ollama matches names case-insensitively). */
export function nameKey(name: string): string {
  return normalizeName(name).toLowerCase();
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
export function kvCacheBytes(m: FakeModel, numCtx: number): number {
  const a = archParams(m);
  return 2 * a.blockCount * a.headCountKv * a.headDim * numCtx * 2;
}

/**
 * Memory the fake charges for loading `m` with `numCtx`:
 * the weights (`size`) plus, when `kvCache` is true (the server default), the KV-cache estimate.
 * This is also the `size` the fake reports in /api/ps (as real Ollama reports its total estimate there).
 */
export function estimateModelMemory(m: FakeModel, numCtx: number, kvCache = true): number {
  return m.size + (kvCache ? kvCacheBytes(m, numCtx) : 0);
}
