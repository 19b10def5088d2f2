/**
 * Loads for work in the order they came, and those among them waiting for requests to end to make
 * room (busy-wait.ts): a later load that would take that room waits until that one is answered
 * (load-order.ts takesRoomOf; the loader's loadBehind) — the engines themselves load in the order
 * asked (Ollama's pending queue), and a load that overtook a waiting one would leave it more to
 * unload. A job's own loads are left out (it orders its own work), as are loads that cannot wait.
 *
 * Every load gets its turn: once one waiting for room has waited TURN_MS since it came, the models
 * its plan unloads are its (claimOn) — a new request on one of them, whoever sends it, waits
 * behind it (held back like a later load, until it is answered), so the requests running there
 * end and it loads; before, requests on a loaded model were let through while it waited, and a
 * client's loop on those models kept it waiting until the loop stopped (issue 72, finding 2).
 * Requests on the other models go on, and before its turn every request is let through as before.
 */
import { takesRoomOf, type WaitingLoad } from './load-order.js';
import type { LoadOutcome, LoadRequest } from './load-types.js';
import { raceAbort } from '../util/race-abort.js';
import type { LoadPlan, PlanInput } from './plan-types.js';
import { STARVE_MS } from './load-queue.js';

/** A load that has waited this long since it came is served next (ms): the queue's STARVE_MS. */
export const TURN_MS = STARVE_MS;

/** A load waiting for room: its model as the planner weighs it, the models its plan unloads once the requests there end, and its answer (loaded, refused for good, given up). */
export interface RoomWait {
  model: WaitingLoad;
  unloads: readonly string[];
  answered: Promise<void>;
}

/** A load held back: the load it waits for, and what it waits for it to do. */
interface Behind {
  wait: RoomWait;
  why: string;
}

export class RoomWaits {
  private arrived = 0;
  private readonly arrivals = new WeakMap<LoadRequest, { n: number; at: number }>();
  private readonly waiting = new Map<LoadRequest, RoomWait & { answer: () => void }>();
  /** The answers given to loads held back (holdBack, heldByTurn), and the load each waits for: requests sharing a load share its answer. */
  private readonly behind = new WeakMap<LoadOutcome, Behind>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `req` came (before anything is planned for it). */
  arrive(req: LoadRequest): void {
    this.arrivals.set(req, { n: ++this.arrived, at: this.now() });
  }

  /** `req` (its model as the planner weighs it) was refused for requests running and waits for one to end; `unloads`: what its plan unloads once they have. */
  wait(req: LoadRequest, model: WaitingLoad, unloads: readonly string[] = []): void {
    if (!counts(req)) return;
    const known = this.waiting.get(req);
    if (known) Object.assign(known, { model, unloads });
    else {
      let answer!: () => void;
      const answered = new Promise<void>((r) => (answer = r));
      this.waiting.set(req, { model, unloads, answered, answer });
    }
  }

  /** How long until `req`'s turn comes (ms, 0 once it has); Infinity for a load that is not counted (a job's own, one that cannot wait). */
  untilTurn(req: LoadRequest): number {
    const came = this.arrivals.get(req);
    return counts(req) && came ? Math.max(0, came.at + TURN_MS - this.now()) : Infinity;
  }

  /** The load whose turn has come and whose plan unloads `model`, that `req` (a request on `model`) waits behind; none for a job's own request (it may hold what that load waits for) or a dry run. */
  claimOn(req: LoadRequest, model: string): RoomWait | undefined {
    if (req.job || req.dryRun) return undefined;
    for (const [other, wait] of this.waiting) if (other !== req && wait.unloads.includes(model) && this.untilTurn(other) === 0) return wait;
    return undefined;
  }

  /** The answer for `req`, a request on the loaded `model` (`outcome`: what it would be told), when a load whose turn has come unloads it (claimOn): refused, saying so, until that load is answered; else undefined. */
  heldByTurn(req: LoadRequest, model: string, outcome: LoadOutcome): LoadOutcome | undefined {
    const ahead = this.claimOn(req, model);
    if (!ahead) return undefined;
    const held: LoadOutcome = { ...outcome, action: 'refused', unloaded: [], reason: `${model} waits for the load of ${ahead.model.name}, which has waited its turn and unloads it once the requests running there end.` };
    this.behind.set(held, { wait: ahead, why: `the load of ${ahead.model.name}, which has waited its turn and unloads ${model}` });
    return held;
  }

  /** `req` is answered: loaded, refused for good, or given up — a load held back behind it goes on. */
  done(req: LoadRequest): void {
    this.waiting.get(req)?.answer();
    this.waiting.delete(req);
  }

  /** The load that came before `req` and waits for room that `plan` (the load of `input.model`) would take. */
  overtaken(req: LoadRequest, input: PlanInput, plan: LoadPlan): RoomWait | undefined {
    if (!counts(req)) return undefined;
    const mine = this.arrivals.get(req)?.n ?? Infinity;
    for (const [other, wait] of this.waiting) if (other !== req && (this.arrivals.get(other)?.n ?? Infinity) < mine && takesRoomOf(input, plan, wait.model)) return wait;
    return undefined;
  }

  /** The answer for `req` when it is held back behind an earlier load whose room `plan` would take (`outcome`, refused, saying so); else undefined. */
  holdBack(req: LoadRequest, input: PlanInput, plan: LoadPlan, outcome: LoadOutcome): LoadOutcome | undefined {
    const ahead = this.overtaken(req, input, plan);
    if (!ahead) return undefined;
    const held: LoadOutcome = { ...outcome, action: 'refused', unloaded: [], reason: `${input.model.name} waits for the load of ${ahead.model.name}, which came first and needs the room it would take.` };
    this.behind.set(held, { wait: ahead, why: `the load of ${ahead.model.name}, which came first, to make room` });
    return held;
  }

  /** `load(req)`; held back (holdBack, heldByTurn), again once the load it waits for is answered — until it is not held back, or `req` is cancelled. */
  async inTurn(req: LoadRequest, load: (req: LoadRequest) => Promise<LoadOutcome>): Promise<LoadOutcome> {
    for (;;) {
      const out = await load(req);
      const ahead = this.behind.get(out);
      if (!ahead || req.signal?.aborted) return out;
      req.progress?.enter({ kind: 'waiting', for: ahead.why });
      await raceAbort(ahead.wait.answered, req.signal).catch(() => undefined); // cancelled: the answer held stands
    }
  }
}

const counts = (req: LoadRequest) => req.waitWhileBusy === true && !req.job;
