/**
 * The context (num_ctx) a model runs with. Keeping it stable per model matters: a changed num_ctx
 * makes Ollama reload the model.
 */
import { ownNumber, type CatalogModel } from './model-facts.js';
import type { Settings } from '../config/index.js';
import { ollamaDefaultContext } from './host-memory.js';
import type { RunningModel } from '../engines/engine-model.js';
import type { HostMemory } from './planner.js';

/**
 * The context a model starts with when the work asks for no more: the user's setting, else the
 * model's own num_ctx (its Modelfile), else the server's default — the order Ollama itself applies.
 */
export function baseContext(settings: Settings, memory: HostMemory, model?: Pick<CatalogModel, 'own'>): number {
  const own = ownNumber(model?.own, 'num_ctx');
  return (
    settings.options.contextSize ??
    (own !== undefined && own > 0 ? own : undefined) ??
    settings.ollama.contextLength ??
    ollamaDefaultContext((memory.vram?.totalBytes ?? 0) - (memory.vram?.keptBytes ?? 0))
  );
}

/**
 * The context a model runs with here: what it is loaded with when that is enough, else what the
 * work needs (rounded up to a power of two, at least the base), never beyond the trained
 * window. Keeping it stable avoids Ollama reloading the model. `explicit`: the base is the user's
 * own window (options.contextSize), which outranks the loaded one for work that fits it.
 */
export function contextFor(
  model: CatalogModel,
  running: RunningModel | undefined,
  needed: number | undefined,
  base: number,
  explicit = false,
): number {
  const need = needed ?? 0;
  if (explicit && need <= base) return Math.min(base, model.contextWindow);
  if (running?.context_length && running.context_length >= need) return running.context_length;
  const wanted = need > base ? 2 ** Math.ceil(Math.log2(need)) : base;
  return Math.min(wanted, model.contextWindow);
}
