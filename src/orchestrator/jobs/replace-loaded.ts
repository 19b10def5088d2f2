/**
 * A model create_model replaces while its engine holds it loaded (issue 72, finding 7a) — other
 * clients of the engine may be generating with it, which this server cannot count. What Ollama does
 * then (server/sched.go): its runners are keyed by the weights file (schedulerModelKey: ModelPath),
 * and a request reads the model's manifest as it comes. So the requests already running finish as
 * they began; with the same weights (a new system prompt, template, parameters) the loaded runner
 * serves the next requests under the new version, reloaded only if its load options change; with
 * new weights (quantize, another base) the next request loads them beside the old runner, which
 * /api/ps still lists under the model's name — this server would take the new version for loaded,
 * and Ollama would load it unplanned. So old weights are unloaded before the new version is made
 * (by name: afterwards the name means the new weights, and reaches the old runner no more); a
 * pinned model stays pinned, its new version kept loaded once the next call loads it.
 */
import type { CreateModelRequest } from '../engines/engine-requests.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import type { CatalogModel } from '../models/catalog.js';
import { log } from '../util/log.js';

/**
 * The replaced model as its engine held it: loaded, with the same weights kept, or new ones (its old ones
 * unloaded first, or left until the requests on them end).
 */
export type ReplacedLoaded = { weights: 'same' } | { weights: 'new'; unloaded: boolean };

/**
 * Whether `request` makes `existing` of other weights than it has: quantized, or from a base of other weights
 * (unknown weights: the same, as nothing says otherwise).
 */
function newWeights(
  existing: Pick<CatalogModel, 'weights'>,
  base: Pick<CatalogModel, 'weights'>,
  request: Pick<CreateModelRequest, 'quantize'>,
): boolean {
  if (request.quantize !== undefined) return true;
  return existing.weights !== undefined && base.weights !== undefined && existing.weights !== base.weights;
}

/**
 * Before `existing` is replaced on `unit` (the requests of this server on it finished already):
 * undefined when the engine does not hold it loaded; else what its replacing does to the loaded
 * model — new weights are unloaded now, while its name still means them.
 */
export async function beforeReplace(
  unit: FleetHost,
  existing: CatalogModel,
  base: CatalogModel,
  request: CreateModelRequest,
  signal?: AbortSignal,
): Promise<ReplacedLoaded | undefined> {
  const running = await unit.engine.ps(signal ? { signal } : {}).catch(() => []);
  if (!running.some((r) => r.name === existing.name)) return undefined;
  if (!newWeights(existing, base, request)) return { weights: 'same' };
  const pinned = unit.loader.pins.has(existing.name);
  try {
    const out = await unit.loader.unload({ models: [existing.name] }, signal);
    return { weights: 'new', unloaded: out.unloaded.includes(existing.name) };
  } catch (err) {
    // other clients' requests on it: Ollama unloads it once they end (its unload is queued)
    log.info(
      `create_model: ${existing.name}'s old weights not unloaded yet ` +
        `(${err instanceof Error ? err.message : String(err)})`,
    );
    return { weights: 'new', unloaded: false };
  } finally {
    // naming it in an unload unpinned it: the user's pin holds for its new version
    if (pinned) unit.loader.pins.add(existing.name);
  }
}

/** What replacing a loaded model did, in a few words for create_model's line (after its host is named). */
export function replacedLoadedText(loaded: ReplacedLoaded): string {
  if (loaded.weights === 'same')
    return (
      'it was loaded there and stays so: requests already running on it finish as they began, the ' +
      'next ones run the new version'
    );
  if (loaded.unloaded) return 'its old weights, loaded there, were unloaded: the next call loads the new ones';
  return 'its old weights stay loaded there until the requests running on them end: the next call loads the new ones';
}
