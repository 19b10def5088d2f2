/**
 * The parts a job works with for one agent's call: its settings (settings' `agents.NAME` over the
 * settings every client gets, config/agents.ts), the router set up from them, and its system
 * prompt. The agent is plain data on the request; a call without one, or from an agent without an
 * entry, gets the parts unchanged.
 */
import { agentEntry, settingsForAgent } from '../config/agents.js';
import { routingFrom } from '../generation/routing-from.js';
import type { JobParts } from './parts.js';

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
