// Turns between clients on a named model's slots (issue 55, finding 4): the pure decision of who
// goes next, and the gate that holds the rest — another client's call goes before one client's
// queue, a lone client still fills every slot, a cancelled waiter leaves at once.
import { describe, expect, it } from 'vitest';
import { nextTurn, turnOrder, type TurnState, type Waiter } from '../../src/orchestrator/loading/turns.js';
import { LeftQueue, SlotGate, throughGate } from '../../src/orchestrator/loading/slot-gate.js';
import { InFlight } from '../../src/orchestrator/loading/in-flight.js';
import { HostError } from '../../src/orchestrator/engines/host-error.js';

const state = (inFlight: Record<string, number> = {}, lastServed: Record<string, number> = {}): TurnState => ({
  inFlight: new Map(Object.entries(inFlight)),
  lastServed: new Map(Object.entries(lastServed)),
});
/** Client A's six long calls queued first, then B's short one. */
const queue = (): Waiter[] => [
  ...[1, 2, 3, 4, 5, 6].map((n) => ({ client: 'A', tokens: 512, arrival: n })),
  { client: 'B', tokens: 3, arrival: 7 },
];

describe('nextTurn', () => {
  it("lets B's call in before A's queued ones while A has a request in flight", () => {
    expect(nextTurn(queue(), state({ A: 1 }, { A: 6 }))).toMatchObject({ client: 'B', arrival: 7 });
  });

  it('goes by arrival within one client, and the lone client is always next', () => {
    const only = queue().filter((w) => w.client === 'A');
    expect(nextTurn(only, state({ A: 3 }))).toMatchObject({ client: 'A', arrival: 1 });
    expect(turnOrder(only, state({ A: 3 })).map((w) => w.arrival)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('between clients with as many in flight: the one served longer ago, then the shorter call, then the earlier', () => {
    const ws: Waiter[] = [
      { client: 'A', tokens: 100, arrival: 1 },
      { client: 'B', tokens: 100, arrival: 2 },
    ];
    expect(nextTurn(ws, state({ A: 1, B: 1 }, { A: 5, B: 4 }))?.client).toBe('B');
    expect(nextTurn(ws, state({ A: 1, B: 1 }, { A: 4, B: 5 }))?.client).toBe('A');
    expect(nextTurn([ws[0]!, { ...ws[1]!, tokens: 10 }], state())?.client).toBe('B');
    expect(nextTurn(ws, state())?.client).toBe('A');
    // the client with fewer in flight goes first even when it was served more recently
    expect(nextTurn(ws, state({ A: 2, B: 1 }, { A: 1, B: 9 }))?.client).toBe('B');
  });

  it('alternates two clients with queues, each in its own order', () => {
    const ws: Waiter[] = [
      { client: 'A', tokens: 1, arrival: 1 },
      { client: 'A', tokens: 1, arrival: 2 },
      { client: 'B', tokens: 9, arrival: 3 },
      { client: 'B', tokens: 9, arrival: 4 },
    ];
    expect(turnOrder(ws, state()).map((w) => `${w.client}${w.arrival}`)).toEqual(['A1', 'B3', 'A2', 'B4']);
  });

  it('has no one to let in when none waits', () => {
    expect(nextTurn([], state({ A: 1 }))).toBeUndefined();
  });
});

/** A gate on one model with `slots`; each request records when it was let in. */
function gated(slots: number) {
  const gate = new SlotGate();
  const order: string[] = [];
  const ask = (client: string, name: string, o: { tokens?: number; signal?: AbortSignal; notes?: number[] } = {}) =>
    gate.enter(
      'm',
      {
        client,
        tokens: o.tokens ?? 512,
        slots,
        ...(o.signal && { signal: o.signal }),
        onWait: (n) => o.notes?.push(n),
      },
      () => order.push(name),
    );
  return { gate, order, ask };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SlotGate', () => {
  it("B's short call goes before A's queue on a one-slot model", async () => {
    const { order, ask } = gated(1);
    const a = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((n) => ask('A', n));
    const b = ask('B', 'b', { tokens: 3 });
    const first = await a[0]!;
    expect(order).toEqual(['a1']);
    first();
    await tick();
    expect(order).toEqual(['a1', 'b']);
    (await b)();
    for (const p of a.slice(1)) (await p)();
    expect(order).toEqual(['a1', 'b', 'a2', 'a3', 'a4', 'a5', 'a6']);
  });

  it('a lone client fills every slot at once, and the next goes in as one frees', async () => {
    const { order, ask } = gated(4);
    const a = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((n) => ask('A', n));
    await tick();
    expect(order).toEqual(['a1', 'a2', 'a3', 'a4']);
    (await a[2]!)();
    expect(order).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('a cancelled waiter leaves the queue at once, and the next client goes instead', async () => {
    const { order, ask, gate } = gated(1);
    const first = ask('A', 'a1');
    const stop = new AbortController();
    const b = ask('B', 'b', { signal: stop.signal });
    const c = ask('C', 'c');
    expect(gate.aheadOf('m', 'D', 512).map((w) => w.client)).toEqual(['B', 'C']);
    stop.abort();
    await expect(b).rejects.toBeInstanceOf(LeftQueue);
    expect(gate.aheadOf('m', 'D', 512).map((w) => w.client)).toEqual(['C']);
    (await first)();
    (await c)();
    expect(order).toEqual(['a1', 'c']);
  });

  it('tells a waiter how many requests are ahead, as that changes', async () => {
    const { ask } = gated(1);
    const a1 = ask('A', 'a1');
    const a2 = ask('A', 'a2');
    const b = ask('B', 'b');
    const notes: number[] = [];
    const c = ask('C', 'c', { notes });
    expect(notes).toEqual([2]); // a1 in flight, B's before it; a2 after it (A has one in flight)
    (await a1)();
    expect(notes).toEqual([2, 1]); // B in flight now
    (await b)();
    expect(notes).toEqual([2, 1]); // let in: nothing more to say
    (await c)();
    (await a2)();
  });
});

describe('throughGate', () => {
  it(
    'starts the request once it has a slot, the next let in before it ends, and a cancel is the ' +
      'host’s aborted error',
    async () => {
      const gate = new SlotGate();
      const running = new InFlight();
      const begin = () => running.begin('m', { at: 0 });
      const one = await throughGate(gate, 'm', { client: 'A', tokens: 9, slots: 1 }, 'h:1', begin);
      expect(running.count('m')).toBe(1);
      const stop = new AbortController();
      const waiting = throughGate(gate, 'm', { client: 'B', tokens: 9, slots: 1, signal: stop.signal }, 'h:1', begin);
      const next = throughGate(gate, 'm', { client: 'C', tokens: 9, slots: 1 }, 'h:1', begin);
      stop.abort();
      await expect(waiting).rejects.toSatisfy((e) => e instanceof HostError && e.kind === 'aborted');
      let idle = false;
      void running.idle(['m'], 60_000).then(() => (idle = true));
      one();
      expect(running.count('m')).toBe(1); // C's request began as A's ended: never idle between them
      (await next)();
      await tick();
      expect(idle).toBe(true);
      expect(running.count('m')).toBe(0);
    },
  );

  it('lets a request in at once where the slots are not known', async () => {
    const gate = new SlotGate();
    const running = new InFlight();
    const all = await Promise.all(
      [1, 2, 3].map(() => throughGate(gate, 'm', { client: 'A', tokens: 9 }, 'h:1', () => running.begin('m'))),
    );
    expect(running.count('m')).toBe(3);
    for (const r of all) r();
  });
});
