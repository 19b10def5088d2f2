/**
 * The route's ranking of one request's candidates (route-candidates.ts): a plan's ranking taken to
 * this request's window, else ranked now (work.ts), added to the queue after the named model; then,
 * once its copies are spread across hosts by the requests waiting ahead (fleet/copies.ts, the one
 * place a copy is chosen), a routed call moved to a model that answers sooner or within its
 * client's limit.
 */
import type { HostOverview } from '../fleet/placement.js';
import type { Candidate } from '../fleet/windows.js';
import type { RouteRequest } from '../generation/route-types.js';
import type { JobParts } from './parts.js';
import type { Prepared } from './route-prepare.js';
import { fitRanking, routeRanking, type Ranking } from './work.js';
import { fitLimit } from './limit-route.js';
import { shareBusy } from './route-spread.js';
import type { Candidacy } from '../fleet/copy-spread.js';

/** What the steps of one request's candidates share: the request, the hosts, their models and the queue so far. */
export interface Listing {
  parts: JobParts;
  req: RouteRequest;
  ask: Prepared;
  views: readonly HostOverview[];
  models: Array<Candidate & { trainedWindow?: number }>;
  /** Who asks, for turns on a model's slots (route-candidates.ts clientOf). */
  client: string;
  queue: Candidacy[];
  unit: (name: string | undefined) => HostOverview;
  coldLoadMs: () => ReadonlyMap<string, number>;
}

/** The route's ranking (a plan's, taken to this window, else made now) added to the queue. */
export function rankInto(l: Listing, planned: Ranking | undefined): void {
  const { parts, req, ask, models, queue } = l;
  const ranking =
    (planned && fitRanking(planned, models, ask.contextTokens)) ??
    routeRanking(parts, ask.work, req, models, ask.contextTokens, l.coldLoadMs());
  ask.work.profile = ranking.profile;
  ask.work.how = ranking.how;
  for (const r of ranking.selection?.ranked ?? [])
    if (!queue.some((q) => q.model === r.model && q.host === r.host)) queue.push(r);
}

/**
 * The queue's order, its copies spread (fleet/copies.ts), weighed for a routed call: its first model busy
 * with others' requests, it goes to one that answers sooner; one that would not finish within its client's
 * limit, to the best that would (limit-route.ts). A model the user named or chose stays.
 */
export function weighRouted(l: Listing): void {
  const { parts, req, ask, models, queue, client } = l;
  if (req.model) return;
  shareBusy(parts, queue, {
    models,
    unit: l.unit,
    coldLoadMs: l.coldLoadMs(),
    maxTokens: ask.maxTokens,
    profile: ask.work.profile,
    task: ask.work.task,
    client,
  });
  fitLimit(parts, req, { promptTokens: ask.promptTokens, maxTokens: ask.maxTokens, task: ask.work.task }, queue, {
    models,
    unit: l.unit,
    coldLoadMs: l.coldLoadMs(),
    client,
  });
}
