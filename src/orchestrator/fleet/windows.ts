/**
 * The window each candidate can use now, fleet-wide: its trained window where its host's memory
 * holds that much, else the largest context the host can give it after the unloads the planner
 * would make; the engine's own window where the engine fixes it. What routing and splitting size
 * work to, so a job is never sent to a model whose host cannot load the context it needs.
 */
import type { ModelSummary } from '../models/overview-types.js';
import type { HostOverview } from './placement.js';

export type Candidate = ModelSummary & { host?: string };
/** A candidate whose contextWindow is the usable one; trainedWindow keeps what the model was trained for. */
export type Windowed<T extends Candidate = Candidate> = T & { trainedWindow: number };

/** The candidates with usable windows (one reading of each host's memory). */
export async function withUsableWindows<T extends Candidate>(views: readonly HostOverview[], models: readonly T[], signal?: AbortSignal): Promise<Array<Windowed<T>>> {
  const many = views.length > 1;
  const byHost = await Promise.all(
    views.map(async (v) => {
      const mine = models.filter((m) => (many ? m.host === v.host.name : true) && m.fits && m.capabilities.includes('completion'));
      // the /api/ps reading placement just made is reused: no extra round trip per request
      const windows = await v.host.loader.usableWindows(mine.map((m) => m.name), signal, v.host.overview.running(signal)).catch(() => new Map<string, number>()); // a host that cannot say keeps the trained windows
      return { host: v.host.name, windows };
    }),
  );
  return models.map((m) => {
    const windows = (many ? byHost.find((h) => h.host === m.host) : byHost[0])?.windows;
    const usable = windows?.get(m.name);
    return { ...m, trainedWindow: m.contextWindow, contextWindow: usable === undefined ? m.contextWindow : Math.min(usable, m.contextWindow) };
  });
}
