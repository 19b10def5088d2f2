/**
 * A request's placement: the hosts it may go to that answer now, with their overviews
 * (placement.ts), what the hosts that are down were (as attempts), every model of them, and —
 * asked for once, when first needed — each model's usable window (windows.ts). The call's plan
 * reads it once (route/offload-plan.ts, route/route-plan.ts), and the route that runs that plan is
 * given the same reading: a call is placed once. A later request of the plan (a split job's part:
 * jobs/part-route.ts) reads the hosts' state again, with the windows the plan was sized to.
 */
import { candidatesOf, reachableHosts, type HostCooldown, type HostOverview } from './placement.js';
import { withUsableWindows, type Candidate, type Windowed } from './windows.js';
import type { FleetHost } from './fleet-host.js';
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import type { MetricsStore } from '../stores/metrics.js';
import type { SpeedStore } from '../stores/speeds.js';

/** What a placement is read with: the fleet's hosts, and what was measured of them. */
interface Reading {
  readonly fleet: { readonly hosts: readonly FleetHost[]; readonly hostCooldown: HostCooldown };
  readonly records: { readonly metrics: Pick<MetricsStore, 'loadSpeed'>; readonly speeds?: SpeedStore | undefined };
}

/**
 * The hosts a request may go to: for one another ollm-mcp relayed here (a laptop's, or another
 * server of this machine that leaves an engine's plan to this one), none that is another ollm-mcp
 * — what was relayed runs on this server's own engines, so no call goes round between servers.
 */
function ownHosts(hosts: readonly FleetHost[], req: Pick<RouteRequest, 'relayed'>): readonly FleetHost[] {
  return req.relayed ? hosts.filter((h) => h.kind !== 'ollm') : hosts;
}

export interface Placement {
  /** The hosts that answered, with their overviews. */
  readonly views: readonly HostOverview[];
  /** The hosts that did not answer, as attempts ("Ollama at …: …"). */
  readonly down: readonly Attempt[];
  /** Every model of every host that answered (tagged with its host when there are several). */
  readonly listed: Candidate[];
  /**
   * The same models with the windows their hosts can give them now (one reading of each host's memory, made
   * on the first call).
   */
  windowed(): Promise<Array<Windowed>>;
}

type Asking = Pick<RouteRequest, 'relayed' | 'signal'>;

/**
 * The placement of `req` now: the hosts it may go to that answer, and their models — each host with
 * what was measured (load speed, models' speeds) for placement's estimates.
 */
export async function placeRequest(parts: Reading, req: Asking): Promise<Placement> {
  const down: Attempt[] = [];
  const views = await reachableHosts(ownHosts(parts.fleet.hosts, req), parts.fleet.hostCooldown, down, req.signal);
  const { metrics, speeds } = parts.records;
  const measured = { loadSpeed: () => metrics.loadSpeed(), speeds };
  return placementOf(
    views.map((v) => ({ ...v, measured })),
    down,
    req.signal,
  );
}

/** A placement over `views` read already. */
function placementOf(views: readonly HostOverview[], down: readonly Attempt[], signal?: AbortSignal): Placement {
  const listed = views.length > 0 ? candidatesOf(views) : [];
  let windows: Promise<Array<Windowed>> | undefined;
  return { views, down, listed, windowed: () => (windows ??= withUsableWindows(views, listed, signal)) };
}

/**
 * `planned` read again for a later request of the same plan (a part of a split job): the hosts'
 * state now — what is loaded, and since which of the loader's changes; the engine's own figures —
 * with the windows the plan was sized to, not weighed again.
 */
export async function placedAgain(parts: Reading, req: Asking, planned: Placement): Promise<Placement> {
  const now = await placeRequest(parts, req);
  let windows: Promise<Array<Windowed>> | undefined;
  const keep = (before: readonly Windowed[]) =>
    now.listed.map((m) => {
      const w = before.find((b) => b.name === m.name && b.host === m.host);
      return {
        ...m,
        trainedWindow: w?.trainedWindow ?? m.contextWindow,
        contextWindow: w?.contextWindow ?? m.contextWindow,
      };
    });
  return { ...now, windowed: () => (windows ??= planned.windowed().then(keep)) };
}
