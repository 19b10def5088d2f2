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
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import { clientOf } from '../fleet/slots-of.js';
import { coldLoadsOf, modelsOf, namedFirst, orderedCopies, unitOf, type Candidates } from '../fleet/copies.js';
import type { Candidacy } from '../fleet/copy-spread.js';
import type { Placement } from '../fleet/placed.js';
import type { JobParts } from './parts.js';
import type { Ranking } from './work.js';
import type { Prepared } from './route-prepare.js';
import { noCandidate } from './no-candidate.js';
import { requestPace } from './request-pace.js';
import { rankInto, weighRouted, type Listing } from './route-ranked.js';

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
  const unit = unitOf(views);
  // a prompt longer than a base context: each model's window is what its host's memory can hold now
  const models = await modelsOf(placed, ask.contextTokens, parts.settings.options.contextSize);
  const queue: Candidacy[] = [];
  const namedRefused = req.model ? namedFirst(req.model, req, ask, models, queue, attempts) : undefined;
  const coldLoadMs = coldLoadsOf(models, parts.records.metrics);
  const listing: Listing = { parts, req, ask, views, models, queue, unit, coldLoadMs, client: clientOf(req) };
  return orderedCopies({
    req,
    ask,
    views,
    models,
    queue,
    unit,
    coldLoadMs,
    measures: parts.records.metrics,
    pace: requestPace(parts, ask, views),
    // the named model or nothing (`only`), else the route's ranking: a plan's, taken to this window, or made now
    rank: req.only === true ? undefined : () => rankInto(listing, planned),
    weigh: () => weighRouted(listing),
    // no candidate at all (what the hosts that are down would have offered is unknown): say why of every model here
    none: () => {
      if (attempts.every((a, i) => i < hostsDown || a === namedRefused)) sayNoCandidate(listing, attempts);
    },
  });
}
