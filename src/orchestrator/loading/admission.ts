/**
 * How a host admits a model, as plain arithmetic: what the model needs where it will run and
 * whether a set of unloads leaves room — on a GPU host by free VRAM with Ollama's 80% rule (a
 * model too big for the GPU runs alone, its CPU part in RAM), on a CPU host by the RAM budget with
 * the safety margin, on a host of unknown capacity only below a total that failed before. On a GPU
 * the footprint (weights + KV cache at its type + buffers, or what was learned) must fit beside what
 * stays, and so must Ollama's own pre-flight (f16 KV cache, batch buffers: ollama-preflight.ts) when
 * given, or Ollama would evict a model itself.
 */
import type { Budget } from './ram.js';
import { formatBytes as fmt } from '../config/units.js';
import type { HostMemory, LoadedModelState, PlanInput } from './plan-types.js';
import { passesPreflight, preflightBytes } from './ollama-preflight.js';

export type { HostMemory } from './plan-types.js';

const sum = (set: readonly LoadedModelState[], key: 'sizeBytes' | 'vramBytes') =>
  set.reduce((acc, m) => acc + m[key], 0);

/** What Ollama leaves free on a GPU: it evicts while a new model exceeds 80% of free VRAM. */
export const VRAM_ADMISSION = 0.8;

/** Compute graph and batch buffers on top of weights and KV, as a share of the weights (an estimate). */
export const GPU_SURCHARGE = 0.05;

export function requiredBytes(modelBytes: number, safetyMargin: number, kvBytes = 0): number {
  return Math.ceil(modelBytes * (1 + safetyMargin)) + kvBytes;
}

/** What Ollama predicts a model takes on a GPU: weights, KV for every slot, and the batch surcharge. */
export function gpuBytes(modelBytes: number, kvBytes = 0): number {
  return Math.ceil(modelBytes * (1 + GPU_SURCHARGE)) + kvBytes;
}

/**
 * On a GPU, a learned figure plus the batch buffers Ollama's admission adds at load time (not in what it
 * reports loaded).
 */
export function learnedGpuBytes(modelBytes: number, learnedBytes: number): number {
  return learnedBytes + Math.ceil(modelBytes * GPU_SURCHARGE);
}

/** What the model may take now on a CPU host: min(budget − loaded, available − buffer). */
export function roomBytes(policy: Budget, loadedBytes: number, availableBytes: number): number {
  return Math.min(policy.budgetBytes - loadedBytes, availableBytes - policy.bufferBytes);
}

export { kvCacheBytes } from './kv-cache.js';

/** The VRAM models may use: what the GPUs have, less OLLAMA_GPU_OVERHEAD kept aside on each. */
function usableVram(vram: NonNullable<HostMemory['vram']>): { totalBytes: number; freeBytes: number } {
  const kept = vram.keptBytes ?? 0;
  return { totalBytes: Math.max(0, vram.totalBytes - kept), freeBytes: Math.max(0, vram.freeBytes - kept) };
}

export interface FitInput {
  modelBytes: number;
  /** What loading it took before here at this context, margin included (replaces the formula). */
  learnedBytes?: number;
  /** KV cache for the context the model will run with, all slots. */
  kvBytes?: number;
  isLoaded: boolean;
  /** Bytes (and VRAM bytes) held by models Ollama has loaded now. */
  loadedBytes: number;
  loadedVramBytes?: number;
  memory: HostMemory;
  policy: Budget;
}

export interface FitAssessment {
  /**
   * What the model needs where it will run: VRAM on a GPU host (with Ollama's headroom), RAM with the margin
   * otherwise.
   */
  requiredBytes: number;
  /** Could be loaded on this host at all (after unloading others if need be). */
  fits: boolean;
  /** Loadable right now without unloading anything (or already loaded). */
  fitsNow: boolean;
}

export function assessFit(input: FitInput): FitAssessment {
  const { policy, memory } = input;
  if (memory.kind === 'gpu' && memory.vram) {
    const vram = usableVram(memory.vram);
    const predicted =
      input.learnedBytes !== undefined
        ? learnedGpuBytes(input.modelBytes, input.learnedBytes)
        : gpuBytes(input.modelBytes, input.kvBytes);
    const whole = predicted <= vram.totalBytes * VRAM_ADMISSION;
    const spill = whole ? 0 : cpuPart(predicted, vram.totalBytes);
    const fits =
      whole || !memory.ram || spill * (1 + policy.safetyMargin) <= memory.ram.totalBytes - policy.bufferBytes;
    const fitsNow =
      input.isLoaded ||
      (whole
        ? input.loadedBytes === 0 || predicted <= vram.freeBytes * VRAM_ADMISSION
        : input.loadedBytes === 0 && fits);
    return { requiredBytes: predicted, fits, fitsNow };
  }
  const required = input.learnedBytes ?? requiredBytes(input.modelBytes, policy.safetyMargin, input.kvBytes);
  if (memory.kind !== 'cpu' || !memory.ram) {
    const ceiling = memory.ceilingBytes ?? Infinity;
    return {
      requiredBytes: required,
      fits: required < ceiling,
      fitsNow: input.isLoaded || input.loadedBytes + required < ceiling,
    };
  }
  const fits = required <= policy.budgetBytes && required <= memory.ram.totalBytes - policy.bufferBytes;
  const fitsNow =
    input.isLoaded || (fits && required <= roomBytes(policy, input.loadedBytes, memory.ram.availableBytes));
  return { requiredBytes: required, fits, fitsNow };
}

