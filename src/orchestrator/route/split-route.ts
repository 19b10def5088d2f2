/**
 * What every request of a split job — each part, each combination — carries from its plan
 * (offload-split.ts), made once with it: the model the parts were sized for (why it was chosen
 * goes with each request, as its chosenBecause), the placement (the windows it was sized to) and the route's ranking (its fallbacks; made
 * here once when the caller named the model), the call's work, and the request's shape common to
 * every part (route-prepare.ts shapeOf: the system prompt with the guide the plan chose, the
 * remembered facts where the plan kept them, the temperature, the call's answer limit). The run
 * (jobs/part-route.ts) fills in each request's own text and picks the copy that serves it from the
 * hosts' state then; nothing is inferred, ranked or limited again.
 */
import type { Placement } from '../fleet/placed.js';
import type { RequestShape } from '../generation/request-shape.js';
import type { RouteRequest } from '../generation/route-types.js';
import type { PartCarry } from '../generation/split-plan.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import type { CallParts } from './call-plan.js';
import { shapeOf } from './route-prepare.js';
import type { Planned } from './route-plan.js';
import { routeRanking, type Ranking, type Work } from './work.js';

/** A split job's requests as planned: what each carries, the run filling in its text. */
export interface PartsRoute {
  /** The call's parts, as it settled them (call-plan.ts). */
  parts: CallParts;
  /** The model the parts were sized for. */
  model: string;
  /** What every request of the job shares (generation/request-shape.ts). */
  shape: RequestShape;
  /** The call's work: each request takes a copy (the ranking may change its profile). */
  work: Readonly<Work>;
  /** Where the plan placed the job: the windows the parts were sized to. */
  placement: Placement;
  /** The route's ranking, for any window: a request takes the models whose window holds it, in this order. */
  ranking?: Ranking;
  /**
   * The hosts of the copies the plan gave the parts (fleet/parts-copies.ts): a copy elsewhere that a part would
   * reload is tried after these (jobs/part-route.ts) — a reload the plan weighed is its own copy's
   * (route/window-cost.ts), another's only when these fail.
   */
  hosts: readonly string[];
}

/** What of the split plan its requests' route is made from. */
interface Sized {
  model: string;
  guide?: string;
  carry: PartCarry;
  memoryTokens: number;
  planned: Planned;
  copies: ReadonlyArray<{ host: string }>;
}

/**
 * The route of `plan`'s requests: their shape — the guide the plan chose in the system prompt, the
 * remembered facts read once when a part carries them or the final combination may take them back
 * (not for a dry run, which sends nothing) — and the ranking the plan made, or, for a model the
 * caller named, made now once (its fallbacks); none for `only`, the named model or nothing.
 */
export async function partsRoute(job: CallParts, req: RouteRequest, plan: Sized): Promise<PartsRoute> {
  const { guide: _guide, ...asked } = req;
  const facts = !req.dryRun && (plan.carry.memory || plan.memoryTokens > 0);
  const shape = await shapeOf(job, {
    ...asked,
    ...(plan.guide && { guide: plan.guide }),
    ...(!facts && { useMemory: false }),
  });
  const { placement } = plan.planned;
  const work = job.call.work();
  const ranking = plan.planned.ranking ?? (req.only ? undefined : await rankedOnce(job, req, work, placement));
  return {
    parts: job,
    model: plan.model,
    shape,
    work,
    placement,
    ...(ranking && { ranking }),
    hosts: plan.copies.map((c) => c.host),
  };
}

/** The route's ranking of every model here for the work, for any window (as offload-order.ts routeOrder makes it). */
async function rankedOnce(job: CallParts, req: RouteRequest, work: Work, placement: Placement): Promise<Ranking> {
  const all = await placement.windowed();
  return routeRanking(job, work, req, all, 0, coldLoadEstimates(all, job.records.metrics.loadSpeed()));
}
