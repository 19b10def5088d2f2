/**
 * Pure memory planning for loading decisions: plain numbers in, a plan out, no I/O.
 *
 * A model needs size × (1 + safetyMargin) plus its KV cache (seed 004's 20% margin). It fits when
 * that is within what the budget has left after the loaded models and within available RAM minus
 * the buffer. When it does not fit, the plan unloads the smallest sufficient set of idle, unpinned
 * models — fewest models, small ones last, least recently used, fewest bytes — or refuses with
 * the numbers. With a GPU, plans that let the model sit entirely in VRAM are preferred.
 */
import type { Budget } from './ram.js';
import { formatBytes as fmt } from './config/units.js';

export interface FitInput {
  modelBytes: number;
  /** KV cache for the context the model will run with, when known. */
  kvBytes?: number;
  isLoaded: boolean;
  /** Bytes held by models Ollama has loaded now. */
  loadedBytes: number;
  totalBytes: number;
  availableBytes: number;
  policy: Budget;
}

export interface FitAssessment {
  requiredBytes: number;
  /** Could be loaded on this machine at all, within the budget (after unloading others if need be). */
  fits: boolean;
  /** Loadable right now without unloading anything (or already loaded). */
  fitsNow: boolean;
}

export function requiredBytes(modelBytes: number, safetyMargin: number, kvBytes = 0): number {
  return Math.ceil(modelBytes * (1 + safetyMargin)) + kvBytes;
}

/** What the model may take now: min(budget − loaded, available − buffer). */
export function roomBytes(policy: Budget, loadedBytes: number, availableBytes: number): number {
  return Math.min(policy.budgetBytes - loadedBytes, availableBytes - policy.bufferBytes);
}

export function assessFit(input: FitInput): FitAssessment {
  const { policy } = input;
  const required = requiredBytes(input.modelBytes, policy.safetyMargin, input.kvBytes);
  const fits = required <= policy.budgetBytes && required <= input.totalBytes - policy.bufferBytes;
  const fitsNow = input.isLoaded || (fits && required <= roomBytes(policy, input.loadedBytes, input.availableBytes));
  return { requiredBytes: required, fits, fitsNow };
}

/** KV cache at f16: 2 (K and V) × layers × kv heads × head dim × context × 2 bytes. */
export function kvCacheBytes(shape: { layers: number; kvHeads: number; headDim: number } | undefined, contextLength: number): number {
  if (!shape) return 0;
  return 2 * shape.layers * shape.kvHeads * shape.headDim * contextLength * 2;
}

export interface LoadedModelState {
  name: string;
  sizeBytes: number;
  vramBytes: number;
}

export interface PlanInput {
  model: { name: string; sizeBytes: number; kvBytes?: number };
  loaded: readonly LoadedModelState[];
  pinned: ReadonlySet<string>;
  inFlight: ReadonlySet<string>;
  /** Last use by this server, epoch ms; a model never used here counts as the oldest. */
  lastUsed: ReadonlyMap<string, number>;
  memory: {
    totalBytes: number;
    availableBytes: number;
    /** Present only when a GPU with its own VRAM is there. */
    gpu?: { vramTotalBytes: number; vramFreeBytes: number };
  };
  policy: Budget;
  now?: number;
}

export interface LoadPlan {
  model: string;
  action: 'already_loaded' | 'load' | 'refuse';
  /** Models to unload first, in order. */
  unload: string[];
  requiredBytes: number;
  /** Room for the model before unloading anything: min(budget − loaded, available − buffer). */
  availableBytes: number;
  freedBytes: number;
  /** The most that could be made free for this model (what is not pinned or busy). */
  obtainableBytes: number;
  /** With a GPU: whether the model will fit entirely in free VRAM after the plan. */
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
  const out: Option[] = [];
  if (candidates.length <= EXHAUSTIVE_LIMIT) {
    for (let mask = 0; mask < 1 << candidates.length; mask++) {
      const set = candidates.filter((_, i) => mask & (1 << i));
      out.push({ set, freed: sum(set, 'sizeBytes'), vramFreed: sum(set, 'vramBytes') });
    }
    return out;
  }
  // Greedy prefixes in preference order: big before small, oldest first.
  const ordered = [...candidates].sort((a, b) => Number(a.small) - Number(b.small) || a.lastUsed - b.lastUsed || b.sizeBytes - a.sizeBytes);
  for (let n = 0; n <= ordered.length; n++) {
    const set = ordered.slice(0, n);
    out.push({ set, freed: sum(set, 'sizeBytes'), vramFreed: sum(set, 'vramBytes') });
  }
  return out;
}

