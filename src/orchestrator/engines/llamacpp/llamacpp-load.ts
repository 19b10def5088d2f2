/**
 * What llama-server publishes of its own load: `/metrics` when started with --metrics
 * (`llamacpp:requests_processing`, `llamacpp:requests_deferred`; 501 without) and `/slots` (each
 * slot's `is_processing`; 501 with --no-slots). A router answers them per model
 * (`?model=ID&autoload=false`: never loading one; 400 for a model not running), so each model
 * running now is asked, a few at most.
 */
import type { EngineLoad } from '../engine.js';
import { combineLoads, readPrometheusLoad, readSlotsLoad, withSlots } from '../load-figures.js';
import type { Ask } from '../load-reader.js';

/** Router models asked, at most. */
const MAX_MODELS = 4;

/** One llama-server's figures (the query names a router's model); undefined when it publishes none. */
async function serverLoad(ask: Ask, query = ''): Promise<EngineLoad | undefined> {
  const [metrics, slots] = await Promise.all([
    ask(`/metrics${query}`, readPrometheusLoad),
    ask(`/slots${query}`, readSlotsLoad),
  ]);
  return withSlots(metrics, slots);
}

/**
 * One reading: a single server's own, or a router's per model running (`running`: router id and
 * the name ollm-mcp lists it under). Undefined while it is not known which it is.
 */
export async function llamacppLoad(
  ask: Ask,
  router: boolean | undefined,
  running: ReadonlyArray<{ id: string; name: string }>,
): Promise<EngineLoad | undefined> {
  if (router === undefined) return undefined;
  if (!router) return serverLoad(ask);
  const parts = new Map<string, EngineLoad>();
  await Promise.all(
    running.slice(0, MAX_MODELS).map(async (m) => {
      const got = await serverLoad(ask, `?model=${encodeURIComponent(m.id)}&autoload=false`);
      if (got) parts.set(m.name, got);
    }),
  );
  return parts.size > 0 ? combineLoads(parts) : undefined;
}
