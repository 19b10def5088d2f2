/**
 * delete_model: removes an installed model. A pinned model is refused unless forced; a loaded
 * model is unloaded first (one with a request running is refused); the catalog is refreshed.
 */
import { findModel, similarModels, withTag } from './catalog.js';
import { HostError } from '../engines/ollama/ollama.js';
import type { Orchestrator } from '../orchestrator.js';
import { quoted } from '../util/shorten.js';

export interface DeleteResult {
  model: string;
  deleted: true;
  unloaded: boolean;
  freedDiskBytes: number;
}

export async function deleteModel(orch: Orchestrator, req: { model: string; host?: string; force?: boolean; signal?: AbortSignal }): Promise<DeleteResult> {
  const opts = req.signal ? { signal: req.signal } : {};
  const unit = await orch.pickHost({ model: req.model, ...(req.host !== undefined && { host: req.host }), ...opts });
  // Exactly the model named (its namespace and tag are part of its name): never another one.
  const snapshot = await unit.catalog.list({ refresh: true, ...opts });
  const model = findModel(snapshot.models, req.model);
  if (!model) {
    const similar = similarModels(snapshot.models, req.model).map((m) => m.name);
    throw new HostError(
      'model_not_found',
      `Model ${quoted(req.model)} is not installed on Ollama at ${unit.address}, so there is nothing to delete${similar.length ? `; installed under other names: ${similar.join(', ')} — name the one to delete exactly` : ' — list_models shows what is'}.`,
      orch.host,
    );
  }
  if (unit.kind === 'llamacpp') {
    // nothing is unloaded for a delete that cannot happen
    throw new HostError('bad_request', `llama-server at ${unit.address} (${unit.name}) cannot delete ${model.name} — remove its .gguf file from the router's --models-dir (or its --models-preset entry) yourself; delete_model works on Ollama hosts.`, unit.address);
  }
  if (unit.loader.pins.has(model.name) && !req.force) {
    throw new HostError('bad_request', `${model.name} is pinned (kept loaded by model.keepAlive.models or a pin); pass force: true to delete it anyway.`, orch.host);
  }
  if (unit.loader.requestsOn(model.name) > 0) {
    throw new HostError('busy', `${model.name} is answering a request right now; delete it when that finishes.`, orch.host);
  }
  const unloadedNow = await unit.loader.unload({ models: [model.name] }, req.signal);
  await unit.backend.call(`deleting "${model.name}"`, (c) => c.delete({ model: model.name }), { model: model.name, ...opts });
  unit.catalog.invalidate();
  unit.loader.pins.delete(withTag(model.name));
  return { model: model.name, deleted: true, unloaded: unloadedNow.unloaded.length > 0, freedDiskBytes: model.sizeBytes };
}
