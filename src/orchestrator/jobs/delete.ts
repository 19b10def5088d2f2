/**
 * delete_model: removes an installed model. A pinned model is refused unless forced; a loaded
 * model is unloaded first (one with a request running is refused); the catalog is refreshed, and
 * what a made model was made for is forgotten.
 */
import { findModel, similarModels, withTag } from '../models/catalog.js';
import { HostError } from '../engines/host-error.js';
import type { JobParts } from '../route/parts.js';
import { quoted } from '../util/shorten.js';
import { log } from '../util/log.js';

export interface DeleteResult {
  model: string;
  deleted: true;
  unloaded: boolean;
  freedDiskBytes: number;
}

export async function deleteModel(
  parts: JobParts,
  req: { model: string; host?: string; force?: boolean; signal?: AbortSignal },
): Promise<DeleteResult> {
  const opts = req.signal ? { signal: req.signal } : {};
  const unit = await parts.fleet.pickHost({
    model: req.model,
    ...(req.host !== undefined && { host: req.host }),
    ...opts,
  });
  // Exactly the model named (its namespace and tag are part of its name): never another one.
  const snapshot = await unit.catalog.list({ refresh: true, ...opts });
  const model = findModel(snapshot.models, req.model);
  if (!model) {
    const similar = similarModels(snapshot.models, req.model).map((m) => m.name);
    throw new HostError(
      'model_not_found',
      `Model ${quoted(req.model)} is not installed on Ollama at ${unit.address}, so there is ` +
        `nothing to ` +
        `delete${similar.length ? `; installed under other names: ${similar.join(', ')} — name the one to delete exactly` : ' — list_models shows what is'}.`,
      parts.fleet.host,
    );
  }
  // nothing is unloaded for a delete that cannot happen: the engine says why
  if (!unit.engine.can.pullAndDelete) await unit.engine.delete(model.name, opts);
  if (unit.loader.pins.has(model.name) && !req.force) {
    throw new HostError(
      'bad_request',
      `${model.name} is pinned (kept loaded by model.keepAlive.models or a pin); pass force: true to delete it anyway.`,
      parts.fleet.host,
    );
  }
  if (unit.loader.requestsOn(model.name) > 0) {
    throw new HostError(
      'busy',
      `${model.name} is answering a request right now; delete it when that finishes.`,
      parts.fleet.host,
    );
  }
  const unloadedNow = await unit.loader.unload({ models: [model.name] }, req.signal);
  await unit.engine.delete(model.name, { model: model.name, ...opts });
  unit.catalog.invalidate();
  unit.loader.pins.delete(withTag(model.name));
  // a made model is no longer made for anything (the model is gone whatever the state database says)
  await parts.records.madeFor
    .remove(unit.name, model.name)
    .catch((err: unknown) => log.warn(`made-for: ${err instanceof Error ? err.message : String(err)}`));
  return {
    model: model.name,
    deleted: true,
    unloaded: unloadedNow.unloaded.length > 0,
    freedDiskBytes: model.sizeBytes,
  };
}
