/**
 * The models a job over inputs may go to, as offload-plan.ts weighs them: the route's order for the
 * work (a named model alone), the one the parts go to, and why each model here can or cannot take
 * the job — whole, split, or not at all — in the words of the plan's reason and its refusals.
 */
import type { ProfileName, TaskType } from '../config/profiles.js';
import type { HostOverview } from '../fleet/placement.js';
import type { Windowed } from '../fleet/windows.js';
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import { notCandidateBecause } from '../generation/routing-rules.js';
import type { WindowPlan } from '../generation/split-plan.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import { findModel } from '../models/catalog.js';
import type { CallParts } from './call-plan.js';
import type { JobParts } from './parts.js';
import type { Placement } from '../fleet/placed.js';
import { routeRanking, type Ranking } from './work.js';

/**
 * A model in the route's order, with the route's reason for it (none for a model the caller named) and
 * whether the user chose it for the work (routing-rules.ts RankedModel).
 */
export type Ranked = Windowed & { why?: string; chosen?: true };

/**
 * The models the route would give this work, in its order (generation/router.ts through work.ts),
 * and the work's profile; a named model alone. `all`: every model here, which the route's ranking
 * — made here once, for any window — orders; the plan's requests take it to their windows.
 */
export type Order = { order: Ranked[]; profile: ProfileName; task: TaskType; ranking?: Ranking };

export function routeOrder(job: CallParts, req: RouteRequest, models: Array<Windowed>, all: Array<Windowed>): Order {
  const work = job.call.work(); // the call's, inferred once: the route that runs the plan reads the same
  if (req.model)
    return {
      order: [findModel(models, req.model)].filter((m): m is Windowed => m !== undefined),
      profile: work.profile,
      task: work.task,
    };
  const local = models.filter((m) => !m.cloud && m.contextWindow > 0);
  const ranking = routeRanking(job, work, req, all, 0, coldLoadEstimates(all, job.records.metrics.loadSpeed()));
  const order = (ranking.selection?.ranked ?? []).map((r): Ranked | undefined => {
    const m = local.find((l) => l.name === r.model && l.host === r.host);
    return m && { ...m, why: r.why, ...(r.chosen && { chosen: r.chosen }) };
  });
  return { order: order.filter((m) => m !== undefined), profile: ranking.profile, task: work.task, ranking };
}

/**
 * Why the planner chose `chosen` (the caller named no model): the route's reason for it, and why the model
 * ranked before it was passed over for the one the parts were planned for (`planned`; another when the client's
 * limit moved them, which its own clause says).
 */
export function chosenWhy(
  chosen: Ranked,
  order: readonly Ranked[],
  why: (m: Windowed) => string | undefined,
  planned: Ranked = chosen,
): string {
  const first = order[0]!;
  const over =
    first === chosen || first === planned
      ? ''
      : `; ${first.name}, ranked before it, was passed over: ` + `${why(first) ?? roomWhy(first, planned)}`;
  return `${chosen.why ?? `${chosen.name} is the route's choice`}${over}`;
}

/**
 * Why a model cannot take the job even split, by its window plan and the parts it would need; undefined when
 * it can. `fix` says what would let it, in its engine's terms.
 */
export function splitWhy(
  w: WindowPlan,
  inputTokens: number,
  maxParts: number,
  fix: (minWindow: number) => string,
): string | undefined {
  if ('impossible' in w) return `even split it cannot fit: ${w.impossible} (${fix(w.minWindow)})`;
  if (w.whole) return undefined;
  const parts = Math.ceil(inputTokens / w.partTokens);
  return parts > maxParts
    ? `it would need ${parts} parts of ~${w.partTokens} tokens, more than inputs.maxParts (${maxParts})`
    : undefined;
}

/**
 * The model the parts go to: in the route's order, the first that can take the job split (by the
 * estimate), passing over one whose parts would each hold under half the input the roomiest's hold
 * (`room`: a part's input tokens at its window) — twice the parts and more, each carrying the task and
 * writing an answer, and more combining rounds — unless the user chose it for the work.
 */
export function splitModel<T extends Windowed & { chosen?: true }>(
  order: T[],
  why: (m: Windowed) => string | undefined,
  room: (m: T) => number,
): T | undefined {
  const able = order.filter((m) => why(m) === undefined);
  const most = Math.max(0, ...able.map(room));
  // the user's choice for the work (configured, preferred, made for it) is never passed over for room
  return able.find((m) => m.chosen === true || room(m) * 2 >= most);
}

/** Why a model able to take the job in parts was passed over for `chosen` (splitModel), in the plan's words. */
export const roomWhy = (m: Windowed, chosen?: Windowed) =>
  `its parts at its ${m.contextWindow}-token window would hold under half of what ${chosen?.name ?? 'the roomiest'}'s hold`;

export interface Here {
  views: readonly HostOverview[];
  /** Every model of every host that answered. */
  listed: Placement['listed'];
  order: Array<Windowed>;
  profile: ProfileName;
  /** The hosts that did not answer. */
  down: readonly Attempt[];
}

/**
 * Every model here but `chosen` and why it does not run the job — those the route would give it first (`why`)
 * — then the hosts that are down.
 */
export function whyEach(
  job: JobParts,
  req: RouteRequest,
  here: Here,
  why: (m: Windowed) => string | undefined,
  chosen?: Windowed,
): string {
  const hostOf = (m: { host?: string }) => m.host ?? here.views[0]!.host.name;
  const work = { images: (req.images?.length ?? 0) > 0, ...(req.inputsByReference && { readsInputs: true }) };
  const each = here.order
    .filter((m) => m !== chosen)
    .map(
      (m) =>
        `${m.name} on ${hostOf(m)}: ` +
        `${why(m) ?? `it could take it in parts by the estimate, but ${roomWhy(m, chosen)}`}`,
    );
  for (const m of here.listed.filter((l) => !here.order.some((o) => o.name === l.name && o.host === l.host))) {
    each.push(
      `${m.name} on ${hostOf(m)}: ` +
        `${notCandidateBecause(m, here.profile, work, job.routing()) ?? 'reports no context window'}`,
    );
  }
  return [...each, ...here.down.map((d) => `${d.model}: ${d.error.replace(/[.\s]+$/, '')}`)].join('; ');
}

export const NEXT =
  'shorten the task, lower maxTokens, use useMemory: false, name fewer files, raise ' +
  'inputs.maxParts, or make room for a model with a larger window (free memory, or install one)';
