/**
 * Calls for one model spread over the copies on several hosts (issue 64, a hot model), chosen at
 * run time from the hosts' state: a copy whose slots are all taken is passed for a copy with a
 * free slot — loaded, or to be loaded when loading takes less than the wait behind the busy copy —
 * and, with every loaded copy busy, for the one whose slot frees sooner (the work its running and
 * waiting requests have left). Every request's candidates are ordered with it, in one place
 * (copies.ts): named or routed, a split job's part, a call relayed through a claim or a box.
 */
import { othersAt, type HostOverview } from './placement.js';
import { othersAsRequests, othersCount, slotsFull } from './others-load.js';
import type { Candidate } from './windows.js';
import type { MetricsStore } from '../stores/metrics.js';
import { estimateLoadMs } from '../loading/load-estimate.js';
import { alikePaces } from './copies-pace.js';

export interface Candidacy {
  model: string;
  /** Why it is in the queue, for the result's reason. */
  why: string;
  host?: string;
  /**
   * Moved here because the copy on this host was busy (spreadBusy): loaded for it, it is an extra copy
   * (fleet/extra-copies.ts).
   */
  besideBusy?: string;
  /** Why the copy it would load here is extra, when not that the other was busy (fleet/reread-or-load.ts). */
  besideWhy?: string;
  /**
   * The user's choice (named, configured, preferred, made for the work): served as chosen, never traded for
   * time or a free slot.
   */
  chosen?: true;
}

/**
 * Whether loading another copy (`loadMs`) is worth the wait it saves (`waitMs`: behind a busy copy, or a split
 * job's parts on the copies it uses, fleet/parts-copies.ts): when it takes less; a wait unknown (no speed
 * measured yet) is taken as longer.
 */
export const worthLoading = (loadMs: number, waitMs: number | undefined) => waitMs === undefined || loadMs < waitMs;

/**
 * Every slot of the model at that host taken: by this server's requests, or — where its engine
 * publishes its own figures — by other clients' requests too (fleet/others-load.ts).
 */
export const isFull = (view: HostOverview, model: string) =>
  slotsFull(view.host.loader.requestsOn(model), othersAt(view, model), view.host.settings.ollama.numParallel);

/**
 * "; the copy on lab is busy with 3 requests of other clients on its engine", when others' requests are what
 * fill it.
 */
function othersWords(view: HostOverview, model: string, what: string): string {
  const n = othersCount(othersAt(view, model));
  return n > 0 ? `; ${what} is busy with ${n} ${n === 1 ? 'request' : 'requests'} of other clients on its engine` : '';
}

/**
 * What moving a call to another copy costs: the wait on the busy one (undefined: its speed unknown), and
 * loading the other (0: loaded); and whether the other's host has room for it (loaded, or it fits in free
 * memory there now: a copy for a rush unloads nothing).
 */
interface SpreadCost {
  waitMs(c: Candidacy): number | undefined;
  loadMs(c: Candidacy): number;
  room(c: Candidacy): boolean;
  pace?: Pace | undefined;
}

/**
 * The request's time (ms) on each host's copy of `busy`'s model, loaded and free, at that host's measured speeds
 * with the answer `busy`'s host expects (undefined: a speed there assumed).
 */
export type Pace = (busy: Candidacy) => (host: string | undefined) => number | undefined;

/**
 * Whether `o`, free, answers sooner than `c`, busy: where both speeds were measured and `o`'s is not alike `c`'s, its
 * time under the wait on `c` (`wait`) and `c`'s own (a GPU box's busy copy before a laptop's idle one ten times
 * slower); else it does, as before.
 */
function answersSooner(
  at: ReturnType<Pace> | undefined,
  c: Candidacy,
  o: Candidacy,
  wait: number | undefined,
): boolean {
  if (!at || wait === undefined) return true;
  const mine = at(c.host);
  const theirs = at(o.host);
  // faster, or alike (copies-pace.ts): as before
  if (mine === undefined || theirs === undefined || theirs <= mine || alikePaces(theirs, mine)) return true;
  return theirs < wait + mine;
}

/**
 * Concurrent requests for one model use the hosts that hold it: a copy whose every parallel slot
 * is taken by a request of ours goes after the same model on a host with a free slot — loaded there,
 * or to be loaded on a host with room when that takes less than the wait behind the busy copy's
 * slots — and, with
 * every copy's slots taken, after the copy with the shortest queue per slot (requests running and
 * waiting there, others' where its engine counts them), so no copy's queue grows while another's
 * is shorter.
 */
