/**
 * A split job's model against time (generation/limit-fit.ts decides, over plain data): each model
 * that can take the input in parts is timed as its plan would run — its parts (the input over what a
 * part holds in its window), that many at once as the hosts holding it loaded or with room have
 * slots, by turns with other jobs' parts waiting for those slots (loading/parts-backlog.ts), the
 * combining rounds and the final answer, each answer as long as such answers ran, at the speeds
 * learned there (plan-estimate.ts). When the model the planner chose would not finish within what
 * the client waits, as measured, the first that would is chosen instead — its own copy on another host
 * (timed at that host's facts), then the others in the route's order; when
 * it takes turns with another job's parts and another finishes in three quarters of its time or
 * less, that one; else, when its own model, kept at a smaller window on another host, finishes in
 * three quarters of its time or less split to that window over more copies, that (issue 82,
 * Deliver 1) — saying so each time. Only for a routed call, never for the user's choice of another
 * model.
 */
import {
  fitWithin,
  limitReason,
  sharedReason,
  soonerOnMoreCopies,
  soonerThanShared,
  spreadReason,
} from '../generation/limit-fit.js';
import type { RouteRequest } from '../generation/route-types.js';
import { combineRounds, type WindowPlan } from '../generation/split-plan.js';
import type { CallParts } from './call-plan.js';
import type { Windowed } from '../fleet/windows.js';
import { hostFacts, othersAt, type HostOverview } from '../fleet/placement.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import { answerWithin } from '../generation/hand-over.js';
import { estimatePlan } from './plan-estimate.js';
import { partPaces, slotsAt } from './split-copies.js';
import { helpful, pacedWidth } from '../fleet/copies-pace.js';
import { backlogOver } from '../loading/parts-backlog.js';
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
  return Math.max(
    1,
    holdersFor(views, copies, o).reduce((s, v) => s + slotsAt(v), 0),
  );
}

/** The hosts whose slots slotsFor counts for `o`. */
function holdersFor(views: readonly HostOverview[], copies: readonly Windowed[], o: Windowed): HostOverview[] {
  const holds = (v: HostOverview) => v.overview.models.some((m) => m.name === o.name && (m.loaded || m.fitsNow));
  const takes = (c: Windowed) =>
    c === o || (c.name === o.name && (c.loadedWindow === undefined || c.loadedWindow >= o.contextWindow));
  const hosts = new Set(copies.filter(takes).map((c) => c.host ?? o.host));
  return views.filter((v) => holds(v) && (views.length < 2 || hosts.has(v.host.name)));
}

/**
 * Other split jobs' parts not yet begun on the hosts whose slots `o`'s parts would take (loading/parts-backlog.ts):
 * the turns its parts would take with them.
 */
function sharedFor(views: readonly HostOverview[], copies: readonly Windowed[], o: Windowed): number {
  return backlogOver(
    holdersFor(views, copies, o).map((v) => v.host),
    o.name,
  );
}

/** `o`'s requests at once (slotsFor's hosts) counted at the pace of `at`, the host its plan is timed at. */
function pacedFor(
  job: JobParts,
  views: readonly HostOverview[],
  copies: readonly Windowed[],
  o: Windowed,
  at: HostOverview,
  work: { promptTokens: number; maxTokens: number; task: RouteRequest['task'] },
  parts: number,
): number {
  const seconds = partPaces(job, work.task, views, o.name, work, at.host.name);
  // the host it is timed at first among alike, as its plan's copies put their host first (split-copies.ts); judged
  // fastest first, those that end its parts sooner, as the plan keeps them (fleet/parts-copies.ts) — the host it is
  // timed at left out too when it is the slow one, its width then counted at that host's pace all the same
  const holders = holdersFor(views, copies, o)
    .sort((a, b) => (a === at ? -1 : b === at ? 1 : 0))
    .map((v) => ({ slots: slotsAt(v), partSeconds: seconds(v.host.name) }));
  const planSeconds = seconds(at.host.name);
  return holders.length === 0 ? 1 : pacedWidth(helpful(holders, parts, planSeconds), planSeconds, parts);
}

