/**
 * Making a load plan over one reading of a host (its /api/ps and memory view), for the loader's
 * decisions: what a model's plan is made from on this host — its bounds, its slots and cache type,
 * what was learned of it and Ollama's own pre-flight — and the plan for it at a given context.
 * What loaded models hold: held-sizes.ts; what fits for many models at once: host-fits.ts.
 */
import type { Settings } from '../config/index.js';
import type { Engine } from '../engines/engine.js';
import type { RunningModel } from '../engines/engine-model.js';
import type { CatalogModel, ModelCatalog } from './model-facts.js';
import { without, type HostMemoryModel, type HostView } from './host-memory.js';
import { kvCacheBytes, planLoad, type LoadedModelState, type PlanInput } from './planner.js';
import type { LearnedNeed } from './plan-types.js';
import { describeFigure, learnedSize, type LearnedSize, type SeenSize } from './learned-size.js';
import { trustedSeen, type ModelFacts } from './plausible-size.js';
import { effectiveKvType, slotsFor, type KvCacheType, type RunnerSettings } from './kv-cache.js';
import type { PreflightFacts } from './ollama-preflight.js';

/** What a plan is made from: the host's engine, catalog and memory model, and what its loader tracks. */
export interface PlanningParts {
  backend: Engine;
  catalog: ModelCatalog;
  hostMemory: HostMemoryModel;
  settings: Settings;
  pins: ReadonlySet<string>;
  inFlight: () => ReadonlySet<string>;
  /** Models that other requests queued on this host wait for (load-order.ts), when known. */
  wanted?: () => ReadonlySet<string>;
  lastUsed: ReadonlyMap<string, number>;
  now: () => number;
  /** What loads of a model took on this host before, by context (stores/seen-sizes.ts). */
  seenSizes?: (model: CatalogModel) => SeenSize[];
  /** The window work planned here expects the model's next load to take (HostLoads.expectWindow). */
  expectedWindow?: (model: string) => number | undefined;
}

/** What bounds `model`'s memory with `slots` parallel slots and its KV cache at `kvType` (plausible-size.ts). */
export function modelFacts(model: CatalogModel, slots: number, kvType: KvCacheType = 'f16'): ModelFacts {
  const shape = model.kvShape;
  return {
    name: model.name,
    weightsBytes: model.sizeBytes,
    contextWindow: model.contextWindow,
    ...(shape && { kvAt: (ctx: number) => kvCacheBytes(shape, ctx, kvType) * slots }),
    ...(model.sizeAtWindow && { sizeAtWindow: true }),
  };
}

/** The slots `model` gets on this host and the cache type its KV cache is sized at. */
export function runnerFor(
  model: CatalogModel,
  view: Pick<HostView, 'numParallel' | 'runner'>,
): { slots: number; kvType: KvCacheType } {
  return {
    slots: slotsFor(model, view.numParallel, view.runner.oneSlotFamilies),
    kvType: effectiveKvType(view.runner),
  };
}

/**
 * What Ollama's own pre-flight predicts for `model` at `contextLength` with `slots` (ollama-preflight.ts),
 * where it has one.
 */
export function preflightFacts(
  model: CatalogModel,
  contextLength: number,
  slots: number,
  runner: RunnerSettings,
): PreflightFacts | undefined {
  if (!runner.preflight) return undefined;
  const effectiveContext = Math.min(contextLength, model.contextWindow) * slots;
  return {
    predictedBytes: model.sizeBytes + kvCacheBytes(model.kvShape, effectiveContext, 'f16'),
    effectiveContext,
    completion: model.capabilities.includes('completion'),
  };
}

/**
 * The learned figure for `model` at `contextLength` with `slots` parallel slots on this host, when
 * loads of it were observed: only rows within the model's bounds count, and it is never below its weights.
 */
export function learnedFor(
  p: Pick<PlanningParts, 'seenSizes'>,
  model: CatalogModel,
  contextLength: number,
  slots: number,
  kvType: KvCacheType = 'f16',
): LearnedSize | undefined {
  const facts = modelFacts(model, slots, kvType);
  return learnedSize(trustedSeen(p.seenSizes?.(model) ?? [], facts), contextLength, facts.kvAt, model.sizeBytes);
}

/** A learned figure as the planner takes it: the bytes to reserve and the words for its reason. */
function learnedNeed(l: LearnedSize, contextLength: number): LearnedNeed {
  return {
    bytes: l.plannedBytes,
    words: `${describeFigure(l.observed, contextLength)} + ${Math.round(l.margin * 100)}%`,
  };
}

export const isEmbedding = (m: CatalogModel) =>
  m.capabilities.includes('embedding') && !m.capabilities.includes('completion');

/**
 * The model as the planner weighs it at `contextLength` on this host: its footprint at the cache type it runs
 * with, what was learned of it, and Ollama's own (f16) pre-flight beside it.
 */
export function plannedModel(
  p: Pick<PlanningParts, 'seenSizes'>,
  model: CatalogModel,
  view: Pick<HostView, 'numParallel' | 'runner'>,
  contextLength: number,
): PlanInput['model'] {
  const { slots, kvType } = runnerFor(model, view); // Ollama gives embedding models and some families one slot
  const learned = learnedFor(p, model, contextLength, slots, kvType);
  const preflight = preflightFacts(model, contextLength, slots, view.runner);
  return {
    name: model.name,
    sizeBytes: model.sizeBytes,
    kvBytes: kvCacheBytes(model.kvShape, contextLength, kvType) * slots,
    ...(learned && { learned: learnedNeed(learned, contextLength) }),
    ...(preflight && { preflight }),
  };
}

/** The plan for loading `model` with `contextLength` over this reading of the host. */
export function planAt(
  p: PlanningParts,
  model: CatalogModel,
  running: readonly RunningModel[],
  states: readonly LoadedModelState[],
  view: HostView,
  contextLength: number,
) {
  const loadedAs = running.find((r) => r.name === model.name);
  // Another context (larger for the work, or the user's own window) means Ollama reloads the model: plan as
  // if it were not loaded, its memory freed.
  const reload = loadedAs !== undefined && (loadedAs.context_length ?? 0) !== contextLength;
  const others = running.filter((r) => r.name !== model.name || !reload);
  const wanted = p.wanted?.();
  const input: PlanInput = {
    model: plannedModel(p, model, view, contextLength),
    loaded: states.filter((l) => others.some((r) => r.name === l.name)),
    pinned: p.pins,
    inFlight: p.inFlight(),
    ...(wanted?.size && { wanted }),
    lastUsed: p.lastUsed,
    memory: reload ? without(view.memory, loadedAs) : view.memory,
    maxLoadedModels: view.maxLoadedModels,
    policy: view.policy,
    now: p.now(),
  };
  return { plan: planLoad(input), input, reload, others };
}