function spreadBusy(
  queue: Candidacy[],
  viewOf: (c: Candidacy) => HostOverview,
  backlog: (c: Candidacy) => number,
  cost: SpreadCost,
  from: number,
): void {
  const full = (c: Candidacy) => isFull(viewOf(c), c.model);
  for (let i = from; i < queue.length; i++) {
    const c = queue[i]!;
    if (!full(c)) continue;
    const copies = (pick: (o: Candidacy) => boolean) =>
      queue.findIndex((o, j) => j > i && o.model === c.model && o.host !== c.host && pick(o));
    // a loaded copy with a free slot that answers sooner than waiting here; else one to load, when loading it
    // takes less than the wait here (unknown: it is loaded)
    const wait = cost.waitMs(c);
    const at = cost.pace?.(c);
    const sooner = (o: Candidacy) => answersSooner(at, c, o, wait);
    let to = copies((o) => !full(o) && cost.loadMs(o) === 0 && sooner(o));
    if (to < 0) to = copies((o) => !full(o) && cost.room(o) && worthLoading(cost.loadMs(o), wait) && sooner(o));
    let why = othersWords(viewOf(c), c.model, `the copy on ${viewOf(c).host.name}`);
    if (to < 0) {
      // every loaded copy busy: the shortest queue per slot, when shorter than this one's
      const mine = backlog(c);
      for (let j = i + 1; j < queue.length; j++) {
        const o = queue[j]!;
        if (
          o.model === c.model &&
          o.host !== c.host &&
          cost.loadMs(o) === 0 &&
          backlog(o) < (to < 0 ? mine : backlog(queue[to]!))
        )
          to = j;
      }
      if (to > i) why = `; its queue is shorter than the copy on ${viewOf(c).host.name}'s`;
    }
    if (to > i) {
      const [moved] = queue.splice(to, 1);
      // another copy of the same model: the user's choice still (it is the model chosen)
      queue.splice(i, 0, {
        ...moved!,
        why: `${moved!.why}${why}`,
        ...(c.host !== undefined && { besideBusy: c.host }),
        ...(c.chosen && { chosen: true as const }),
      });
    }
  }
}

/**
 * The work ahead on a copy, per slot, in answer tokens: what its running requests have left (the
 * most each may write, less what it has written at the model's measured speed) and those waiting
 * whole, others' included where its engine counts them (as halfway through, or whole) — so of two
 * busy copies, the one whose slot frees sooner comes first.
 */
export function backlogPerSlot(
  view: HostOverview,
  model: string,
  waiting: ReadonlyArray<{ tokens: number }>,
  typical: number,
  tokensPerSecond: number | undefined,
): number {
  const others = othersAt(view, model);
  const theirs = othersAsRequests(others, typical);
  const left = (r: { elapsedMs: number; tokens: number }) =>
    Math.max(0, r.tokens - (tokensPerSecond ? (r.elapsedMs / 1000) * tokensPerSecond : 0));
  const running = view.host.loader
    .inFlight(model)
    .map((r) => ({ elapsedMs: r.elapsedMs, tokens: r.tokens ?? typical }));
  const work =
    [...running, ...theirs.running].reduce((n, r) => n + left(r), 0) +
    [...waiting, ...theirs.waiting].reduce((n, w) => n + w.tokens, 0);
  return work / Math.max(1, others.slots ?? view.host.settings.ollama.numParallel);
}

/** What was measured here that a copy's wait and load are weighed with (stores/metrics.ts). */
export type Measures = Pick<MetricsStore, 'all' | 'loadSpeed'>;

/**
 * Loading a copy of `m` on a host where it is not loaded: as long as its loads here took (the same
 * weights: a model this server loaded in 0.1 s is not guessed at 10 s because loads so quick say
 * nothing of the disk in general), else at the load speed measured here (else assumed,
 * loading/load-estimate.ts). What spreading a busy copy (spreadBusy) and loading beside others'
 * prompts (copy-affinity.ts) weigh alike.
 */
export function copyLoadMs(m: Pick<Candidate, 'name' | 'sizeBytes'>, measures: Measures): number {
  const own = measures.all()[m.name];
  if (own && own.loads > 0 && own.avgLoadMs > 0) return own.avgLoadMs;
  return estimateLoadMs(m.sizeBytes, measures.loadSpeed());
}

/** What the copies of a request's candidates are spread by: the hosts' state now, and what was measured. */
export interface Spreading {
  queue: Candidacy[];
  models: readonly Candidate[];
  unit: (host: string | undefined) => HostOverview;
  /** Who asks, for turns on a model's slots. */
  client: string;
  /** The request's answer limit, and another request's (the limit of one that sets none, as the call settled it). */
  maxTokens: number;
  typical: number;
  measures: Measures;
  /** Each copy's time for the request, at its host's speeds (route/split-copies.ts partPaces). */
  pace?: Pace | undefined;
}

/**
 * With several hosts, the queue's copies from `from` on spread by the requests waiting ahead on each
 * (spreadBusy): copies.ts orders every request's candidates with it, named, routed or a split job's part.
 */
export function spreadCopies(
  { queue, models, unit, client, maxTokens, typical, measures, pace }: Spreading,
  from = 0,
): void {
  const speeds = measures.all();
  const backlog = (c: Candidacy) =>
    backlogPerSlot(
      unit(c.host),
      c.model,
      unit(c.host).host.loader.waitingAhead(c.model, client, maxTokens),
      typical,
      speeds[c.model]?.avgTokensPerSecond,
    );
  const waitMs = (c: Candidacy) => {
    const speed = speeds[c.model]?.avgTokensPerSecond;
    return speed ? (backlog(c) / speed) * 1000 : undefined;
  };
  const copyOf = (c: Candidacy) => models.find((x) => x.name === c.model && x.host === c.host);
  const loadMs = (c: Candidacy) => {
    const m = copyOf(c);
    return m && !m.loaded && !m.cloud ? copyLoadMs(m, measures) : 0;
  };
  const room = (c: Candidacy) => {
    const m = copyOf(c);
    return !m || m.loaded || m.fitsNow;
  };
  spreadBusy(queue, (c) => unit(c.host), backlog, { waitMs, loadMs, room, pace }, from);
}
