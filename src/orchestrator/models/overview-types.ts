/** What list_models, show_model and the RAM and loaded-model resources return: plain data. */
import type { ModelSettings } from './model-settings.js';
import type { RunningModel } from '../engines/engine-model.js';
import type { CapacitySource } from '../loading/host-memory.js';
import type { GpuReading } from '../loading/ram.js';
import type { FlashAttention, KvCacheType } from '../loading/kv-cache.js';
import type { ProfileName } from '../config/profiles.js';

export interface LoadedModel {
  name: string;
  sizeBytes: number;
  vramBytes: number;
  expiresAt: string;
  /** Ollama keeps it until told otherwise (negative keep_alive). */
  keptForever: boolean;
  /** The Ollama host it is loaded on, when there are several. */
  host?: string;
  contextLength?: number;
}

export interface RamSummary {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
  budgetBytes: number;
  /** What the loaded models count for, as the planner counts them (load-planning.ts heldBytes). */
  loadedBytes: number;
  /** What one more model may take now: min(budget − loaded, available − buffer). */
  headroomBytes: number;
  safetyMargin: number;
  bufferBytes: number;
  smallModelBytes: number;
  gpus: GpuReading[];
  /** The machine Ollama runs on, as loading decisions see it. */
  host: HostCapacity;
}

/** The Ollama host's memory as the planner sees it, and where the figures come from. */
export interface HostCapacity {
  kind: 'gpu' | 'cpu' | 'unknown';
  source: CapacitySource;
  note: string;
  ramTotalBytes?: number;
  ramAvailableBytes?: number;
  vramTotalBytes?: number;
  vramFreeBytes?: number;
  maxLoadedModels: number;
  numParallel: number;
  /**
   * An Ollama host: the KV cache type and flash attention it runs models with (its OLLAMA_KV_CACHE_TYPE,
   * OLLAMA_FLASH_ATTENTION), and its OLLAMA_GPU_OVERHEAD.
   */
  kvCacheType?: KvCacheType;
  flashAttention?: FlashAttention;
  gpuOverheadBytes?: number;
}

export interface ModelSummary {
  name: string;
  sizeBytes: number;
  family: string;
  parameterSize: string;
  quantization: string;
  contextWindow: number;
  capabilities: string[];
  profiles: ProfileName[];
  loaded: boolean;
  requiredBytes: number;
  fits: boolean;
  fitsNow: boolean;
  /**
   * Where requiredBytes comes from: "observed 9.81 GB at 4k context" (what loading it took here) or
   * "estimated" (the formula).
   */
  memoryFigure?: string;
  /** Runs on ollama.com: takes no memory here, needs `ollama signin`. */
  cloud?: boolean;
  /**
   * Its engine loads and unloads it by itself (an OpenAI-compatible host, another ollm-mcp): no
   * memory is planned for it here. Its fit figures are then that host's own where it says them
   * (EngineModel.fit; memoryFigure set), else it is taken to fit.
   */
  selfManaged?: boolean;
  /** The Ollama host it is on, when there are several. */
  host?: string;
  /** The parameters and system prompt it carries (its Modelfile, a preset): they outrank ollm-mcp's defaults. */
  own?: ModelSettings;
}

export interface ModelsOverview {
  host: string;
  models: ModelSummary[];
  loaded: LoadedModel[];
  ram: RamSummary;
  /** Set when Ollama is unreachable and the list is the last one seen. */
  stale?: string;
  /** With several Ollama hosts: each one, reachable or not. */
  hosts?: HostState[];
  /** With several Ollama hosts: those that did not answer (their models are left out), and what to do. */
  unreachable?: HostDown[];
  /** What happened since the last answer, e.g. a pinned model Ollama unloaded was loaded again. */
  notes?: string[];
}

/** An Ollama host that did not answer: which, where, why, and the next step. */
export interface HostDown {
  name: string;
  url: string;
  error: string;
  next: string;
}

/** One Ollama host in a fleet-wide read. */
export interface HostState {
  name: string;
  url: string;
  reachable: boolean;
  error?: string;
}

export interface ModelCard extends ModelSummary {
  digest: string;
  modifiedAt: string;
  architecture?: string;
  contextSource: string;
  detailsKnown: boolean;
  pattern?: string;
  licenseFirstLines?: string;
  running?: LoadedModel;
  /** With several Ollama hosts: those that do not answer now (the model may be there too), and what to do. */
  unreachable?: HostDown[];
}

const FOREVER_AFTER_MS = 100 * 365 * 24 * 3600 * 1000;

export function toLoaded(m: RunningModel): LoadedModel {
  const expiresAt = String(m.expires_at);
  const loaded: LoadedModel = {
    name: m.name,
    sizeBytes: m.size,
    vramBytes: m.size_vram ?? 0,
    expiresAt,
    keptForever: Date.parse(expiresAt) - Date.now() > FOREVER_AFTER_MS,
  };
  if (typeof m.context_length === 'number') loaded.contextLength = m.context_length;
  return loaded;
}
