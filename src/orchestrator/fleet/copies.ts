/**
 * A request's candidates as the hosts' state orders them now, the run-time half of their order and
 * the one place where a call's copy is chosen, whichever way it came — named, routed, a split job's
 * part (jobs/part-route.ts), relayed through a claim or a box: the model named first — each of its
 * copies on the hosts that answer now, the loaded first (generation/router.ts copiesInOrder), or why
 * it cannot take the request —, then, when that model is used up (or its copy is busy, or for a dry
 * run), the ranking the caller adds (`rank`: a request's plan ranks, route/route-candidates.ts; a
 * split job's part takes the plan's ranking as it is); with several hosts, a busy copy passed for a
 * free one (copy-spread.ts), the copy whose engine already read the prompt's prefix first
 * (copy-affinity.ts), and the first candidate held on its host from the moment it was chosen
 * (loading/quick-holds.ts), so requests placed beside it see that copy taken. The survivor of a copy
 * that failed is the next in this order: another copy of the model, loaded first.
 */
import { findModel, similarModels } from '../models/catalog.js';
import { isModel, nearModels } from '../engines/model-names.js';
import type { FilledRequest } from '../generation/request-shape.js';
import type { Attempt, RouteRequest } from '../generation/route-types.js';
import { copiesInOrder } from '../generation/router.js';
import { cannotDoBecause } from '../generation/routing-rules.js';
import { coldLoadEstimates } from '../loading/load-estimate.js';
import type { MetricsStore } from '../stores/metrics.js';
import { shortened } from '../util/shorten.js';
import { preferCachedCopy } from './copy-affinity.js';
import { servedAt } from './kept-window.js';
import { copyLoadMs, isFull, spreadCopies, type Candidacy, type Measures, type Pace } from './copy-spread.js';
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
  /** `reloadFrom`: a copy weighed as its reload (kept-window.ts servedAt). */
  models: Array<Candidate & { trainedWindow?: number; reloadFrom?: number }>;
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
type Asked = Pick<
  FilledRequest,
  'system' | 'prompt' | 'promptTokens' | 'answerTokens' | 'contextTokens' | 'maxTokens' | 'answer'
>;

/**
 * The placement's models: a prompt longer than a base context, with the windows their hosts' memory holds now;
 * a copy loaded with a window too small for the request weighed as its reload (kept-window.ts servedAt), so
 * another copy serves it first. `explicit`: the user's window (options.contextSize), kept over the loaded one.
 */
export async function modelsOf(
  placed: Placement,
  contextTokens: number,
  explicit?: number,
): Promise<Candidates['models']> {
  return servedAt(contextTokens > WINDOWS_FROM ? await placed.windowed() : placed.listed, contextTokens, explicit);
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
  /** What was measured here: the models' speeds and loads, that a copy's wait and load are weighed with. */
  measures: Measures;
  /** Adds the ranking to the queue, at most once; undefined: the named model or nothing (`only`). */
  rank: (() => void) | undefined;
  /** Once the ranking is added and its copies spread: the route's own weighing of a routed call (route-ranked.ts). */
  weigh?: () => void;
  /** Said when the queue is empty before anything was held (route/no-candidate.ts says why of every model). */
  none?: () => void;
  /** The first candidate is the copy a split job's plan gave the request (jobs/part-slots.ts): not moved for a cache. */
  planned?: true;
  /** Each copy's time for the request at its host's speeds: a busy copy is passed only for one that answers sooner. */
  pace?: Pace;
}

/**
 * The order run: the ranking added at once when there is no named model, its copy is busy or the
 * run is dry (else when the named model is used up); with several hosts the copies spread from busy
 * to free ones, the copy that read the prefix first, and the first candidate held.
 */
export function orderedCopies(o: Ordering): Candidates {
  const { req, ask, views, models, queue, unit, coldLoadMs, measures } = o;
  const several = views.length > 1;
  const client = clientOf(req);
  // the queue's copies from `from` on: a busy copy passed for a free one, loaded or to load (copy-spread.ts)
  const spread = (from: number) => {
    if (several)
      spreadCopies(
        { queue, models, unit, client, maxTokens: ask.maxTokens, typical: ask.answer.tokens, measures, pace: o.pace },
        from,
      );
  };
  let ranked = o.rank === undefined;
  const rank = (from: number) => {
    ranked = true;
    o.rank!();
    spread(from);
    o.weigh?.();
  };
  const named = queue[0];
  const namedView = named && unit(named.host);
  if (!ranked && (!named || req.dryRun || !namedView || isFull(namedView, named.model))) rank(0);
  else spread(0);
  // several hosts hold the model: the copy whose engine read this prompt's prefix already (copy-affinity.ts)
  if (several && !o.planned) {
    const loadMs = (m: Candidate) => copyLoadMs(m, measures);
    const ahead = (view: HostOverview, model: string) =>
      view.host.loader.waitingAhead(model, client, ask.maxTokens).length;
    preferCachedCopy({ owner: promptOwnerOf(req), ask, queue, models, unit, loadMs }, ahead);
  }
  if (queue.length === 0) o.none?.();
  // with several hosts, the first candidate is this request's until it begins there (loading/quick-holds.ts), held in
  // the same step it was chosen: calls placed at the same moment see that copy's slot taken and spread to another
  const held = several && !req.dryRun ? queue[0] : undefined;
  if (held) unit(held.host).host.loader.hold(held.model, ask.maxTokens);
  return {
    views,
    models,
    queue,
    unit,
    coldLoadMs,
    ...(held && { held }),
    at: (i) => (i < queue.length || (!ranked && (rank(i), i < queue.length)) ? queue[i] : undefined),
  };
}

