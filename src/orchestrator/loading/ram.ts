/**
 * RAM, swap and VRAM readings, and the budget loaded models may use. Readings are cached
 * briefly and concurrent readers share one reading; `systeminformation` is loaded on first use
 * so start-up does not pay for it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Settings } from '../config/index.js';
import { cjsExports } from '../util/cjs.js';
import { resolveBudget } from '../config/units.js';

export interface GpuReading {
  name: string;
  vendor: string;
  vramTotalBytes: number;
  /** Known for NVIDIA (nvidia-smi) and some AMD cards; otherwise undefined. */
  vramFreeBytes?: number;
}

export interface MemoryReading {
  totalBytes: number;
  /** MemAvailable: what can be used without swapping (not MemFree, which ignores caches). */
  availableBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
  gpus: GpuReading[];
  readAt: string;
}

/** Where readings come from: the real machine, or a test's stand-in. */
export interface MemorySource {
  memory(): Promise<{ totalBytes: number; availableBytes: number; swapTotalBytes: number; swapUsedBytes: number }>;
  gpus(): Promise<GpuReading[]>;
}

/**
 * On Linux a GPU with its own VRAM shows up as an NVIDIA device node or an AMD VRAM counter;
 * without either, asking systeminformation (which spawns lspci and friends) would only cost time
 * and memory to learn there is none.
 */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  if (existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/sys/class/drm').some((card) =>
      existsSync(`/sys/class/drm/${card}/device/mem_info_vram_total`),
    );
  } catch {
    return false;
  }
}

/**
 * Linux: /proc/meminfo read directly, which is all systeminformation does there, without the
 * ~5 MB its helper module keeps resident. Values are in KiB.
 */
async function linuxMemory(): Promise<Awaited<ReturnType<MemorySource['memory']>>> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  const total = kib('MemTotal');
  const available = kib('MemAvailable');
  const swapTotal = kib('SwapTotal');
  return {
    totalBytes: total,
    availableBytes: Number.isFinite(available) ? available : kib('MemFree') + kib('Cached'),
    swapTotalBytes: swapTotal,
    swapUsedBytes: swapTotal - kib('SwapFree'),
  };
}

function systemMemorySource(): MemorySource {
  // systeminformation is loaded on first use, one module at a time: the whole library costs
  // ~45 ms and ~10 MB of RSS.
  return {
    async memory() {
      if (process.platform === 'linux' && existsSync('/proc/meminfo')) return linuxMemory();
      const { mem } = cjsExports(await import('systeminformation/lib/memory.js'));
      const m = await mem();
      return {
        totalBytes: m.total,
        availableBytes: m.available > 0 ? m.available : m.free,
        swapTotalBytes: m.swaptotal,
        swapUsedBytes: m.swapused,
      };
    },
    async gpus() {
      if (!mayHaveGpu()) return [];
      const { graphics } = cjsExports(await import('systeminformation/lib/graphics.js'));
      const g = await graphics();
      return g.controllers
        .filter((c) => (c.vram ?? c.memoryTotal ?? 0) > 0)
        .map((c) => {
          const mb = 1024 * 1024;
          const gpu: GpuReading = {
            name: c.model || c.name || 'GPU',
            vendor: c.vendor || 'unknown',
            vramTotalBytes: (c.memoryTotal ?? c.vram ?? 0) * mb,
          };
          if (typeof c.memoryFree === 'number') gpu.vramFreeBytes = c.memoryFree * mb;
          return gpu;
        });
    },
  };
}

export interface RamMonitorOptions {
  /** How long a RAM reading is reused. */
  ttlMs?: number;
  /** How long a GPU reading is reused (listing GPUs spawns tools, so longer). */
  gpuTtlMs?: number;
}

/** One value reused for `ttlMs`; concurrent callers share one load; a failed load is not kept. */
class Reused<T> {
  private slot?: { at: number; value: Promise<T> };
  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
  ) {}

  get(fresh = false): Promise<T> {
    const now = Date.now();
    if (fresh || !this.slot || now - this.slot.at >= this.ttlMs) {
      const slot = { at: now, value: this.load() };
      this.slot = slot;
      slot.value.catch(() => {
        if (this.slot === slot) this.slot = undefined;
      });
    }
    return this.slot.value;
  }
}

export class RamMonitor {
  private readonly mem: Reused<Awaited<ReturnType<MemorySource['memory']>>>;
  private readonly gpus: Reused<GpuReading[]>;

  constructor(source: MemorySource = systemMemorySource(), options: RamMonitorOptions = {}) {
    this.mem = new Reused(() => source.memory(), options.ttlMs ?? 1000);
    // No GPU tooling on the machine is not an error: it means no VRAM to report.
    this.gpus = new Reused(() => source.gpus().catch(() => []), options.gpuTtlMs ?? 30_000);
  }

  private kept?: { mem: unknown; gpus: unknown; reading: MemoryReading };

  /**
   * `fresh` re-reads RAM; `freshGpus` the GPUs too (it spawns tools: only before a decision on a GPU
   * host). While both readings are reused, so is the object: what is worked out from a reading can
   * be kept until it changes (models/overview.ts).
   */
  async read(options: { fresh?: boolean; freshGpus?: boolean } = {}): Promise<MemoryReading> {
    const [mem, gpus] = await Promise.all([this.mem.get(options.fresh), this.gpus.get(options.freshGpus)]);
    if (this.kept?.mem === mem && this.kept.gpus === gpus) return this.kept.reading;
    const reading = { ...mem, gpus, readAt: new Date().toISOString() };
    this.kept = { mem, gpus, reading };
    return reading;
  }
}

/** The RAM policy in bytes, resolved against this machine. */
export interface Budget {
  budgetBytes: number;
  safetyMargin: number;
  bufferBytes: number;
  smallModelBytes: number;
}

export function resolveRamPolicy(ram: Settings['ram'], reading: Pick<MemoryReading, 'totalBytes'>): Budget {
  return {
    budgetBytes: resolveBudget(ram.budget, reading.totalBytes),
    safetyMargin: ram.safetyMargin,
    bufferBytes: ram.bufferBytes,
    smallModelBytes: ram.smallModelBytes,
  };
}
