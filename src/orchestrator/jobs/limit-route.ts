/**
 * The route's order against the client's limit (generation/limit-fit.ts decides, over plain data):
 * each candidate's time is the dry run's estimate (plan-estimate.ts: the load when not loaded, the
 * wait behind busy slots, reading the prompt and writing the answer at the speeds learned there),
 * and when the first would not finish within the time the call has, the best that would goes first,
 * its reason saying so. Only for a routed call (a named model stays) with a client that has a limit.
 */
import { fitWithin, limitReason, UNSEEN_ANSWER_TOKENS } from '../generation/limit-fit.js';
import type { RouteRequest } from '../generation/route-types.js';
import { answerWithin } from './long-work.js';
import { estimatePlan } from './plan-estimate.js';
import type { JobParts } from './parts.js';
import { othersAt, type HostOverview } from '../fleet/placement.js';

/** A candidate in the route's queue (route-candidates.ts Candidacy). */
interface Queued {
  model: string;
  why: string;
  host?: string;
}

/** What the route knows of a candidate model. */
interface Known {
  name: string;
  host?: string | undefined;
  loaded?: boolean;
  sizeBytes?: number;
  parameterSize?: string | undefined;
}

interface Facts {
  models: readonly Known[];
  unit(host: string | undefined): HostOverview;
  coldLoadMs: ReadonlyMap<string, number>;
  client: string;
}

/** The most candidates weighed: the best few for the work (each estimate is arithmetic over what is known). */
const WEIGHED = 6;

export function fitLimit(parts: JobParts, req: Pick<RouteRequest, 'clientLimitMs'>, ask: { promptTokens: number; maxTokens: number }, queue: Queued[], c: Facts): void {
  const within = answerWithin(req.clientLimitMs);
  if (within === undefined || queue.length < 2) return;
  const weighed = queue.slice(0, WEIGHED).map((q) => {
    const { host, overview } = c.unit(q.host);
    const m = c.models.find((x) => x.name === q.model && x.host === q.host) ?? c.models.find((x) => x.name === q.model);
    const place = { host, hostKind: overview.ram.host.kind, model: q.model, loaded: m?.loaded ?? false, sizeBytes: m?.sizeBytes, parameterSize: m?.parameterSize, coldLoadMs: c.coldLoadMs.get(q.model), client: c.client, others: othersAt(c.unit(q.host), q.model) };
    const promptTokens = Math.round(ask.promptTokens * (parts.records.metrics.tokenRatio(q.model) ?? 1));
    return { seconds: estimatePlan(parts, place, { promptTokens, maxTokens: ask.maxTokens, unseenAnswerTokens: UNSEEN_ANSWER_TOKENS }).seconds };
  });
  const fit = fitWithin(weighed, within / 1000);
  if (!fit) return;
  const first = queue[0]!;
  const [chosen] = queue.splice(fit.index, 1);
  queue.unshift({ ...chosen!, why: `${chosen!.why}; ${limitReason(fit, first.model, within / 1000)}` });
}
