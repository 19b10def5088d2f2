/**
 * What the models loaded on a host hold, as a plan counts them: what the engine reports when
 * plausible for the model, else what was learned of it, else the estimate — nothing for a sleeping
 * model. The loaded models as the planner weighs them, and their total for list_models.
 */
import type { Settings } from '../config/index.js';
import type { Engine } from '../engines/engine.js';
import type { RunningModel } from '../engines/engine-model.js';
import { findModel } from '../engines/model-names.js';
import type { CatalogModel } from './model-facts.js';
import type { HostView } from './host-memory.js';
import { baseContext } from './load-context.js';
import { requiredBytes, type LoadedModelState } from './planner.js';
import type { LearnedSize } from './learned-size.js';
import { plausible, sensibleContext } from './plausible-size.js';
import type { KvCacheType } from './kv-cache.js';
import { learnedFor, modelFacts, runnerFor, type PlanningParts } from './load-planning.js';

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

/**
 * What a loaded model's figure is made from: its engine, the settings' margin, and what was learned of a
 * model here.
 */
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

/**
 * What a model loaded now counts for (`m`: its catalog entry): nothing asleep; else as believedSize says for
 * an installed model.
 */
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

/**
 * What the models loaded now count for together (`models`: the catalog's list), as the planner counts them:
 * what list_models' fit and room are worked out against.
 */
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
