/**
 * What a split job's plan expects, as a dry run of the job does (plan-estimate.ts): the speeds at its
 * model's host, a part's answer and the last combination's — made with the plan (offload-plan.ts),
 * so the job's pace as it runs (jobs/split-pace.ts) starts from the plan's figures, not a second
 * estimate.
 */
import type { SpeedFacts } from '../generation/estimate.js';
import type { RouteRequest } from '../generation/route-types.js';
import type { JobParts } from './parts.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import type { Planned } from './route-plan.js';
import { estimatePlan } from './plan-estimate.js';
import { hostFacts } from '../fleet/placement.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import { backlogOver } from '../loading/parts-backlog.js';

/**
 * What the plan expects, as a dry run of the job does: the speeds, a part's answer, an earlier
 * combination's and the last's, and the whole job's time — the dry run's figure, said as the job's estimate until a part is timed.
 */
export interface PlanFigures {
  facts: SpeedFacts;
  partAnswer: number;
  /** A combination's answer but the last's. */
  combineAnswer: number;
  finalAnswer: number;
  seconds: number;
}

/** What of a split plan (offload-plan.ts SplitPlan) its figures are made from. */
interface Shape {
  model: string;
  host: FleetHost;
  parts: ReadonlyArray<{ tokens: number }>;
  width: number;
  /** The width at the plan's host's pace (offload-types.ts SplitPlan), what the estimate counts; unsaid, `width`. */
  pacedWidth?: number;
  rounds: number;
  partAnswerTokens: number;
  finalMaxTokens: number;
  firstAlone: boolean;
  planned: Planned;
  /**
   * The copies its parts go to (fleet/parts-copies.ts): where other jobs' parts take turns with its own; unsaid or
   * none, the plan's host.
   */
  copies?: ReadonlyArray<{ host: string }>;
}

/**
 * The plan's figures at its model's host, as a dry run of the job makes them (offload.ts splitDryRun): a part's
 * average prompt, the model's load when it is not loaded (its cold-load estimate), the wait for its slots, the turns
 * its parts take with other jobs' on its copies (loading/parts-backlog.ts).
 */
export function planFigures(job: JobParts, req: Pick<RouteRequest, 'task'>, plan: Shape): PlanFigures {
  const views = plan.planned.placement.views;
  const view = views.find((v) => v.host === plan.host) ?? views.find((v) => v.host.name === plan.host.name);
  // a host not seen: of unknown kind, a CPU's speeds
  const facts = view ? hostFacts(view.overview) : { hostKind: 'unknown' as const };
  const m = view?.overview.models.find((x) => x.name === plan.model);
  const loaded = m?.loaded ?? true;
  const place = {
    host: plan.host,
    ...facts,
    model: plan.model,
    loaded,
    sizeBytes: m?.sizeBytes,
    parameterSize: m?.parameterSize,
    ...(m && !loaded && { coldLoadMs: coldLoadEstimates([m], job.records.metrics.loadSpeed()).get(m.name) }),
  };
  const parts = plan.parts.length;
  // other jobs' parts left to begin on its copies: its parts take turns with them, as the choice of its model
  // counted (limit-split.ts)
  const hosts = new Set(plan.copies?.length ? plan.copies.map((c) => c.host) : [plan.host.name]);
  const shared = backlogOver(
    views.filter((v) => hosts.has(v.host.name)).map((v) => v.host),
    plan.model,
  );
  const shape = {
    parts,
    width: plan.pacedWidth ?? plan.width,
    rounds: plan.rounds,
    finalMaxTokens: plan.finalMaxTokens,
    firstAlone: plan.firstAlone,
    ...(shared > 0 && { sharedParts: shared }),
  };
  // what a part's request reads on average, as the dry run counts it
  const promptTokens = Math.ceil(plan.parts.reduce((n, p) => n + p.tokens, 0) / Math.max(1, parts));
  const work = { promptTokens, maxTokens: plan.partAnswerTokens, task: req.task, shape };
  const e = estimatePlan(job, place, work);
  return {
    facts: e.facts,
    partAnswer: e.input.answerTokens,
    combineAnswer: e.input.combineAnswerTokens ?? e.input.answerTokens,
    finalAnswer: e.input.finalAnswerTokens ?? e.input.answerTokens,
    seconds: e.seconds,
  };
}
