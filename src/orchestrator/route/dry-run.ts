/**
 * A dry run of a request's plan (route-plan.ts): the first candidate, why, its record here and the
 * expected time (plan-estimate.ts) — the wait behind its busy slots included — and whether its client
 * would get it within its limit or as a job (generation/hand-over.ts). Nothing is loaded or sent.
 */
import { hostFacts, othersAt } from '../fleet/placement.js';
import { othersCount } from '../fleet/others-load.js';
import { clientOf } from '../fleet/slots-of.js';
import { adviseRoute } from '../generation/advice.js';
import { answerWithin } from '../generation/hand-over.js';
import type { RouteResult } from '../generation/route-types.js';
import { estimatePlan } from './plan-estimate.js';
import type { Candidates } from '../fleet/copies.js';
import type { RoutePlan } from './route-plan.js';

/**
 * A dry run: the first candidate, why, its record here and the expected time — the wait behind its busy slots
 * included — and whether its client would get it within its limit or as a job.
 */
export function dryRun(plan: RoutePlan, list: Candidates): RouteResult {
  const { parts, req, ask } = plan;
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
  // the prompt in the engine's tokens: the caller's count, else the estimate calibrated by what the engine
  // counted before (metrics.ts)
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
