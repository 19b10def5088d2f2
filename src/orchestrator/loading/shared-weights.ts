/**
 * A model made from another shares its base's weights file, and Ollama keys its runners by that
 * file (sched.go schedulerModelKey: the ModelPath): with the base loaded, a request for the made
 * model runs on the base's runner when the options match, or reloads that runner — it never
 * loads a second copy beside it. So, for a load decision, the loaded model of the same weights is
 * the model asked for (its memory planned like its base's). Pure.
 */
import type { RunningModel } from '../engines/engine-model.js';
import type { CatalogModel } from './model-facts.js';

/**
 * `running` as a load of `model` meets it: when `model` itself is not loaded but a model of the same
 * weights file is, that one stands for it (renamed), and `shared` names it.
 */
export function onSharedRunner(
  model: Pick<CatalogModel, 'name' | 'weights'>,
  running: readonly RunningModel[],
  installed: readonly Pick<CatalogModel, 'name' | 'weights'>[],
): { running: RunningModel[]; shared?: string } {
  if (!model.weights || running.some((r) => r.name === model.name)) return { running: [...running] };
  const weightsOf = new Map(installed.map((m) => [m.name, m.weights]));
  const twin = running.find((r) => weightsOf.get(r.name) === model.weights);
  if (!twin) return { running: [...running] };
  return {
    running: running.map((r) => (r === twin ? { ...r, name: model.name, model: model.name } : r)),
    shared: twin.name,
  };
}
