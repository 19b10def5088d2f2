/** Options of FakeOllama.start() (see server.ts). */
import type { FakeModel } from './models.js';

export interface FakeOllamaOptions {
  /** Installed models (default DEFAULT_MODELS). */
  models?: FakeModel[];
  /** Memory the fake machine has for loaded models (default 16e9). */
  memoryBytes?: number;
  /** Reported by /api/version (default '0.12.6'). */
  version?: string;
  /** OLLAMA_KEEP_ALIVE equivalent (default 5 min). */
  defaultKeepAliveMs?: number;
  /** OLLAMA_MAX_LOADED_MODELS equivalent (default 3). */
  maxLoadedModels?: number;
  /** Simulated load time per model load (default 5). */
  loadDelayMs?: number;
  /** Extra load time per GB (1e9 bytes) of the load's memory cost, so big models load slower (default 0). */
  loadMsPerGB?: number;
  /** Delay between streamed tokens; also the simulated prompt-eval time (default 2). */
  tokenDelayMs?: number;
  /** Delay between pull progress lines (default 5). */
  pullChunkDelayMs?: number;
  /** Models that can be pulled (default DEFAULT_REGISTRY = DEFAULT_MODELS + EXTRA_REGISTRY_MODELS). */
  registry?: FakeModel[];
  /** Port to listen on, on 127.0.0.1 (default 0 = random). */
  port?: number;
  // ---- extensions beyond the brief ----
  /** Charge a KV-cache estimate on top of the weights when loading (default true). */
  kvCache?: boolean;
  /** num_ctx used when a request does not set options.num_ctx (OLLAMA_CONTEXT_LENGTH; default 4096). */
  defaultNumCtx?: number;
  /** OLLAMA_NUM_PARALLEL: concurrent requests one loaded model serves; others wait (default 1). */
  numParallel?: number;
  /**
   * What to do when a model does not fit even after evicting every idle model but some loaded
   * model is busy: 'error' (default, as the brief asks) answers 500 "model requires more system
   * memory ..."; 'wait' waits for the busy model to finish and evicts it (real Ollama does this).
   */
  busyEviction?: 'error' | 'wait';
}
