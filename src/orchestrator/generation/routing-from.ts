/**
 * How the router is set up (generation/router.ts): by the `model` settings (overrides, default
 * profile and model, what each model was made for, cloud allowed, learning), the user's preferences
 * and what routing learned. The assembly's routing and an agent's own (route/agent-parts.ts) read it.
 */
import type { Settings } from '../config/index.js';
import type { ProfileName } from '../config/profiles.js';
import type { EvidenceBook } from './learning-evidence.js';
import type { MadeForModel, RoutingSettings } from './routing-shapes.js';

/** How the router is set up by `model` settings, the user's preferences and what routing learned. */
export function routingFrom(
  model: Settings['model'],
  preferred: Partial<Record<ProfileName, string>>,
  book: EvidenceBook,
  made: readonly MadeForModel[] = [],
): RoutingSettings {
  // the models settings name first, then those create_model made (each on its host)
  const named = Object.entries(model.routing.madeFor ?? {}).map(([name, task]) => ({ model: name, task }));
  const madeFor = model.routing.enabled
    ? [...named, ...made.map((m) => ({ model: m.model, task: m.task, host: m.host }))]
    : [];
  return {
    defaultProfile: model.routing.defaultProfile,
    overrides: model.routing.enabled ? model.routing.overrides : {},
    preferred,
    ...(madeFor.length > 0 && { madeFor }),
    allowCloud: model.routing.allowCloud,
    ...(model.routing.learning && { learning: { book, rng: Math.random } }),
    ...(model.routing.maxColdLoadMs !== undefined && { maxColdLoadMs: model.routing.maxColdLoadMs }),
    ...(model.default && { defaultModel: model.default }),
  };
}
