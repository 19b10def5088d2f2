/**
 * route_and_generate: infer the work, choose a model, load it without overcommitting, stream the
 * answer, and fall back to the next candidate when a model fails — recording every attempt.
 * Every host of the fleet takes part, whatever its engine. When every local engine fails, whatever
 * the failure, the cloud fallback is asked if settings name one (elsewhere.ts); otherwise the
 * error tells the calling assistant to do the work itself.
 *
 * Planned once, then run: the plan (route-plan.ts: the request shaped, placed, its candidates
 * ranked) is made — or given, by a plan of work over inputs — and carried out here: a dry run's
 * advice, each candidate tried in turn (route-attempt.ts: load, stream, set aside), and the end —
 * the answer, or the cloud fallback.
 */
import { cancelledText } from '../util/stopping.js';
import { answerElsewhere } from './elsewhere.js';
import { othersAt } from '../fleet/placement.js';
import { othersCount } from '../fleet/others-load.js';
import type { RouteResult } from '../generation/route-types.js';

export { RouteError, type RouteRequest, type RouteResult } from '../generation/route-types.js';
import { HostError } from '../engines/host-error.js';
import type { JobParts } from '../route/parts.js';
import { adviseRoute } from '../generation/advice.js';
import { clientOf, type Candidates } from '../route/route-candidates.js';
import { estimatePlan, hostFacts } from '../route/plan-estimate.js';
import { tryCandidates } from './route-attempt.js';
import { answerWithin } from '../route/hand-over.js';
import { planRoute, type Planned, type RouteAsk, type RoutePlan } from '../route/route-plan.js';
import type { Prepared } from '../route/route-prepare.js';

export type { Planned, RouteAsk } from '../route/route-plan.js';

/** The request planned (or on what `planned` decided for it) and run. */
export async function routeAndGenerate(shared: JobParts, req: RouteAsk, planned?: Planned): Promise<RouteResult> {
  return runPlan(await planRoute(shared, req, planned));
}

/** A plan carried out: a dry run's advice, else its candidates tried in order, else the cloud fallback. */
async function runPlan(plan: RoutePlan): Promise<RouteResult> {
  const { parts, req, ask, list, attempts } = plan;
  if (!list) return answerElsewhere(parts.fallback, plan);
  if (req.dryRun && list.queue.length > 0) return dryRun(parts, req, ask, list);
  const answer = await tryCandidates(parts, req, ask, list, attempts, plan.started);
  if (answer) return answer;
  if (req.signal?.aborted)
    throw new HostError('aborted', cancelledText('route_and_generate', req.signal), parts.fleet.host);
  // a call restricted to one model (`only`) ends there, with its attempts: elsewhere.ts
  return answerElsewhere(parts.fallback, plan);
}

/** A dry run: the first candidate, why, its record here and the expected time — the wait behind its busy slots included — and whether its client would get it within its limit or as a job. */
function dryRun(parts: JobParts, req: RouteAsk, ask: Prepared, list: Candidates): RouteResult {
  const first = list.queue[0]!;
  const { host, overview } = list.unit(first.host);
  const m =
    list.models.find((c) => c.name === first.model && c.host === first.host) ??
    list.models.find((c) => c.name === first.model);
  const others = othersAt(list.unit(first.host), first.model);
  const busy = {
    running: host.loader.requestsOn(first.model) + othersCount(others),
    slots: others.slots ?? host.settings.ollama.numParallel,
  };
  const { task, profile, complexity, how } = ask.work;
  const place = {
    host,
    ...hostFacts(overview),
    model: first.model,
    loaded: m?.loaded ?? false,
    sizeBytes: m?.sizeBytes,
    parameterSize: m?.parameterSize,
    coldLoadMs: list.coldLoadMs().get(first.model),
    client: clientOf(req),
    others,
  };
  // the prompt in the engine's tokens: the caller's count, else the estimate calibrated by what the engine counted before (metrics.ts)
  const promptTokens =
    req.promptTokens !== undefined
      ? ask.promptTokens
      : Math.round(ask.promptTokens * (parts.records.metrics.tokenRatio(first.model) ?? 1));
  const estimate = estimatePlan(parts, place, {
    promptTokens,
    maxTokens: ask.maxTokens,
    task,
    ...(req.plan && { shape: req.plan }),
  });
  // when the call would be answered: its client's limit less the margin (hand-over.ts), or none
  const within = answerWithin(req.clientLimitMs);
  const limit =
    req.clientLimitMs !== undefined && within !== undefined
      ? { clientMs: req.clientLimitMs, withinMs: within }
      : undefined;
  return adviseRoute({
    queue: list.queue,
    models: list.models,
    estimate,
    book: parts.records.outcomes.evidence(),
    task,
    profile,
    complexity,
    how,
    maxTokens: ask.maxTokens,
    promptTokens: ask.promptTokens,
    namedHost: parts.fleet.hosts.length > 1,
    provider: host.kind,
    busy,
    ...(limit && { limit }),
  });
}
