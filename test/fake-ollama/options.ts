/**
 * Options of FakeOllama.start() (see server.ts), one line each:
 *
 * models             installed models (DEFAULT_MODELS)
 * registry           pullable models (DEFAULT_REGISTRY)
 * port               port on 127.0.0.1 (0 = random)
 * version            what /api/version reports ('0.33.0')
 * memoryBytes        system RAM (16e9); in 'legacy-ram' admission also the limit on loaded models
 * gpus               GPUs, [{ vramBytes }] each (none = CPU-only host)
 * unifiedMemory      GPUs share system RAM: a load may use min(system free, GPU free) (false)
 * admission          'ollama' (checks VRAM only, none on a CPU host) or 'legacy-ram'
 *                    (the RAM check and "requires more system memory" error of Ollama ≤ 0.12);
 *                    default 'ollama' with gpus, 'legacy-ram' without
 * busyEviction       'legacy-ram' only: no room beside a busy model → 'error' (500) or 'wait' ('error')
 * maxLoadedModels    OLLAMA_MAX_LOADED_MODELS (3 × GPUs, 3 on CPU)
 * numParallel        OLLAMA_NUM_PARALLEL: slots per runner, KV sized num_ctx × slots (1)
 * defaultNumCtx      OLLAMA_CONTEXT_LENGTH (unset: 4096, 32768 from 23 GiB VRAM, 262144 from 47 GiB)
 * defaultKeepAliveMs OLLAMA_KEEP_ALIVE for fresh loads (5 min)
 * kvCache            charge the KV cache on top of the weights (true)
 * kvCacheType        OLLAMA_KV_CACHE_TYPE: the type runners' KV caches take (/api/ps size); the
 *                    pre-flight counts f16 whatever it is ('f16')
 * flashAttention     OLLAMA_FLASH_ATTENTION ('auto'); 'off' with a quantized cache fails every
 *                    load as llama-server does ("V cache quantization requires flash_attn")
 * loadDelayMs        time one load takes (5)
 * loadMsPerGB        extra load time per GB of the runner's size (0)
 * unloadDelayMs      time one unload takes; the model stays in /api/ps meanwhile (0)
 * gpuRecoveryMs      after unloading from a discrete GPU, the wait until its memory reads free (0)
 * tokenDelayMs       delay between streamed tokens, also the prompt-eval time (2); a model may set its own
 * promptTokenDelayMs prompt evaluation per prompt token instead (prompt_eval_duration is that time;
 *                    unset: the prompt takes tokenDelayMs whatever its size); a model may set its own
 * pullChunkDelayMs   delay between pull progress lines (5)
 * cloudSignedIn      cloud models answer instead of 401 unauthorized (false)
 */
import type { FakeModel } from './models.js';

export interface FakeGpu {
  /** Total memory of this GPU in bytes. */
  vramBytes: number;
  /** Shown in fake.gpus(); default 'GPU <index>'. */
  name?: string;
}

export type Admission = 'ollama' | 'legacy-ram';

export interface FakeOllamaOptions {
  models?: FakeModel[];
  registry?: FakeModel[];
  port?: number;
  version?: string;
  memoryBytes?: number;
  gpus?: FakeGpu[];
  unifiedMemory?: boolean;
  admission?: Admission;
  busyEviction?: 'error' | 'wait';
  maxLoadedModels?: number;
  numParallel?: number;
  defaultNumCtx?: number;
  defaultKeepAliveMs?: number;
  kvCache?: boolean;
  kvCacheType?: string;
  flashAttention?: 'auto' | 'on' | 'off';
  loadDelayMs?: number;
  loadMsPerGB?: number;
  unloadDelayMs?: number;
  gpuRecoveryMs?: number;
  tokenDelayMs?: number;
  promptTokenDelayMs?: number;
  pullChunkDelayMs?: number;
  cloudSignedIn?: boolean;
}

/** The machine and scheduler settings, every default applied. */
export interface HostConfig {
  memoryBytes: number;
  gpus: Array<{ vramBytes: number; name: string }>;
  unifiedMemory: boolean;
  admission: Admission;
  busyEviction: 'error' | 'wait';
  maxLoadedModels: number;
  numParallel: number;
  /** OLLAMA_CONTEXT_LENGTH when set; undefined = by total VRAM. */
  contextLength: number | undefined;
  defaultKeepAliveMs: number;
  kvCache: boolean;
  kvCacheType: string;
  flashAttention: 'auto' | 'on' | 'off';
  loadDelayMs: number;
  loadMsPerGB: number;
  unloadDelayMs: number;
  gpuRecoveryMs: number;
}

const GiB = 1024 ** 3;

export function hostConfig(opts: FakeOllamaOptions): HostConfig {
  const gpus = (opts.gpus ?? []).map((g, i) => ({ vramBytes: g.vramBytes, name: g.name ?? `GPU ${i}` }));
  return {
    memoryBytes: opts.memoryBytes ?? 16e9,
    gpus,
    unifiedMemory: opts.unifiedMemory ?? false,
    admission: opts.admission ?? (gpus.length > 0 ? 'ollama' : 'legacy-ram'),
    busyEviction: opts.busyEviction ?? 'error',
    maxLoadedModels: opts.maxLoadedModels ?? 3 * Math.max(1, gpus.length),
    numParallel: Math.max(1, Math.floor(opts.numParallel ?? 1)),
    contextLength:
      opts.defaultNumCtx !== undefined && opts.defaultNumCtx > 0 ? Math.floor(opts.defaultNumCtx) : undefined,
    defaultKeepAliveMs: opts.defaultKeepAliveMs ?? 5 * 60_000,
    kvCache: opts.kvCache ?? true,
    kvCacheType: (opts.kvCacheType ?? 'f16').toLowerCase(), // llm/server.go lowercases OLLAMA_KV_CACHE_TYPE
    flashAttention: opts.flashAttention ?? 'auto',
    loadDelayMs: opts.loadDelayMs ?? 5,
    loadMsPerGB: opts.loadMsPerGB ?? 0,
    unloadDelayMs: Math.max(0, opts.unloadDelayMs ?? 0),
    gpuRecoveryMs: Math.max(0, opts.gpuRecoveryMs ?? 0),
  };
}

/** Ollama's default context by total VRAM (server/routes.go): 4096, 32768 from 23 GiB, 262144 from 47 GiB. */
export function defaultContext(cfg: HostConfig): number {
  if (cfg.contextLength !== undefined) return cfg.contextLength;
  const vram = cfg.gpus.reduce((s, g) => s + g.vramBytes, 0);
  if (vram >= 47 * GiB) return 262144;
  if (vram >= 23 * GiB) return 32768;
  return 4096;
}
