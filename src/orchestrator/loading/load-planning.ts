/**
 * Making a load plan over one reading of a host (its /api/ps and memory view), for the loader's
 * decisions and for the window a model can use there now: the loaded models as the planner weighs
 * them, the plan for a model at a given context, and the largest context whose plan the planner
 * accepts (usable-window.ts).
 */
import type { Settings } from '../config/index.js';
import type { Engine, RunningModel } from '../engines/engine.js';
import { findModel } from '../engines/model-names.js';
import type { CatalogModel, ModelCatalog } from './model-facts.js';
import { without, type HostMemoryModel, type HostView } from './host-memory.js';
import { baseContext, contextFor } from './load-context.js';
import { kvCacheBytes, planLoad, requiredBytes, type LoadedModelState, type PlanInput } from './planner.js';
import type { LearnedNeed } from './plan-types.js';
import { describeFigure, learnedSize, type LearnedSize, type SeenSize } from './learned-size.js';
import { largestContext } from './usable-window.js';
import { plausible, sensibleContext, trustedSeen, type ModelFacts } from './plausible-size.js';
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

/** What Ollama's own pre-flight predicts for `model` at `contextLength` with `slots` (ollama-preflight.ts), where it has one. */
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
 * The loaded models as the planner weighs them (a versatile model is kept before a specialist). A
 * sleeping model (`asleep`) holds nothing, so unloading it costs nothing to load again. A
 * size the host reports outside the model's bounds (0, 1 byte, a petabyte) is not believed: the
 * learned figure, else the estimate, stands in — never less than the weights.
 */
export function loadedStates(
  p: PlanningParts,
  running: readonly RunningModel[],
  view: Pick<HostView, 'memory' | 'numParallel' | 'runner'>,
): Promise<LoadedModelState[]> {
  const parts = heldParts(p);
  return Promise.all(
    running.map(async (r) => {
      const m = await p.catalog.get(r.name);
      const sizeBytes = heldBytes(parts, m, r, view);
      return {
        name: r.name,
        sizeBytes,
        vramBytes: Math.min(sizeBytes, r.size_vram ?? 0),
        versatility: m?.profiles.length ?? 0,
        ...(r.asleep && { asleep: true }),
      };
    }),
  );
}

/** What a loaded model's figure is made from: its engine, the settings' margin, and what was learned of a model here. */
export interface HeldParts {
  backend: Pick<Engine, 'can'>;
  settings: Settings;
  learned(model: CatalogModel, contextLength: number, slots: number, kvType: KvCacheType): LearnedSize | undefined;
}

/** The parts of a plan that count loaded models. */
function heldParts(p: PlanningParts): HeldParts {
  return {
    backend: p.backend,
    settings: p.settings,
    learned: (m, ctx, slots, kvType) => learnedFor(p, m, ctx, slots, kvType),
  };
}

/** What a model loaded now counts for (`m`: its catalog entry): nothing asleep; else as believedSize says for an installed model. */
function heldBytes(
  p: HeldParts,
  m: CatalogModel | undefined,
  r: RunningModel,
  view: Pick<HostView, 'memory' | 'numParallel' | 'runner'>,
): number {
  // an engine's sleeping model holds no memory (its place among the models it holds, yes)
  if (r.asleep) return 0;
  return m && !m.cloud ? believedSize(p, m, r, view) : r.size;
}

/** What the models loaded now count for together (`models`: the catalog's list), as the planner counts them: what list_models' fit and room are worked out against. */
export function heldTotal(
  p: HeldParts,
  models: readonly CatalogModel[],
  running: readonly RunningModel[],
  view: Pick<HostView, 'memory' | 'numParallel' | 'runner'>,
): number {
  return running.reduce((sum, r) => sum + heldBytes(p, findModel(models, r.name), r, view), 0);
}

/**
 * What a loaded model is taken to hold: what its engine reports it holds when plausible, else
 * what was learned of it, else the estimate — the need list_models shows for it. An engine that
 * reports nothing (llama-server: its listed size is the GGUF header's figure) counts the need.
 */
