/**
 * Whether a split job's first part goes before the others (jobs/split-run.ts runs it so; the estimate
 * counts it so: generation/estimate.ts). It does when it loads the model on the plan's host — or reloads
 * it to the parts' window — so that the model is loaded once, and when the engine may run the model with
 * a smaller window than the parts were sized to and has not said yet (an OpenAI-compatible server's
 * refusal names it: the rest are planned again, window-replan.ts). A copy loaded with a window the parts
 * fit, on an engine whose window is known, takes every part at once: nothing is learned by waiting.
 */
import type { FleetHost } from '../fleet/fleet-host.js';

export function firstPartAlone(
  host: Pick<FleetHost, 'engine'>,
  m: { name: string; loaded?: boolean | undefined; loadedWindow?: number | undefined },
  window: number,
): boolean {
  const { engine } = host;
  const unsaid = engine.runtimeWindow !== undefined && engine.runtimeWindow(m.name) === undefined;
  // an engine that loads by itself (OpenAI-compatible, another ollm-mcp) serves what it lists
  const loaded = m.loaded === true || !engine.can.managesMemory;
  return unsaid || !loaded || (m.loadedWindow !== undefined && m.loadedWindow < window);
}
