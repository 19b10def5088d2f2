/** What list_models, show_model and the RAM and loaded-model resources return: plain data. */
import type { RunningModel } from '../hosts/ollama.js';
import type { CapacitySource } from '../loading/host-memory.js';
import type { GpuReading } from '../loading/ram.js';
import type { ProfileName } from './profiles.js';

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
  /** Runs on ollama.com: takes no memory here, needs `ollama signin`. */
  cloud?: boolean;
  /** The Ollama host it is on, when there are several. */
  host?: string;
}

export interface ModelsOverview {
  host: string;
  models: ModelSummary[];
  loaded: LoadedModel[];
  ram: RamSummary;
  /** Set when Ollama is unreachable and the list is the last one seen. */
  stale?: string;
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
