/**
 * A request's placement, read once: the hosts it may go to that answer now, with their overviews
 * (fleet/placement.ts), what the hosts that are down were (as attempts), every model of them, and
 * — asked for once, when first needed — each model's usable window (fleet/windows.ts). The plan of
 * work over inputs (offload-plan.ts) reads it, and the route that runs that plan is given the same
 * reading: a call is placed once.
 */
import { candidatesOf, reachableHosts, type HostOverview } from '../fleet/placement.js';
import { withUsableWindows, type Candidate, type Windowed } from '../fleet/windows.js';
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import type { JobParts } from './parts.js';
import { ownHosts } from './own-hosts.js';

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
export async function placeRequest(parts: Pick<JobParts, 'fleet' | 'records'>, req: Asking): Promise<Placement> {
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
export async function placedAgain(
  parts: Pick<JobParts, 'fleet' | 'records'>,
  req: Asking,
  planned: Placement,
): Promise<Placement> {
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
