/**
 * The fake machine's memory: system RAM, GPUs, where a runner is placed and what it is charged,
 * as Ollama v0.30+ does it (server/sched.go, llm/llama_server.go):
 * - a runner's size is weights + KV cache for num_ctx × parallel at OLLAMA_KV_CACHE_TYPE (what
 *   llama-server's buffer log says it took: llm/llama_server.go memoryParsingWriter);
 * - the pre-flight's prediction is the file size + an f16 KV cache for that context whatever the
 *   cache type (llm/llama_server.go PredictServerVRAM), plus the automatic batch's buffers;
 * - on several GPUs a model that fits one GPU (within 80% of its free memory) goes on that one,
 *   else it is spread over all; main_gpu picks one; num_gpu 0 means CPU only;
 * - what does not fit the GPUs stays on the CPU by whole layers: size_vram < size, and the CPU
 *   part is charged to RAM (on unified memory everything is);
 * - the admission check: weights + KV + the batch surcharge at most 80% of the free memory of
 *   the GPUs it would use (on unified memory, min(system free, GPU free));
 * - after an unload from a discrete GPU its memory can read as used for a while ("recovering").
 */
import { type FakeModel, KV_BYTES_PER_VALUE, archParams, estimateModelMemory } from './models.js';
import type { LoadOpts } from './load-options.js';
import type { HostConfig } from './options.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

export interface Allocation {
  /** Bytes on each GPU (index = GPU). */
  vramByGpu: number[];
  /** Bytes charged to system RAM. */
  ramBytes: number;
}

export interface Placement extends Allocation {
  /** Weights + KV cache for the whole context: /api/ps `size`. */
  size: number;
  /** GPUs the runner uses ([] = CPU only). */
  gpus: number[];
  /** The batch the runner gets (num_batch as sent, else chosen by context and room). */
  numBatch: number;
  /**
   * PredictServerVRAM (weights + f16 KV) + the batch surcharge (completion models): what the admission check
   * compares.
   */
  predictedForLoad: number;
  /** Memory available to the load on its GPUs (0 on CPU). */
  availableBytes: number;
}

/** Batch for a context (sched.go generationBatchForContext) and its memory surcharge (generationBatchSurcharge). */
function batchForContext(ctx: number): number {
  return ctx > 32768 ? 2048 : ctx > 4096 ? 1024 : 512;
}
export function batchSurcharge(batch: number): number {
  return batch >= 2048 ? 2 * GiB : batch >= 1024 ? 768 * MiB : 0;
}
/** sched.go generationBatchFits with generationBatchHasHeadroom (2048: ≤ 60% of free, 1024: ≤ 75%). */
function batchFits(batch: number, predicted: number, available: number): boolean {
  if (predicted === 0 || available === 0) return true;
  const threshold = available * 0.8;
  if (predicted > threshold) return false;
  if (batch >= 2048 && predicted > available * 0.6) return false;
  if (batch >= 1024 && batch < 2048 && predicted > available * 0.75) return false;
  return batchSurcharge(batch) <= threshold - predicted;
}

export class Memory {
  /** VRAM per GPU that reads as used while it recovers after an unload. */
  private readonly lag: number[];

  constructor(
    private readonly cfg: HostConfig,
    private readonly allocations: () => Iterable<Allocation>,
  ) {
    this.lag = cfg.gpus.map(() => 0);
  }

  get gpuCount(): number {
    return this.cfg.gpus.length;
  }

  usedRamBytes(): number {
    let used = 0;
    for (const a of this.allocations()) used += a.ramBytes;
    return used;
  }

  freeRamBytes(): number {
    return this.cfg.memoryBytes - this.usedRamBytes();
  }

  /** VRAM in use on GPU `i` (or all GPUs), recovering memory included. */
  usedVramBytes(i?: number): number {
    if (i === undefined) return this.cfg.gpus.reduce((s, _g, k) => s + this.usedVramBytes(k), 0);
    let used = this.lag[i] ?? 0;
    for (const a of this.allocations()) used += a.vramByGpu[i] ?? 0;
    return used;
  }

  freeVramBytes(i: number): number {
    return Math.max(0, (this.cfg.gpus[i]?.vramBytes ?? 0) - this.usedVramBytes(i));
  }

