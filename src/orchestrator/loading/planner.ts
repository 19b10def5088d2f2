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
 * The unload set is the smallest sufficient one among idle, unpinned models: fewest of those that
 * requests queued on this host are waiting for (each would be loaded again at once), fewest models, then
 * the most asleep in their engine (they hold only a place), then the least expected cost of losing them — the
 * bytes to load again, times the chance each is
 * wanted again soon, fading with its idle time (REUSE_HALF_MS) — then fewer small ones, then
 * least recently used, then fewest bytes. Otherwise it refuses with numbers.
 */
import { formatBytes as fmt } from '../config/units.js';
import { admission } from './admission.js';
import type { LoadedModelState, LoadPlan, PlanInput } from './plan-types.js';

export type { LoadedModelState, LoadPlan, PlanInput } from './plan-types.js';

export { assessFit, kvCacheBytes, requiredBytes, roomBytes, VRAM_ADMISSION, type HostMemory } from './admission.js';

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
  const option = (set: Candidate[]): Option => ({
    set,
    freed: sum(set, 'sizeBytes'),
    vramFreed: sum(set, 'vramBytes'),
  });
  if (candidates.length <= EXHAUSTIVE_LIMIT) {
    const out: Option[] = [];
    for (let mask = 0; mask < 1 << candidates.length; mask++)
      out.push(option(candidates.filter((_, i) => mask & (1 << i))));
    return out;
  }
  // Greedy prefixes in preference order: asleep first, big before small, oldest first.
  const ordered = [...candidates].sort(
    (a, b) =>
      Number(b.asleep === true) - Number(a.asleep === true) ||
      Number(a.small) - Number(b.small) ||
      a.lastUsed - b.lastUsed ||
      b.sizeBytes - a.sizeBytes,
  );
  return Array.from({ length: ordered.length + 1 }, (_, n) => option(ordered.slice(0, n)));
}

function sum(set: readonly LoadedModelState[], key: 'sizeBytes' | 'vramBytes'): number {
  return set.reduce((acc, m) => acc + m[key], 0);
}

