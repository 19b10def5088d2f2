/**
 * The copies a split job uses, read from its placement when it is planned (offload-split.ts; the
 * choice is fleet/parts-copies.ts's): each host holding its model in a window the parts fit — loaded
 * with one that holds them (never one a part would reload), or not loaded — its slots (numParallel) and those others' requests take now, whether it has room, how long
 * its load takes as that model's loads here took (copy-spread.ts copyLoadMs) — and a part's time on
 * each, as the dry run times it at the plan's host (`partPaces`: unknown while speeds are assumed), so a copy
 * too slow to help is left out and the job's width is counted at the plan host's pace (fleet/copies-pace.ts).
 * The plan's host comes first: with nothing loaded, its first part loads the model there.
 */
import type { RouteRequest } from '../generation/route-types.js';
import { copyLoadMs } from '../fleet/copy-spread.js';
import { othersCount } from '../fleet/others-load.js';
import { partsCopies, type CopiesChoice, type CopyState } from '../fleet/parts-copies.js';
import { pacedWidth } from '../fleet/copies-pace.js';
import type { Placement } from '../fleet/placed.js';
import { hostFacts, othersAt, type HostOverview } from '../fleet/placement.js';
import type { FleetHost } from '../fleet/fleet-host.js';
import type { Windowed } from '../fleet/windows.js';
import type { JobParts } from './parts.js';
import { estimatePlan } from './plan-estimate.js';
import { estimateSeconds } from '../generation/estimate.js';

/** What of the split plan its copies are chosen by. */
interface Sized {
  model: string;
  host: FleetHost;
  /** The window the parts were sized to: a copy with a smaller one cannot take them. */
  window: number;
  /** A part's prompt, and its answer's limit. */
  partPromptTokens: number;
  partAnswerTokens: number;
  /** The job's requests in all: its parts, then its combinations. */
  calls: number;
  /** Of them, its parts. */
  parts: number;
}

/** A model's parallel slots on a host: its engine's count where it says it, else those configured. */
export const slotsAt = (v: HostOverview) =>
  Math.max(1, v.overview.ram.host.numParallel || v.host.settings.ollama.numParallel);

/**
 * The copies chosen, and the job's requests at once counted at the plan's host's pace (fleet/copies-pace.ts): the
 * width its estimate is made with; `lead`: the host the job is planned and timed at instead of the route's, when
 * the route's own copy was left out as too slow (its fastest copy's: none of its requests goes to the route's).
 */
export type PacedChoice = CopiesChoice & { pacedWidth: number; lead?: FleetHost };

/** The copies `plan`'s job uses (fleet/parts-copies.ts), from the hosts' state in `placement`. */
export async function splitCopies(
  job: Pick<JobParts, 'records'>,
  req: Pick<RouteRequest, 'task'>,
  placement: Placement,
  plan: Sized,
  /** What reloading a copy loaded with a smaller window takes (ms), when nothing else uses it (window-cost.ts). */
  reloadMs: (m: Windowed) => number | undefined = () => undefined,
): Promise<PacedChoice> {
  const { views } = placement;
  const own = { host: plan.host.name, slots: Math.max(1, planSlots(views, plan.host)), window: plan.window };
  if (views.length < 2) return { copies: [own], width: own.slots, pacedWidth: own.slots };
  const windowed = await placement.windowed();
  const copies = windowed.filter((m) => m.name === plan.model && m.host !== undefined && !m.cloud);
  const states = copies
    .filter((m) => m.contextWindow >= plan.window)
    .flatMap((m) => {
      const view = views.find((v) => v.host.name === m.host);
      if (!view) return [];
      if (keepsWindow(m, plan)) return [stateOf(job, view, m, plan.window)];
      // loaded with a smaller window: reloaded at the parts' only when nothing else uses it (nor what it unloads)
      const ms = m.loaded === true && m.loadedWindow !== undefined ? reloadMs(m) : undefined;
      if (ms === undefined) return [];
      return [
        { ...stateOf(job, view, m, plan.window), loaded: false, room: true, loadMs: ms, reloadFrom: m.loadedWindow! },
      ];
    })
    .sort((a, b) => (a.host === plan.host.name ? -1 : b.host === plan.host.name ? 1 : 0));
  if (states.length === 0) return { copies: [own], width: own.slots, pacedWidth: own.slots };
  const work = { promptTokens: plan.partPromptTokens, maxTokens: plan.partAnswerTokens };
  const seconds = partPaces(job, req.task, views, plan.model, work, plan.host.name);
  const planSeconds = seconds(plan.host.name);
  const choice = partsCopies(
    states.map((c) => ({ ...c, partSeconds: seconds(c.host) })),
    { requests: plan.calls, parts: plan.parts, partMs: planSeconds === undefined ? undefined : planSeconds * 1000 },
  );
  const paced = choice.copies.map((c) => ({ slots: c.slots, partSeconds: seconds(c.host) }));
  const lead = choice.slowLeft?.includes(plan.host.name)
    ? views.find((v) => v.host.name === choice.copies[0]?.host)?.host
    : undefined;
  if (!lead) return { ...choice, pacedWidth: pacedWidth(paced, planSeconds, plan.parts) };
  return { ...choice, pacedWidth: pacedWidth(paced, seconds(lead.name), plan.parts), lead };
}

