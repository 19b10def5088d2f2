/**
 * Other clients' requests on an engine, as a pure function over plain data: the engine's own
 * figures (EngineLoad, read before the route ranks: placement.ts) beyond this server's own
 * requests there. Where the engine says its figures per model, a model's own are weighed against
 * this server's requests on that model (a model it does not list has none); else the engine's
 * whole figures against this server's requests on every model of that host. The engine's count
 * includes this server's requests, so only what exceeds them is someone else's.
 */
import type { EngineLoad } from '../engines/engine.js';

export interface OthersLoad {
  /** Requests of other clients the engine is answering now. */
  running: number;
  /** Requests of other clients it holds waiting for a slot. */
  waiting: number;
  /** The engine's slots for that model, where it says them. */
  slots?: number;
}

const NONE: OthersLoad = { running: 0, waiting: 0 };

/** This server's requests on the host: on the model, and on every model there. */
export interface OwnRequests {
  onModel: number;
  onHost: number;
}

export function othersOn(load: EngineLoad | undefined, model: string, ours: OwnRequests): OthersLoad {
  if (!load) return NONE;
  const scope = load.models ? load.models.get(model) : load;
  if (!scope) return NONE;
  const own = load.models ? ours.onModel : ours.onHost;
  const extra = Math.max(0, scope.running + scope.waiting - own);
  const waiting = Math.min(scope.waiting, extra);
  return { running: extra - waiting, waiting, ...(scope.slots !== undefined && { slots: scope.slots }) };
}

/** How many of them in all. */
export const othersCount = (o: OthersLoad): number => o.running + o.waiting;

/**
 * Whether a model's slots are all taken: this server's requests and other clients' fill the slots
 * (the engine's own count where it says it, else those configured), or the engine holds others'
 * requests waiting — it queues, so a new one would too.
 */
export function slotsFull(ownOnModel: number, others: OthersLoad, configuredSlots: number): boolean {
  const slots = Math.max(1, others.slots ?? configuredSlots);
  return ownOnModel + othersCount(others) >= slots || others.waiting > 0;
}

/** Others' requests counted into a wait, at most (an engine's figure may be large; the wait is long well before). */
const MAX_COUNTED = 256;

/**
 * Other clients' requests as requests in flight, for the wait behind them (generation/schedule.ts):
 * how far those running have got is not said, so each is taken as halfway through an answer of
 * `tokens`; those waiting as whole answers. `running` come before this server's waiting ones, `waiting` after.
 */
export function othersAsRequests(
  o: OthersLoad,
  tokens: number,
): { running: Array<{ elapsedMs: number; tokens: number }>; waiting: Array<{ elapsedMs: number; tokens: number }> } {
  const running = Math.min(o.running, MAX_COUNTED);
  const waiting = Math.min(o.waiting, MAX_COUNTED - running);
  return {
    running: Array.from({ length: running }, () => ({ elapsedMs: 0, tokens: Math.max(1, Math.round(tokens / 2)) })),
    waiting: Array.from({ length: waiting }, () => ({ elapsedMs: 0, tokens })),
  };
}
