/**
 * The loader's choice among the loads waiting at the front of its queue (load-queue.ts): one
 * reading of the host (what is loaded, its memory), each waiting request's model as the planner
 * weighs it at the context its load would get, and the order that unloads least (load-order.ts).
 */
import { withTag } from '../engines/model-names.js';
import { baseContext, contextFor } from './load-context.js';
import { plannedModel, type PlanningParts } from './load-planning.js';
import { loadedStates } from './held-sizes.js';
import { nextLoad, MAX_ORDERED, type WaitingLoad } from './load-order.js';
import type { LoadRequest } from './load-types.js';

/** The index among `loads` (oldest first) of the one to run next; the oldest where a model is not planned here. */
export async function chooseLoad(p: PlanningParts, loads: readonly LoadRequest[]): Promise<number> {
  const considered = loads.slice(0, MAX_ORDERED);
  const models = await Promise.all(considered.map((r) => p.catalog.resolve(r.model)));
  if (!p.backend.can.managesMemory || models.some((m) => m.cloud)) return 0;
  const running = await p.backend.ps({ timeoutMs: 5000 });
  const view = await p.hostMemory.view(running);
  const waiting: WaitingLoad[] = considered.map((req, i) => {
    const model = models[i]!;
    const ctx = contextFor(
      model,
      running.find((r) => r.name === model.name),
      req.contextLength,
      req.baseContext ?? baseContext(p.settings, view.memory, model),
    );
    return plannedModel(p, model, view, ctx);
  });
  const states = await loadedStates(p, running, view);
  return nextLoad(waiting, {
    loaded: states,
    pinned: p.pins,
    inFlight: p.inFlight(),
    lastUsed: p.lastUsed,
    memory: view.memory,
    maxLoadedModels: view.maxLoadedModels,
    policy: view.policy,
    now: p.now(),
  });
}

/** The models the loads waiting in `loads` are for. */
export const wantedBy = (loads: readonly LoadRequest[]): ReadonlySet<string> =>
  new Set(loads.map((r) => withTag(r.model)));
