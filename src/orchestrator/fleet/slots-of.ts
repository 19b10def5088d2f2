/**
 * Who asks for a model's slots, and how many slots a host gives a model, where that is known before
 * a request: what the route's candidates weigh (route/route-candidates.ts) and its run takes turns
 * by (jobs/route-generate.ts, loading/turns.ts).
 */
import type { FleetHost } from './fleet-host.js';
import type { RouteRequest } from '../generation/route-types.js';

/** Who asks, for turns on a model's slots (loading/turns.ts): the connection, else the agent. */
export const clientOf = (req: Pick<RouteRequest, 'client' | 'agent'>) => req.client ?? req.agent ?? '';

/**
 * A model's parallel slots on `host`, where they are known before a request: Ollama's
 * OLLAMA_NUM_PARALLEL (ollama.numParallel, hosts[].numParallel), what an OpenAI-compatible engine
 * answers at once; undefined for llama-server, whose slots (-np) are its own per model.
 */
export function slotsOf(host: FleetHost): number | undefined {
  if (host.kind === 'llamacpp') return undefined;
  return host.engine.can.parallelSlots ?? host.settings.ollama.numParallel;
}
