/**
 * What the fake Ollama's scheduler did, so a test can prove a client never made Ollama evict,
 * reload, swap or fail — or that it did.
 */

/**
 * Why Ollama unloaded a model nobody asked it to unload:
 * - 'memory': a new model did not fit (VRAM on a GPU host, RAM with 'legacy-ram' admission);
 * - 'count': OLLAMA_MAX_LOADED_MODELS was reached;
 * - 'evict-all': a load failed out of memory with other models loaded, so all of them went;
 * - 'oom': a generation ran out of memory, so every loaded model expired, pinned ones included.
 */
export type EvictionReason = 'memory' | 'count' | 'evict-all' | 'oom';

export interface FakeStats {
  /** Successful model loads, reloads included. */
  loads: number;
  /** Total simulated load time of those loads, ms. */
  loadMs: number;
  /**
   * Loads of a model already loaded, because its load options changed (num_ctx, num_batch, num_gpu, main_gpu,
   * use_mmap, num_thread, shift).
   */
  reloads: Array<{ model: string; changed: string[]; at: number }>;
  /**
   * Idle (or, when none was idle, busy) models the scheduler unloaded to make room or after an
   * out-of-memory error. Not keep_alive:0 unloads, expiries, or the unload half of a reload.
   */
  forcedEvictions: Array<{ evicted: string; for: string; reason: EvictionReason; at: number }>;
  /** 'legacy-ram' admission only: loads refused for lack of memory; freeBytes as at the refusal. */
  refusedLoads: Array<{ model: string; costBytes: number; freeBytes: number; at: number }>;
  /** Loads that failed with a 500 (llama-server out of memory, or terminated). */
  failedLoads: Array<{ model: string; error: string; at: number }>;
  /** Loads given up because the client disconnected before the model was loaded. */
  abortedLoads: Array<{ model: string; at: number }>;
  /**
   * A load retried once after an out-of-memory: with a smaller automatic context, after evicting all others,
   * or both.
   */
  loadRetries: Array<{ model: string; numCtx: number; evictedAll: boolean; at: number }>;
  /** keep_alive 0 unloads asked for while the model was loaded (counted when asked). */
  unloads: number;
  /** Of those, the ones whose unload has completed (the model left /api/ps). */
  unloadsCompleted: number;
  /** Models unloaded because their keep_alive ran out. */
  expiries: number;
  /** Loads after which the loaded models' RAM exceeded memoryBytes: the machine swaps (Ollama does not check RAM). */
  swapLoads: Array<{ model: string; usedBytes: number; memoryBytes: number; at: number }>;
  /** Most RAM ever in use beyond memoryBytes (0 = never swapped). */
  overcommitBytesPeak: number;
  /** Highest RAM in use by loaded models right after any load since start / resetStats(). */
  peakUsedBytes: number;
  /** Highest VRAM in use (all GPUs) right after any load. */
  peakVramBytes: number;
}

export function emptyStats(): FakeStats {
  return {
    loads: 0,
    loadMs: 0,
    reloads: [],
    forcedEvictions: [],
    refusedLoads: [],
    failedLoads: [],
    abortedLoads: [],
    loadRetries: [],
    unloads: 0,
    unloadsCompleted: 0,
    expiries: 0,
    swapLoads: [],
    overcommitBytesPeak: 0,
    peakUsedBytes: 0,
    peakVramBytes: 0,
  };
}

/** Count a completed load: peaks of RAM and VRAM, and a swap when RAM is overcommitted. */
export function recordLoad(
  c: FakeStats,
  model: string,
  loadMs: number,
  reload: string[] | undefined,
  mem: { usedRamBytes(): number; usedVramBytes(): number },
  memoryBytes: number,
): void {
  const at = Date.now();
  c.loads++;
  c.loadMs += loadMs;
  if (reload) c.reloads.push({ model, changed: reload, at });
  const ram = mem.usedRamBytes();
  c.peakUsedBytes = Math.max(c.peakUsedBytes, ram);
  c.peakVramBytes = Math.max(c.peakVramBytes, mem.usedVramBytes());
  if (ram > memoryBytes) {
    c.swapLoads.push({ model, usedBytes: ram, memoryBytes, at });
    c.overcommitBytesPeak = Math.max(c.overcommitBytesPeak, ram - memoryBytes);
  }
}
