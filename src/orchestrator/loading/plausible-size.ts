/**
 * Whether a host's reading of what a model takes once loaded can be believed. A figure is learned
 * (learned-size.ts) only when it lies within the physical bounds of that model — at least its
 * weights file (less a tolerance), at most weights + f16 KV cache at the context × slots, with a
 * generous margin for compute buffers — and agrees with earlier readings of it; a loaded model's
 * reading that does not is replaced by the estimate. A model whose size is already its whole
 * figure at the window it runs with (llama-server's: GGUF header and --ctx-size) is bounded by
 * that figure alone, with no buffers of a fixed size beside it (2 GiB would let a 2 MB model's
 * figure be anything). Rows learned before these bounds existed are judged the same way when
 * read. Pure functions over plain data.
 */
import { formatBytes as fmt } from '../config/units.js';
import { learnedSize, type SeenSize } from './learned-size.js';

/** Below the weights file by this share at most: a runner may leave a projector or metadata unloaded. */
export const WEIGHTS_TOLERANCE = 0.1;
/**
 * Weights + KV cache times this, plus BUFFER_BYTES, is the most a model can take (compute graphs and batches
 * included).
 */
export const UPPER_FACTOR = 1.5;
export const BUFFER_BYTES = 2 * 1024 ** 3;
/** Where the KV shape is unknown: at most this many times the weights (plus BUFFER_BYTES). */
export const UNKNOWN_KV_FACTOR = 3;
/** A reading more than this factor away from what earlier ones predict is an outlier: set aside, not learned. */
export const OUTLIER_FACTOR = 1.5;

/**
 * What bounds a model's memory: its weights file, its trained window and, when its shape is known, its KV
 * cache at a context (all slots).
 */
export interface ModelFacts {
  name: string;
  weightsBytes: number;
  contextWindow: number;
  kvAt?: (contextLength: number) => number;
  /** weightsBytes is its whole figure at the window it runs with, KV cache included (CatalogModel.sizeAtWindow). */
  sizeAtWindow?: boolean;
}

export interface SizeBounds {
  minBytes: number;
  maxBytes: number;
}

/** The least and the most `m` can take loaded at `contextLength`. */
export function sizeBounds(m: ModelFacts, contextLength: number): SizeBounds {
  const w = Math.max(0, m.weightsBytes);
  const minBytes = Math.floor(w * (1 - WEIGHTS_TOLERANCE));
  if (m.sizeAtWindow) return { minBytes, maxBytes: Math.ceil(w * UPPER_FACTOR) };
  const most = m.kvAt ? (w + m.kvAt(contextLength)) * UPPER_FACTOR : w * UNKNOWN_KV_FACTOR;
  return { minBytes, maxBytes: Math.ceil(most) + BUFFER_BYTES };
}

/** Within the bounds (a model whose weights are not known has none, and nothing about it is believed). */
export function plausible(bytes: number, m: ModelFacts, contextLength: number): boolean {
  if (!(m.weightsBytes > 0)) return false;
  const b = sizeBounds(m, contextLength);
  return bytes >= b.minBytes && bytes <= b.maxBytes; // NaN and ±Infinity are outside
}

/** A context a host claims is believed when it is a whole number of tokens within the model's window. */
export function sensibleContext(claimed: number | undefined, m: Pick<ModelFacts, 'contextWindow'>): claimed is number {
  const n = claimed ?? NaN;
  return Number.isInteger(n) && n > 0 && n <= m.contextWindow;
}

/**
 * The context a load's reading is filed under: the host's claim when it is the context asked, or
 * up to that × the slots (a host may count them all), and within the window; otherwise the
 * context asked — the one just loaded.
 */
export function readingContext(
  claimed: number | undefined,
  asked: number,
  slots: number,
  m: Pick<ModelFacts, 'contextWindow'>,
): number {
  const fits = sensibleContext(claimed, { contextWindow: Math.max(m.contextWindow, asked) });
  return fits && claimed >= asked && claimed <= asked * Math.max(1, slots) ? claimed : asked;
}

/**
 * The rows that can be believed: a sensible context and a mean within the bounds there. Rows learned before
 * the bounds existed are judged here.
 */
export function trustedSeen(seen: readonly SeenSize[], m: ModelFacts): SeenSize[] {
  return seen.filter((s) => sensibleContext(s.contextLength, m) && plausible(s.meanBytes, m, s.contextLength));
}

/** Why a reading is not learned, or undefined when it is. */
export function setAsideBecause(
  bytes: number,
  contextLength: number,
  m: ModelFacts,
  earlier: readonly SeenSize[],
): string | undefined {
  if (!plausible(bytes, m, contextLength)) {
    const b = sizeBounds(m, contextLength);
    return (
      `it is outside what ${m.name} can take at a ${contextLength}-token context ` +
      `(${fmt(b.minBytes)} to ${fmt(b.maxBytes)})`
    );
  }
  // none yet: no comparison holds
  const expected = learnedSize(trustedSeen(earlier, m), contextLength, m.kvAt, m.weightsBytes)?.bytes ?? NaN;
  if (bytes > expected * OUTLIER_FACTOR || bytes * OUTLIER_FACTOR < expected) {
    return `earlier loads of it took ${fmt(expected)} there (an outlier beyond ${OUTLIER_FACTOR}×)`;
  }
  return undefined;
}
