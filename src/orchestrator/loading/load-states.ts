/**
 * The state of every load on one host (issue 74, Deliver 3): one record per call of
 * Loader.ensureLoaded, from the moment it comes until it is answered, moved only through the table
 * of load-state.ts. What the views show is read from here: "waiting for …" (told to the load's
 * progress as it enters a waiting state), the loads room-waits.ts holds others back for (those
 * with a room, in the order they came), and the loads still queued (the planner's `wanted`).
 */
import { isModel } from '../engines/model-names.js';
import { log } from '../util/log.js';
import type { WaitingLoad } from './load-order.js';
import { ANSWERED, next, target, WAITING, type LoadEvent, type LoadStateName } from './load-state.js';
import type { LoadOutcome, LoadRequest } from './load-types.js';

/** What a load waiting for room needs: its model as the planner weighs it, and what its plan unloads once the requests
 * there end. */
export interface Room {
  model: WaitingLoad;
  unloads: readonly string[];
}

export interface LoadRecord {
  readonly req: LoadRequest;
  state: LoadStateName;
  /** Its place among the loads in the order they came, and when it came (ms). */
  readonly n: number;
  readonly at: number;
  /** In words: what it waits for, in a waiting state; what it does, unloading or loading. */
  words?: string;
  /** The window its plan loads the model with, once planned to load it (kept-window.ts: work planned meanwhile keeps it). */
  window?: number;
  /** Set once it was refused for requests running (room-waits.ts wait), kept until it is answered. */
  room?: Room;
  /** Unloading or loading: the models its plan unloads and loads (no request takes the quick path to them). */
  touches?: readonly string[];
  /** Resolves when it is answered. */
  readonly answered: Promise<void>;
}

type Held = LoadRecord & { answer: () => void };

export class LoadStates {
  private arrived = 0;
  private readonly records = new Map<LoadRequest, Held>();
  /** Transitions the table refused (each also logged): none, in a loader that keeps to it. */
  refusedMoves = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** `req` came: pending. */
  arrive(req: LoadRequest): LoadRecord {
    this.end(req);
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    const record: Held = { req, state: 'pending', n: ++this.arrived, at: this.now(), answered, answer };
    this.records.set(req, record);
    return record;
  }

  /** The record of `req`, while it is not answered. */
  of(req: LoadRequest): LoadRecord | undefined {
    return this.records.get(req);
  }

  /**
   * Moves `req`'s load on `event` (load-state.ts next), `words` saying what it now waits for or
   * does; entering a waiting state with words, its progress is told them. A load never seen to
   * come (a test's, a pin brought back through the planner) is told the same and nothing is
   * recorded. A transition the table does not have is refused: the state stays, and the refusal
   * is logged.
   */
  move(req: LoadRequest, event: LoadEvent, words?: string, touches?: readonly string[]): void {
    const record = this.records.get(req);
    const to = record ? next(record.state, event) : target(event);
    if (!to) {
      this.refusedMoves++;
      log.warn(`the load of ${req.model} made no move from ${record!.state} on ${event}: not in load-state.ts's table`);
      return;
    }
    if (record) {
      log.debug(`load ${record.n} of ${req.model}: ${record.state} --${event}--> ${to}${words ? ` (${words})` : ''}`);
      Object.assign(record, { state: to, words, touches });
    }
    if (words && WAITING.has(to)) req.progress?.enter({ kind: 'waiting', for: words });
  }

  /** `req` is answered (on `event` when given, else just let go): the loads waiting on it go on. */
  end(req: LoadRequest, event?: LoadEvent): void {
    const record = this.records.get(req);
    if (!record) return;
    if (event) this.move(req, event);
    this.records.delete(req);
    record.answer();
  }

  /** `loading`, the load of `req`, answered as it settles: loaded, would load, refused, failed, or cancelled. */
  answer(req: LoadRequest, loading: Promise<LoadOutcome>): Promise<LoadOutcome> {
    const aborted = () => req.signal?.aborted === true;
    return loading.then(
      (out) => {
        this.end(req, answerOf(out, aborted()));
        return out;
      },
      (err: unknown) => {
        this.end(req, aborted() ? 'cancel' : 'fail');
        throw err;
      },
    );
  }

  /** The loads waiting in the queue, oldest first. */
  queued(): LoadRequest[] {
    return this.in('queued').map((r) => r.req);
  }

  /** What the load being carried out (unloading or loading) does, in words; undefined when none is. */
  doing(): string | undefined {
    return this.in('unloading', 'loading')[0]?.words;
  }

  /** Whether a load being carried out unloads or loads `model`. */
  touching(model: string): boolean {
    return this.in('unloading', 'loading').some((r) => r.touches?.includes(model));
  }

  /** The window a load of `model` being planned or carried out loads it with, when its plan says one. */
  loadingWindow(model: string): number | undefined {
    return this.in('planning', 'unloading', 'loading').find(
      (r) => r.window !== undefined && isModel(r.req.model, model),
    )?.window;
  }

  /** The loads not yet answered in any of `states` (all when none is named), in the order they came. */
  in(...states: LoadStateName[]): LoadRecord[] {
    const wanted = (r: LoadRecord) => !ANSWERED.has(r.state) && (states.length === 0 || states.includes(r.state));
    return [...this.records.values()].filter(wanted);
  }
}

/** The event that answers a load with `out` (`aborted`: its signal was). */
export function answerOf(out: LoadOutcome, aborted: boolean): LoadEvent {
  if (out.action === 'refused') return aborted ? 'cancel' : 'refuse';
  return out.action === 'would_load' ? 'answerDry' : 'succeed';
}
