/**
 * A llama-server model's memory, from its GGUF header (read with @huggingface/gguf: the header
 * only, never the weights) and the arguments the router starts it with: the weights (the file)
 * plus the KV cache for its --ctx-size, f16 unless --cache-type-k/v say otherwise — what Ollama
 * predicts for the llama-server it runs (llm/llama_server.go PredictServerVRAM) — and the prompt
 * cache it keeps in RAM (--cache-ram). The --parallel slots share that context (each gets
 * ctx-size / parallel tokens; with a unified KV cache each may use all of it), so they add no KV
 * of their own.
 */
import { stat } from 'node:fs/promises';
import type { ModelArgs } from './llamacpp-api.js';

export interface GgufFacts {
  file: string;
  fileBytes: number;
  architecture: string;
  name?: string;
  contextLength?: number;
  blocks?: number;
  heads?: number;
  kvHeads?: number;
  embedding?: number;
  keyLength?: number;
  valueLength?: number;
  parameterCount?: number;
  quantization?: string;
}

/** general.file_type (llama.cpp's llama_ftype) as Ollama names it. */
const FILE_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
};
/** A tensor's ggml type, for files without general.file_type. */
const TENSOR_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  6: 'Q5_0',
  7: 'Q5_1',
  8: 'Q8_0',
  30: 'BF16',
};

/** Bytes per element of a KV cache type (--cache-type-k/v). */
export function cacheTypeBytes(type: string | undefined): number {
  switch ((type ?? 'f16').toLowerCase()) {
    case 'f32':
      return 4;
    case 'q8_0':
      return 34 / 32;
    case 'q5_0':
    case 'q5_1':
      return 22 / 32;
    case 'q4_0':
    case 'q4_1':
    case 'iq4_nl':
      return 18 / 32;
    default:
      return 2; // f16, bf16
  }
}

/** The context the model runs with: --ctx-size, or (0 or unset) the trained context. */
export function runContext(facts: Pick<GgufFacts, 'contextLength'> | undefined, args: ModelArgs): number | undefined {
  return args.ctxSize && args.ctxSize > 0 ? args.ctxSize : facts?.contextLength;
}

/** KV cache bytes for the model's whole context (all slots share it). */
export function kvBytes(facts: GgufFacts, args: ModelArgs): number {
  const ctx = runContext(facts, args);
  const { blocks, embedding, heads } = facts;
  const kvHeads = facts.kvHeads ?? heads;
  const headDim = embedding && heads ? embedding / heads : undefined;
  const k = facts.keyLength ?? headDim;
  const v = facts.valueLength ?? headDim;
  if (!ctx || !blocks || !kvHeads || !k || !v) return 0;
  return Math.ceil(
    blocks * kvHeads * ctx * (k * cacheTypeBytes(args.cacheTypeK) + v * cacheTypeBytes(args.cacheTypeV)),
  );
}

/** llama-server's --cache-ram when it is not set, MiB (tools/server/README.md). */
const DEFAULT_CACHE_RAM_MIB = 8192;

/**
 * The host-RAM prompt cache a model's server keeps (--cache-ram): the KV states of earlier
 * prompts, bounded by --cache-ram MiB (0: none, -1: no byte limit) and by the context's tokens
 * (llama.cpp PR 16391: "max number of cached tokens, by default equal to --ctx-size") — so at
 * most its KV cache once more.
 */
export function promptCacheBytes(kv: number, args: Pick<ModelArgs, 'cacheRamMiB'>): number {
  const mib = args.cacheRamMiB ?? DEFAULT_CACHE_RAM_MIB;
  if (mib === 0) return 0;
  return mib < 0 ? kv : Math.min(kv, mib * 1024 * 1024);
}

/** What the model takes loaded: weights, KV cache, and the prompt cache in RAM. */
export function predictBytes(
  facts: GgufFacts,
  args: ModelArgs,
): { totalBytes: number; weightsBytes: number; kvBytes: number; cacheBytes: number } {
  const kv = kvBytes(facts, args);
  const cache = promptCacheBytes(kv, args);
  return { totalBytes: facts.fileBytes + kv + cache, weightsBytes: facts.fileBytes, kvBytes: kv, cacheBytes: cache };
}

/** "263K", "7.6B": as Ollama writes parameter sizes. */
export function parameterSize(count: number | undefined): string {
  if (!count) return '';
  const [div, unit] = count >= 1e9 ? [1e9, 'B'] : count >= 1e6 ? [1e6, 'M'] : [1e3, 'K'];
  const n = count / div;
  return `${n >= 100 ? Math.round(n) : Number(n.toFixed(1))}${unit}`;
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : undefined;

const cache = new Map<string, { key: string; facts: Promise<GgufFacts | undefined> }>();

/**
 * The header facts of a GGUF file on this machine, or undefined when it cannot be read (not here,
 * not GGUF). Cached by path, size and modification time.
 */
export async function readGguf(file: string): Promise<GgufFacts | undefined> {
  let st;
  try {
    st = await stat(file);
  } catch {
    return undefined;
  }
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(file);
  if (hit?.key === key) return hit.facts;
  const facts = parseHeader(file, st.size);
  cache.set(file, { key, facts });
  return facts;
}

async function parseHeader(file: string, fileBytes: number): Promise<GgufFacts | undefined> {
  try {
    const { gguf } = await import('@huggingface/gguf');
    const { metadata, tensorInfos, parameterCount } = await gguf(file, {
      allowLocalFile: true,
      computeParametersCount: true,
    });
    const m = metadata as unknown as Record<string, unknown>;
    const arch = typeof m['general.architecture'] === 'string' ? m['general.architecture'] : 'unknown';
    const a = (key: string) => num(m[`${arch}.${key}`]);
    const fileType = num(m['general.file_type']);
    const tensorType = tensorInfos.find((t) => t.name.endsWith('.weight') && t.n_dims >= 2)?.dtype;
    const quantization =
      fileType !== undefined ? FILE_TYPES[fileType] : tensorType !== undefined ? TENSOR_TYPES[tensorType] : undefined;
    const facts: GgufFacts = { file, fileBytes, architecture: arch };
    const set = <K extends keyof GgufFacts>(k: K, v: GgufFacts[K] | undefined) => {
      if (v !== undefined) facts[k] = v;
    };
    set('name', typeof m['general.name'] === 'string' ? m['general.name'] : undefined);
    set('contextLength', a('context_length'));
    set('blocks', a('block_count'));
    set('heads', a('attention.head_count'));
    set('kvHeads', a('attention.head_count_kv'));
    set('embedding', a('embedding_length'));
    set('keyLength', a('attention.key_length'));
    set('valueLength', a('attention.value_length'));
    set('parameterCount', num(parameterCount));
    set('quantization', quantization);
    return facts;
  } catch {
    return undefined;
  }
}
