/**
 * The window each candidate can use now, fleet-wide: its trained window where its host's memory
 * holds that much, else the largest context the host can give it after the unloads the planner
 * would make; the engine's own window where the engine fixes it — and, where an engine says the
 * window it runs a model with now or a refusal named it (Engine.runtimeWindow), no more than that. What
 * routing and splitting size
 * work to, so a job is never sent to a model whose host cannot load the context it needs.
 */
import type { ModelSummary } from '../models/overview-types.js';
import type { HostOverview } from './placement.js';
import type { UsableWindow } from '../loading/host-fits.js';

/** A model on a host; `loadedWindow`: the window it runs with now, where the engine sets it per request. */
export type Candidate = ModelSummary & { host?: string; loadedWindow?: number };
/**
 * A candidate whose contextWindow is the usable one; trainedWindow keeps what the model was trained for;
 * widerUnloads, for a copy loaded with a smaller window: the other models its reload to contextWindow would unload;
 * loadsBeside, for a copy not loaded: its load with contextWindow fits beside what is loaded, unloading nothing.
 */
export type Windowed<T extends Candidate = Candidate> = T & {
  trainedWindow: number;
  widerUnloads?: string[];
  loadsBeside?: true;
};

/** Whether a ranked model's copy among `models` has a window holding `contextTokens`. */
export const holdsAt =
  (models: ReadonlyArray<{ name: string; host?: string; contextWindow: number }>, contextTokens: number) =>
  (r: { model: string; host?: string }): boolean =>
    models.some((m) => m.name === r.model && m.host === r.host && m.contextWindow >= contextTokens);

/** The candidates with usable windows (one reading of each host's memory). */
export async function withUsableWindows<T extends Candidate>(
  views: readonly HostOverview[],
  models: readonly T[],
  signal?: AbortSignal,
): Promise<Array<Windowed<T>>> {
  const many = views.length > 1;
  const byHost = await Promise.all(
    views.map(async (v) => {
      const mine = models.filter(
        (m) => (many ? m.host === v.host.name : true) && m.fits && m.capabilities.includes('completion'),
      );
      // the /api/ps reading placement just made is reused: no extra round trip per request
      const windows = await v.host.loader
        .usableWindows(
          mine.map((m) => m.name),
          signal,
          v.host.overview.running(signal),
        )
        .catch(() => new Map<string, UsableWindow>()); // a host that cannot say keeps the trained windows
      return { host: v.host.name, windows, engine: v.host.engine };
    }),
  );
  return models.map((m) => {
    const here = many ? byHost.find((h) => h.host === m.host) : byHost[0];
    // the engine's own window where it says it (or a refusal named it): an OpenAI-compatible front's runtime window
    const usable = here?.windows.get(m.name);
    const bounds = [m.contextWindow, usable?.window, here?.engine.runtimeWindow?.(m.name)].filter(
      (w): w is number => w !== undefined,
    );
    const contextWindow = Math.min(...bounds);
    // what a reload to that window unloads, where it is the window memory gave (not one bound otherwise)
    const unloads = usable?.unloads && usable.window === contextWindow ? { widerUnloads: usable.unloads } : {};
    const beside = usable?.beside && usable.window === contextWindow ? { loadsBeside: true as const } : {};
    return { ...m, trainedWindow: m.contextWindow, contextWindow, ...unloads, ...beside };
  });
}