  /** Memory a load may use on these GPUs. */
  private available(gpus: number[]): number {
    const free = gpus.reduce((s, i) => s + this.freeVramBytes(i), 0);
    return this.cfg.unifiedMemory ? Math.max(0, Math.min(free, this.freeRamBytes())) : free;
  }

  /** Where `model` would go with these options and `parallel` slots, and what it would be charged. */
  plan(model: FakeModel, o: LoadOpts, parallel: number): Placement {
    const size = estimateModelMemory(
      model,
      o.numCtx,
      this.cfg.kvCache,
      parallel,
      KV_BYTES_PER_VALUE[this.cfg.kvCacheType] ?? 2,
    );
    const completion = model.capabilities.includes('completion');
    const ctx = o.numCtx * parallel; // numCtx is capped at the trained window already: effectiveLlamaServerContext
    // sched.go load: predicted := llm.PredictServerVRAM(...) — always f16, the cache type is not looked at
    const predicted = estimateModelMemory(model, o.numCtx, this.cfg.kvCache, parallel, 2);
    const gpus = this.placementGpus(predicted, o); // selectLlamaServerPlacement(..., predicted, ...)
    const availableBytes = this.available(gpus);
    // sched.go applyAutomaticGenerationBatch → automaticGenerationBatch(effectiveCtx, predicted, available)
    let numBatch = o.numBatch ?? batchForContext(ctx);
    if (o.numBatch === undefined)
      while (numBatch > 512 && !batchFits(numBatch, predicted, availableBytes)) numBatch = numBatch > 1024 ? 1024 : 512;
    // sched.go: predictedForLoad := predicted + generationBatchSurchargeForCompletion(completion, launchOpts.NumBatch)
    const predictedForLoad = predicted + (completion ? batchSurcharge(numBatch) : 0);
    const vramByGpu = this.cfg.gpus.map(() => 0);
    const layers = archParams(model).blockCount + 1;
    const layerBytes = size / layers;
    let want = o.numGpu >= 0 ? Math.min(size, Math.floor(o.numGpu * layerBytes)) : size;
    let ramLeft = this.cfg.unifiedMemory ? Math.max(0, this.freeRamBytes()) : Infinity;
    const byRoom = [...gpus].sort((a, b) => this.freeVramBytes(b) - this.freeVramBytes(a));
    const fitsWhole = want === size && size <= availableBytes;
    for (const i of byRoom) {
      if (want <= 0) break;
      const room = Math.min(this.freeVramBytes(i), ramLeft);
      const take = fitsWhole
        ? Math.min(want, room)
        : Math.min(want, Math.floor(Math.floor(room / layerBytes) * layerBytes));
      vramByGpu[i] = take;
      want -= take;
      ramLeft -= take;
    }
    const vram = vramByGpu.reduce((s, v) => s + v, 0);
    return {
      size,
      gpus,
      numBatch,
      predictedForLoad,
      availableBytes,
      vramByGpu,
      ramBytes: this.cfg.unifiedMemory ? size : size - vram,
    };
  }

  /**
   * Ollama's pre-load check on a GPU host (sched.go "Pre-flight check": predictedForLoad > freeMemory*80/100
   * evicts).
   */
  fits(p: Placement): boolean {
    return p.predictedForLoad <= p.availableBytes * 0.8;
  }

  /** An unloaded runner's VRAM reads as used until recovered() (discrete GPUs only). */
  recovering(a: Allocation): boolean {
    if (this.cfg.unifiedMemory || a.vramByGpu.every((v) => v === 0)) return false;
    a.vramByGpu.forEach((v, i) => (this.lag[i] = (this.lag[i] ?? 0) + v));
    return true;
  }

  recovered(a: Allocation): void {
    a.vramByGpu.forEach((v, i) => (this.lag[i] = Math.max(0, (this.lag[i] ?? 0) - v)));
  }

  private placementGpus(size: number, o: LoadOpts): number[] {
    const all = this.cfg.gpus.map((_g, i) => i);
    if (all.length === 0 || o.numGpu === 0) return [];
    if (o.mainGpu !== undefined && o.mainGpu >= 0 && o.mainGpu < all.length) return [o.mainGpu];
    if (all.length === 1) return all;
    let best: number | undefined;
    for (const i of all) {
      const avail = this.available([i]);
      if (size > avail * 0.8) continue;
      if (best === undefined || avail > this.available([best])) best = i;
    }
    return best === undefined ? all : [best];
  }
}
