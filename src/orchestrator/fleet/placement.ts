/**
 * Where a request can run: every Ollama host that answers, with what it has installed and
 * loaded. A host that refuses connections is left alone for a cooldown (then asked again), so one
 * machine that is off costs no time on every call. The candidates of all hosts go to the router
 * together: a model already loaded on any host comes first, then one that fits now, then one that
 * fits after the cheapest unload (each host with its own memory model), hosts in priority order.
 */
import type { EngineLoad } from '../engines/engine.js';
import type { LearnedSpeeds, SpeedBook } from '../generation/speed-learning.js';
import type { LoadSpeed } from '../loading/load-estimate.js';
import { HostError } from '../engines/host-error.js';
import { isModel } from '../engines/model-names.js';
import type { ModelsOverview, ModelSummary } from '../models/overview-types.js';
import type { HostKind } from '../generation/estimate.js';
import type { FleetHost } from './fleet-host.js';
import { othersOn, type OthersLoad } from './others-load.js';

/** How long a host that did not answer is skipped. */
export const HOST_COOLDOWN_MS = 30_000;

/**
 * Hosts that did not answer. Each is re-checked in the background with one cheap call (`probe`,
 * e.g. /api/version) every HOST_COOLDOWN_MS: when it answers, it is back for the next request;
 * when not, it stays skipped. The timers never keep the process alive.
 */
export class HostCooldown {
  private readonly until = new Map<string, { at: number; why: string; timer?: NodeJS.Timeout }>();

  constructor(private readonly probe?: (name: string) => Promise<unknown>) {}

  down(name: string, why: string, now = Date.now()): void {
    const old = this.until.get(name);
    if (old?.timer) clearTimeout(old.timer);
    const entry: { at: number; why: string; timer?: NodeJS.Timeout } = { at: now + HOST_COOLDOWN_MS, why };
    if (this.probe && entry.at > Date.now()) {
      entry.timer = setTimeout(() => void this.recheck(name, entry), Math.max(0, entry.at - Date.now()));
      entry.timer.unref();
    }
    this.until.set(name, entry);
  }

  up(name: string): void {
    const old = this.until.get(name);
    if (old?.timer) clearTimeout(old.timer);
    this.until.delete(name);
  }

  /** Why the host is skipped now, or undefined. */
  skipped(name: string, now = Date.now()): string | undefined {
    const c = this.until.get(name);
    return c && c.at > now ? c.why : undefined;
  }

  private async recheck(name: string, entry: { at: number; why: string }): Promise<void> {
    if (this.until.get(name) !== entry) return; // marked down again, or back, meanwhile
    try {
      await this.probe!(name);
      if (this.until.get(name) === entry) this.up(name);
    } catch (err) {
      if (this.until.get(name) === entry) this.down(name, err instanceof Error ? err.message : String(err));
    }
  }
}

export interface HostOverview {
  host: FleetHost;
  overview: ModelsOverview;
  /** The host loader's count of loads and unloads before `overview.loaded` was read (LoadRequest.seenAt). */
  loadedAt: number;
  /** The engine's own load figures (every client's requests), where it publishes them. */
  engineLoad?: EngineLoad;
  /** What this server measured — its loads' speed, its models' speeds on each host — when the placement gives it. */
  measured?: Measured;
}

/** The figures the planner estimates from (stores/metrics.ts loadSpeed, stores/speeds.ts), as placement reads them. */
interface Measured {
  loadSpeed(): LoadSpeed;
  speeds?: { at(host: string, model: string, task?: string): LearnedSpeeds; book(): SpeedBook } | undefined;
}

/**
 * How long a placement waits for an engine's fresh load figures (the reading goes on for the next call; the
 * last one is used meanwhile).
 */
const LOAD_WAIT_MS = 250;

/** The engine's own figures, where it has them; never a failure of the placement. */
export function engineLoadOf(host: FleetHost): Promise<EngineLoad | undefined> {
  return host.engine.loadFigures
    ? host.engine.loadFigures({ waitMs: LOAD_WAIT_MS }).catch(() => undefined)
    : Promise.resolve(undefined);
}

/**
 * Other clients' requests on `model` at this host's engine: its own figures beyond this server's requests
 * (others-load.ts).
 */
