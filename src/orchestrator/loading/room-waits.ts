/**
 * Loads for work in the order they came, and those among them waiting for requests to end to make
 * room (busy-wait.ts): a later load that would take that room waits until that one is answered
 * (load-order.ts takesRoomOf; the loader's loadBehind) — the engines themselves load in the order
 * asked (Ollama's pending queue), and a load that overtook a waiting one would leave it more to
 * unload. A job's own loads are left out (it orders its own work), as are loads that cannot wait.
 */
import { takesRoomOf, type WaitingLoad } from './load-order.js';
import type { LoadOutcome, LoadRequest } from './load-types.js';
import { raceAbort } from '../util/race-abort.js';
import type { LoadPlan, PlanInput } from './plan-types.js';

/** A load waiting for room: its model as the planner weighs it, and its answer (loaded, refused for good, given up). */
export interface RoomWait {
  model: WaitingLoad;
  answered: Promise<void>;
}

export class RoomWaits {
  private arrived = 0;
  private readonly arrivals = new WeakMap<LoadRequest, number>();
  private readonly waiting = new Map<LoadRequest, RoomWait & { answer: () => void }>();
  /** The answers given to loads held back (holdBack), and the load each waits for: requests sharing a load share its answer. */
  private readonly behind = new WeakMap<LoadOutcome, RoomWait>();

  /** `req` came (before anything is planned for it). */
  arrive(req: LoadRequest): void {
    this.arrivals.set(req, ++this.arrived);
  }

  /** `req` (its model as the planner weighs it) was refused for requests running and waits for one to end. */
  wait(req: LoadRequest, model: WaitingLoad): void {
    if (!counts(req)) return;
    const known = this.waiting.get(req);
    if (known) known.model = model;
    else {
      let answer!: () => void;
      const answered = new Promise<void>((r) => (answer = r));
      this.waiting.set(req, { model, answered, answer });
    }
  }

  /** `req` is answered: loaded, refused for good, or given up — a load held back behind it goes on. */
  done(req: LoadRequest): void {
    this.waiting.get(req)?.answer();
    this.waiting.delete(req);
  }

  /** The load that came before `req` and waits for room that `plan` (the load of `input.model`) would take. */
  overtaken(req: LoadRequest, input: PlanInput, plan: LoadPlan): RoomWait | undefined {
    if (!counts(req)) return undefined;
    const mine = this.arrivals.get(req) ?? Infinity;
    for (const [other, wait] of this.waiting) if (other !== req && (this.arrivals.get(other) ?? Infinity) < mine && takesRoomOf(input, plan, wait.model)) return wait;
    return undefined;
  }

  /** The answer for `req` when it is held back behind an earlier load whose room `plan` would take (`outcome`, refused, saying so); else undefined. */
  holdBack(req: LoadRequest, input: PlanInput, plan: LoadPlan, outcome: LoadOutcome): LoadOutcome | undefined {
    const ahead = this.overtaken(req, input, plan);
    if (!ahead) return undefined;
    const held: LoadOutcome = { ...outcome, action: 'refused', unloaded: [], reason: `${input.model.name} waits for the load of ${ahead.model.name}, which came first and needs the room it would take.` };
    this.behind.set(held, ahead);
    return held;
  }

  /** `load(req)`; held back (holdBack), again once the load it waits for is answered — until it is not held back, or `req` is cancelled. */
  async inTurn(req: LoadRequest, load: (req: LoadRequest) => Promise<LoadOutcome>): Promise<LoadOutcome> {
    for (;;) {
      const out = await load(req);
      const ahead = this.behind.get(out);
      if (!ahead || req.signal?.aborted) return out;
      req.progress?.enter({ kind: 'waiting', for: `the load of ${ahead.model.name}, which came first, to make room` });
      await raceAbort(ahead.answered, req.signal).catch(() => undefined); // cancelled: the answer held stands
    }
  }
}

const counts = (req: LoadRequest) => req.waitWhileBusy === true && !req.job;
