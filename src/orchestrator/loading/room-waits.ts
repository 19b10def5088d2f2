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
 *
 * What it reads and moves is each load's state (load-states.ts, its table in load-state.ts): the
 * loads come and answered, the order they came in, the room a load waits for, and a load held back
 * here moves to heldBack and, once the load it waits for is answered, back to pending.
 */
import { takesRoomOf, type WaitingLoad } from './load-order.js';
import type { LoadOutcome, LoadRequest } from './load-types.js';
import { raceAbort } from '../util/race-abort.js';
import type { LoadPlan, PlanInput } from './plan-types.js';
import { STARVE_MS } from './load-queue.js';
import { LoadStates, type LoadRecord, type Room } from './load-states.js';
import type { LoadEvent } from './load-state.js';

/** A load that has waited this long since it came is served next (ms): the queue's STARVE_MS. */
export const TURN_MS = STARVE_MS;

/**
 * A load waiting for room: its model as the planner weighs it, the models its plan unloads once the requests
 * there end, and its answer (loaded, refused for good, given up).
 */
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
  /**
   * The answers given to loads held back (holdBack, heldByTurn), and the load each waits for: requests
   * sharing a load share its answer.
   */
  private readonly behind = new WeakMap<LoadOutcome, Behind>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Every load's state on this host: what is read here, and moved. */
    readonly states: LoadStates = new LoadStates(now),
  ) {}

  /** `req` came (before anything is planned for it): pending. */
  arrive(req: LoadRequest): void {
    this.states.arrive(req);
  }

  /**
   * `req` (its model as the planner weighs it) was refused for requests running and waits for one
   * to end; `unloads`: what its plan unloads once they have. Kept with its state until it is answered.
   */
  wait(req: LoadRequest, model: WaitingLoad, unloads: readonly string[] = []): void {
    const record = this.states.of(req);
    if (counts(req) && record) record.room = { model, unloads };
  }

  /**
   * How long until `req`'s turn comes (ms, 0 once it has); Infinity for a load that is not counted
   * (a job's own, one that cannot wait) or not waiting.
   */
  untilTurn(req: LoadRequest): number {
    const came = this.states.of(req);
    return counts(req) && came ? Math.max(0, came.at + TURN_MS - this.now()) : Infinity;
  }

  /** The loads waiting for room, other than `req`, in the order they came. */
  private waiting(req: LoadRequest): WithRoom[] {
    return this.states.in().filter((r): r is WithRoom => r.req !== req && r.room !== undefined && counts(r.req));
  }

  /**
   * The load whose turn has come and whose plan unloads `model`, that `req` (a request on `model`) waits
   * behind; none for a job's own request (it may hold what that load waits for) or a dry run.
   */
  claimOn(req: LoadRequest, model: string): RoomWait | undefined {
    if (req.job || req.dryRun) return undefined;
    const ahead = this.waiting(req).find((r) => r.room.unloads.includes(model) && this.untilTurn(r.req) === 0);
    return ahead && roomWait(ahead);
  }

  /**
   * Whether a load whose turn has come unloads `model` (claimOn) for a request from outside this host's
   * loads — one a server relaying through this one's engine claim runs under a hold (engines/holds/desk.ts):
   * it waits behind that load as this server's own requests do, so no hold on `model` is lent then.
   */
  claimed(model: string): boolean {
    return this.claimOn(OUTSIDE, model) !== undefined;
  }

  /**
   * The answer for `req`, a request on the loaded `model` (`outcome`: what it would be told), when a load
   * whose turn has come unloads it (claimOn): refused, saying so, until that load is answered; else
   * undefined.
   */
  heldByTurn(req: LoadRequest, model: string, outcome: LoadOutcome): LoadOutcome | undefined {
    const ahead = this.claimOn(req, model);
    if (!ahead) return undefined;
    const held: LoadOutcome = {
      ...outcome,
      action: 'refused',
      unloaded: [],
      reason:
        `${model} waits for the load of ${ahead.model.name}, which has waited its turn and unloads ` +
        `it once the requests running there end.`,
    };
    this.behind.set(held, {
      wait: ahead,
      why: `the load of ${ahead.model.name}, which has waited its turn and unloads ${model}`,
    });
    return held;
  }

  /** `req` is answered (on `event`; or just let go): a load held back behind it goes on. */
  done(req: LoadRequest, event?: LoadEvent): void {
    this.states.end(req, event);
  }

  /** The load that came before `req` and waits for room that `plan` (the load of `input.model`) would take. */
  overtaken(req: LoadRequest, input: PlanInput, plan: LoadPlan): RoomWait | undefined {
    if (!counts(req)) return undefined;
    const mine = this.states.of(req)?.n ?? Infinity;
    const ahead = this.waiting(req).find((r) => r.n < mine && takesRoomOf(input, plan, r.room.model));
    return ahead && roomWait(ahead);
  }

  /**
   * The answer for `req` when it is held back behind an earlier load whose room `plan` would take (`outcome`,
   * refused, saying so); else undefined.
   */
  holdBack(req: LoadRequest, input: PlanInput, plan: LoadPlan, outcome: LoadOutcome): LoadOutcome | undefined {
    const ahead = this.overtaken(req, input, plan);
    if (!ahead) return undefined;
    const held: LoadOutcome = {
      ...outcome,
      action: 'refused',
      unloaded: [],
      reason:
        `${input.model.name} waits for the load of ${ahead.model.name}, which came first and needs ` +
        `the room it would take.`,
    };
    this.behind.set(held, { wait: ahead, why: `the load of ${ahead.model.name}, which came first, to make room` });
    return held;
  }

  /**
   * `load(req)`; held back (holdBack, heldByTurn: heldBack), again once the load it waits for is
   * answered (pending) — until it is not held back, or `req` is cancelled.
   */
  async inTurn(req: LoadRequest, load: (req: LoadRequest) => Promise<LoadOutcome>): Promise<LoadOutcome> {
    for (;;) {
      const out = await load(req);
      const ahead = this.behind.get(out);
      if (!ahead || req.signal?.aborted) return out;
      this.states.move(req, 'holdBack', ahead.why);
      await raceAbort(ahead.wait.answered, req.signal).catch(() => undefined); // cancelled: the answer held stands
      this.states.move(req, 'wake');
    }
  }
}

const counts = (req: LoadRequest) => req.waitWhileBusy === true && !req.job;

/** A request on a model from outside the loads of this host (claimed): neither a job's nor a dry run, never waiting. */
const OUTSIDE: LoadRequest = { model: '', waitWhileBusy: true };

/** A load with a room to wait for. */
type WithRoom = LoadRecord & { room: Room };

const roomWait = (r: WithRoom): RoomWait => ({ ...r.room, answered: r.answered });
