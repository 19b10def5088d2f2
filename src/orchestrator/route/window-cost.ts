/**
 * What a window costs the work over inputs on a copy, for the kept window's choice (fleet/kept-window.ts):
 * the work's time at a window — whole, or split to it with its combining rounds, as a dry run times a split
 * plan (plan-estimate.ts) — and, for a copy loaded with a window and used by nothing (no request of this
 * server's or another client's running or waiting on it, and no other agent served by it within the last minute:
 * loading/host-requests.ts servedOthers; a comparison serves its agent too), what reloading it would take. A copy
 * in use — or whose reload would unload a model in use to make room — is never given a reload's cost: the rush's
 * promise, no reload of a model others are using, nor their model unloaded for it — between their calls too.
 */
import { combineRounds } from '../generation/split-plan.js';
import { hostFacts, othersAt, type HostOverview } from '../fleet/placement.js';
import { othersCount } from '../fleet/others-load.js';
import type { Windowed } from '../fleet/windows.js';
import { copyLoadMs } from '../fleet/copy-spread.js';
import { clientOf } from '../fleet/slots-of.js';
import { estimatePlan } from './plan-estimate.js';
import { slotsAt } from './split-copies.js';
import type { Sizing } from './offload-sizing.js';
import { firstPartAlone } from './first-part.js';

const viewOf = (views: readonly HostOverview[], m: Windowed) =>
  (views.length > 1 ? views.find((v) => v.host.name === m.host) : undefined) ?? views[0];

/** The work's estimated seconds on `m` at `window`, its load left out (the copy taken as loaded and free). */
export function windowSeconds(s: Sizing, m: Windowed, window: number): number | undefined {
  const view = viewOf(s.views, m);
  if (!view) return undefined;
  const plan = s.estimate({ ...m, contextWindow: window });
  if (!plan.whole && 'impossible' in plan) return undefined;
  const finalMaxTokens = s.req.maxTokens ?? s.job.call.answer.tokens;
  const inputTokens = Math.ceil(s.inputEstimate * s.ratioOf(m.name));
  const work = plan.whole
    ? { promptTokens: Math.max(1, plan.needTokens - s.answerTokens), maxTokens: finalMaxTokens }
    : splitWork(plan, inputTokens, slotsAt(view), finalMaxTokens, firstPartAlone(view.host, m.name));
  const place = {
    host: view.host,
    ...hostFacts(view.overview),
    model: m.name,
    loaded: true,
    sizeBytes: m.sizeBytes,
    parameterSize: m.parameterSize,
  };
  return estimatePlan(s.job, place, { ...work, task: s.req.task ?? s.job.call.work().task }).seconds;
}

/** A split's work as a dry run times it: a part's prompt and answer, the parts, at once, and the combining rounds. */
function splitWork(
  plan: { partTokens: number; partAnswerTokens: number; carriedTokens: number },
  inputTokens: number,
  width: number,
  finalMaxTokens: number,
  firstAlone: boolean,
) {
  const parts = Math.max(2, Math.ceil(inputTokens / Math.max(1, plan.partTokens)));
  const { rounds } = combineRounds(parts, plan.partAnswerTokens, plan.partTokens);
  return {
    promptTokens: Math.min(plan.partTokens, inputTokens) + plan.carriedTokens,
    maxTokens: plan.partAnswerTokens,
    shape: { parts, width: Math.max(1, width), rounds, finalMaxTokens, firstAlone },
  };
}

/**
 * `m` with what reloading it would take (`reloadMs`: as long as its loads here took, else at the host's load
 * speed), when it is loaded with a window and nothing uses it — no request runs or waits on it, and it served no
 * other agent within the last minute — nor any model the reload would unload to make room (`widerUnloads`: a
 * reload for a cheaper split never takes another agent's model from under it, between its calls either); else as
 * it is.
 */
export function withReloadCost<T extends Windowed>(s: Sizing, m: T): T & { reloadMs?: number } {
  const view = viewOf(s.views, m);
  if (!view || m.loadedWindow === undefined || !m.loaded) return m;
  const client = clientOf(s.req);
  if ([m.name, ...(m.widerUnloads ?? [])].some((name) => usedBesides(view, name, client))) return m;
  // as long as its loads here took (the same weights), else at the host's load speed (fleet/copy-spread.ts)
  return { ...m, reloadMs: copyLoadMs(m, s.job.records.metrics) };
}

/**
 * What reloading `m` at a wider window for a split job's parts takes (ms; route/split-copies.ts): as withReloadCost,
 * and only for a copy that served the asking agent within the last minute — one loaded narrower by a client of the
 * engine this server does not see keeps its window (its next request would reload it back) — on an engine whose
 * memory this server plans: where another ollm-mcp server plans it (planned-elsewhere.ts), that one's agents use
 * the copy unseen from here.
 */
export function partsReloadMs(s: Sizing, m: Windowed): number | undefined {
  const view = viewOf(s.views, m);
  if (!view?.host.engine.can.managesMemory) return undefined;
  if (!view.host.loader.servedBy(m.name, clientOf(s.req))) return undefined;
  return withReloadCost(s, m).reloadMs;
}

/** Whether `model` on the view's host is in use: a request runs or waits on it, or it served another agent lately. */
function usedBesides(view: HostOverview, model: string, client: string): boolean {
  const { loader } = view.host;
  return (
    loader.requestsOn(model) > 0 ||
    loader.queueOn(model).waiting.length > 0 ||
    othersCount(othersAt(view, model)) > 0 ||
    loader.servedOthers(model, client)
  );
}
