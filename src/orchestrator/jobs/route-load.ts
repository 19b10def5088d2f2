/**
 * A candidate's load for route_and_generate (route-attempt.ts), through its host's loader.
 *
 * A load this server planned as the engine's planner and found stale when it was to be sent —
 * another ollm-mcp server took the engine's claim meanwhile, this one having been stopped
 * (engines/planned-elsewhere.ts PlannerMoved) — is planned once more: the loader then finds the
 * engine planned by that server, and the generation sent there has it load the model by its own plan.
 *
 * A model the caller named is that model or an error: once its load failed, no other local model
 * answers in its place (the cloud fallback, where settings name one, is still asked, as for any
 * call no local model answered: elsewhere.ts). A model a planner chose (`chosenBecause`: the parts
 * of a split, a plan of work) is not the caller's: its route goes on as any route does.
 */
import { NamedLoadFailed, namedLoadFailed } from '../engines/named-load.js';
import { PlannerMoved, sharedOf } from '../engines/planned-elsewhere.js';
import type { Engine } from '../engines/engine.js';
import type { LoadOutcome, LoadRequest } from '../loading/load-types.js';
import { findModel } from '../models/catalog.js';
import { UnloadedMeanwhile } from '../loading/load-ops.js';
import type { RouteRequest } from '../generation/route-types.js';

/**
 * The model `req`'s caller named, by its listed name; undefined when it named none (or a planner chose it, or
 * none is listed by that name).
 */
export function namedByCaller(
  req: Pick<RouteRequest, 'model' | 'chosenBecause'>,
  models: ReadonlyArray<{ name: string }>,
): string | undefined {
  if (req.model === undefined || req.chosenBecause !== undefined) return undefined;
  return findModel(models, req.model)?.name;
}

/**
 * The model the caller named, and whether its load failed (here, or where the call was relayed:
 * engines/named-load.ts).
 */
export interface Named {
  model: string;
  loadFailed: boolean;
}

/**
 * What a candidate's load needs of its host: its loader, and its engine (who plans it:
 * engines/planned-elsewhere.ts).
 */
export interface LoadHost {
  loader: { ensureLoaded(req: LoadRequest): Promise<LoadOutcome> };
  engine: Engine;
}

/** Loads of the named model made again after another client unloaded it under them (UnloadedMeanwhile). */
export const NAMED_RELOADS = 2;

/**
 * The candidate's load (`req.model`); planned once more when the engine's planner changed under it
 * (see above). The `named` model, having no other model to fall back on, is loaded again when
 * another client unloaded it as it loaded (up to NAMED_RELOADS times); its failed load is said as
 * such (NamedLoadFailed).
 */
export async function loadCandidate(host: LoadHost, req: LoadRequest, named?: Named): Promise<LoadOutcome> {
  const isNamed = named?.model === req.model;
  for (let again = 0; ; again++) {
    try {
      return await loadAgainIfMoved(host, req);
    } catch (err) {
      if (!isNamed || req.signal?.aborted) throw err;
      if (!(err instanceof UnloadedMeanwhile) || again >= NAMED_RELOADS) throw namedLoadFailed(err, req.model);
    }
  }
}

/**
 * A candidate that failed with `err`: when it was the named model's load that failed, no other model answers
 * in its place.
 */
export function noteFailure(named: Named | undefined, model: string, err: unknown): void {
  if (named?.model === model && err instanceof NamedLoadFailed) named.loadFailed = true;
}

/**
 * A load that failed while the engine's planner changed — refused as stale (PlannerMoved), or, planned
 * just before another call of this server found the claim moved, sent where nothing is loaded — is
 * planned once more, through whoever plans the engine now.
 */
async function loadAgainIfMoved(host: LoadHost, req: LoadRequest): Promise<LoadOutcome> {
  const before = sharedOf(host.engine)?.plannedBy;
  try {
    return await host.loader.ensureLoaded(req);
  } catch (err) {
    const moved = err instanceof PlannerMoved || sharedOf(host.engine)?.plannedBy !== before;
    if (!moved || req.signal?.aborted) throw err;
    return host.loader.ensureLoaded(req);
  }
}
