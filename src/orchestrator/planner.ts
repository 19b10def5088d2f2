/**
 * Pure memory planning for loading decisions: plain numbers in, a plan out, no I/O.
 *
 * The plan is made against the memory model of the host that runs Ollama (host-memory.ts):
 * - GPU host: Ollama admits a model by free VRAM — with other models loaded it evicts while
 *   weights + KV + batch surcharge exceed 80% of free VRAM (server/sched.go). The plan makes
 *   those evictions itself, choosing the cheapest idle models. A model too big for the GPU is
 *   loaded alone, partly offloaded: everything else goes, and its CPU part must fit in RAM.
 * - CPU host: Ollama checks nothing, so this is the only guard against swapping: the model's
 *   size × (1 + safety margin) plus KV cache must fit the RAM budget and available RAM.
 * - Host of unknown capacity (remote, nothing configured): only what failed before limits it.
 * Everywhere: at most `maxLoadedModels` (OLLAMA_MAX_LOADED_MODELS) models; one more makes Ollama
 * evict one, so the plan unloads its own choice first. KV is counted × parallel slots.
 * The unload set is the smallest sufficient one among idle, unpinned models: fewest models, then
 * fewer small ones, then least recently used, then fewest bytes. Otherwise it refuses with numbers.
 */
import type { Budget } from './ram.js';
import { formatBytes as fmt } from './config/units.js';

/** What Ollama leaves free on a GPU: it evicts while a new model exceeds 80% of free VRAM. */
export const VRAM_ADMISSION = 0.8;

/** Compute graph and batch buffers on top of weights and KV, as a share of the weights (an estimate). */
export const GPU_SURCHARGE = 0.05;

export interface HostMemory {
  kind: 'gpu' | 'cpu' | 'unknown';
  /** RAM for models (CPU host) or for the CPU part of a partial offload (GPU host). */
  ram?: { totalBytes: number; availableBytes: number };
  /** All GPUs together. */
  vram?: { totalBytes: number; freeBytes: number };
  /** Loads that brought the host's total to this failed before (learned from out-of-memory errors). */
  ceilingBytes?: number;
}

export function requiredBytes(modelBytes: number, safetyMargin: number, kvBytes = 0): number {
  return Math.ceil(modelBytes * (1 + safetyMargin)) + kvBytes;
}

/** What Ollama predicts a model takes on a GPU: weights, KV for every slot, and the batch surcharge. */
export function gpuBytes(modelBytes: number, kvBytes = 0): number {
  return Math.ceil(modelBytes * (1 + GPU_SURCHARGE)) + kvBytes;
}

/** What the model may take now on a CPU host: min(budget − loaded, available − buffer). */
export function roomBytes(policy: Budget, loadedBytes: number, availableBytes: number): number {
  return Math.min(policy.budgetBytes - loadedBytes, availableBytes - policy.bufferBytes);
}

/** KV cache at f16: 2 (K and V) × layers × kv heads × head dim × context × 2 bytes. */
export function kvCacheBytes(shape: { layers: number; kvHeads: number; headDim: number } | undefined, contextLength: number): number {
  if (!shape) return 0;
  return 2 * shape.layers * shape.kvHeads * shape.headDim * contextLength * 2;
}

export interface FitInput {
  modelBytes: number;
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
  /** What the model needs where it will run: VRAM on a GPU host (with Ollama's headroom), RAM with the margin otherwise. */
  requiredBytes: number;
  /** Could be loaded on this host at all (after unloading others if need be). */
  fits: boolean;
  /** Loadable right now without unloading anything (or already loaded). */
  fitsNow: boolean;
}

