/**
 * route_and_generate: infer the work, choose a model, load it without overcommitting, stream the
 * answer, and fall back to the next candidate when a model fails — recording every attempt.
 * Every host of the fleet takes part, whatever its engine. When every local engine fails, whatever
 * the failure, the cloud fallback is asked if settings name one (elsewhere.ts); otherwise the
 * error tells the calling assistant to do the work itself.
 *
 * Planned once, then run: the plan (route-plan.ts: the request shaped, placed, its candidates
 * ranked) is made — or given, by a plan of work over inputs; a split job's part fills in the plan it
 * carries, part-route.ts — and carried out here: a dry run's
 * advice, each candidate tried in turn (route-attempt.ts: load, stream, set aside), and the end —
 * the answer, or the cloud fallback.
 */
import { cancelledText } from '../util/stopping.js';
import { answerElsewhere } from './elsewhere.js';
import type { RouteRequest, RouteResult } from '../generation/route-types.js';

export { RouteError, type RouteRequest, type RouteResult } from '../generation/route-types.js';
import { HostError } from '../engines/host-error.js';
import type { JobParts } from '../route/parts.js';
import { tryCandidates } from './route-attempt.js';
import { planRoute, type Planned, type RoutePlan } from '../route/route-plan.js';
import { dryRun } from '../route/dry-run.js';

export type { Planned } from '../route/route-plan.js';

/** The request planned (or on what `planned` decided for it) and run. */
export async function routeAndGenerate(shared: JobParts, req: RouteRequest, planned?: Planned): Promise<RouteResult> {
  return runPlan(await planRoute(shared, req, planned));
}

/** A plan carried out: a dry run's advice, else its candidates tried in order, else the cloud fallback. */
export async function runPlan(plan: RoutePlan): Promise<RouteResult> {
  const { parts, req, ask, list, attempts } = plan;
  if (!list) return answerElsewhere(parts.fallback, plan);
  if (req.dryRun && list.queue.length > 0) return dryRun(plan, list);
  const answer = await tryCandidates(parts, req, ask, list, attempts, plan.started);
  if (answer) return answer;
  if (req.signal?.aborted)
    throw new HostError('aborted', cancelledText('route_and_generate', req.signal), parts.fleet.host);
  // a call restricted to one model (`only`) ends there, with its attempts: elsewhere.ts
  return answerElsewhere(parts.fallback, plan);
}
