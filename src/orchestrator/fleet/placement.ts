/**
 * Where a request can run: every Ollama host that answers, with what it has installed and
 * loaded. A host that refuses connections is left alone for a cooldown (then asked again), so one
 * machine that is off costs no time on every call. The candidates of all hosts go to the router
 * together: a model already loaded on any host comes first, then one that fits now, then one that
 * fits after the cheapest unload (each host with its own memory model), hosts in priority order.
 */
import { OllamaError } from '../hosts/ollama.js';
import type { ModelsOverview, ModelSummary } from '../models/overview-types.js';
import type { OllamaHost } from './ollama-host.js';

/** How long a host that did not answer is skipped. */
export const HOST_COOLDOWN_MS = 30_000;

export class HostCooldown {
  private readonly until = new Map<string, { at: number; why: string }>();

  down(name: string, why: string, now = Date.now()): void {
    this.until.set(name, { at: now + HOST_COOLDOWN_MS, why });
  }

  up(name: string): void {
    this.until.delete(name);
  }

  /** Why the host is skipped now, or undefined. */
  skipped(name: string, now = Date.now()): string | undefined {
    const c = this.until.get(name);
    return c && c.at > now ? c.why : undefined;
  }
}

export interface HostOverview {
  host: OllamaHost;
  overview: ModelsOverview;
}

/** Each Ollama host's overview, hosts that are down left out (and what happened recorded in `attempts`). */
export async function reachableHosts(hosts: readonly OllamaHost[], cooldown: HostCooldown, attempts: Array<{ model: string; error: string }>, signal?: AbortSignal): Promise<HostOverview[]> {
  const many = hosts.length > 1;
  const seen = await Promise.all(
    hosts.map(async (host): Promise<HostOverview | undefined> => {
      const why = many ? cooldown.skipped(host.name) : undefined; // one host alone is always asked
      if (why) {
        attempts.push({ model: `Ollama ${host.name}`, error: `skipped for now: ${why}` });
        return undefined;
      }
      try {
        const overview = await host.overview.listModels({ reachable: true, recent: true, ...(signal && { signal }) });
        if (overview.stale) throw new OllamaError('unreachable', overview.stale, host.address);
        cooldown.up(host.name);
        return { host, overview };
      } catch (err) {
        if (!(err instanceof OllamaError && err.kind === 'unreachable')) throw err;
        cooldown.down(host.name, err.message);
        attempts.push({ model: many ? `Ollama ${host.name}` : `Ollama at ${host.address}`, error: err.message });
        return undefined;
      }
    }),
  );
  return seen.filter((s): s is HostOverview => s !== undefined);
}

/** Every host's models as router candidates, tagged with their host when there are several. */
export function candidatesOf(views: readonly HostOverview[]): Array<ModelSummary & { host?: string }> {
  if (views.length === 1) return views[0]!.overview.models;
  return views.flatMap((v) => v.overview.models.map((m) => ({ ...m, host: v.host.name })));
}