function sum(set: readonly LoadedModelState[], key: 'sizeBytes' | 'vramBytes'): number {
  return set.reduce((acc, m) => acc + m[key], 0);
}

/** Lexicographic preference between two sufficient options; negative means `a` is better. */
function compareOptions(a: Option, b: Option, vramWanted: (o: Option) => boolean): number {
  const recency = (o: Option) => o.set.map((m) => m.lastUsed).sort((x, y) => y - x);
  const byVram = Number(!vramWanted(a)) - Number(!vramWanted(b));
  if (byVram !== 0) return byVram;
  if (a.set.length !== b.set.length) return a.set.length - b.set.length;
  const smallA = a.set.filter((m) => m.small).length;
  const smallB = b.set.filter((m) => m.small).length;
  if (smallA !== smallB) return smallA - smallB;
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

export function planLoad(input: PlanInput): LoadPlan {
  const { model, loaded, policy, memory } = input;
  const now = input.now ?? Date.now();
  const required = requiredBytes(model.sizeBytes, policy.safetyMargin, model.kvBytes);
  const needs = `${fmt(required)} (${fmt(model.sizeBytes)} + ${Math.round(policy.safetyMargin * 100)}%${model.kvBytes ? ` + ${fmt(model.kvBytes)} KV cache` : ''})`;
  const loadedBytes = sum(loaded, 'sizeBytes');
  const room = roomBytes(policy, loadedBytes, memory.availableBytes);
  const base = { model: model.name, requiredBytes: required, availableBytes: room };

  const candidates: Candidate[] = loaded
    .filter((m) => m.name !== model.name && !input.pinned.has(m.name) && !input.inFlight.has(m.name))
    .map((m) => ({ ...m, small: m.sizeBytes < policy.smallModelBytes, lastUsed: input.lastUsed.get(m.name) ?? 0 }));
  const obtainable = room + sum(candidates, 'sizeBytes');

  if (loaded.some((m) => m.name === model.name)) {
    return { ...base, action: 'already_loaded', unload: [], freedBytes: 0, obtainableBytes: obtainable, reason: `${model.name} is already loaded.` };
  }

  const ceiling = Math.min(policy.budgetBytes, memory.totalBytes - policy.bufferBytes);
  if (required > ceiling || required > obtainable) {
    const held = loaded.filter((m) => !candidates.some((c) => c.name === m.name));
    const why =
      required > ceiling
        ? `more than this machine allows for one model (${fmt(ceiling)}: budget ${fmt(policy.budgetBytes)}, ${fmt(memory.totalBytes)} RAM less ${fmt(policy.bufferBytes)} kept free)`
        : `at most ${fmt(Math.max(0, obtainable))} can be freed for it${held.length ? `; ${held.map((m) => `${m.name} (${fmt(m.sizeBytes)}, ${input.pinned.has(m.name) ? 'pinned' : 'busy'})`).join(', ')} must stay` : ''}`;
    return { ...base, action: 'refuse', unload: [], freedBytes: 0, obtainableBytes: obtainable, reason: `${model.name} needs ${needs}, ${why}.` };
  }

  const deficit = required - room;
  const gpu = memory.gpu;
  const vramReachable = gpu !== undefined && required <= gpu.vramTotalBytes;
  const fitsVram = (o: Option) => vramReachable && gpu!.vramFreeBytes + o.vramFreed >= required;
  const sufficient = subsets(candidates).filter((o) => o.freed >= deficit);
  // VRAM is a preference: it only counts when some RAM-sufficient plan achieves it.
  const vramWanted = sufficient.some(fitsVram) ? fitsVram : () => true;
  const best = sufficient.sort((a, b) => compareOptions(a, b, vramWanted))[0]!;

  const plan: LoadPlan = {
    ...base,
    action: 'load',
    unload: best.set.map((m) => m.name),
    freedBytes: best.freed,
    obtainableBytes: obtainable,
    reason:
      best.set.length === 0
        ? `Fits: needs ${needs}, ${fmt(room)} free for models.`
        : `Needs ${needs}${deficit > 0 ? ` but only ${fmt(Math.max(0, room))} is free for models` : ` and fits in RAM, but not in free VRAM`}; unloading ${best.set
            .map((m) => `${m.name} (${fmt(m.sizeBytes)}, ${idleFor(m.lastUsed, now)})`)
            .join(', ')} makes room.`,
  };
  if (gpu) plan.fitsInVram = fitsVram(best);
  return plan;
}