export function othersAt(view: Pick<HostOverview, 'host' | 'engineLoad'>, model: string): OthersLoad {
  const { loader } = view.host;
  if (!view.engineLoad) return { running: 0, waiting: 0 };
  const onHost = [...loader.busy()].reduce((n, m) => n + loader.requestsOn(m), 0);
  return othersOn(view.engineLoad, model, { onModel: loader.requestsOn(model), onHost });
}

/** How attempts name a host: "Ollama gpubox", "llama.cpp llama", "OpenAI-compatible lab". */
const LABEL = { ollama: 'Ollama', llamacpp: 'llama.cpp', openai: 'OpenAI-compatible', ollm: 'ollm-mcp' } as const;

/** Each host's overview, hosts that are down left out (and what happened recorded in `attempts`). */
export async function reachableHosts(
  hosts: readonly FleetHost[],
  cooldown: HostCooldown,
  attempts: Array<{ model: string; error: string }>,
  signal?: AbortSignal,
): Promise<HostOverview[]> {
  const many = hosts.length > 1;
  const seen = await Promise.all(
    hosts.map(async (host): Promise<HostOverview | undefined> => {
      const why = many ? cooldown.skipped(host.name) : undefined; // one host alone is always asked
      if (why) {
        attempts.push({ model: `${LABEL[host.kind]} ${host.name}`, error: `skipped for now: ${why}` });
        return undefined;
      }
      const load = engineLoadOf(host); // read beside the overview, not after it
      try {
        // a kept /api/ps reading is reused only at the count it was read at (overview.ts running())
        const loadedAt = host.loader.changes;
        const overview = await host.overview.listModels({ reachable: true, recent: true, ...(signal && { signal }) });
        if (overview.stale) throw new HostError('unreachable', overview.stale, host.address);
        cooldown.up(host.name);
        const engineLoad = await load;
        return { host, overview, loadedAt, ...(engineLoad && { engineLoad }) };
      } catch (err) {
        if (!(err instanceof HostError) || err.kind === 'aborted') throw err;
        // a host that is not there rests a while; one that answered nonsense is left out of this request only
        if (err.kind === 'unreachable' || err.kind === 'timeout') cooldown.down(host.name, err.message);
        attempts.push({
          model: many ? `${LABEL[host.kind]} ${host.name}` : `${LABEL[host.kind]} at ${host.address}`,
          error: err.message,
        });
        return undefined;
      }
    }),
  );
  return seen.filter((s): s is HostOverview => s !== undefined);
}

/**
 * Every host's models as router candidates, tagged with their host when there are several, and — where the
 * engine sets the window per request (Ollama's num_ctx) — the window each loaded one runs with now, or a load
 * under way here loads it with (kept-window.ts: a request that fits it is sent with it, so the engine does not
 * reload it).
 */
export function candidatesOf(
  views: readonly HostOverview[],
): Array<ModelSummary & { host?: string; loadedWindow?: number }> {
  const many = views.length > 1;
  return views.flatMap((v) =>
    v.overview.models.map((m) => {
      // loaded, or being loaded by a load under way here (its plan's window)
      const loaded = m.loaded ? v.overview.loaded.find((l) => isModel(l.name, m.name))?.contextLength : undefined;
      const window = v.host.engine.can.contextPerRequest ? (loaded ?? v.host.loader.loadingWindow(m.name)) : undefined;
      const loadedWindow = window !== undefined && window > 0 ? window : undefined;
      if (!many && loadedWindow === undefined) return m;
      return { ...m, ...(many && { host: v.host.name }), ...(loadedWindow !== undefined && { loadedWindow }) };
    }),
  );
}

/**
 * What a host is, for speeds not yet measured: its kind as the planner reads it — a host of
 * unknown memory on which a model was seen in VRAM is a GPU host — and its VRAM in all.
 */
export function hostFacts(overview: Pick<ModelsOverview, 'ram' | 'loaded'>): {
  hostKind: HostKind;
  vramBytes?: number;
} {
  const { host } = overview.ram;
  const hostKind = host.kind === 'unknown' && overview.loaded.some((m) => m.vramBytes > 0) ? 'gpu' : host.kind;
  return {
    hostKind,
    ...(host.vramTotalBytes !== undefined && host.vramTotalBytes > 0 && { vramBytes: host.vramTotalBytes }),
  };
}
