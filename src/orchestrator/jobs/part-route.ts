/**
 * A split job's part — or combination — run on its plan (route/split-route.ts, made once with the
 * split plan): its own text filled into the shape every request of the job shares
 * (generation/request-shape.ts), the hosts' state read now with the windows the parts were sized to
 * kept (fleet/placed.ts placedAgain), and the copy that serves it chosen from that state
 * (fleet/copies.ts, as for every request: the plan's model first, its copies the loaded first; with
 * several hosts its busy copies passed for free ones and the copy that read its prefix first); when
 * the plan's model is used up or its copy busy, the plan's ranking, as far as the windows hold this
 * request. Then tried as any request is (route.ts runPlan: its candidates in turn, the cloud
 * fallback last). Nothing inferred, ranked or limited again, and nothing of route/ entered: the
 * plan is carried.
 */
import { coldLoadsOf, modelsOf, namedFirst, orderedCopies, unitOf, type Candidates } from '../fleet/copies.js';
import type { Candidacy } from '../fleet/copy-spread.js';
import { placedAgain, type Placement } from '../fleet/placed.js';
import { holdsAt } from '../fleet/windows.js';
import { filled, startingPhase } from '../generation/request-shape.js';
import type { Attempt, RouteRequest, RouteResult } from '../generation/route-types.js';
import type { Prepared } from '../route/route-prepare.js';
import type { PartsRoute } from '../route/split-route.js';
import { requestPace } from '../route/request-pace.js';
import { runPlan } from './route.js';
import type { PartPlace } from './part-slots.js';

/**
 * The request `req` of a split job, on the route its plan carries; `place`: the copy the job's plan gave it
 * (part-slots.ts), tried first while it has room.
 */
export async function routePart(route: PartsRoute, req: RouteRequest, place?: PartPlace): Promise<RouteResult> {
  const started = performance.now();
  const { parts } = route;
  // this request's own copy of the call's work: the plan's ranking, when taken, says its profile
  const ask: Prepared = { work: { ...route.work }, ...filled(route.shape, req) };
  req.progress?.enter(startingPhase(req, () => ask.work));
  // the hosts' state now — what is loaded, which are down —, the windows the parts were sized to kept
  const placement = await placedAgain(parts, req, route.placement);
  const attempts = [...placement.down];
  if (placement.views.length === 0) return runPlan({ parts, req, ask, attempts, started });
  const list = await partCopies(route, req, ask, placement, attempts, place);
  return runPlan({ parts, req, ask, attempts, list, started });
}

/** The request's candidates: the plan's model first, then the plan's ranking; copies chosen from the hosts' state. */
async function partCopies(
  route: PartsRoute,
  req: RouteRequest,
  ask: Prepared,
  placement: Placement,
  attempts: Attempt[],
  place?: PartPlace,
): Promise<Candidates> {
  const { views } = placement;
  const models = await modelsOf(placement, ask.contextTokens, route.parts.settings.options.contextSize);
  const queue: Candidacy[] = [];
  namedFirst(route.model, req, ask, models, queue, attempts);
  reloadsLast(queue, models, route.hosts);
  // the plan's copy first — while it serves this request as it is: one loaded meanwhile with a smaller window is
  // left out of `models` beside a copy that serves it (fleet/kept-window.ts servedAt), so it is not in the queue
  const planned = place !== undefined && placedFirst(queue, route.model, place);
  const unit = unitOf(views);
  const coldLoadMs = coldLoadsOf(models, route.parts.records.metrics);
  const { ranking } = route;
  // the plan's ranking as it is, kept to the models whose window holds this request: never ranked again
  const rank = () => {
    if (!ranking) return;
    ask.work.profile = ranking.profile;
    ask.work.how = ranking.how;
    const holds = holdsAt(models, ask.contextTokens);
    for (const r of ranking.selection?.ranked ?? [])
      if (holds(r) && !queue.some((q) => q.model === r.model && q.host === r.host)) queue.push(r);
  };
  const measures = route.parts.records.metrics;
  return orderedCopies({
    req,
    ask,
    views,
    models,
    queue,
    unit,
    coldLoadMs,
    measures,
    pace: requestPace(route.parts, ask, views),
    rank: req.only ? undefined : rank,
    ...(planned && { planned }),
  });
}

/**
 * The copies this request would reload that the plan did not give its parts (split-route.ts PartsRoute.hosts) moved
 * behind the others: the plan's reload is its own copy's, and another copy is reloaded — from under whoever uses
 * it — only when the plan's copies fail (their host down).
 */
function reloadsLast(queue: Candidacy[], models: Candidates['models'], hosts: readonly string[]): void {
  const reloads = (c: Candidacy) =>
    c.host !== undefined &&
    !hosts.includes(c.host) &&
    models.find((m) => m.name === c.model && m.host === c.host)?.reloadFrom !== undefined;
  const later = queue.filter(reloads);
  if (later.length > 0) queue.splice(0, queue.length, ...queue.filter((c) => !reloads(c)), ...later);
}

/**
 * The copy of `model` on `place`'s host first in the queue, the reason said; false when the queue has none
 * there (its host down, its window too small now).
 */
function placedFirst(queue: Candidacy[], model: string, place: PartPlace): boolean {
  const at = queue.findIndex((q) => q.model === model && q.host === place.host);
  if (at < 0) return false;
  const [c] = queue.splice(at, 1);
  queue.unshift({ ...c!, ...(place.why && { why: `${c!.why}; ${place.why}` }) });
  return true;
}
