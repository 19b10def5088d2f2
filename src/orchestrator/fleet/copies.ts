/**
 * A request's candidates as the hosts' state orders them now, the run-time half of their order:
 * the model named first — as found on the hosts that answer now, or why it cannot take the
 * request —, then, when that model is used up (or its copy is busy, or for a dry run), the ranking
 * the caller adds (`rank`: a request's plan ranks, route/route-candidates.ts; a split job's part
 * takes the plan's ranking as it is, jobs/part-route.ts); with several hosts, the copy whose engine
 * already read the prompt's prefix first (copy-affinity.ts), and the first candidate held on its
 * host from the moment it was chosen (loading/quick-holds.ts), so requests placed beside it see
 * that copy taken.
 */
import { findModel, similarModels } from '../models/catalog.js';
import { nearModels } from '../engines/model-names.js';
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import { cannotDoBecause } from '../generation/routing-rules.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import type { MetricsStore } from '../stores/metrics.js';
import { shortened } from '../util/shorten.js';
import { preferCachedCopy } from './copy-affinity.js';
import { isFull, type Candidacy } from './copy-spread.js';
import type { Placement } from './placed.js';
import type { HostOverview } from './placement.js';
import { promptOwnerOf } from './prefix-sent.js';
import { clientOf } from './slots-of.js';
import type { Candidate } from './windows.js';

/** Above this context, each candidate's window is weighed against its host's memory (windows.ts). */
const WINDOWS_FROM = 2048;

/** The candidates of one request. */
export interface Candidates {
  views: readonly HostOverview[];
  models: Array<Candidate & { trainedWindow?: number }>;
  queue: Candidacy[];
  /** The host a candidate is on, with its overview (the first host for an untagged one). */
  unit(host: string | undefined): HostOverview;
  /** The candidate tried `i`-th: the ranking is added when the named model is used up; undefined past the last. */
  at(i: number): Candidacy | undefined;
  coldLoadMs(): ReadonlyMap<string, number>;
  /**
   * The first candidate, held on its host for this request from the moment it was chosen (with several
   * hosts), so requests placed beside it see that copy taken.
   */
  held?: Candidacy;
}

/** What the engine is asked, as its candidates are weighed (route/route-prepare.ts shapes it). */
interface Asked {
  readonly system: string | undefined;
  readonly prompt: string;
  readonly promptTokens: number;
  readonly answerTokens: number;
  readonly contextTokens: number;
  readonly maxTokens: number;
}

/** The placement's models: a prompt longer than a base context, with the windows their hosts' memory holds now. */
export async function modelsOf(placed: Placement, contextTokens: number): Promise<Candidates['models']> {
  return contextTokens > WINDOWS_FROM ? await placed.windowed() : placed.listed;
}

/** The host a candidate is on, with its overview (the first host for an untagged one). */
export const unitOf = (views: readonly HostOverview[]) => (name: string | undefined) =>
  views.find((v) => v.host.name === name) ?? views[0]!;

/** The models' cold loads, estimated once when first asked for. */
export function coldLoadsOf(models: readonly Candidate[], metrics: Pick<MetricsStore, 'loadSpeed'>) {
  let cold: ReturnType<typeof coldLoadEstimates> | undefined;
  return () => (cold ??= coldLoadEstimates(models, metrics.loadSpeed()));
}

/** What a request's order is made of: the queue so far (the named model), and how the ranking is added. */
export interface Ordering {
  req: RouteRequest;
  ask: Asked;
  views: readonly HostOverview[];
  models: Candidates['models'];
  queue: Candidacy[];
  unit: (host: string | undefined) => HostOverview;
  coldLoadMs: () => ReadonlyMap<string, number>;
  /** Adds the ranking to the queue, at most once; undefined: the named model or nothing (`only`). */
  rank: (() => void) | undefined;
  /** Said when the queue is empty before anything was held (route/no-candidate.ts says why of every model). */
  none?: () => void;
}

/**
 * The order run: the ranking added at once when there is no named model, its copy is busy or the
 * run is dry (else when the named model is used up); the copy that read the prefix first, and with
 * several hosts the first candidate held.
 */
export function orderedCopies(o: Ordering): Candidates {
  const { req, ask, views, models, queue, unit, coldLoadMs } = o;
  let ranked = o.rank === undefined;
  const rank = () => {
    if (ranked) return;
    ranked = true;
    o.rank!();
  };
  const named = queue[0];
  const namedView = named && unit(named.host);
  if (!ranked && (!named || req.dryRun || !namedView || isFull(namedView, named.model))) rank();
  // several hosts hold the model: the copy whose engine read this prompt's prefix already (copy-affinity.ts)
  if (views.length > 1)
    preferCachedCopy(
      promptOwnerOf(req),
      ask,
      queue,
      models,
      unit,
      (view, model) => view.host.loader.waitingAhead(model, clientOf(req), ask.maxTokens).length,
    );
  if (queue.length === 0) o.none?.();
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
 * reason is said too (route/no-candidate.ts).
 */
export function namedFirst(
  name: string,
  req: RouteRequest,
  ask: Asked,
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