export function assessFit(input: FitInput): FitAssessment {
  const { policy, memory } = input;
  if (memory.kind === 'gpu' && memory.vram) {
    const predicted = gpuBytes(input.modelBytes, input.kvBytes);
    const whole = predicted <= memory.vram.totalBytes * VRAM_ADMISSION;
    const spill = whole ? 0 : cpuPart(predicted, memory.vram.totalBytes);
    const fits = whole || !memory.ram || spill * (1 + policy.safetyMargin) <= memory.ram.totalBytes - policy.bufferBytes;
    const fitsNow = input.isLoaded || (whole ? input.loadedBytes === 0 || predicted <= memory.vram.freeBytes * VRAM_ADMISSION : input.loadedBytes === 0 && fits);
    return { requiredBytes: predicted, fits, fitsNow };
  }
  const required = requiredBytes(input.modelBytes, policy.safetyMargin, input.kvBytes);
  if (memory.kind !== 'cpu' || !memory.ram) {
    const fitsNow = input.isLoaded || memory.ceilingBytes === undefined || input.loadedBytes + required < memory.ceilingBytes;
    return { requiredBytes: required, fits: memory.ceilingBytes === undefined || required < memory.ceilingBytes, fitsNow };
  }
  const fits = required <= policy.budgetBytes && required <= memory.ram.totalBytes - policy.bufferBytes;
  const fitsNow = input.isLoaded || (fits && required <= roomBytes(policy, input.loadedBytes, memory.ram.availableBytes));
  return { requiredBytes: required, fits, fitsNow };
}

/** The part of a model too big for the GPU that llama-server keeps in RAM (layers that did not fit). */
function cpuPart(predicted: number, vramTotal: number): number {
  return Math.max(0, predicted - Math.floor(vramTotal * 0.9));
}

export interface LoadedModelState {
  name: string;
  sizeBytes: number;
  vramBytes: number;
  /** How many kinds of work it serves: a versatile model is kept before a specialist. */
  versatility?: number;
}

export interface PlanInput {
  /** kvBytes: for the context the model will run with, times the parallel slots. */
  model: { name: string; sizeBytes: number; kvBytes?: number };
  loaded: readonly LoadedModelState[];
  pinned: ReadonlySet<string>;
  inFlight: ReadonlySet<string>;
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
  reason: string;
}

/** Beyond this many unloadable models the search turns greedy (Ollama rarely holds more than a few). */
const EXHAUSTIVE_LIMIT = 12;

interface Candidate extends LoadedModelState {
  small: boolean;
  lastUsed: number;
}

interface Option {
  set: Candidate[];
  freed: number;
  vramFreed: number;
}

function subsets(candidates: Candidate[]): Option[] {
  const option = (set: Candidate[]): Option => ({ set, freed: sum(set, 'sizeBytes'), vramFreed: sum(set, 'vramBytes') });
  if (candidates.length <= EXHAUSTIVE_LIMIT) {
    const out: Option[] = [];
    for (let mask = 0; mask < 1 << candidates.length; mask++) out.push(option(candidates.filter((_, i) => mask & (1 << i))));
    return out;
  }
  // Greedy prefixes in preference order: big before small, oldest first.
  const ordered = [...candidates].sort((a, b) => Number(a.small) - Number(b.small) || a.lastUsed - b.lastUsed || b.sizeBytes - a.sizeBytes);
  return Array.from({ length: ordered.length + 1 }, (_, n) => option(ordered.slice(0, n)));
}

function sum(set: readonly LoadedModelState[], key: 'sizeBytes' | 'vramBytes'): number {
  return set.reduce((acc, m) => acc + m[key], 0);
}

