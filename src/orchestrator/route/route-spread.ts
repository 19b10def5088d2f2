/**
 * Calls for one model spread over the copies on several hosts (issue 64, a hot model): a copy whose
 * slots are all taken is passed for a copy with a free slot — loaded, or to be loaded when loading
 * takes less than the wait behind the busy copy — and, with every loaded copy busy, for the one whose
 * slot frees sooner (the work its running and waiting requests have left). And a routed call whose
 * first model is busy goes to another model that answers sooner without unloading anything
 * (shareBusy) — never when that model is the user's choice, which waits its turn as a named one
 * does. route-candidates.ts orders a request's candidates with them.
 */
import { othersAt, type HostOverview } from '../fleet/placement.js';
import { othersAsRequests, othersCount, slotsFull } from '../fleet/others-load.js';
import type { Candidate } from '../fleet/windows.js';
import { expectedAnswerTokens, typicalAnswerTokens } from '../generation/answer-length.js';
import { evidenceFor } from '../generation/learning.js';
import { fairChoice, type Contender } from '../generation/schedule.js';
import { answerLimit } from '../generation/stream.js';
import { findModel } from '../models/catalog.js';
import type { ProfileName, TaskType } from '../config/profiles.js';
import type { JobParts } from './parts.js';

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
 * loading the other (0: loaded).
 */
export interface SpreadCost {
  waitMs(c: Candidacy): number | undefined;
  loadMs(c: Candidacy): number;
}

/**
 * Concurrent requests for one model use the hosts that hold it: a copy whose every parallel slot
 * is taken by a request of ours goes after the same model on a host with a free slot — loaded there,
 * or to be loaded when that takes less than the wait behind the busy copy's slots — and, with
 * every copy's slots taken, after the copy with the shortest queue per slot (requests running and
 * waiting there, others' where its engine counts them), so no copy's queue grows while another's
 * is shorter.
 */
export function spreadBusy(
  queue: Candidacy[],
  viewOf: (c: Candidacy) => HostOverview,
  backlog: (c: Candidacy) => number,
  cost: SpreadCost,
): void {
  const full = (c: Candidacy) => isFull(viewOf(c), c.model);
  for (let i = 0; i < queue.length; i++) {
    const c = queue[i]!;
    if (!full(c)) continue;
    const copies = (pick: (o: Candidacy) => boolean) =>
      queue.findIndex((o, j) => j > i && o.model === c.model && o.host !== c.host && pick(o));
    // a loaded copy with a free slot; else one to load, when loading it takes less than the wait here
    // (unknown: it is loaded)
    let to = copies((o) => !full(o) && cost.loadMs(o) === 0);
    if (to < 0) {
      const wait = cost.waitMs(c);
      to = copies((o) => !full(o) && (wait === undefined || cost.loadMs(o) < wait));
    }
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

/** What shareBusy weighs a call's candidates with. */
interface ShareFacts {
  models: readonly Candidate[];
  unit(host: string | undefined): HostOverview;
  coldLoadMs: ReadonlyMap<string, number>;
  /** The call's answer limit: its bound. */
  maxTokens: number;
  profile: ProfileName;
  task: TaskType;
  client: string;
}

/**
 * A candidate as the schedule weighs it: its slots' requests, its speed here, and the answer it is expected
 * to write.
 */
function contenderOf(parts: JobParts, q: Candidacy, c: ShareFacts): Contender {
  const { host } = c.unit(q.host);
  const m = c.models.find((x) => x.name === q.model && x.host === q.host) ?? findModel(c.models, q.model);
  const seen = evidenceFor(parts.records.outcomes.evidence(), { model: q.model, host: q.host, work: c.profile });
  // the dry run's speed (this work's record here), else what the metrics measured of the model
  const measured =
    seen && seen.speedSamples > 0 ? seen.tokensPerSecond : parts.records.metrics.all()[q.model]?.avgTokensPerSecond;
  const cold = c.coldLoadMs.get(q.model);
  const typical = answerLimit(undefined, parts.settings);
  const others = othersAt(c.unit(q.host), q.model);
  const theirs = othersAsRequests(others, typical);
  const ours = host.loader.inFlight(q.model).map((r) => ({ elapsedMs: r.elapsedMs, tokens: r.tokens ?? typical }));
  // those in flight (ours, then other clients' on its engine), then those waiting for a slot that this
  // client's call would wait behind (loading/slot-gate.ts, the engine's queue)
  const ahead = host.loader
    .waitingAhead(q.model, c.client, c.maxTokens)
    .map((w) => ({ elapsedMs: 0, tokens: w.tokens }));
  const learned = parts.records.speeds?.at(host.name, q.model, c.task) ?? {};
  return {
    model: q.model,
    host: q.host,
    loaded: m?.loaded ?? false,
    fitsFree: m?.fitsNow ?? false,
    running: [...ours, ...theirs.running, ...ahead, ...theirs.waiting],
    slots: others.slots ?? host.settings.ollama.numParallel,
    sizeBytes: m?.sizeBytes ?? 0,
    answerTokens: expectedAnswerTokens(c.maxTokens, learned, typicalAnswerTokens(c.task)),
    ...(m?.parameterSize !== undefined && { parameterSize: m.parameterSize }),
    ...(cold !== undefined && { coldLoadSeconds: cold / 1000 }),
    ...(measured !== undefined && { tokensPerSecond: measured }),
  };
}

/**
 * When the first candidate's slots are all taken, the candidate that answers sooner without
 * unloading anything goes first (generation/schedule.ts), its reason saying why — unless the first
 * is the user's choice: it is served as chosen, its turn taken on its slots.
 */
export function shareBusy(parts: JobParts, queue: Candidacy[], c: ShareFacts): void {
  // a free slot, or the user's choice: nothing to weigh
  if (queue.length < 2 || queue[0]!.chosen || !isFull(c.unit(queue[0]!.host), queue[0]!.model)) return;
  const contenders = queue.map((q) => contenderOf(parts, q, c));
  const moved = fairChoice(contenders, c.maxTokens);
  if (!moved) return;
  const busy = contenders[0]!;
  const [chosen] = queue.splice(moved.index, 1);
  const secs = (s: number) => (s < 10 ? s.toFixed(1) : String(Math.round(s)));
  const load = moved.loadSeconds > 0 ? `, ${secs(moved.loadSeconds)} s of it loading beside the others` : '';
  const theirs = othersCount(othersAt(c.unit(busy.host), busy.model));
  const ofOthers = theirs > 0 ? ` (${theirs} of them of other clients on its engine)` : '';
  const slots =
    `${busy.slots === 1 ? 'its slot is' : `its ${busy.slots} slots are`} answering ` +
    `${busy.running.length} ${busy.running.length === 1 ? 'request' : 'requests'}${ofOthers}`;
  queue.unshift({
    ...chosen!,
    why:
      `${chosen!.why}; it answers sooner than ${busy.model}, ${slots} (~${secs(moved.seconds)} s ` +
      `here${load}, against ~${secs(moved.waitSeconds)} s of waiting + ` +
      `${secs(moved.busySeconds - moved.waitSeconds)} s there)`,
  });
}
