/**
 * Ollama's own pre-flight before it starts a llama-server (server/sched.go load, "Pre-flight
 * check"), as pure arithmetic, so a load it would answer with an eviction is foreseen and the
 * eviction made by ollm-mcp first (or the context sized down). It does not count what the model
 * really takes (that is the footprint, with the KV cache at its type): it predicts
 * - the model file's size plus an **f16** KV cache for min(num_ctx, trained) × slots, whatever
 *   OLLAMA_KV_CACHE_TYPE says (llm/llama_server.go PredictServerVRAM; sched.go
 *   effectiveLlamaServerContext),
 * - plus the automatic batch's buffers: num_batch 512 / 1024 / 2048 for an effective context up to
 *   4096 / up to 32768 / beyond, lowered while it does not fit the free memory, and 0 / 768 MiB /
 *   2 GiB for them, completion models only (sched.go generationBatchForContext,
 *   generationBatchFits, generationBatchSurcharge),
 * and, with other models loaded and GPUs to load on, evicts while that is more than 80% of the free
 * memory of those GPUs. On a CPU-only host it checks nothing.
 */

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** Ollama evicts while the prediction is more than this share of free VRAM (sched.go "Use 80% of free memory"). */
const PREFLIGHT_SHARE = 0.8;

/** What Ollama's pre-flight is computed from: plain data. */
export interface PreflightFacts {
  /** The model file's size plus the f16 KV cache for the effective context (PredictServerVRAM). */
  predictedBytes: number;
  /** min(num_ctx, trained) × slots (effectiveLlamaServerContext). */
  effectiveContext: number;
  /** Completion models get the batch's buffers; embedding models none. */
  completion: boolean;
}

/** The automatic batch for an effective context (generationBatchForContext). */
export function batchForContext(effectiveContext: number): number {
  return effectiveContext > 32768 ? 2048 : effectiveContext > 4096 ? 1024 : 512;
}

/** The buffers a batch adds to the prediction (generationBatchSurcharge). */
export function batchSurcharge(batch: number): number {
  return batch >= 2048 ? 2 * GiB : batch >= 1024 ? 768 * MiB : 0;
}

/**
 * Whether a batch fits beside the prediction (generationBatchFits with its headroom rule: 2048 wants ≤ 60%,
 * 1024 ≤ 75% of free).
 */
function batchFits(batch: number, predicted: number, available: number): boolean {
  if (predicted === 0 || available === 0) return true;
  const threshold = available * PREFLIGHT_SHARE;
  if (predicted > threshold) return false;
  if (batch >= 2048 && predicted > available * 0.6) return false;
  if (batch >= 1024 && batch < 2048 && predicted > available * 0.75) return false;
  return batchSurcharge(batch) <= threshold - predicted;
}

/**
 * The batch Ollama picks with `availableBytes` free (automaticGenerationBatch: lowered one step at a time
 * while it does not fit).
 */
export function automaticBatch(effectiveContext: number, predicted: number, availableBytes: number): number {
  let batch = batchForContext(effectiveContext);
  while (batch > 512 && !batchFits(batch, predicted, availableBytes)) batch = batch > 1024 ? 1024 : 512;
  return batch;
}

/** What the pre-flight compares with 80% of `availableBytes` (predictedForLoad). */
export function preflightBytes(f: PreflightFacts, availableBytes: number): number {
  if (!f.completion) return f.predictedBytes;
  return f.predictedBytes + batchSurcharge(automaticBatch(f.effectiveContext, f.predictedBytes, availableBytes));
}

/** Whether Ollama loads the model beside the others without evicting one, with `availableBytes` of VRAM free. */
export function passesPreflight(f: PreflightFacts, availableBytes: number): boolean {
  return preflightBytes(f, availableBytes) <= availableBytes * PREFLIGHT_SHARE;
}
