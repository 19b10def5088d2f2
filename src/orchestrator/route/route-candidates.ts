/**
 * The route's second step: the candidates of one request, in the order they are tried — every
 * reachable host's models (their windows weighed against their hosts' memory for a long prompt),
 * the model the caller named first, then the route's ranking (work.ts). The ranking is made at
 * once, or — when the named model can take the work on a host with a free slot — only if that
 * model fails, so its cost is not paid on every call. A routed call (no model named) whose first
 * model has every slot taken — by any client's requests: the shared server's loader holds them
 * all — goes to another candidate that answers sooner without unloading anything
 * (generation/schedule.ts, the times the dry run counts). A named model stays: its requests take
 * turns between clients on its slots (loading/slot-gate.ts, with `slotsOf` and `clientOf` here).
 */
import { findModel, similarModels } from '../models/catalog.js';
import { nearModels } from '../engines/model-names.js';
import type { HostOverview } from '../fleet/placement.js';
import type { Candidate } from '../fleet/windows.js';
import { clientOf } from '../fleet/slots-of.js';
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import { shortened } from '../util/shorten.js';
import type { JobParts } from './parts.js';
import type { Ranking } from './work.js';
import type { Prepared } from './route-prepare.js';
import type { Placement } from './route-placement.js';
import { cannotDoBecause } from '../generation/routing-rules.js';
import { noCandidate } from './no-candidate.js';
import { preferCachedCopy } from './route-affinity.js';
import { promptOwnerOf } from '../fleet/prefix-sent.js';
import { rankInto, type Listing } from './route-ranked.js';
import { isFull, type Candidacy } from './route-spread.js';

export type { Candidacy } from './route-spread.js';

/** Above this context, each candidate's window is weighed against its host's memory (fleet/windows.ts). */
const WINDOWS_FROM = 2048;

/** The candidates of one request. */
export interface Candidates {
  views: readonly HostOverview[];
  models: Array<Candidate & { trainedWindow?: number }>;
  queue: Candidacy[];
  /** The host a candidate is on, with its overview (the first host for an untagged one). */
  unit(host: string | undefined): HostOverview;
  /** The candidate tried `i`-th: the ranking is made when the named model is used up; undefined past the last. */
  at(i: number): Candidacy | undefined;
  coldLoadMs(): ReadonlyMap<string, number>;
  /**
   * The first candidate, held on its host for this request from the moment it was chosen (with several
   * hosts), so requests placed beside it see that copy taken.
   */
  held?: Candidacy;
}

/**
 * No candidate at all: why of every model here, added to `attempts` (no-candidate.ts, which throws when
 * nothing else may answer).
 */
function sayNoCandidate({ parts, req, ask, models, views }: Listing, attempts: Attempt[]): void {
  const { profile, task } = ask.work;
  noCandidate(parts, req, {
    profile,
    task,
    models,
    attempts,
    contextTokens: ask.contextTokens,
    promptTokens: ask.promptTokens,
    answerTokens: ask.answerTokens,
    namedHost: parts.fleet.hosts.length > 1 ? (m) => m.host ?? views[0]!.host.name : undefined,
  });
}

/**
 * The candidates of `ask` on the hosts `placed` holds. `planned`: a plan's ranking (offload-plan.ts),
 * taken to this request's window instead of ranking again.
 */
