/**
 * The route's ranking of one request's candidates (route-candidates.ts): a plan's ranking taken to
 * this request's window, else ranked now (work.ts), added to the queue after the named model; then
 * the queue's order weighed by how busy each copy is — spread across hosts by the requests waiting
 * ahead (fleet/copy-spread.ts), a routed call moved to a model that answers sooner or within its
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
import { spreadCopies, type Candidacy } from '../fleet/copy-spread.js';

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

/**
 * The route's ranking (a plan's, taken to this window, else made now) added to the queue, then its order
 * weighed by how busy each copy is.
 */
export function rankInto(l: Listing, planned: Ranking | undefined): void {
  const { parts, req, ask, models, queue, views, client } = l;
  const ranking =
    (planned && fitRanking(planned, models, ask.contextTokens)) ??
    routeRanking(parts, ask.work, req, models, ask.contextTokens, l.coldLoadMs());
  ask.work.profile = ranking.profile;
  ask.work.how = ranking.how;
  for (const r of ranking.selection?.ranked ?? [])
    if (!queue.some((q) => q.model === r.model && q.host === r.host)) queue.push(r);
  // with several hosts, the queue's copies spread by the requests waiting ahead on each (fleet/copy-spread.ts);
  // another request's answer: the limit of one that sets none, as the call settled it
  if (views.length > 1)
    spreadCopies({
      ...l,
      maxTokens: ask.maxTokens,
      typical: ask.answer.tokens,
      speeds: parts.records.metrics.all(),
    });
  // a routed call whose first model is busy with others' requests goes to one that answers sooner; a model
  // the user chose stays
  if (!req.model)
    shareBusy(parts, queue, {
      models,
      unit: l.unit,
      coldLoadMs: l.coldLoadMs(),
      maxTokens: ask.maxTokens,
      profile: ask.work.profile,
      task: ask.work.task,
      client,
    });
  // a routed call whose first model would not finish within its client's limit goes to the best that would
  // (limit-route.ts)
  if (!req.model)
    fitLimit(parts, req, { promptTokens: ask.promptTokens, maxTokens: ask.maxTokens, task: ask.work.task }, queue, {
      models,
      unit: l.unit,
      coldLoadMs: l.coldLoadMs(),
      client,
    });
}
