/**
 * What fits on a host now, for many models over one reading of it (its /api/ps and memory view):
 * the largest context each can run with (usable-window.ts searches it), and what each takes loaded
 * at a given context — each the plan load-planning.ts makes, after the unloads it would make.
 */
import type { RunningModel } from '../engines/engine-model.js';
import { baseContext, contextFor } from './load-context.js';
import { largestContext } from './usable-window.js';
import { planAt, type PlanningParts } from './load-planning.js';
import { loadedStates } from './held-sizes.js';

/**
 * A model's usable window on a host; `unloads`, for a model loaded with a smaller one: the other models its
 * reload to this window would unload to make room (none, unset).
 */
export interface UsableWindow {
  window: number;
  unloads?: string[];
  /** Not loaded: its load with this window fits beside what is loaded, unloading nothing (so it waits for no one). */
  beside?: true;
}

/**
 * The largest context each model can run with on this host now: its trained window, or less
 * where memory holds no more — after the unloads the planner would make for it; 0 when not even
 * the base context fits. Where the engine fixes the window itself (llama.cpp's --ctx-size, an
 * OpenAI-compatible engine's report), that window. `seen`: /api/ps as read a moment ago.
 */
export async function usableWindows(
  p: PlanningParts,
  names: readonly string[],
  signal?: AbortSignal,
  seen?: Promise<RunningModel[]>,
): Promise<Map<string, UsableWindow>> {
  const models = await Promise.all(names.map((n) => p.catalog.resolve(n, signal ? { signal } : {})));
  const out = new Map<string, UsableWindow>();
  const planned = models.filter((m) => p.backend.can.managesMemory && p.backend.can.contextPerRequest && !m.cloud);
  for (const m of models) if (!planned.includes(m)) out.set(m.name, { window: m.contextWindow });
  if (planned.length === 0) return out;
  // an estimate, not a load decision: a reading from a moment ago will do
  const running = await (seen ?? p.backend.ps({ signal }));
  const view = await p.hostMemory.view(running);
  const states = await loadedStates(p, running, view);
  for (const model of planned) {
    const base = baseContext(p.settings, view.memory, model);
    const loadedWith = running.find((r) => r.name === model.name)?.context_length ?? 0;
    // what loads of it took is read once for the search over contexts, not once per context tried
    const seenOnce = p.seenSizes?.(model) ?? [];
    const once: PlanningParts = { ...p, seenSizes: () => seenOnce };
    // the plan of the last context tried: the window found, when it is one a reload gives
    let last: { ctx: number; unload: string[] } | undefined;
    const fits = (ctx: number) => {
      if (ctx <= loadedWith) return true;
      const { plan } = planAt(once, model, running, states, view, ctx);
      last = { ctx, unload: plan.unload };
      return plan.action !== 'refuse';
    };
    const window = largestContext(model.contextWindow, base, fits) ?? 0;
    // loaded with less: what its reload to the usable window would unload (window-cost.ts weighs whose they are)
    const unloads = loadedWith > 0 && last?.ctx === window ? last.unload : [];
    const beside = loadedWith === 0 && window > 0 && last?.ctx === window && last.unload.length === 0;
    out.set(model.name, { window, ...(unloads.length > 0 && { unloads }), ...(beside && { beside }) });
  }
  return out;
}

/**
 * What each model takes loaded on this host with the context `contextLength` needs (the context
 * its load would get: load-context.ts) — the planner's figure, learned or estimated: VRAM on a GPU
 * host, RAM with the margin otherwise — over one reading; none where the engine manages its own
 * memory. What compare groups models by: models of one group must be resident together.
 */
export async function footprintsAt(
  p: PlanningParts,
  names: readonly string[],
  contextLength: number,
  base?: number,
  signal?: AbortSignal,
): Promise<Map<string, number>> {
  const models = await Promise.all(names.map((n) => p.catalog.resolve(n, signal ? { signal } : {})));
  const planned = models.filter((m) => p.backend.can.managesMemory && !m.cloud);
  const out = new Map<string, number>();
  if (planned.length === 0) return out;
  const running = await p.backend.ps({ signal });
  const view = await p.hostMemory.view(running);
  const states = await loadedStates(p, running, view);
  for (const m of planned) {
    const ctx = contextFor(
      m,
      running.find((r) => r.name === m.name),
      contextLength,
      base ?? baseContext(p.settings, view.memory, m),
    );
    out.set(m.name, planAt(p, m, running, states, view, ctx).plan.requiredBytes);
  }
  return out;
}
