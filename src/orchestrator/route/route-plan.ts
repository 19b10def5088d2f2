/**
 * A request's plan, made once and then run (route.ts runPlan): the request shaped (route-prepare.ts:
 * the work, system prompt, answer limit, token counts), placed (fleet/placed.ts: the hosts that
 * answer and their models) and its candidates listed in the order they will be tried
 * (route-candidates.ts). A plain value: a dry run shows it, a run carries it out, the cloud
 * fallback is asked with it. A plan of work over inputs (offload-plan.ts) gives the route its own
 * placement and ranking (`Planned`), so a call is placed and ranked once; a split job's parts are
 * not planned here again — they carry their plan (split-route.ts) to the run (jobs/part-route.ts).
 */
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import { callOf, type CallParts } from './call-plan.js';
import type { JobParts } from './parts.js';
import type { Candidates } from '../fleet/copies.js';
import { placeRequest, type Placement } from '../fleet/placed.js';
import { listCandidates } from './route-candidates.js';
import { prepare, type Prepared } from './route-prepare.js';
import type { Ranking } from './work.js';

/** What an earlier plan decided for this request: where it runs, and the route's ranking (for any window). */
export interface Planned {
  placement: Placement;
  ranking?: Ranking;
}

export interface RoutePlan {
  /** The calling agent's parts (settings, router, system prompt), and what the call settled once (call-plan.ts). */
  parts: CallParts;
  req: RouteRequest;
  ask: Prepared;
  /**
   * What was tried or found so far: the hosts that are down, a named model that cannot take it; a run adds
   * its attempts.
   */
  attempts: Attempt[];
  /** The candidates, in order; undefined when no host answered (the cloud fallback is next). */
  list?: Candidates;
  /** When the call began (performance.now()). */
  started: number;
}

/**
 * The plan of `req`: shaped, placed (or on `planned`'s placement) and its candidates ranked (or
 * `planned`'s ranking taken to its window). `shared`: the call's parts when it settled them
 * (call-plan.ts: a request of a planned call), else the call is settled here.
 */
export async function planRoute(shared: JobParts, req: RouteRequest, planned?: Planned): Promise<RoutePlan> {
  const started = performance.now();
  // the calling agent's settings, router and system prompt, the work and the answer's limit: settled once a call
  const parts = callOf(shared, req);
  const ask = await prepare(parts, req);
  // every host that answers, whatever its engine; with none, the cloud fallback (elsewhere.ts)
  const placement = planned ? planned.placement : await placeRequest(parts, req);
  const attempts = [...placement.down];
  if (placement.views.length === 0) return { parts, req, ask, attempts, started };
  const list = await listCandidates(parts, req, ask, placement, attempts, planned?.ranking);
  return { parts, req, ask, attempts, list, started };
}
