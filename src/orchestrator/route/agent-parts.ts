/**
 * The parts a job works with for one agent's call: its settings (settings' `agents.NAME` over the
 * settings every client gets, config/agents.ts), the router set up from them, and its system
 * prompt. The agent is plain data on the request; a call without one, or from an agent without an
 * entry, gets the parts unchanged.
 */
import { agentEntry, settingsForAgent } from '../config/agents.js';
import type { Settings } from '../config/index.js';
import type { EvidenceBook } from '../generation/learning-evidence.js';
import type { MadeForModel, RoutingSettings } from '../generation/routing-rules.js';
import type { ProfileName } from '../config/profiles.js';
import type { JobParts } from './parts.js';

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

/** The parts for a call of `agent`: `parts` itself when the agent has no entry in settings' agents. */
export function forAgent(parts: JobParts, agent: string | undefined): JobParts {
  const entry = agentEntry(parts.settings, agent);
  if (!entry) return parts;
  const settings = settingsForAgent(parts.settings, agent);
  const { records } = parts;
  return {
    fleet: parts.fleet,
    records,
    settings,
    home: parts.home,
    memory: parts.memory,
    project: parts.project,
    fallback: parts.fallback,
    ...(entry.system !== undefined && { agentSystem: entry.system }),
    routing: () =>
      routingFrom(settings.model, records.preferences.byProfile(), records.outcomes.evidence(), records.madeFor.all()),
  };
}
