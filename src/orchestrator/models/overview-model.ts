/**
 * One installed model as list_models and show_model show it: what it is, whether it is loaded, and
 * whether it fits — as the planner assesses it where memory is planned here, else as its engine says.
 */
import type { RunningModel } from '../engines/engine-model.js';
import type { HostView } from '../loading/host-memory.js';
import { describeFigure } from '../loading/learned-size.js';
import { baseContext, contextFor } from '../loading/load-context.js';
import { runnerFor } from '../loading/load-planning.js';
import { assessFit, kvCacheBytes } from '../loading/planner.js';
import type { CatalogModel } from './catalog.js';
import type { OverviewDeps } from './overview-ram.js';
import type { ModelSummary } from './overview-types.js';

/** Where the fit of a model its engine plans comes from (ModelSummary.memoryFigure). */
export const ENGINE_FIGURE = "its host's own plan";

/**
 * A model whose memory is not planned here: the fit its engine says (another ollm-mcp's own plan),
 * else no figure — its engine loads it on demand, so it is taken to fit.
 */
export function reportedFit(
  model: Pick<CatalogModel, 'fit' | 'cloud'>,
): Pick<ModelSummary, 'requiredBytes' | 'fits' | 'fitsNow'> {
  const f = model.cloud ? undefined : model.fit;
  if (!f) return { requiredBytes: 0, fits: true, fitsNow: true };
  return { requiredBytes: f.needBytes ?? 0, fits: f.fitsNow || f.fitsAfterUnload !== false, fitsNow: f.fitsNow };
}

/** One model in the overview: its facts, whether it is loaded, and its fit on the host with `loadedBytes` held. */
export function modelSummary(
  deps: Pick<OverviewDeps, 'backend' | 'loader' | 'settings'>,
  model: CatalogModel,
  running: RunningModel[],
  view: HostView,
  loadedBytes: number,
): ModelSummary {
  const isLoaded = running.some((l) => l.name === model.name);
  const { slots, kvType } = runnerFor(model, view);
  const planned = !model.cloud && deps.backend.can.managesMemory;
  const contextLength = contextFor(
    model,
    running.find((r) => r.name === model.name),
    0,
    baseContext(deps.settings, view.memory, model),
  );
  const learned = planned ? deps.loader.learned(model, contextLength, slots, kvType) : undefined;
  const fit = !planned
    ? reportedFit(model)
    : assessFit({
        modelBytes: model.sizeBytes,
        ...(learned && { learnedBytes: learned.plannedBytes }),
        kvBytes: kvCacheBytes(model.kvShape, contextLength, kvType) * slots,
        isLoaded,
        loadedBytes,
        memory: view.memory,
        policy: view.policy,
      });
  return {
    name: model.name,
    sizeBytes: model.sizeBytes,
    family: model.family,
    parameterSize: model.parameterSize,
    quantization: model.quantization,
    contextWindow: model.contextWindow,
    capabilities: model.capabilities,
    profiles: model.profiles,
    loaded: isLoaded,
    ...fit,
    ...(planned && { memoryFigure: describeFigure(learned?.observed, contextLength) }),
    ...(!planned && !model.cloud && model.fit && { memoryFigure: ENGINE_FIGURE }),
    ...(model.cloud && { cloud: true }),
    ...(!deps.backend.can.managesMemory && { selfManaged: true }),
    ...(model.own && { own: model.own }),
  };
}
