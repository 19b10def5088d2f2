/**
 * Loads for work in the order they came, and those among them waiting for requests to end to make
 * room (busy-wait.ts): a later load that would take that room waits too (load-order.ts
 * takesRoomOf) — the engines themselves load in the order asked (Ollama's pending queue), and a
 * load that overtook a waiting one would leave it more to unload. A job's own loads are left out
 * (it orders its own work), as are loads that cannot wait.
 */
import { takesRoomOf, type WaitingLoad } from './load-order.js';
import type { LoadRequest } from './load-types.js';
import type { LoadPlan, PlanInput } from './plan-types.js';

/** A load waiting for room: its model as the planner weighs it, and the busy models it waits for. */
export interface RoomWait {
  model: WaitingLoad;
  waitFor: string[];
}

export class RoomWaits {
  private arrived = 0;
  private readonly arrivals = new WeakMap<LoadRequest, number>();
  private readonly waiting = new Map<LoadRequest, RoomWait>();

  /** `req` came (before anything is planned for it). */
  arrive(req: LoadRequest): void {
    this.arrivals.set(req, ++this.arrived);
  }

  /** `req` was refused for requests running on `waitFor` and waits for one to end. */
  wait(req: LoadRequest, model: WaitingLoad, waitFor: string[]): void {
    if (counts(req)) this.waiting.set(req, { model, waitFor });
  }

  /** `req` is answered: loaded, refused for good, or given up. */
  done(req: LoadRequest): void {
    this.waiting.delete(req);
  }

  /** The load that came before `req` and waits for room that `plan` (the load of `input.model`) would take. */
  overtaken(req: LoadRequest, input: PlanInput, plan: LoadPlan): RoomWait | undefined {
    if (!counts(req)) return undefined;
    const mine = this.arrivals.get(req) ?? Infinity;
    for (const [other, wait] of this.waiting) if (other !== req && (this.arrivals.get(other) ?? Infinity) < mine && takesRoomOf(input, plan, wait.model)) return wait;
    return undefined;
  }
}

const counts = (req: LoadRequest) => req.waitWhileBusy === true && !req.job;
