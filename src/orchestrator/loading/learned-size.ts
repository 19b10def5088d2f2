/**
 * Memory learned from loads: what a model actually took once loaded on a host, at a context —
 * the host's own report (Ollama's /api/ps size and size_vram) or, where the engine reports
 * nothing, the fall in this machine's available memory. Pure functions over plain data: the
 * planner uses the learned figure, with a small margin from the observations' spread, in place of
 * the formula (weights + safety margin + KV cache), whose margin is for estimates only.
 */
import { formatBytes } from '../config/units.js';

/** The observations of one model on one host at one context, summed (stores/seen-sizes.ts keeps them). */
export interface SeenSize {
  contextLength: number;
  count: number;
  meanBytes: number;
  minBytes: number;
  maxBytes: number;
  /** Mean of the part on GPUs (0 on a CPU host). */
  meanVramBytes: number;
}

/** The least margin on a learned figure: one observation, or several that agree. */
export const MIN_LEARNED_MARGIN = 0.03;
/** The most: observations that spread wider than this are no better than the estimate's margin. */
export const MAX_LEARNED_MARGIN = 0.2;

/** What the planner uses for a model at a context, learned. */
export interface LearnedSize {
  /** The learned figure at the context planned, before the margin (the KV cache scaled from the observed context). */
  bytes: number;
  /** The margin from the observations' spread. */
  margin: number;
  /** bytes with the margin: what the planner reserves. */
  plannedBytes: number;
  /** As observed, at its own context. */
  observed: SeenSize;
}

/** "4k" for 4096, "128k" for 131072, "500" for 500. */
export function contextWords(tokens: number): string {
  return tokens >= 1024 ? `${Math.round(tokens / 1024)}k` : String(tokens);
}

/**
 * The learned figure for `contextLength` from a model's observations on a host: the one at that
 * context, else the nearest, its KV cache scaled by `kvAt` (bytes of KV cache at a context, all
 * slots; undefined when the model's KV shape is unknown: then only a context at least as large is
 * used, as it is). Never below `floorBytes` (the model's weights: a figure scaled down from a
 * larger context keeps them). Undefined when nothing usable was observed.
 */
export function learnedSize(
  seen: readonly SeenSize[],
  contextLength: number,
  kvAt: ((contextLength: number) => number) | undefined,
  floorBytes = 1,
): LearnedSize | undefined {
  // without the model's KV shape nothing can be scaled: only a context at least as large says enough
  const usable = seen.filter(
    (s) =>
      s.count > 0 && s.meanBytes > 0 && s.contextLength > 0 && (kvAt !== undefined || s.contextLength >= contextLength),
  );
  if (usable.length === 0) return undefined;
  const distance = (s: SeenSize) => Math.abs(Math.log(s.contextLength / Math.max(1, contextLength)));
  const observed = usable.reduce((best, s) =>
    distance(s) < distance(best) || (distance(s) === distance(best) && s.count > best.count) ? s : best,
  );
  const bytes = Math.max(
    floorBytes,
    Math.round(observed.meanBytes + (kvAt ? kvAt(contextLength) - kvAt(observed.contextLength) : 0)),
  );
  const spread = (observed.maxBytes - observed.minBytes) / observed.meanBytes;
  const margin = Math.min(MAX_LEARNED_MARGIN, Math.max(MIN_LEARNED_MARGIN, spread));
  return { bytes, margin, plannedBytes: Math.ceil(bytes * (1 + margin)), observed };
}

/**
 * Which figure a decision uses, in words: "observed 9.81 GB at 4k context" (and the context planned when
 * another), or "estimated".
 */
export function describeFigure(observed: SeenSize | undefined, contextLength?: number): string {
  if (!observed) return 'estimated';
  const o = observed;
  const other =
    contextLength !== undefined && contextLength !== o.contextLength
      ? `, scaled to ${contextWords(contextLength)}`
      : '';
  const size = o.meanBytes >= 1e9 ? `${(o.meanBytes / 1e9).toFixed(2)} GB` : formatBytes(o.meanBytes);
  return `observed ${size} at ${contextWords(o.contextLength)} context${other}`;
}

/**
 * What one load took, from what is at hand: the host's report when its engine reports what a
 * model holds; else, on this machine, the fall in available memory across the load — taken only
 * when it holds at least the model's file (less means its weights are mapped from the page cache,
 * which available memory does not show, and nothing is learned). Undefined: nothing to learn.
 */
export function observedLoad(input: {
  reported?: { bytes: number; vramBytes: number };
  availableBefore?: number;
  availableAfter?: number;
  fileBytes: number;
}): { bytes: number; vramBytes: number } | undefined {
  const { reported } = input;
  if (reported && reported.bytes > 0)
    return { bytes: reported.bytes, vramBytes: Math.max(0, Math.min(reported.bytes, reported.vramBytes)) };
  if (input.availableBefore === undefined || input.availableAfter === undefined) return undefined;
  const fall = input.availableBefore - input.availableAfter;
  return fall >= input.fileBytes && fall > 0 ? { bytes: fall, vramBytes: 0 } : undefined;
}