/** The part of a model too big for the GPU that llama-server keeps in RAM (layers that did not fit). */
export function cpuPart(predicted: number, vramTotal: number): number {
  return Math.max(0, predicted - Math.floor(vramTotal * 0.9));
}

/** What unloading a set of models frees: all of it, and the part on the GPU. */
export interface Freed {
  set: readonly unknown[];
  freed: number;
  vramFreed: number;
}

/** How a host decides: what the model needs, what is free, and whether an unload set is enough. */
export interface Admission {
  required: number;
  room: number;
  /** Words for the need, e.g. "5.2 GB (4.3 GB + 20% + 0.5 GB KV cache)". */
  needs: string;
  /** Whether unloading `o` leaves room enough (the count limit apart). */
  enough(o: Freed): boolean;
  /** Every other model must go (a model too big for the GPU is loaded alone). */
  alone?: boolean;
  /** Why it cannot be loaded whatever is unloaded, or undefined. */
  impossible?: string;
  fitsInVram?: boolean;
}

export function admission(input: PlanInput): Admission {
  const { model, loaded, policy, memory } = input;
  const kv = model.kvBytes ? ` + ${fmt(model.kvBytes)} KV cache` : '';
  const learned = model.learned;
  if (memory.kind === 'gpu' && memory.vram) {
    const vram = usableVram(memory.vram);
    const predicted = learned
      ? learnedGpuBytes(model.sizeBytes, learned.bytes)
      : gpuBytes(model.sizeBytes, model.kvBytes);
    const preflight = model.preflight;
    const ollamas = preflight
      ? `; Ollama's pre-flight counts ${fmt(preflightBytes(preflight, memory.vram.freeBytes))} (f16 ` +
        `KV cache and batch buffers)`
      : '';
    const needs =
      `${fmt(predicted)} of VRAM (${learned ? learned.words : `${fmt(model.sizeBytes)}${kv}`} + ` +
      `${Math.round(GPU_SURCHARGE * 100)}% for buffers)`;
    const free = vram.freeBytes;
    const room = Math.floor(free * VRAM_ADMISSION);
    if (predicted <= vram.totalBytes * VRAM_ADMISSION) {
      // Ollama checks only when other models stay loaded: either all go, or what stays leaves room
      // for the footprint, and Ollama's own pre-flight (f16, batch buffers) passes — else it would evict one itself.
      const ollamaAgrees = (o: Freed) => !preflight || passesPreflight(preflight, memory.vram!.freeBytes + o.vramFreed);
      return {
        required: predicted,
        room,
        needs: `${needs}${ollamas}`,
        fitsInVram: true,
        enough: (o) =>
          o.set.length === loaded.length || (predicted <= (free + o.vramFreed) * VRAM_ADMISSION && ollamaAgrees(o)),
      };
    }
    const spill = cpuPart(predicted, vram.totalBytes);
    const spillNeed = Math.ceil(spill * (1 + policy.safetyMargin));
    const ramCeiling = memory.ram ? Math.min(policy.budgetBytes, memory.ram.totalBytes - policy.bufferBytes) : Infinity;
    const ramFreed = (o: Freed) => o.freed - o.vramFreed; // the CPU parts of what is unloaded
    const ramRoom = memory.ram ? memory.ram.availableBytes - policy.bufferBytes : Infinity;
    return {
      required: predicted,
      room,
      needs:
        `${needs}, more than ${Math.round(VRAM_ADMISSION * 100)}% of the GPU's ` +
        `${fmt(vram.totalBytes)}: it runs alone with ${fmt(spill)} in RAM`,
      alone: true,
      fitsInVram: false,
      enough: (o) => o.set.length === loaded.length && spillNeed <= ramRoom + ramFreed(o),
      ...(spillNeed > ramCeiling && {
        impossible:
          `its ${fmt(spill)} CPU part with the ${Math.round(policy.safetyMargin * 100)}% margin ` +
          `(${fmt(spillNeed)}) is more than this host's RAM allows (${fmt(ramCeiling)})`,
      }),
    };
  }
  const required = learned ? learned.bytes : requiredBytes(model.sizeBytes, policy.safetyMargin, model.kvBytes);
  const needs = learned
    ? `${fmt(required)} (${learned.words})`
    : `${fmt(required)} (${fmt(model.sizeBytes)} + ${Math.round(policy.safetyMargin * 100)}%${kv})`;
  const loadedBytes = sum(loaded, 'sizeBytes');
  if (memory.kind === 'cpu' && memory.ram) {
    const room = roomBytes(policy, loadedBytes, memory.ram.availableBytes);
    const ceiling = Math.min(policy.budgetBytes, memory.ram.totalBytes - policy.bufferBytes);
    return {
      required,
      room,
      needs,
      enough: (o) => o.freed >= required - room,
      ...(required > ceiling && {
        impossible:
          `more than this host allows for one model (${fmt(ceiling)}: budget ` +
          `${fmt(policy.budgetBytes)}, ${fmt(memory.ram.totalBytes)} RAM less ` +
          `${fmt(policy.bufferBytes)} kept free)`,
      }),
    };
  }
  // Capacity unknown: only a total that failed before is avoided.
  const ceiling = memory.ceilingBytes ?? Infinity;
  return {
    required,
    room: ceiling - loadedBytes,
    needs,
    enough: (o) => loadedBytes - o.freed + required < ceiling,
    ...(required >= ceiling && { impossible: `loading ${fmt(ceiling)} at once failed on this host before` }),
  };
}
