/** What the planner is given and what it answers: plain data. */
import type { Budget } from './ram.js';
import type { PreflightFacts } from './ollama-preflight.js';

export interface LoadedModelState {
  name: string;
  sizeBytes: number;
  vramBytes: number;
  /** How many kinds of work it serves: a versatile model is kept before a specialist. */
  versatility?: number;
  /**
   * Asleep in its engine (a llama-server router's idle model): it holds no memory but a place, and is the
   * first to go.
   */
  asleep?: boolean;
}

/** What loading the model took before on this host, at this context (learned-size.ts): used in place of the formula. */
export interface LearnedNeed {
  /** The learned figure with the margin from its spread, KV cache included. */
  bytes: number;
  /** Said in the plan's reason, e.g. "observed 9.81 GB at 4k context + 3%". */
  words: string;
}

export interface PlanInput {
  /**
   * kvBytes: for the context the model will run with, times the parallel slots, at the cache type
   * the engine runs (its footprint). preflight: what Ollama's own pre-flight predicts for it (f16),
   * given where Ollama decides evictions by it.
   */
  model: { name: string; sizeBytes: number; kvBytes?: number; learned?: LearnedNeed; preflight?: PreflightFacts };
  loaded: readonly LoadedModelState[];
  pinned: ReadonlySet<string>;
  inFlight: ReadonlySet<string>;
  /** Models that requests queued on this host wait for (load-order.ts): the last to be unloaded. */
  wanted?: ReadonlySet<string>;
  /** Last use by this server, epoch ms; a model never used here counts as the oldest. */
  lastUsed: ReadonlyMap<string, number>;
  memory: HostMemory;
  /** OLLAMA_MAX_LOADED_MODELS of the host. */
  maxLoadedModels: number;
  policy: Budget;
  now?: number;
}

export interface LoadPlan {
  model: string;
  action: 'already_loaded' | 'load' | 'refuse';
  /** Models to unload first, in order. */
  unload: string[];
  requiredBytes: number;
  /** Room for the model before unloading anything. */
  availableBytes: number;
  freedBytes: number;
  /** The most that could be made free for this model (what is not pinned or busy). */
  obtainableBytes: number;
  /** On a GPU host: whether the model sits entirely in VRAM. */
  fitsInVram?: boolean;
  /** A refusal that only requests running now cause: these busy models, once idle, would make room. */
  waitFor?: string[];
  reason: string;
}

/** The memory of the host Ollama runs on, as the planner sees it (host-memory.ts builds it). */
export interface HostMemory {
  kind: 'gpu' | 'cpu' | 'unknown';
  /** RAM for models (CPU host) or for the CPU part of a partial offload (GPU host). */
  ram?: { totalBytes: number; availableBytes: number };
  /** All GPUs together; keptBytes: OLLAMA_GPU_OVERHEAD × GPUs, kept aside for other uses. */
  vram?: { totalBytes: number; freeBytes: number; keptBytes?: number };
  /** Loads that brought the host's total to this failed before (learned from out-of-memory errors). */
  ceilingBytes?: number;
}