/** Each option timed as its plan would run (plan-estimate.ts), with the other jobs' parts its copies take turns with. */
function timedOptions(
  job: JobParts,
  req: Pick<RouteRequest, 'client' | 'agent' | 'task'>,
  views: readonly HostOverview[],
  options: readonly SplitOption[],
  finalMaxTokens: number,
): Array<{
  seconds: number;
  measured: boolean;
  chosen: boolean;
  aloneSeconds: number;
  ready: boolean;
  spread: boolean;
}> {
  const cold = coldLoadEstimates(
    options.map((o) => o.model),
    job.records.metrics.loadSpeed(),
  );
  const models = options.map((x) => x.model);
  const first = options[0]?.model;
  const widths = models.map((m) => slotsFor(views, models, m));
  return options.map((o, i) => {
    const view = (views.length > 1 ? views.find((v) => v.host.name === o.model.host) : undefined) ?? views[0]!;
    const parts = Math.max(2, Math.ceil(o.inputTokens / Math.max(1, o.partTokens)));
    const shared = sharedFor(views, models, o.model);
    const width = widths[i]!;
    const work = {
      promptTokens: Math.min(o.partTokens, o.inputTokens) + o.carriedTokens,
      maxTokens: o.partAnswerTokens,
      task: req.task,
    };
    const shape = {
      parts,
      // its copies' slots at this host's pace: a copy measured faster takes more of the parts (fleet/copies-pace.ts)
      width: pacedFor(job, views, models, o.model, view, work, parts),
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
    const alone = estimatePlan(job, place, { ...work, shape });
    const e = shared > 0 ? estimatePlan(job, place, { ...work, shape: { ...shape, sharedParts: shared } }) : alone;
    // loaded with the window its parts need, or its load with that window fitting beside what is loaded: nothing
    // unloaded for it, so nothing waits for the work it passes
    const ready =
      o.model.loaded === true
        ? (o.model.loadedWindow ?? o.model.contextWindow) >= o.model.contextWindow
        : o.model.loadsBeside === true;
    return {
      seconds: e.seconds,
      measured: e.known,
      chosen: o.model.chosen === true,
      aloneSeconds: alone.seconds,
      ready,
      // the first's model kept at a smaller window elsewhere: split to it, its parts run on more copies
      spread:
        first !== undefined &&
        o.model !== first &&
        o.model.name === first.name &&
        o.model.contextWindow < first.contextWindow &&
        width > widths[0]!,
    };
  });
}

/**
 * The option to run instead of the first (`options[0]`, the planner's choice), with why; undefined when it stays:
 * the first that finishes within the client's limit when the first would not, else, when the first's copies
 * take turns with another job's parts, the soonest that beats it by a quarter (limit-fit.ts).
 */
function splitByTime(
  job: JobParts,
  req: Pick<RouteRequest, 'clientLimitMs' | 'maxTokens' | 'client' | 'agent' | 'task'>,
  views: readonly HostOverview[],
  options: readonly SplitOption[],
  finalMaxTokens: number,
): { index: number; why: string } | undefined {
  if (options.length < 2) return undefined;
  const timed = timedOptions(job, req, views, options, finalMaxTokens);
  const planned = options[0]!.model;
  // moved to the planned model's copy on another host: the first named with its host
  const first = (i: number) =>
    options[i]!.model.name === planned.name && planned.host ? `${planned.name} on ${planned.host}` : planned.name;
  const within = answerWithin(req.clientLimitMs);
  const fit = within === undefined ? undefined : fitWithin(timed, within / 1000);
  if (fit) return { index: fit.index, why: limitReason(fit, first(fit.index), within! / 1000) };
  const sooner = soonerThanShared(timed);
  if (sooner) return { index: sooner.index, why: sharedReason(sooner, first(sooner.index)) };
  const spread = soonerOnMoreCopies(timed);
  return (
    spread && {
      index: spread.index,
      why: spreadReason(spread, options[spread.index]!.model.contextWindow, options[0]!.model.contextWindow),
    }
  );
}

/**
 * The model to split for instead of `planned` when only it finishes within the client's limit, or when it takes
 * turns with another job's parts and another finishes well before it, with why: the planner's choice (`planned`)
 * and the others that can take the input in parts, each by its window plan.
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
  // the planned model's copies on other hosts before other models: the same model, timed at another host's facts
  // (its requests there, its speeds) — the limit takes the first in this order that finishes in time
  const same = others.filter((m) => m.name === planned.name);
  const options = [planned, ...same, ...others.filter((m) => !same.includes(m))].flatMap((model) => {
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
  const moved = splitByTime(job, req, views, options, req.maxTokens ?? job.call.answer.tokens);
  return moved && { model: options[moved.index]!.model, why: moved.why };
}
