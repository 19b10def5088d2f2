import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { SharedEventStore, type EventLimits } from '../../src/server/event-store.js';

const note = (n: number, pad = ''): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: n, message: pad } });
const answer = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });

/** A store on a clock the test moves. */
function storeWith(limits: Partial<EventLimits> = {}) {
  const clock = { now: 0 };
  const store = new SharedEventStore({ maxEvents: 1_000, maxBytes: 8 * 2 ** 20, maxAgeMs: 5 * 60_000, ...limits }, () => clock.now);
  return { store, clock };
}

async function replay(store: SharedEventStore, after: string) {
  const got: Array<[string, JSONRPCMessage]> = [];
  const stream = await store.replayEventsAfter(after, { send: async (id, m) => void got.push([id, m]) });
  return { stream, got };
}

describe('the shared event store', () => {
  it('gives each stream of each exchange a random key: ids are <uuid>_<n>, never shared between exchanges', async () => {
    const { store } = storeWith();
    const a = store.open();
    const b = store.open();
    const a1 = await a.storeEvent('_GET_stream', note(1));
    const a2 = await a.storeEvent('_GET_stream', note(2));
    const b1 = await b.storeEvent('_GET_stream', note(1)); // the same stream name in another exchange
    expect(a1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}_1$/);
    expect(a2).toBe(a1.replace(/_1$/, '_2'));
    expect(b1).toMatch(/_1$/);
    expect(b1.split('_')[0]).not.toBe(a1.split('_')[0]);
    expect(await a.getStreamIdForEventId!(a2)).toBe(a1.split('_')[0]);
    expect(await a.getStreamIdForEventId!(`${a1.split('_')[0]}_9`)).toBeUndefined();
    expect(store.streamOf('_GET_stream_1')).toBeUndefined();
  });

  it('replays the events after an id, in order, of that stream only', async () => {
    const { store } = storeWith();
    const ex = store.open();
    const other = store.open();
    const first = await ex.storeEvent('s', {} as JSONRPCMessage); // a priming event
    await other.storeEvent('s', note(99));
    const ids = [await ex.storeEvent('s', note(1)), await ex.storeEvent('t', note(50)), await ex.storeEvent('s', note(2)), await ex.storeEvent('s', answer(7))];
    const { stream, got } = await replay(store, first);
    expect(stream).toBe(first.split('_')[0]);
    expect(got).toEqual([
      [ids[0], note(1)],
      [ids[2], note(2)],
      [ids[3], answer(7)],
    ]);
    expect((await replay(store, ids[2]!)).got).toEqual([[ids[3], answer(7)]]);
    expect((await replay(store, ids[3]!)).got).toEqual([]);
    // the exchange's own view replays the same
    const viaView: string[] = [];
    await ex.replayEventsAfter(ids[0]!, { send: async (id) => void viaView.push(id) });
    expect(viaView).toEqual([ids[2], ids[3]]);
  });

  it('an unknown id replays nothing and names no stream', async () => {
    const { store } = storeWith();
    await store.open().storeEvent('s', note(1));
    expect(await replay(store, 'not-an-id')).toEqual({ stream: '', got: [] });
    expect(store.follow('not-an-id', { send: () => expect.fail('sent'), end: () => expect.fail('ended') })).toBeUndefined();
  });

  it('follows a stream: the backlog at once, then each new event, until its exchange closes', async () => {
    const { store } = storeWith();
    const ex = store.open();
    const first = await ex.storeEvent('s', note(1));
    const second = await ex.storeEvent('s', note(2));
    const seen: string[] = [];
    let ended = 0;
    const stop = store.follow(first, { send: (id) => void seen.push(id), end: () => void ended++ });
    expect(stop).toBeTypeOf('function');
    expect(seen).toEqual([second]);
    const third = await ex.storeEvent('s', answer(3));
    await ex.storeEvent('other', note(9)); // another stream of the same exchange: not followed
    expect(seen).toEqual([second, third]);
    expect(ended).toBe(0);
    ex.close();
    expect(ended).toBe(1);
    // a stream that is over: what is kept, then the end at once
    const late: string[] = [];
    let lateEnded = false;
    store.follow(first, { send: (id) => void late.push(id), end: () => void (lateEnded = true) });
    expect(late).toEqual([second, third]);
    expect(lateEnded).toBe(true);
  });

  it('a follower that stopped hears nothing more', async () => {
    const { store } = storeWith();
    const ex = store.open();
    const first = await ex.storeEvent('s', note(1));
    const seen: string[] = [];
    const stop = store.follow(first, { send: (id) => void seen.push(id), end: () => expect.fail('ended') });
    stop!();
    await ex.storeEvent('s', note(2));
    ex.close();
    expect(seen).toEqual([]);
  });

  it('keeps at most maxEvents, dropping the oldest: a replay after a dropped id is unknown', async () => {
    const { store } = storeWith({ maxEvents: 3 });
    const ex = store.open();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await ex.storeEvent('s', note(i)));
    expect(store.size.events).toBe(3);
    expect(store.streamOf(ids[1]!)).toBeUndefined();
    expect((await replay(store, ids[1]!)).got).toEqual([]);
    expect((await replay(store, ids[2]!)).got.map(([id]) => id)).toEqual([ids[3], ids[4]]);
  });

  it('keeps at most maxBytes of serialised messages, dropping the oldest', async () => {
    const one = Buffer.byteLength(JSON.stringify(note(1, 'x'.repeat(1000))));
    const { store } = storeWith({ maxBytes: one * 3 + 10 });
    const ex = store.open();
    const ids: string[] = [];
    for (let i = 1; i <= 6; i++) ids.push(await ex.storeEvent('s', note(i, 'x'.repeat(1000))));
    expect(store.size).toEqual({ events: 3, bytes: one * 3 });
    expect(store.streamOf(ids[2]!)).toBeUndefined();
    expect(store.streamOf(ids[3]!)).toBeDefined();
  });

  it('an event larger than maxBytes is not kept, nor are the earlier events of its stream: no replay skips it', async () => {
    const { store } = storeWith({ maxBytes: 2000 });
    const ex = store.open();
    const elsewhere = await store.open().storeEvent('s', note(0));
    const before = await ex.storeEvent('s', note(1));
    const seen: string[] = [];
    store.follow(before, { send: (id) => void seen.push(id), end: () => undefined });
    const big = await ex.storeEvent('s', note(2, 'x'.repeat(5000)));
    expect(seen).toEqual([big]); // a follower still gets it
    expect(store.streamOf(before)).toBeUndefined();
    expect(store.streamOf(big)).toBeUndefined();
    expect(store.streamOf(elsewhere)).toBeDefined();
    const after = await ex.storeEvent('s', answer(2));
    expect((await replay(store, after)).got).toEqual([]);
    expect(store.size.events).toBe(2);
  });

  it('drops events older than maxAgeMs', async () => {
    const { store, clock } = storeWith({ maxAgeMs: 5 * 60_000 });
    const ex = store.open();
    const old = await ex.storeEvent('s', note(1));
    clock.now = 4 * 60_000;
    const newer = await ex.storeEvent('s', note(2));
    clock.now = 5 * 60_000 + 1;
    expect(store.streamOf(old)).toBeUndefined();
    expect(store.streamOf(newer)).toBeDefined();
    expect(store.size.events).toBe(1);
    clock.now = 9 * 60_000 + 1;
    expect(store.streamOf(newer)).toBeUndefined();
    expect(store.size).toEqual({ events: 0, bytes: 0 });
  });
});