export async function listCandidates(
  parts: JobParts,
  req: RouteRequest,
  ask: Prepared,
  placed: Placement,
  attempts: Attempt[],
  planned?: Ranking,
): Promise<Candidates> {
  const { views } = placed;
  const hostsDown = attempts.length;
  const unit = (name: string | undefined) => views.find((v) => v.host.name === name) ?? views[0]!;
  // a prompt longer than a base context: each model's window is what its host's memory can hold now
  const models: Candidates['models'] = ask.contextTokens > WINDOWS_FROM ? await placed.windowed() : placed.listed;
  const queue: Candidacy[] = [];
  const namedRefused = req.model ? namedFirst(req.model, req, ask, models, queue, attempts) : undefined;
  let cold: ReturnType<typeof coldLoadEstimates> | undefined;
  const coldLoadMs = () => (cold ??= coldLoadEstimates(models, parts.records.metrics.loadSpeed()));
  const listing: Listing = { parts, req, ask, views, models, queue, unit, coldLoadMs, client: clientOf(req) };
  let ranked = req.only === true; // the named model or nothing
  const rank = () => {
    if (ranked) return;
    ranked = true;
    rankInto(listing, planned);
  };
  const named = queue[0];
  const namedView = named && unit(named.host);
  if (!ranked && (!named || req.dryRun || !namedView || isFull(namedView, named.model))) rank();
  // several hosts hold the model: the copy whose engine read this prompt's prefix already (route-affinity.ts)
  if (views.length > 1)
    preferCachedCopy(
      promptOwnerOf(req),
      ask,
      queue,
      models,
      unit,
      (view, model) => view.host.loader.waitingAhead(model, clientOf(req), ask.maxTokens).length,
    );

  // no candidate at all (what the hosts that are down would have offered is unknown): say why of every model here
  if (queue.length === 0 && attempts.every((a, i) => i < hostsDown || a === namedRefused))
    sayNoCandidate(listing, attempts);
  // with several hosts, the first candidate is this request's until it begins there (loading/quick-holds.ts), held in
  // the same step it was chosen: calls placed at the same moment see that copy's slot taken and spread to another
  const held = views.length > 1 && !req.dryRun ? queue[0] : undefined;
  if (held) unit(held.host).host.loader.hold(held.model, ask.maxTokens);
  return {
    views,
    models,
    queue,
    unit,
    coldLoadMs,
    ...(held && { held }),
    at: (i) => (i < queue.length || (!ranked && (rank(), i < queue.length)) ? queue[i] : undefined),
  };
}

/**
 * The named model first in the queue — its reason the one the caller gave (`chosenBecause`, when
 * a planner chose it), else that the caller named it; whatever the profile rule would say — or, in
 * `attempts`, why it cannot take the work (it writes no text, cannot see the images given, its
 * window is too small), that attempt returned: when no other model can take the work, each one's
 * reason is said too (no-candidate.ts).
 */
function namedFirst(
  name: string,
  req: RouteRequest,
  ask: Prepared,
  models: Candidates['models'],
  queue: Candidacy[],
  attempts: Attempt[],
): Attempt | undefined {
  const named = findModel(models, name);
  if (!named) {
    attempts.push({
      model: shortened(name),
      error: `not installed — ${meant(models, name)}pull it with \`ollama pull ${shortened(name)}\``,
    });
    return undefined;
  }
  // named, it is not held to the profile rule (a general model for code is used as named), only to what it
  // cannot do at all
  const cannot = cannotDoBecause(named, { images: (req.images?.length ?? 0) > 0 });
  if (cannot) {
    const refused = { model: named.name, error: `${named.name} was named, but it ${cannot}, so it was not tried` };
    attempts.push(refused);
    return refused;
  }
  if (named.contextWindow < ask.contextTokens) {
    const trained = named.trainedWindow ?? named.contextWindow;
    const bound =
      trained > named.contextWindow
        ? ` (trained for ${trained}; its host's memory holds ${named.contextWindow} for it now)`
        : '';
    const tooSmall = {
      model: named.name,
      error:
        `its ${named.contextWindow}-token window${bound} is too small for ~${ask.promptTokens} ` +
        `prompt + ${ask.answerTokens} answer tokens`,
    };
    attempts.push(tooSmall);
    return tooSmall;
  }
  queue.push({
    model: named.name,
    why: req.chosenBecause ?? `${named.name} was named by the caller`,
    ...(named.host !== undefined && { host: named.host }),
    chosen: true,
  });
  return undefined;
}

/** The installed names a name that is none may have meant, as the start of the next step (issue 75, finding 5). */
function meant(models: Candidates['models'], name: string): string {
  const names = [...new Set([...similarModels(models, name), ...nearModels(models, name)].map((m) => m.name))];
  return names.length ? `did you mean ${names.slice(0, 3).join(' or ')}? Name it exactly, or ` : '';
}
