/**
 * One load's state, and every way it may change, in ONE table (issue 74, Deliver 3). A load is one
 * call of Loader.ensureLoaded: it comes (pending), takes the quick path, shares another request's
 * load or waits its turn in the queue, is planned, unloads, loads — or waits, held back or for busy
 * models, and comes back to pending to be planned again — until it is answered: loaded, a dry
 * run's "would load", refused, failed or cancelled. `next` is pure; load-states.ts keeps each
 * load's state and moves it only through `next`, and the views read it from there.
 *
 * Where each wait of the loader sits (the map from the flags and waits it had before):
 * - loader.ts loadOnce, the quick path (a model loaded per the request's own reading, nothing to
 *   change): pending --succeed--> loaded. The model is then held for the request until it begins
 *   (quick-holds.ts) — a hold on the model, not a state of the load.
 * - loader.ts loadOnce, `shared` (a load of the same model, keep-alive, pin and context already
 *   asked): pending --share--> sharing; the sharer takes that load's answer as its own.
 * - load-queue.ts, one load or unload at a time: pending --enqueue--> queued, queued --plan-->
 *   planning when the queue runs it — in the order that unloads least (load-order.ts, over one
 *   reading in load-choice.ts) unless the oldest has waited STARVE_MS. The planner's `wanted`
 *   (the models of the loads still queued) and "waiting for … to finish" read these states.
 *   A dry run is planned at once, outside the queue: pending --plan--> planning.
 * - load-carry.ts: planning --unload--> unloading (the plan's unloads confirmed, the GPU's memory
 *   read free again), --load--> loading (the load within its time limit, confirmed; or a model
 *   loaded already sent its new pin or keep-alive). While a load unloads or loads, the quick path
 *   leaves the models it touches alone (what the loader's `going` set was). A pin brought back
 *   through the planner is a load of its own: pending --plan--> planning, outside the queue's order.
 * - room-waits.ts holdBack (a later load would take the room an earlier one waits for) and
 *   heldByTurn (a request on a model that a load whose turn has come unloads — also from the quick
 *   path, whose hold is then let go): planning|sharing|pending --holdBack--> heldBack, waiting for
 *   that load's answer; then heldBack --wake--> pending, planned again.
 * - busy-wait.ts, a refusal only requests running cause (the plan's `waitFor`, with a model
 *   lingering LINGER_MS after its last request counted busy before the load's turn, in-flight.ts;
 *   or a request the quick path let through just begun): planning|sharing --waitForBusy-->
 *   waitingForBusy, until one of them ends, its turn comes or BUSY_WAIT_MS pass; then
 *   waitingForBusy --wake--> pending. What the load unloads once they end (its room,
 *   room-waits.ts wait) stays with the load until it is answered: later loads that would take that
 *   room are held back, and once its turn has come (TURN_MS after it came — a time, not a state)
 *   so are new requests on those models.
 * - the answer (Loader.ensureLoaded): loaded, wouldLoad (a dry run), refused (for good: no room,
 *   past BUSY_WAIT_MS, beside its own job's models, a load that cannot wait), failed (an error),
 *   cancelled (its signal aborted: an error or the refusal it stood at).
 */

/** Where a load is. */
export type LoadStateName =
  | 'pending'
  | 'queued'
  | 'sharing'
  | 'planning'
  | 'unloading'
  | 'loading'
  | 'heldBack'
  | 'waitingForBusy'
  | 'loaded'
  | 'wouldLoad'
  | 'refused'
  | 'failed'
  | 'cancelled';

/** What happens to a load. */
export type LoadEvent =
  | 'share'
  | 'enqueue'
  | 'plan'
  | 'unload'
  | 'load'
  | 'holdBack'
  | 'waitForBusy'
  | 'wake'
  | 'succeed'
  | 'answerDry'
  | 'refuse'
  | 'fail'
  | 'cancel';

/** A row of the table: from this state, on this event, to that one. */
type Transition = readonly [from: LoadStateName, event: LoadEvent, to: LoadStateName];

/** Every transition a load may make; any other is refused. */
export const TRANSITIONS: readonly Transition[] = [
  ['pending', 'share', 'sharing'],
  ['pending', 'enqueue', 'queued'],
  ['pending', 'plan', 'planning'],
  ['queued', 'plan', 'planning'],
  ['planning', 'unload', 'unloading'],
  ['planning', 'load', 'loading'],
  ['unloading', 'load', 'loading'],
  ['pending', 'holdBack', 'heldBack'],
  ['sharing', 'holdBack', 'heldBack'],
  ['planning', 'holdBack', 'heldBack'],
  ['sharing', 'waitForBusy', 'waitingForBusy'],
  ['planning', 'waitForBusy', 'waitingForBusy'],
  ['heldBack', 'wake', 'pending'],
  ['waitingForBusy', 'wake', 'pending'],
  ['pending', 'succeed', 'loaded'],
  ['sharing', 'succeed', 'loaded'],
  ['planning', 'succeed', 'loaded'],
  ['loading', 'succeed', 'loaded'],
  ['planning', 'answerDry', 'wouldLoad'],
  ['sharing', 'refuse', 'refused'],
  ['planning', 'refuse', 'refused'],
  ['pending', 'fail', 'failed'],
  ['sharing', 'fail', 'failed'],
  ['planning', 'fail', 'failed'],
  ['unloading', 'fail', 'failed'],
  ['loading', 'fail', 'failed'],
  ['pending', 'cancel', 'cancelled'],
  ['sharing', 'cancel', 'cancelled'],
  ['planning', 'cancel', 'cancelled'],
  ['unloading', 'cancel', 'cancelled'],
  ['loading', 'cancel', 'cancelled'],
  ['heldBack', 'cancel', 'cancelled'],
  ['waitingForBusy', 'cancel', 'cancelled'],
];

/** The states a load is answered in: it leaves none of them. */
export const ANSWERED: ReadonlySet<LoadStateName> = new Set(['loaded', 'wouldLoad', 'refused', 'failed', 'cancelled']);

/** The states in which a load waits on something outside itself (what it waits for is said: load-states.ts). */
export const WAITING: ReadonlySet<LoadStateName> = new Set(['queued', 'sharing', 'heldBack', 'waitingForBusy']);

const table = new Map(TRANSITIONS.map(([from, event, to]) => [`${from} ${event}`, to]));

/** The state `event` moves a load in `state` to; undefined when the table has no such transition (refused). */
export function next(state: LoadStateName, event: LoadEvent): LoadStateName | undefined {
  return table.get(`${state} ${event}`);
}

/** The state an event leads to, from wherever the table allows it (each event has one). */
export function target(event: LoadEvent): LoadStateName {
  return TRANSITIONS.find((t) => t[1] === event)![2];
}