/**
 * The named model first in the queue — each copy of it that can take the request, the loaded first
 * (copiesInOrder), its reason the one the caller gave (`chosenBecause`, when a planner chose it),
 * else that the caller named it; whatever the profile rule would say — or, in `attempts`, why it
 * cannot take the work (it writes no text, cannot see the images given, its window is too small),
 * that attempt returned: when no other model can take the work, each one's reason is said too
 * (route/no-candidate.ts).
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
    attempts.push({ model: shortened(name), error: notListed(models, name, [...attempts]) });
    return undefined;
  }
  // named, it is not held to the profile rule (a general model for code is used as named), only to what it
  // cannot do at all
  const images = { images: (req.images?.length ?? 0) > 0 };
  const cannot = cannotDoBecause(named, images);
  if (cannot) {
    const refused = { model: named.name, error: `${named.name} was named, but it ${cannot}, so it was not tried` };
    attempts.push(refused);
    return refused;
  }
  const copies = models.filter((m) => isModel(m.name, named.name) && !cannotDoBecause(m, images));
  const holding = copiesInOrder(copies.filter((m) => m.contextWindow >= ask.contextTokens));
  if (holding.length === 0) {
    const tooSmall = { model: named.name, error: tooSmallFor(widest(copies) ?? named, ask) };
    attempts.push(tooSmall);
    return tooSmall;
  }
  const why = req.chosenBecause ?? `${named.name} was named by the caller`;
  for (const m of holding)
    queue.push({ model: m.name, why, ...(m.host !== undefined && { host: m.host }), chosen: true });
  return undefined;
}

/**
 * Why a named model is in no list, and the next step (issue 83, finding 3). `down`: the attempts made before it,
 * one per host that did not answer (placed.ts) — each with its own engine's next step: one of them may serve it,
 * so it is started, never \`ollama pull\` (a llama.cpp model is in no Ollama registry). With every host answering:
 * a name a typo away, else how Ollama gets it.
 */
function notListed(models: Candidates['models'], name: string, down: readonly Attempt[]): string {
  if (down.length === 0) return `not installed — ${meant(models, name)}pull it with \`ollama pull ${shortened(name)}\``;
  const near = meant(models, name).replace(/ Name it exactly, or $/, '');
  return (
    `not listed by the hosts that answer${near ? ` (${near})` : ''} — ${down.map((d) => d.model).join(', ')} ` +
    `did not answer and may serve it: start ${down.length === 1 ? 'it' : 'them'} as said, then call again`
  );
}

/** Of a model's copies, the one with the largest window. */
const widest = (copies: Candidates['models']) =>
  copies.reduce<Candidates['models'][number] | undefined>(
    (w, m) => (!w || m.contextWindow > w.contextWindow ? m : w),
    undefined,
  );

/** Why the named model's window cannot hold the request (its host's memory bounding it, when it does). */
function tooSmallFor(named: Candidates['models'][number], ask: Asked): string {
  const trained = named.trainedWindow ?? named.contextWindow;
  const bound =
    trained > named.contextWindow
      ? ` (trained for ${trained}; its host's memory holds ${named.contextWindow} for it now)`
      : '';
  return (
    `its ${named.contextWindow}-token window${bound} is too small for ~${ask.promptTokens} ` +
    `prompt + ${ask.answerTokens} answer tokens`
  );
}

/**
 * The installed names a name that is none may have meant, as the start of the next step (issue 75, finding 5;
 * compare's too, issue 83, finding 7).
 */
export function meant(models: ReadonlyArray<{ name: string }>, name: string): string {
  const names = [...new Set([...similarModels(models, name), ...nearModels(models, name)].map((m) => m.name))];
  return names.length ? `did you mean ${names.slice(0, 3).join(' or ')}? Name it exactly, or ` : '';
}