/** Lexicographic preference between two sufficient options; negative means `a` is better. */
function compareOptions(a: Option, b: Option): number {
  if (a.set.length !== b.set.length) return a.set.length - b.set.length;
  const smallA = a.set.filter((m) => m.small).length;
  const smallB = b.set.filter((m) => m.small).length;
  if (smallA !== smallB) return smallA - smallB;
  const served = (o: Option) => o.set.reduce((n, m) => n + (m.versatility ?? 0), 0);
  if (served(a) !== served(b)) return served(a) - served(b);
  const recency = (o: Option) => o.set.map((m) => m.lastUsed).sort((x, y) => y - x);
  const ra = recency(a);
  const rb = recency(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return a.freed - b.freed;
}

function idleFor(lastUsed: number, now: number): string {
  if (lastUsed === 0) return 'not used by ollm-mcp';
  const minutes = Math.round((now - lastUsed) / 60_000);
  return minutes < 1 ? 'idle under a minute' : `idle ${minutes} min`;
}

/** How a host decides: what the model needs, what is free, and whether an unload set is enough. */
interface Admission {
  required: number;
  room: number;
  /** Words for the need, e.g. "5.2 GB (4.3 GB + 20% + 0.5 GB KV cache)". */
  needs: string;
  /** Whether unloading `o` leaves room enough (the count limit apart). */
  enough(o: Option): boolean;
  /** Every other model must go (a model too big for the GPU is loaded alone). */
  alone?: boolean;
  /** Why it cannot be loaded whatever is unloaded, or undefined. */
  impossible?: string;
  fitsInVram?: boolean;
}

function admission(input: PlanInput): Admission {
  const { model, loaded, policy, memory } = input;
  const kv = model.kvBytes ? ` + ${fmt(model.kvBytes)} KV cache` : '';
  if (memory.kind === 'gpu' && memory.vram) {
    const predicted = gpuBytes(model.sizeBytes, model.kvBytes);
    const needs = `${fmt(predicted)} of VRAM (${fmt(model.sizeBytes)}${kv} + ${Math.round(GPU_SURCHARGE * 100)}% for buffers)`;
    const free = memory.vram.freeBytes;
    const room = Math.floor(free * VRAM_ADMISSION);
    if (predicted <= memory.vram.totalBytes * VRAM_ADMISSION) {
      // Ollama checks only when other models stay loaded: either all go, or what stays leaves room.
      return { required: predicted, room, needs, fitsInVram: true, enough: (o) => o.set.length === loaded.length || predicted <= (free + o.vramFreed) * VRAM_ADMISSION };
    }
    const spill = cpuPart(predicted, memory.vram.totalBytes);
    const spillNeed = Math.ceil(spill * (1 + policy.safetyMargin));
    const ramCeiling = memory.ram ? Math.min(policy.budgetBytes, memory.ram.totalBytes - policy.bufferBytes) : Infinity;
    const ramFreed = (o: Option) => o.freed - o.vramFreed; // the CPU parts of what is unloaded
    const ramRoom = memory.ram ? memory.ram.availableBytes - policy.bufferBytes : Infinity;
    return {
      required: predicted,
      room,
      needs: `${needs}, more than ${Math.round(VRAM_ADMISSION * 100)}% of the GPU's ${fmt(memory.vram.totalBytes)}: it runs alone with ${fmt(spill)} in RAM`,
      alone: true,
      fitsInVram: false,
      enough: (o) => o.set.length === loaded.length && spillNeed <= ramRoom + ramFreed(o),
      ...(spillNeed > ramCeiling && { impossible: `its ${fmt(spill)} CPU part with the ${Math.round(policy.safetyMargin * 100)}% margin (${fmt(spillNeed)}) is more than this host's RAM allows (${fmt(ramCeiling)})` }),
    };
  }
  const required = requiredBytes(model.sizeBytes, policy.safetyMargin, model.kvBytes);
  const needs = `${fmt(required)} (${fmt(model.sizeBytes)} + ${Math.round(policy.safetyMargin * 100)}%${kv})`;
  const loadedBytes = sum(loaded, 'sizeBytes');
  if (memory.kind === 'cpu' && memory.ram) {
    const room = roomBytes(policy, loadedBytes, memory.ram.availableBytes);
    const ceiling = Math.min(policy.budgetBytes, memory.ram.totalBytes - policy.bufferBytes);
    return {
      required,
      room,
      needs,
      enough: (o) => o.freed >= required - room,
      ...(required > ceiling && { impossible: `more than this host allows for one model (${fmt(ceiling)}: budget ${fmt(policy.budgetBytes)}, ${fmt(memory.ram.totalBytes)} RAM less ${fmt(policy.bufferBytes)} kept free)` }),
    };
  }
  // Capacity unknown: only a total that failed before is avoided.
  const ceiling = memory.ceilingBytes;
  return {
    required,
    room: ceiling === undefined ? Infinity : ceiling - loadedBytes,
    needs,
    enough: (o) => ceiling === undefined || loadedBytes - o.freed + required < ceiling,
    ...(ceiling !== undefined && required >= ceiling && { impossible: `loading ${fmt(ceiling)} at once failed on this host before` }),
  };
}

export function planLoad(input: PlanInput): LoadPlan {
  const { model, loaded } = input;
  const now = input.now ?? Date.now();
  const candidates: Candidate[] = loaded
    .filter((m) => m.name !== model.name && !input.pinned.has(m.name) && !input.inFlight.has(m.name))
    .map((m) => ({ ...m, small: m.sizeBytes < input.policy.smallModelBytes, lastUsed: input.lastUsed.get(m.name) ?? 0 }));
  // One more than OLLAMA_MAX_LOADED_MODELS makes Ollama evict one: we choose which first.
  const countNeeds = Math.max(0, loaded.length + 1 - input.maxLoadedModels);
  const rule = admission(input);
  const enough = (o: Option) => o.set.length >= countNeeds && rule.enough(o);
  const room = Number.isFinite(rule.room) ? rule.room : rule.required;
  const obtainable = room + sum(candidates, rule.fitsInVram !== undefined ? 'vramBytes' : 'sizeBytes');
  const base = { model: model.name, requiredBytes: rule.required, availableBytes: Math.max(0, room), obtainableBytes: obtainable };
  const vram = rule.fitsInVram !== undefined ? { fitsInVram: rule.fitsInVram } : {};

  if (loaded.some((m) => m.name === model.name)) {
    return { ...base, ...vram, action: 'already_loaded', unload: [], freedBytes: 0, reason: `${model.name} is already loaded.` };
  }
  const best = rule.impossible ? undefined : subsets(candidates).filter(enough).sort(compareOptions)[0];
  if (!best) {
    const held = loaded.filter((m) => m.name !== model.name && !candidates.some((c) => c.name === m.name));
    const stays = held.length ? `; ${held.map((m) => `${m.name} (${fmt(m.sizeBytes)}, ${input.pinned.has(m.name) ? 'pinned' : 'busy'})`).join(', ')} must stay` : '';
    const why = rule.impossible ?? (rule.alone ? `it must run alone${stays || ', and its CPU part does not fit in free RAM'}` : countNeeds > candidates.length ? `the host holds at most ${input.maxLoadedModels} models${stays}` : `at most ${fmt(Math.max(0, obtainable))} can be freed for it${stays}`);
    return { ...base, ...vram, action: 'refuse', unload: [], freedBytes: 0, reason: `${model.name} needs ${rule.needs}; ${why}.` };
  }
  const unloading = best.set.map((m) => `${m.name} (${fmt(m.sizeBytes)}, ${idleFor(m.lastUsed, now)})`).join(', ');
  const roomNow = rule.enough({ set: [], freed: 0, vramFreed: 0 });
  const because = rule.alone
    ? 'it runs alone'
    : roomNow
      ? `the host holds at most ${input.maxLoadedModels} models`
      : `only ${fmt(Math.max(0, room))} is free${rule.fitsInVram ? ' (80% of free VRAM)' : ' for models'}`;
  return {
    ...base,
    ...vram,
    action: 'load',
    unload: best.set.map((m) => m.name),
    freedBytes: best.freed,
    reason: best.set.length === 0 ? `Fits: needs ${rule.needs}, ${fmt(Math.max(0, room))} free.` : `Needs ${rule.needs}, but ${because}; unloading ${unloading} first, so Ollama evicts nothing itself.`,
  };
}
