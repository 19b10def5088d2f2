/**
 * A split job's model against the client's limit (generation/limit-fit.ts decides, over plain
 * data): each model that can take the input in parts is timed as its plan would run — its parts
 * (the input over what a part holds in its window), that many at once as the hosts holding it
 * loaded or with room have slots, the combining rounds and the final answer, each answer as long
 * as such answers ran, at the speeds learned there (plan-estimate.ts) — and when the model the
 * planner chose would not finish
 * within what the client waits, as measured, the first in the route's order that would is chosen
 * instead, saying so. Only for a routed call with a limit, and never for the user's choice.
 */
import { fitWithin, limitReason } from '../generation/limit-fit.js';
import type { RouteRequest } from '../generation/route-types.js';
import { combineRounds, type WindowPlan } from '../generation/split-plan.js';
import type { CallParts } from './call-plan.js';
import type { Windowed } from '../fleet/windows.js';
import { hostFacts, othersAt, type HostOverview } from '../fleet/placement.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import { answerWithin } from '../generation/hand-over.js';
import { estimatePlan } from './plan-estimate.js';
import { slotsAt } from './split-copies.js';
import type { JobParts } from './parts.js';

/** A model able to take the input in parts, and its parts' sizes by the estimate. */
export interface SplitOption {
  /** The model, and whether the user chose it for the work (routing-rules.ts RankedModel). */
  model: Windowed & { chosen?: true };
  partTokens: number;
  partAnswerTokens: number;
  carriedTokens: number;
  /** The input in this model's tokens (estimated). */
  inputTokens: number;
}

/**
 * Requests at once for `o`, as its split plan would use its copies (fleet/parts-copies.ts, route/split-copies.ts):
 * the slots of every host that holds its model loaded or has room to load it now (at least one host's) — on several
 * hosts, only where the copy takes parts of `o`'s window: one loaded with a smaller window takes none (a part would
 * reload it), so its slots are not the job's (issue 82: a job planned at 8k beside a copy kept at 4k was timed at
 * four slots and ran on two).
 */
export function slotsFor(views: readonly HostOverview[], copies: readonly Windowed[], o: Windowed): number {
  const holds = (v: HostOverview) => v.overview.models.some((m) => m.name === o.name && (m.loaded || m.fitsNow));
  const takes = (c: Windowed) =>
    c === o || (c.name === o.name && (c.loadedWindow === undefined || c.loadedWindow >= o.contextWindow));
  const hosts = new Set(copies.filter(takes).map((c) => c.host ?? o.host));
  const holders = views.filter((v) => holds(v) && (views.length < 2 || hosts.has(v.host.name)));
  return Math.max(
    1,
    holders.reduce((s, v) => s + slotsAt(v), 0),
  );
}

/** The option to run instead of the first (`options[0]`, the planner's choice), with why; undefined when it stays. */
function splitWithinLimit(
  job: JobParts,
  req: Pick<RouteRequest, 'clientLimitMs' | 'maxTokens' | 'client' | 'agent' | 'task'>,
  views: readonly HostOverview[],
  options: readonly SplitOption[],
  finalMaxTokens: number,
): { index: number; why: string } | undefined {
  const within = answerWithin(req.clientLimitMs);
  if (within === undefined || options.length < 2) return undefined;
  const cold = coldLoadEstimates(
    options.map((o) => o.model),
    job.records.metrics.loadSpeed(),
  );
  const timed = options.map((o) => {
    const view = (views.length > 1 ? views.find((v) => v.host.name === o.model.host) : undefined) ?? views[0]!;
    const parts = Math.max(2, Math.ceil(o.inputTokens / Math.max(1, o.partTokens)));
    const shape = {
      parts,
      width: slotsFor(
        views,
        options.map((x) => x.model),
        o.model,
      ),
      rounds: combineRounds(parts, o.partAnswerTokens, o.partTokens).rounds,
      finalMaxTokens,
    };
    const place = {
      host: view.host,
      ...hostFacts(view.overview),
      model: o.model.name,
      loaded: o.model.loaded,
      sizeBytes: o.model.sizeBytes,
      parameterSize: o.model.parameterSize,
      coldLoadMs: cold.get(o.model.name),
      client: req.client ?? req.agent ?? '',
      others: othersAt(view, o.model.name),
    };
    const e = estimatePlan(job, place, {
      promptTokens: Math.min(o.partTokens, o.inputTokens) + o.carriedTokens,
      maxTokens: o.partAnswerTokens,
      task: req.task,
      shape,
    });
    return { seconds: e.seconds, measured: e.known, chosen: o.model.chosen === true };
  });
  const fit = fitWithin(timed, within / 1000);
  return fit && { index: fit.index, why: limitReason(fit, options[0]!.model.name, within / 1000) };
}

/**
 * The model to split for instead of `planned` when only it finishes within the client's limit, with why: the
 * planner's choice (`planned`) and the others that can take the input in parts, each by its window plan.
 */
export function withinLimit<M extends SplitOption['model']>(
  job: CallParts,
  req: RouteRequest,
  views: readonly HostOverview[],
  planned: M,
  others: readonly M[],
  estimate: (m: M) => WindowPlan,
  ratioOf: (m: string) => number,
  inputEstimate: number,
): { model: M; why: string } | undefined {
  if (req.clientLimitMs === undefined) return undefined;
  const options = [planned, ...others].flatMap((model) => {
    const w = estimate(model);
    return w.whole || 'impossible' in w
      ? []
      : [
          {
            model,
            partTokens: w.partTokens,
            partAnswerTokens: w.partAnswerTokens,
            carriedTokens: w.carriedTokens,
            inputTokens: Math.ceil(inputEstimate * ratioOf(model.name)),
          },
        ];
  });
  if (options[0]?.model !== planned) return undefined;
  const moved = splitWithinLimit(job, req, views, options, req.maxTokens ?? job.call.answer.tokens);
  return moved && { model: options[moved.index]!.model, why: moved.why };
}
