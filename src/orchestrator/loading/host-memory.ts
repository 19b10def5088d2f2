/**
 * The memory of the machine that runs Ollama — which is not always this one. Loading decisions
 * are made against it (planner.ts):
 * - Ollama on this machine (a loopback host): RAM and GPUs read here.
 * - Another machine with `ollama.capacity` set: those figures, less what Ollama reports loaded.
 * - Another machine, nothing set: capacity unknown; what failed before (a load that ran out of
 *   memory) becomes a ceiling, and /api/ps shows whether it has a GPU.
 * Also the server's limits: OLLAMA_MAX_LOADED_MODELS, OLLAMA_NUM_PARALLEL, default context.
 */
import type { Settings } from '../config/index.js';
import { displayHost } from '../config/host.js';
import { isLocalHost } from '../config/ollama-env.js';
import type { RunningModel } from '../engines/engine-model.js';
import { sleep } from '../util/sleep.js';
import type { HostMemory } from './planner.js';
import { resolveRamPolicy, type Budget, type GpuReading, type RamMonitor } from './ram.js';
import { ONE_SLOT_FAMILIES, type RunnerSettings } from './kv-cache.js';

export type CapacitySource = 'this machine' | 'settings' | 'learned' | 'unknown';

export interface HostView {
  memory: HostMemory;
  source: CapacitySource;
  /** In words, for doctor and ollm://system/ram: where the figures come from. */
  sourceNote: string;
  policy: Budget;
  maxLoadedModels: number;
  numParallel: number;
  gpus: number;
  /** How the engine runs models: KV cache type, flash attention, GPU overhead, forced single slots, its pre-flight. */
  runner: RunnerSettings;
}

/** Ollama's own longest wait for GPU memory to recover after an unload. */
const VRAM_RECOVERY_MS = 5000;
/** Without a reading (Ollama on another machine): the typical recovery time of the last model unloaded. */
const REMOTE_RECOVERY_MS = Number(process.env.OLLM_REMOTE_VRAM_RECOVERY_MS) || 1000;

const GiB = 1024 ** 3;

/**
 * Ollama's default context when a request sets none and OLLAMA_CONTEXT_LENGTH is unset: by total VRAM less
 * OLLAMA_GPU_OVERHEAD per GPU (server/routes.go).
 */
export function ollamaDefaultContext(totalVramBytes: number): number {
  if (totalVramBytes >= 47 * GiB) return 262_144;
  if (totalVramBytes >= 23 * GiB) return 32_768;
  return 4096;
}

const vramUsed = (running: readonly RunningModel[]) => running.reduce((s, r) => s + (r.size_vram ?? 0), 0);
const ramUsed = (running: readonly RunningModel[]) => running.reduce((s, r) => s + r.size - (r.size_vram ?? 0), 0);

export class HostMemoryModel {
  readonly local: boolean;
  /** A total of loaded bytes at which a load ran out of memory (hosts of unknown capacity). */
  private ceiling?: number;
  private sawGpu = false;

  constructor(
    readonly host: string,
    private readonly settings: Settings,
    private readonly ram: RamMonitor,
    /** Where this host's capacity is set, for messages: "ollama.capacity", or "hosts.NAME.capacity". */
    private readonly capacityKey = 'ollama.capacity',
  ) {
    this.local = isLocalHost(host) && settings.ollama.capacity === undefined;
  }

  /** Changes when view() would make something else of the same readings: a GPU seen, a ceiling learned. */
  get revision(): string {
    return `${this.sawGpu}:${this.ceiling ?? ''}`;
  }