/**
 * Whether a copy serves the parts without a reload: one loaded (or being loaded) with a window under the
 * parts' would be reloaded by the first part sent there (Ollama's needsReload) — from under the other agents
 * using it, in a rush — so it takes no part as it is (fleet/kept-window.ts); the job reloads it only when nothing
 * else uses it and the parts' wait is longer than the reload (`reloadMs`, fleet/parts-copies.ts). The plan's own
 * copy is as its plan said.
 */
const keepsWindow = (m: Windowed, plan: Sized) =>
  m.host === plan.host.name || m.loadedWindow === undefined || m.loadedWindow >= plan.window;

function planSlots(views: readonly HostOverview[], host: FleetHost): number {
  const view = views.find((v) => v.host === host) ?? views.find((v) => v.host.name === host.name);
  return view ? slotsAt(view) : host.settings.ollama.numParallel;
}

/** One copy as the choice weighs it; `window`: the parts'. */
function stateOf(job: Pick<JobParts, 'records'>, view: HostOverview, m: Windowed, window: number): CopyState {
  // an engine that loads by itself (OpenAI-compatible, another ollm-mcp) serves what it lists
  const loaded = m.loaded === true || !view.host.engine.can.managesMemory;
  return {
    host: view.host.name,
    loaded,
    slots: slotsAt(view),
    taken: view.host.loader.requestsOn(m.name) + othersCount(othersAt(view, m.name)),
    room: m.fitsNow,
    loadMs: loaded ? 0 : copyLoadMs(m, job.records.metrics),
    // loaded wider than the parts, it serves a combination that wide without a reload; else the parts' window
    window: Math.max(window, (m.loaded === true && m.loadedWindow) || 0),
  };
}

/**
 * A part's time (seconds) on `model` at each host, loaded and with no wait, as the dry run times it at the plan's
 * host (plan-estimate.ts): the same part — its prompt, and its answer as long as the plan's host expects — at each
 * host's speeds, so copies differ by their speeds alone, not by what each learned of the task's answers; undefined
 * for a host not seen, or while its speeds or the plan host's are assumed.
 */
export function partPaces(
  job: Pick<JobParts, 'records'>,
  task: RouteRequest['task'],
  views: readonly HostOverview[],
  model: string,
  work: { promptTokens: number; maxTokens: number },
  planHost: string,
): (host: string) => number | undefined {
  const at = (view: HostOverview) => {
    const m = view.overview.models.find((x) => x.name === model);
    const place = {
      host: view.host,
      ...hostFacts(view.overview),
      model,
      loaded: true,
      sizeBytes: m?.sizeBytes,
      parameterSize: m?.parameterSize,
    };
    return estimatePlan(job, place, { ...work, task });
  };
  const planView = views.find((v) => v.host.name === planHost);
  const plan = planView && at(planView);
  if (!plan?.known) return () => undefined;
  const part = { ...plan.input, loadSeconds: 0, queueSeconds: 0 };
  const seen = new Map<string, number | undefined>([[planHost, plan.requestSeconds]]);
  return (host) => {
    if (seen.has(host)) return seen.get(host);
    const view = views.find((v) => v.host.name === host);
    const e = view && at(view);
    const s = e?.known ? estimateSeconds(part, e.facts).requestSeconds : undefined;
    seen.set(host, s);
    return s;
  };
}
