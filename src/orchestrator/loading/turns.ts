/**
 * Turns between clients on one model's slots, as a pure function over plain data (issue 55,
 * finding 4): an engine serves a model's parallel slots first come first served, so six calls one
 * client queued would all run before another client's quick one. The slot gate (slot-gate.ts)
 * holds back what does not fit in the slots, and this decides who goes next: of the clients
 * waiting, the one with the fewest requests in flight on the model, then the one served least
 * recently (never served first), then the one whose next call is the shorter (the most tokens it
 * may write), then the one waiting longest; within a client, first come first served. A lone
 * client's requests go in order, as many at once as there are slots.
 */

/** A request waiting for a slot: who asked, the most tokens it may write, and when it came (a rising number). */
export interface Waiter {
  client: string;
  tokens: number;
  arrival: number;
}

/**
 * The model's slots as the gate sees them: each client's requests in flight, and when each client was last
 * let in (a rising number).
 */
export interface TurnState {
  inFlight: ReadonlyMap<string, number>;
  lastServed: ReadonlyMap<string, number>;
}

/** Each client's first waiter (by arrival), by client. */
function firstOfEach(waiters: readonly Waiter[]): Map<string, Waiter> {
  const first = new Map<string, Waiter>();
  for (const w of waiters) {
    const seen = first.get(w.client);
    if (!seen || w.arrival < seen.arrival) first.set(w.client, w);
  }
  return first;
}

/** The waiter that goes next, or undefined when none waits. */
export function nextTurn(waiters: readonly Waiter[], state: TurnState): Waiter | undefined {
  let best: Waiter | undefined;
  const key = (w: Waiter) => [
    state.inFlight.get(w.client) ?? 0,
    state.lastServed.get(w.client) ?? -Infinity,
    w.tokens,
    w.arrival,
  ];
  for (const w of firstOfEach(waiters).values()) {
    if (!best) {
      best = w;
      continue;
    }
    const a = key(w);
    const b = key(best);
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0 && a[i]! < b[i]!) best = w;
  }
  return best;
}

/**
 * The order in which `waiters` would be let in were none to arrive and none in flight to end
 * first: who goes before whom, for the progress note ("N requests ahead").
 */
export function turnOrder(waiters: readonly Waiter[], state: TurnState): Waiter[] {
  const inFlight = new Map(state.inFlight);
  const lastServed = new Map(state.lastServed);
  const left = [...waiters];
  const order: Waiter[] = [];
  let clock = Math.max(0, ...lastServed.values());
  for (;;) {
    const next = nextTurn(left, { inFlight, lastServed });
    if (!next) return order;
    order.push(next);
    left.splice(left.indexOf(next), 1);
    inFlight.set(next.client, (inFlight.get(next.client) ?? 0) + 1);
    lastServed.set(next.client, ++clock);
  }
}
