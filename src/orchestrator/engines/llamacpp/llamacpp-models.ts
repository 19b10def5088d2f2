/**
 * One llama-server model as ollm-mcp sees it (llamacpp.ts): the router's entry, its GGUF header
 * facts and what it takes loaded — weights, KV cache and prompt cache at the window it runs with
 * (its own server's figures once seen, else its arguments), or the size set in settings for a
 * file not readable here.
 */
import { withTag } from '../model-names.js';
import type { ModelArgs, ModelRuntime, RouterModel } from './llamacpp-api.js';
import { type GgufFacts, predictBytes, readGguf, runContext } from './llamacpp-gguf.js';

/** One model as ollm-mcp sees it: the router's entry, its header facts and its memory. */
export interface LlamacppModel extends RouterModel {
  name: string;
  facts?: GgufFacts;
  sizeBytes: number;
  weightsBytes: number;
  kvBytes: number;
  /** The prompt cache it keeps in RAM (--cache-ram), in sizeBytes too. */
  cacheBytes: number;
  /** What its own server says it runs with (/props?model=), while it runs. */
  runtime?: ModelRuntime;
  /** Where sizeBytes comes from, in words. */
  sizeSource: 'gguf' | 'settings' | 'unknown';
  /**
   * Tokens per slot: what its server runs with, else ctx-size / parallel (the whole ctx-size with a unified
   * KV cache).
   */
  contextLength?: number;
}

/**
 * The arguments a running model's own figures stand for: its slot's window after --fit and its
 * slots after -np -1. A unified KV cache (the default when --parallel is not set) is one window
 * shared by every slot; otherwise each slot has its own.
 */
export function runtimeArgs(args: ModelArgs, rt: ModelRuntime | undefined): ModelArgs {
  if (!rt) return args;
  // -np -1 or unset: automatic slots
  const unified = args.kvUnified ?? !(args.parallel !== undefined && args.parallel > 0);
  return { ...args, ctxSize: unified ? rt.nCtx : rt.nCtx * rt.slots, parallel: unified ? 1 : rt.slots };
}

/**
 * A router entry with its header facts and memory; `modelSizes` (settings) by router id or name where its
 * file cannot be read.
 */
export async function describeRouterModel(
  m: RouterModel,
  runtime: ModelRuntime | undefined,
  modelSizes: Record<string, number> | undefined,
): Promise<LlamacppModel> {
  const name = withTag(m.id);
  const facts = m.args.file ? await readGguf(m.args.file) : undefined;
  const configured = modelSizes?.[m.id] ?? modelSizes?.[name];
  const args = runtimeArgs(m.args, runtime);
  const ctx = runContext(facts, args);
  const contextLength = ctx ? Math.max(1, Math.floor(ctx / Math.max(1, args.parallel ?? 1))) : undefined;
  const base = { ...m, name, ...(runtime && { runtime }), ...(contextLength !== undefined && { contextLength }) };
  if (facts) {
    const p = predictBytes(facts, args);
    return {
      ...base,
      facts,
      sizeBytes: p.totalBytes,
      weightsBytes: p.weightsBytes,
      kvBytes: p.kvBytes,
      cacheBytes: p.cacheBytes,
      sizeSource: 'gguf',
    };
  }
  if (configured !== undefined)
    return {
      ...base,
      sizeBytes: configured,
      weightsBytes: configured,
      kvBytes: 0,
      cacheBytes: 0,
      sizeSource: 'settings',
    };
  return { ...base, sizeBytes: 0, weightsBytes: 0, kvBytes: 0, cacheBytes: 0, sizeSource: 'unknown' };
}