export function believedSize(
  p: HeldParts,
  m: CatalogModel,
  r: RunningModel,
  view: Pick<HostView, 'memory' | 'numParallel' | 'runner'>,
): number {
  const { slots, kvType } = runnerFor(m, view);
  const facts = modelFacts(m, slots, kvType);
  const ctx = sensibleContext(r.context_length, facts)
    ? r.context_length
    : Math.min(m.contextWindow, baseContext(p.settings, view.memory, m));
  if (p.backend.can.reportsLoadedSize && plausible(r.size, facts, ctx)) return r.size;
  return (
    p.learned(m, ctx, slots, kvType)?.plannedBytes ??
    requiredBytes(m.sizeBytes, p.settings.ram.safetyMargin, facts.kvAt?.(ctx) ?? 0)
  );
}

/** The model as the planner weighs it at `contextLength` on this host: its footprint at the cache type it runs with, what was learned of it, and Ollama's own (f16) pre-flight beside it. */
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
  // A larger context means Ollama reloads the model: plan as if it were not loaded, its memory freed.
  const reload = loadedAs !== undefined && (loadedAs.context_length ?? 0) < contextLength;
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

/**
 * The largest context each model can run with on this host now: its trained window, or less
 * where memory holds no more — after the unloads the planner would make for it; 0 when not even
 * the base context fits. Where the engine fixes the window itself (llama.cpp's --ctx-size, an
 * OpenAI-compatible engine's report), that window. `seen`: /api/ps as read a moment ago.
 */
export async function usableWindows(
  p: PlanningParts,
  names: readonly string[],
  signal?: AbortSignal,
  seen?: Promise<RunningModel[]>,
): Promise<Map<string, number>> {
  const models = await Promise.all(names.map((n) => p.catalog.resolve(n, signal ? { signal } : {})));
  const out = new Map<string, number>();
  const planned = models.filter((m) => p.backend.can.managesMemory && p.backend.can.contextPerRequest && !m.cloud);
  for (const m of models) if (!planned.includes(m)) out.set(m.name, m.contextWindow);
  if (planned.length === 0) return out;
  const running = await (seen ?? p.backend.ps({ signal })); // an estimate, not a load decision: a reading from a moment ago will do
  const view = await p.hostMemory.view(running);
  const states = await loadedStates(p, running, view);
  for (const model of planned) {
    const base = baseContext(p.settings, view.memory, model);
    const loadedWith = running.find((r) => r.name === model.name)?.context_length ?? 0;
    // what loads of it took is read once for the search over contexts, not once per context tried
    const seenOnce = p.seenSizes?.(model) ?? [];
    const once: PlanningParts = { ...p, seenSizes: () => seenOnce };
    const fits = (ctx: number) =>
      ctx <= loadedWith || planAt(once, model, running, states, view, ctx).plan.action !== 'refuse';
    out.set(model.name, largestContext(model.contextWindow, base, fits) ?? 0);
  }
  return out;
}

/**
 * What each model takes loaded on this host with the context `contextLength` needs (the context
 * its load would get: load-context.ts) — the planner's figure, learned or estimated: VRAM on a GPU
 * host, RAM with the margin otherwise — over one reading; none where the engine manages its own
 * memory. What compare groups models by: models of one group must be resident together.
 */
export async function footprintsAt(
  p: PlanningParts,
  names: readonly string[],
  contextLength: number,
  base?: number,
  signal?: AbortSignal,
): Promise<Map<string, number>> {
  const models = await Promise.all(names.map((n) => p.catalog.resolve(n, signal ? { signal } : {})));
  const planned = models.filter((m) => p.backend.can.managesMemory && !m.cloud);
  const out = new Map<string, number>();
  if (planned.length === 0) return out;
  const running = await p.backend.ps({ signal });
  const view = await p.hostMemory.view(running);
  const states = await loadedStates(p, running, view);
  for (const m of planned) {
    const ctx = contextFor(
      m,
      running.find((r) => r.name === m.name),
      contextLength,
      base ?? baseContext(p.settings, view.memory, m),
    );
    out.set(m.name, planAt(p, m, running, states, view, ctx).plan.requiredBytes);
  }
  return out;
}
