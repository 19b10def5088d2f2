/**
 * The load options of a request (api.Runner: num_ctx, num_batch, num_gpu, main_gpu, use_mmap,
 * num_thread) and Ollama's needsReload (server/sched.go): a loaded model is reloaded when they
 * differ, num_ctx compared after capping at the trained window, automatic values (no num_ctx /
 * num_batch / use_mmap sent) matching the loaded runner's automatic ones. The context shift
 * (request `shift`, default on except for deepseek2 models: resolveContextShift, sched.go ~129)
 * is a llama-server launch flag, so a request that changes it reloads too (sched.go ~1415).
 */
import type { FakeModel } from './models.js';
import { type Json, isRecord } from './exchange.js';

export interface LoadOpts {
  /** Per slot, at least 4 (2048 for vision models), capped at the trained window. */
  numCtx: number;
  /** No num_ctx sent and OLLAMA_CONTEXT_LENGTH unset: the VRAM-tier default. */
  numCtxAuto: boolean;
  /** num_batch as sent; undefined = automatic. */
  numBatch: number | undefined;
  /** Layers on GPU; -1 = automatic, 0 = CPU only. */
  numGpu: number;
  mainGpu: number | undefined;
  useMmap: boolean | undefined;
  numThread: number;
  /** llama-server --context-shift: request `shift`, else on unless the model is deepseek2. */
  contextShift: boolean;
}

/** What a loaded runner was started with. */
export interface RunnerOpts {
  numCtx: number;
  numCtxAuto: boolean;
  /** The batch the runner uses (chosen automatically unless sent). */
  numBatch: number;
  numBatchAuto: boolean;
  numGpu: number;
  mainGpu: number | undefined;
  /** In effect: as sent, or false when chosen automatically for a CPU-only load. */
  useMmap: boolean | undefined;
  useMmapAuto: boolean;
  numThread: number;
  contextShift: boolean;
}

const DEFAULT_NUM_BATCH = 512;

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined;
}

/**
 * The load options of `body` for `model`; `defaultCtx` when no num_ctx is sent (`ctxFromEnv`: it is
 * OLLAMA_CONTEXT_LENGTH).
 */
export function loadOptsFor(model: FakeModel, body: Json, defaultCtx: number, ctxFromEnv: boolean): LoadOpts {
  const o = isRecord(body['options']) ? body['options'] : {};
  // the request's options over the model's own (its Modelfile) over the server's default, as Ollama merges them
  const own = int(model.made?.parameters['num_ctx']);
  const sentCtx = int(o['num_ctx']) ?? own;
  let numCtx = sentCtx !== undefined && sentCtx > 0 ? sentCtx : defaultCtx;
  numCtx = Math.max(4, numCtx);
  if (model.capabilities.includes('vision')) numCtx = Math.max(2048, numCtx);
  numCtx = Math.min(numCtx, model.contextLength);
  const batch = int(o['num_batch']);
  const mainGpu = int(o['main_gpu']);
  return {
    numCtx,
    numCtxAuto: sentCtx === undefined && !ctxFromEnv,
    numBatch: batch !== undefined && batch > 0 ? batch : undefined,
    numGpu: int(o['num_gpu']) ?? -1,
    mainGpu,
    useMmap: typeof o['use_mmap'] === 'boolean' ? o['use_mmap'] : undefined,
    numThread: int(o['num_thread']) ?? 0,
    contextShift: typeof body['shift'] === 'boolean' ? body['shift'] : supportsContextShift(model),
  };
}

/** supportsContextShift (server/sched.go ~137): every model but deepseek2 ones. */
export function supportsContextShift(model: FakeModel): boolean {
  return model.family !== 'deepseek2' && !(model.families ?? []).includes('deepseek2');
}

/** The runner's options once loaded: the batch picked, mmap turned off automatically on a CPU-only load. */
export function runnerOpts(req: LoadOpts, numBatch: number, onCpuOnly: boolean): RunnerOpts {
  const useMmapAuto = req.useMmap === undefined && onCpuOnly;
  return {
    numCtx: req.numCtx,
    numCtxAuto: req.numCtxAuto,
    numBatch: req.numBatch ?? numBatch,
    numBatchAuto: req.numBatch === undefined,
    numGpu: req.numGpu,
    mainGpu: req.mainGpu,
    useMmap: useMmapAuto ? false : req.useMmap,
    useMmapAuto,
    numThread: req.numThread,
    contextShift: req.contextShift,
  };
}

/** The option names that differ between the loaded runner and a request (empty = reuse the runner). */
export function reloadReasons(r: RunnerOpts, req: LoadOpts): string[] {
  const changed: string[] = [];
  if (!(r.numCtxAuto && req.numCtxAuto) && r.numCtx !== req.numCtx) changed.push('num_ctx');
  if (!(r.numBatchAuto && req.numBatch === undefined) && r.numBatch !== (req.numBatch ?? DEFAULT_NUM_BATCH))
    changed.push('num_batch');
  if (req.numGpu >= 0 && req.numGpu !== r.numGpu) changed.push('num_gpu');
  if (r.mainGpu !== req.mainGpu) changed.push('main_gpu');
  const mmap = r.useMmapAuto && req.useMmap === undefined ? r.useMmap : req.useMmap;
  if (mmap !== r.useMmap) changed.push('use_mmap');
  if (r.numThread !== req.numThread) changed.push('num_thread');
  if (r.contextShift !== req.contextShift) changed.push('shift');
  return changed;
}