  /** The host's memory now, given what /api/ps reports loaded. `fresh`: read this machine afresh, GPUs included. */
  async view(running: readonly RunningModel[], options: { fresh?: boolean } = {}): Promise<HostView> {
    if (running.some((r) => (r.size_vram ?? 0) > 0)) this.sawGpu = true;
    const { numParallel, maxLoadedModels, capacity, kvCacheType, flashAttention, gpuOverhead } = this.settings.ollama;
    const runner: RunnerSettings = {
      kvCacheType: kvCacheType ?? 'f16',
      flashAttention: flashAttention ?? 'auto',
      gpuOverheadBytes: gpuOverhead ?? 0,
      oneSlotFamilies: ONE_SLOT_FAMILIES,
      preflight: true,
    };
    const limits = (gpus: number) => ({
      numParallel,
      gpus,
      maxLoadedModels: maxLoadedModels ?? 3 * Math.max(1, gpus),
      runner,
    });
    const kept = (gpus: number) => (gpuOverhead ? { keptBytes: gpuOverhead * Math.max(1, gpus) } : {});
    if (this.local) {
      const reading = await this.ram.read({ fresh: options.fresh ?? false, freshGpus: options.fresh ?? false });
      const gpus = reading.gpus;
      const memory: HostMemory = gpus.length
        ? { kind: 'gpu', ram: ramOf(reading), vram: { ...vramOf(gpus, running), ...kept(gpus.length) } }
        : { kind: 'cpu', ram: ramOf(reading) };
      return {
        memory,
        source: 'this machine',
        sourceNote: 'read on this machine (Ollama runs here)',
        policy: resolveRamPolicy(this.settings.ram, reading),
        ...limits(gpus.length),
      };
    }
    if (capacity && (capacity.ram !== undefined || capacity.vram)) {
      const ramTotal = capacity.ram ?? Number.MAX_SAFE_INTEGER;
      const ram = { totalBytes: ramTotal, availableBytes: ramTotal - ramUsed(running) };
      const gpus = capacity.vram ? (capacity.gpus ?? 1) : 0;
      const vram = capacity.vram
        ? { totalBytes: capacity.vram, freeBytes: Math.max(0, capacity.vram - vramUsed(running)), ...kept(gpus) }
        : undefined;
      const memory: HostMemory = vram ? { kind: 'gpu', ram, vram } : { kind: 'cpu', ram };
      return {
        memory,
        source: 'settings',
        sourceNote: `from ${this.capacityKey} in settings (Ollama runs on ${displayHost(this.host)})`,
        policy: resolveRamPolicy(this.settings.ram, { totalBytes: ramTotal }),
        ...limits(gpus),
      };
    }
    const memory: HostMemory = { kind: 'unknown', ...(this.ceiling !== undefined && { ceilingBytes: this.ceiling }) };
    const learned = this.ceiling !== undefined;
    return {
      memory,
      source: learned ? 'learned' : 'unknown',
      sourceNote:
        `${learned ? `learned: loading failed once ${fmtGB(this.ceiling!)} were in use` : 'unknown'} ` +
        `— Ollama runs on ${displayHost(this.host)}; set ${this.capacityKey} {ram, vram} for exact ` +
        `decisions`,
      policy: {
        budgetBytes: Number.MAX_SAFE_INTEGER,
        safetyMargin: this.settings.ram.safetyMargin,
        bufferBytes: 0,
        smallModelBytes: this.settings.ram.smallModelBytes,
      },
      ...limits(this.sawGpu ? 1 : 0),
    };
  }

  /**
   * After unloads on a GPU host: Ollama drops a model from /api/ps before its GPU memory reads as
   * free again, and waits up to 5 s for that itself (server/sched.go waitForVRAMRecovery). A load
   * sent meanwhile would see a full GPU: it would evict another model, or offload part of the new
   * one to the CPU. So the GPUs' own reading is polled until it shows what /api/ps implies is
   * free; for another machine, where nothing can be read, a short fixed wait stands in — once,
   * not per model: Ollama takes expired models off its list one at a time, each after the memory
   * of the one before has recovered (sched.go: `delete(s.loaded, …)`, then `<-finished`), and the
   * loader calls this once /api/ps shows them all gone, so only the last one's memory is still
   * coming back. Returns how long it waited.
   */
  async waitForVram(running: readonly RunningModel[], unloaded: number): Promise<number> {
    const started = Date.now();
    if (!this.local) {
      if (unloaded > 0) await sleep(REMOTE_RECOVERY_MS);
      return Date.now() - started;
    }
    const deadline = started + VRAM_RECOVERY_MS * unloaded;
    for (;;) {
      const { gpus } = await this.ram.read({ freshGpus: true });
      const total = gpus.reduce((s, g) => s + g.vramTotalBytes, 0);
      const reported = gpus.reduce((s, g) => s + (g.vramFreeBytes ?? g.vramTotalBytes), 0);
      if (reported >= (total - vramUsed(running)) * 0.98 || Date.now() >= deadline) return Date.now() - started;
      await sleep(100);
    }
  }

  /**
   * This machine's available memory now, read afresh, when the host is this machine (else undefined): loads
   * are measured by it.
   */
  async availableNow(): Promise<number | undefined> {
    if (!this.local) return undefined;
    return (await this.ram.read({ fresh: true })).availableBytes;
  }

  /** A load that needed `requiredBytes` with `loadedBytes` in use ran out of memory: never plan that total again. */
  learnOutOfMemory(loadedBytes: number, requiredBytes: number): void {
    if (this.local || this.settings.ollama.capacity) return;
    const total = loadedBytes + requiredBytes;
    this.ceiling = this.ceiling === undefined ? total : Math.min(this.ceiling, total);
  }
}

const fmtGB = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

function ramOf(reading: { totalBytes: number; availableBytes: number }) {
  return { totalBytes: reading.totalBytes, availableBytes: reading.availableBytes };
}

/** All GPUs together; free is what the GPUs report, or their total less what Ollama says it placed there. */
function vramOf(gpus: readonly GpuReading[], running: readonly RunningModel[]) {
  const totalBytes = gpus.reduce((s, g) => s + g.vramTotalBytes, 0);
  const byModels = totalBytes - vramUsed(running);
  const reported = gpus.every((g) => g.vramFreeBytes !== undefined)
    ? gpus.reduce((s, g) => s + g.vramFreeBytes!, 0)
    : byModels;
  return { totalBytes, freeBytes: Math.max(0, Math.min(reported, byModels)) };
}

/** The host's memory with one loaded model's share given back (it is about to be reloaded). */
export function without(memory: HostMemory, r: RunningModel): HostMemory {
  const vram = r.size_vram ?? 0;
  return {
    ...memory,
    ...(memory.ram && { ram: { ...memory.ram, availableBytes: memory.ram.availableBytes + r.size - vram } }),
    ...(memory.vram && { vram: { ...memory.vram, freeBytes: memory.vram.freeBytes + vram } }),
  };
}
