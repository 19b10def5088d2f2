/**
 * The route's order against the client's limit (generation/limit-fit.ts decides, over plain data):
 * each candidate's time is the dry run's expected estimate (plan-estimate.ts: the load when not
 * loaded, the wait behind busy slots, reading the prompt and writing an answer as long as such
 * answers ran, at the speeds learned there), and when the first would not finish within the time
 * the call has — as measured, not guessed — the best that would goes first, its reason saying so.
 * Only for a routed call (a named model stays) with a client that has a limit, and never for a
 * model the user chose for the work (served as chosen, handed over when it outlasts the client).
 */
import { fitWithin, limitReason } from '../generation/limit-fit.js';
import type { RouteRequest } from '../generation/route-types.js';
import type { TaskType } from '../config/profiles.js';
import { answerWithin } from '../generation/hand-over.js';
import { estimatePlan } from './plan-estimate.js';
import type { JobParts } from './parts.js';
import type { Candidacy } from '../fleet/copy-spread.js';
import { hostFacts, othersAt, type HostOverview } from '../fleet/placement.js';

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

/**
 * What the call asks: its prompt, its answer's limit (a bound) and its task (the answer expected as such
 * answers ran).
 */
interface Ask {
  promptTokens: number;
  maxTokens: number;
  task: TaskType;
}

/** The most candidates weighed: the best few for the work (each estimate is arithmetic over what is known). */
const WEIGHED = 6;

/** The expected time of candidate `q`, and whether it rests on speeds measured here. */
function timed(
  parts: JobParts,
  ask: Ask,
  q: Candidacy,
  c: Facts,
): { seconds: number; measured: boolean; chosen: boolean } {
  const view = c.unit(q.host);
  const m = c.models.find((x) => x.name === q.model && x.host === q.host) ?? c.models.find((x) => x.name === q.model);
  const place = {
    host: view.host,
    ...hostFacts(view.overview),
    model: q.model,
    loaded: m?.loaded ?? false,
    sizeBytes: m?.sizeBytes,
    parameterSize: m?.parameterSize,
    coldLoadMs: c.coldLoadMs.get(q.model),
    client: c.client,
    others: othersAt(view, q.model),
  };
  const promptTokens = Math.round(ask.promptTokens * (parts.records.metrics.tokenRatio(q.model) ?? 1));
  const e = estimatePlan(parts, place, { promptTokens, maxTokens: ask.maxTokens, task: ask.task });
  return { seconds: e.seconds, measured: e.known, chosen: q.chosen === true };
}

export function fitLimit(
  parts: JobParts,
  req: Pick<RouteRequest, 'clientLimitMs'>,
  ask: Ask,
  queue: Candidacy[],
  c: Facts,
): void {
  const within = answerWithin(req.clientLimitMs);
  // the user's choice is served as chosen: nothing to weigh
  if (within === undefined || queue.length < 2 || queue[0]!.chosen) return;
  const weighed = queue.slice(0, WEIGHED).map((q) => timed(parts, ask, q, c));
  const fit = fitWithin(weighed, within / 1000);
  if (!fit) return;
  const first = queue[0]!;
  const [chosen] = queue.splice(fit.index, 1);
  queue.unshift({ ...chosen!, why: `${chosen!.why}; ${limitReason(fit, first.model, within / 1000)}` });
}