/** Lexicographic preference between two sufficient options; negative means `a` is better. */
function compareOptions(a: Option, b: Option, now: number, wanted: ReadonlySet<string> = new Set()): number {
  const wantedIn = (o: Option) => o.set.filter((m) => wanted.has(m.name)).length;
  if (wantedIn(a) !== wantedIn(b)) return wantedIn(a) - wantedIn(b);
  if (a.set.length !== b.set.length) return a.set.length - b.set.length;
  const asleep = (o: Option) => o.set.filter((m) => m.asleep === true).length;
  if (asleep(a) !== asleep(b)) return asleep(b) - asleep(a);
  const cost = (o: Option) => o.set.reduce((s, m) => s + reloadCost(m, now), 0);
  if (cost(a) !== cost(b)) return cost(a) - cost(b);
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

/** How soon an idle model is likely wanted again fades with its idle time: half as likely after this long. */
const REUSE_HALF_MS = 10 * 60_000;

/**
 * What unloading a model is expected to cost later: loading it again (its bytes) times the chance
 * it is wanted again soon, which fades with the time it has been idle; a model this server never
 * used costs nothing here.
 */
function reloadCost(m: Candidate, now: number): number {
  if (m.lastUsed === 0) return 0;
  return m.sizeBytes * (REUSE_HALF_MS / (REUSE_HALF_MS + Math.max(0, now - m.lastUsed)));
}

/**
 * The busy models whose requests alone stand in the way: with them idle (pins still kept) an
 * unload set would be enough — the fewest of them, by the same preferences. Empty when waiting
 * would not help.
 */
function busyBlockers(input: PlanInput, now: number, enough: (o: Option) => boolean): string[] {
  const all: Candidate[] = input.loaded
    .filter((m) => !input.pinned.has(m.name)) // (the model itself is not loaded: a refusal comes after that answer)
    .map((m) => ({
      ...m,
      small: m.sizeBytes < input.policy.smallModelBytes,
      lastUsed: input.lastUsed.get(m.name) ?? 0,
    }));
  if (!all.some((m) => input.inFlight.has(m.name))) return []; // nothing busy: spares the search (up to 4,096 sets)
  const best = subsets(all)
    .filter(enough)
    .sort((a, b) => compareOptions(a, b, now, input.wanted))[0];
  return best ? best.set.filter((m) => input.inFlight.has(m.name)).map((m) => m.name) : [];
}

function idleFor(lastUsed: number, now: number): string {
  if (lastUsed === 0) return 'not used by ollm-mcp';
  const minutes = Math.round((now - lastUsed) / 60_000);
  return minutes < 1 ? 'idle under a minute' : `idle ${minutes} min`;
}

export function planLoad(input: PlanInput): LoadPlan {
  const { model, loaded } = input;
  const now = input.now ?? Date.now();
  const candidates: Candidate[] = loaded
    .filter((m) => m.name !== model.name && !input.pinned.has(m.name) && !input.inFlight.has(m.name))
    .map((m) => ({
      ...m,
      small: m.sizeBytes < input.policy.smallModelBytes,
      lastUsed: input.lastUsed.get(m.name) ?? 0,
    }));
  // One more than OLLAMA_MAX_LOADED_MODELS makes Ollama evict one: we choose which first.
  const countNeeds = Math.max(0, loaded.length + 1 - input.maxLoadedModels);
  const rule = admission(input);
  const enough = (o: Option) => o.set.length >= countNeeds && rule.enough(o);
  const room = Number.isFinite(rule.room) ? rule.room : rule.required;
  const obtainable = room + sum(candidates, rule.fitsInVram !== undefined ? 'vramBytes' : 'sizeBytes');
  const base = {
    model: model.name,
    requiredBytes: rule.required,
    availableBytes: Math.max(0, room),
    obtainableBytes: obtainable,
  };
  const vram = rule.fitsInVram !== undefined ? { fitsInVram: rule.fitsInVram } : {};

  if (loaded.some((m) => m.name === model.name)) {
    return {
      ...base,
      ...vram,
      action: 'already_loaded',
      unload: [],
      freedBytes: 0,
      reason: `${model.name} is already loaded.`,
    };
  }
  const best = rule.impossible
    ? undefined
    : subsets(candidates)
        .filter(enough)
        .sort((a, b) => compareOptions(a, b, now, input.wanted))[0];
  if (!best) {
    // (the model itself is not loaded: answered above)
    const held = loaded.filter((m) => !candidates.some((c) => c.name === m.name));
    const stays = held.length
      ? `; ` +
        `${held.map((m) => `${m.name} (${fmt(m.sizeBytes)}, ${input.pinned.has(m.name) ? 'pinned' : 'busy'})`).join(', ')} ` +
        `must stay`
      : '';
    const why =
      rule.impossible ??
      (rule.alone
        ? `it must run alone${stays || ', and its CPU part does not fit in free RAM'}`
        : countNeeds > candidates.length
          ? `the host holds at most ${input.maxLoadedModels} models${stays}`
          : `at most ${fmt(Math.max(0, obtainable))} can be freed for it${stays}`);
    const waitFor = rule.impossible ? [] : busyBlockers(input, now, enough);
    return {
      ...base,
      ...vram,
      action: 'refuse',
      unload: [],
      freedBytes: 0,
      ...(waitFor.length && { waitFor }),
      reason: `${model.name} needs ${rule.needs}; ${why}.`,
    };
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
    reason:
      best.set.length === 0
        ? `Fits: needs ${rule.needs}, ${fmt(Math.max(0, room))} free.`
        : `Needs ${rule.needs}, but ${because}; unloading ${unloading} first, so Ollama evicts nothing itself.`,
  };
}
