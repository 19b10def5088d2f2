/**
 * Whether a split job's first part goes before the others (jobs/split-run.ts runs it so; the estimate
 * counts it so: generation/estimate.ts). It does only when the engine may run the model with a smaller
 * window than the parts were sized to and has not said yet (an OpenAI-compatible server's refusal names
 * it: the rest are planned again, window-replan.ts). A model being loaded, or reloaded to the parts' window,
 * takes every part at once: each host's loader loads it once for all the requests asking for it
 * (loading/loader.ts shares one load), so waiting for part 1 would only add a part's time to the job.
 */
import type { FleetHost } from '../fleet/fleet-host.js';

export function firstPartAlone(host: Pick<FleetHost, 'engine'>, model: string): boolean {
  const { engine } = host;
  return engine.runtimeWindow !== undefined && engine.runtimeWindow(model) === undefined;
}
