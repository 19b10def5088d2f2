import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { SharedEventStore } from '../../src/server/event-store.js';
import type { EventLimits } from '../../src/server/kept-events.js';

const note = (n: number, pad = ''): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 't', progress: n, message: pad },
});
const answer = (id: number, pad = ''): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { pad } });
const priming = {} as JSONRPCMessage;
const size = (m: JSONRPCMessage) => Buffer.byteLength(JSON.stringify(m));
const BIG = { events: 1_000_000, bytes: 2 ** 40 };

/** A store on a clock the test moves; quotas as large as the store unless given. */
function storeWith(limits: Partial<EventLimits> = {}) {
  const clock = { now: 0 };
  const store = new SharedEventStore(
    { maxEvents: 1_000, maxBytes: 8 * 2 ** 20, maxAgeMs: 5 * 60_000, owner: BIG, stream: BIG, ...limits },
    () => clock.now,
  );
  return { store, clock };
}

async function replay(store: SharedEventStore, after: string, owner = 'a') {
  const got: Array<[string, JSONRPCMessage]> = [];
  const stream = await store.replayEventsAfter(after, owner, { send: async (id, m) => void got.push([id, m]) });
  return { stream, got };
}

const after = async (store: SharedEventStore, id: string, owner = 'a') =>
  (await replay(store, id, owner)).got.map(([i]) => i);

describe('the shared event store', () => {
  it('gives each stream of each exchange a random key: ids are <uuid>_<n>, never shared between exchanges', async () => {
    const { store } = storeWith();
    const a = store.open('a');
    const b = store.open('a');
    const a1 = await a.storeEvent('_GET_stream', note(1));
    const a2 = await a.storeEvent('_GET_stream', note(2));
    const b1 = await b.storeEvent('_GET_stream', note(1)); // the same stream name in another exchange
    expect(a1).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}_1$/);
    expect(a2).toBe(a1.replace(/_1$/, '_2'));
    expect(b1).toMatch(/_1$/);
    expect(b1.split('_')[0]).not.toBe(a1.split('_')[0]);
    expect(await a.getStreamIdForEventId!(a2)).toBe(a1.split('_')[0]);
    expect(await a.getStreamIdForEventId!(`${a1.split('_')[0]}_9`)).toBeUndefined(); // not given yet
    expect(store.streamOf('_GET_stream_1', 'a')).toBeUndefined();
  });

  it('knows an id only as given: no other spelling of its number, no number not yet given, no 0', async () => {
    const { store } = storeWith();
    const ex = store.open('a');
    const first = await ex.storeEvent('s', priming);
    await ex.storeEvent('s', note(1));
    const key = first.split('_')[0]!;
    expect(store.streamOf(`${key}_2`, 'a')).toBe(key);
    for (const id of [
      `${key}_02`,
      `${key}_2.0`,
      `${key}_+2`,
      `${key}_0`,
      `${key}_3`,
      `${key}_`,
      key,
      `${key}x_1`,
      `_1`,
    ])
      expect(store.streamOf(id, 'a')).toBeUndefined();
  });

  it('gives a stream only to its owner: to another, an id of it is unknown — no replay, no follow', async () => {
    const { store } = storeWith();
    const ex = store.open('session A');
    const first = await ex.storeEvent('s', priming);
    await ex.storeEvent('s', answer(1));
    for (const other of ['session B', 'anonymous', 'session A ', '']) {
      expect(store.streamOf(first, other)).toBeUndefined();
      expect(await replay(store, first, other)).toEqual({ stream: '', got: [] });
      expect(
        store.follow(first, other, { send: () => expect.fail('sent'), end: () => expect.fail('ended') }),
      ).toBeUndefined();
    }
    expect(store.streamOf(first, 'session A')).toBe(first.split('_')[0]);
    expect((await replay(store, first, 'session A')).got).toEqual([[first.replace(/_1$/, '_2'), answer(1)]]);
    // the exchange's own view is its owner's
    const viaView: string[] = [];
    await ex.replayEventsAfter(first, { send: async (id) => void viaView.push(id) });
    expect(viaView).toEqual([first.replace(/_1$/, '_2')]);
    expect(await store.open('session B').replayEventsAfter(first, { send: async () => expect.fail('sent') })).toBe('');
  });

  it('replays the events after an id, in order, of that stream only', async () => {
    const { store } = storeWith();
    const ex = store.open('a');
    const other = store.open('a');
    const first = await ex.storeEvent('s', priming);
    await other.storeEvent('s', note(99));
    const ids = [
      await ex.storeEvent('s', note(1)),
      await ex.storeEvent('t', note(50)),
      await ex.storeEvent('s', note(2)),
      await ex.storeEvent('s', answer(7)),
    ];
    const { stream, got } = await replay(store, first);
    expect(stream).toBe(first.split('_')[0]);
    expect(got).toEqual([
      [ids[0], note(1)],
      [ids[2], note(2)],
      [ids[3], answer(7)],
    ]);
    expect((await replay(store, ids[2]!)).got).toEqual([[ids[3], answer(7)]]);
    expect((await replay(store, ids[3]!)).got).toEqual([]);
  });

  it('an unknown id replays nothing and names no stream', async () => {
    const { store } = storeWith();
    await store.open('a').storeEvent('s', note(1));
    expect(await replay(store, 'not-an-id')).toEqual({ stream: '', got: [] });
    expect(
      store.follow('not-an-id', 'a', { send: () => expect.fail('sent'), end: () => expect.fail('ended') }),
    ).toBeUndefined();
  });

  it(
    'follows a stream: the backlog at once, then each new event, until its exchange closes; the ' +
      'exchange hears how many follow',
    async () => {
      const { store } = storeWith();
      const counts: number[] = [];
      const ex = store.open('a', (n) => counts.push(n));
      const first = await ex.storeEvent('s', note(1));
      const second = await ex.storeEvent('s', note(2));
      const seen: string[] = [];
      let ended = 0;
      const stop = store.follow(first, 'a', { send: (id) => void seen.push(id), end: () => void ended++ });
      expect(stop).toBeTypeOf('function');
      expect(seen).toEqual([second]);
      expect(counts).toEqual([1]);
      const again = store.follow(second, 'a', { send: () => undefined, end: () => undefined });
      expect(counts).toEqual([1, 2]);
      again!();
      again!(); // twice: counted once
      expect(counts).toEqual([1, 2, 1]);
      const third = await ex.storeEvent('s', answer(3));
      await ex.storeEvent('other', note(9)); // another stream of the same exchange: not followed
      expect(seen).toEqual([second, third]);
      expect(ended).toBe(0);
      ex.close();
      expect(ended).toBe(1);
      expect(counts).toEqual([1, 2, 1, 0]);
      // a stream that is over: what is kept, then the end at once, and no follower counted
      const late: string[] = [];
      let lateEnded = false;
      store.follow(first, 'a', { send: (id) => void late.push(id), end: () => void (lateEnded = true) });
      expect(late).toEqual([second, third]);
      expect(lateEnded).toBe(true);
      expect(counts).toEqual([1, 2, 1, 0]);
    },
  );

  it('a follower that stopped hears nothing more, and the exchange hears that none follows', async () => {
    const { store } = storeWith();
    const counts: number[] = [];
    const ex = store.open('a', (n) => counts.push(n));
    const first = await ex.storeEvent('s', note(1));
    const stop = store.follow(first, 'a', { send: () => expect.fail('sent'), end: () => expect.fail('ended') });
    stop!();
    await ex.storeEvent('s', note(2));
    ex.close();
    expect(counts).toEqual([1, 0]);
  });

  it('drops events older than maxAgeMs; a stream over, with nothing kept, is unknown', async () => {
    const { store, clock } = storeWith({ maxAgeMs: 5 * 60_000 });
    const ex = store.open('a');
    const old = await ex.storeEvent('s', note(1));
    clock.now = 4 * 60_000;
    const newer = await ex.storeEvent('s', note(2));
    clock.now = 5 * 60_000 + 1;
    expect(store.size).toEqual({ events: 1, bytes: size(note(2)) });
    expect(await after(store, old)).toEqual([newer]); // the call goes on: its client may still resume it
    ex.close();
    expect(store.streamOf(newer, 'a')).toBeDefined();
    clock.now = 9 * 60_000 + 1;
    expect(store.streamOf(newer, 'a')).toBeUndefined();
    expect(store.streamOf(old, 'a')).toBeUndefined();
    expect(store.size).toEqual({ events: 0, bytes: 0 });
    expect(store.usage('a')).toEqual({ events: 0, bytes: 0 });
  });

  it('drops an event exactly maxAgeMs old, and keeps one a millisecond younger', async () => {
    const { store, clock } = storeWith({ maxAgeMs: 1000 });
    await store.open('a').storeEvent('s', note(1));
    clock.now = 999;
    expect(store.size).toEqual({ events: 1, bytes: size(note(1)) });
    clock.now = 1000;
    expect(store.size).toEqual({ events: 0, bytes: 0 });
  });

  it('forgets an owner with its last stream: one that comes back is the newest among owners using as much', async () => {
    const { store, clock } = storeWith({ maxEvents: 2 });
    const a = store.open('a');
    await a.storeEvent('s', note(1));
    a.close();
    clock.now = 5 * 60_000 + 1; // its event expires: its stream, over and empty, is forgotten, and a with it
    await store.open('b').storeEvent('s', note(2));
    const again = await store.open('a').storeEvent('s', note(3));
    // over the store's 2: the first of the owners using the most (b) gives its event
    await store.open('c').storeEvent('s', note(4));
    expect(['a', 'b', 'c'].map((o) => store.usage(o).events)).toEqual([1, 0, 1]);
    expect(store.streamOf(again, 'a')).toBe(again.split('_')[0]);
  });

  it('an expired answer takes its stream with it: a replay from before it is unknown, never one that skips it', async () => {
    const { store, clock } = storeWith();
    const ex = store.open('a');
    const first = await ex.storeEvent('s', priming);
    // a request of the server
    const asked = await ex.storeEvent('s', { jsonrpc: '2.0', id: 'q', method: 'sampling/createMessage', params: {} });
    clock.now = 4 * 60_000;
    const later = await ex.storeEvent('s', note(1));
    clock.now = 5 * 60_000 + 1;
    expect(store.streamOf(first, 'a')).toBeUndefined();
    expect(await after(store, asked)).toEqual([later]); // the client saw the request: it may go on from there
  });
});

describe('the shared event store: quotas', () => {
  it(
    'a stream past its quota of events drops its oldest notifications and keeps its answer; a ' +
      'replay from a dropped one still works',
    async () => {
      const { store } = storeWith({ stream: { events: 4, bytes: 2 ** 40 } });
      const ex = store.open('a');
      const first = await ex.storeEvent('s', priming);
      const notes: string[] = [];
      for (let i = 1; i <= 3; i++) notes.push(await ex.storeEvent('s', note(i)));
      const done = await ex.storeEvent('s', answer(1));
      expect(store.size.events).toBe(4);
      expect(await after(store, first)).toEqual([...notes, done]); // the priming event went
      const more = await ex.storeEvent('s', note(4));
      expect(await after(store, first)).toEqual([notes[1], notes[2], done, more]);
      expect(await after(store, notes[0]!)).toEqual([notes[1], notes[2], done, more]);
    },
  );

  it('a stream larger than its quota of bytes keeps its final answer rather than its progress', async () => {
    const pad = 'x'.repeat(1000);
    const { store } = storeWith({ stream: { events: 1_000, bytes: size(answer(1, pad)) + size(note(1, pad)) } });
    const ex = store.open('a');
    const first = await ex.storeEvent('s', priming);
    const notes: string[] = [];
    for (let i = 1; i <= 5; i++) notes.push(await ex.storeEvent('s', note(i, pad)));
    const done = await ex.storeEvent('s', answer(1, pad)); // the four older notifications go, not it
    expect(await after(store, first)).toEqual([notes[4], done]);
    expect(store.size).toEqual({ events: 2, bytes: size(answer(1, pad)) + size(note(5, pad)) });
  });

  it('an answer larger than its stream may keep is not kept, nor what came before it: a replay never skips it', async () => {
    const { store } = storeWith({ stream: { events: 1_000, bytes: 2000 } });
    const ex = store.open('a');
    const elsewhere = await store.open('a').storeEvent('s', note(0));
    const before = await ex.storeEvent('s', note(1));
    const seen: string[] = [];
    store.follow(before, 'a', { send: (id) => void seen.push(id), end: () => undefined });
    const big = await ex.storeEvent('s', answer(2, 'x'.repeat(5000)));
    expect(seen).toEqual([big]); // a follower still gets it
    expect(store.streamOf(before, 'a')).toBeUndefined();
    expect(store.streamOf(elsewhere, 'a')).toBeDefined();
    expect(await after(store, big)).toEqual([]); // the client saw it: it may go on from there
    const later = await ex.storeEvent('s', note(3));
    expect(await after(store, big)).toEqual([later]);
    expect(store.size.events).toBe(2);
  });

  it('a notification larger than its stream may keep is left out alone: the stream stays resumable', async () => {
    const { store } = storeWith({ stream: { events: 1_000, bytes: 2000 } });
    const ex = store.open('a');
    const first = await ex.storeEvent('s', priming);
    await ex.storeEvent('s', note(1, 'x'.repeat(5000)));
    const done = await ex.storeEvent('s', answer(1));
    expect(await after(store, first)).toEqual([done]);
  });

  it("an owner past its quota loses its own oldest events, never another owner's", async () => {
    const { store } = storeWith({ owner: { events: 4, bytes: 2 ** 40 } });
    const victim = store.open('a');
    const first = await victim.storeEvent('s', priming);
    const kept = await victim.storeEvent('s', answer(1));
    const b = store.open('b');
    const bIds: string[] = [];
    for (let i = 0; i < 10; i++) bIds.push(await b.storeEvent('s', answer(100 + i)));
    expect(await after(store, first)).toEqual([kept]);
    expect(store.usage('b')).toEqual({ events: 4, bytes: 4 * size(answer(100)) });
    expect(store.streamOf(bIds[4]!, 'b')).toBeUndefined(); // ids before a dropped answer are unknown
    expect(await after(store, bIds[5]!, 'b')).toEqual(bIds.slice(6)); // the client that saw it may go on
  });

  it("an owner's notifications go before its answers, and its streams received in full before either", async () => {
    const { store } = storeWith({ owner: { events: 5, bytes: 2 ** 40 } });
    const waiting = store.open('a');
    const wFirst = await waiting.storeEvent('s', priming);
    const wDone = await waiting.storeEvent('s', answer(1));
    const got = store.open('a');
    const gFirst = await got.storeEvent('s', priming);
    const gDone = await got.storeEvent('s', answer(2));
    got.delivered();
    got.close();
    const live = store.open('a');
    const lFirst = await live.storeEvent('s', priming);
    const lNote = await live.storeEvent('s', note(1)); // the sixth event: the delivered stream's oldest goes
    expect(await after(store, gFirst)).toEqual([gDone]);
    expect(store.usage('a').events).toBe(5);
    await live.storeEvent('s', note(2)); // then the rest of the delivered stream
    expect(store.streamOf(gFirst, 'a')).toBeUndefined();
    const lNote3 = await live.storeEvent('s', note(3)); // then the oldest notification: wFirst, a priming event
    expect(await after(store, wFirst)).toEqual([wDone]);
    expect(store.usage('a').events).toBe(5);
    const lDone = await live.storeEvent('s', answer(3)); // lFirst
    const lNote4 = await live.storeEvent('s', note(4)); // lNote
    expect(await after(store, lFirst)).toEqual(expect.arrayContaining([lDone, lNote4]));
    expect(await after(store, lNote)).toContain(lNote3);
    expect(await after(store, wFirst)).toEqual([wDone]); // the answer waits for its client throughout
  });

  it(
    "under the store's own limits, streams received in full go first, whoever's, then the " +
      'events of the owner using the most',
    async () => {
      const { store } = storeWith({ maxEvents: 6, owner: { events: 4, bytes: 2 ** 40 } });
      const pinger = store.open('b');
      await pinger.storeEvent('s', priming);
      await pinger.storeEvent('s', answer(1));
      pinger.delivered();
      pinger.close();
      const a = store.open('a');
      const aFirst = await a.storeEvent('s', priming);
      const aDone = await a.storeEvent('s', answer(2));
      const c = store.open('c');
      const cIds = [
        await c.storeEvent('s', priming),
        await c.storeEvent('s', answer(3)),
        await c.storeEvent('s', note(4)),
      ]; // 7 in all: b's oldest goes
      expect(store.size.events).toBe(6);
      expect(store.usage('b').events).toBe(1);
      cIds.push(await c.storeEvent('s', note(5))); // and b's last
      expect(store.usage('b').events).toBe(0);
      const d = store.open('d');
      // 8: c uses the most, its two oldest notifications go
      const dIds = [await d.storeEvent('s', priming), await d.storeEvent('s', answer(6))];
      expect(store.size.events).toBe(6);
      expect(store.usage('c').events).toBe(2);
      expect(await after(store, aFirst)).toEqual([aDone]);
      expect(await after(store, cIds[0]!, 'c')).toEqual([cIds[1], cIds[3]]);
      expect(await after(store, dIds[0]!, 'd')).toEqual([dIds[1]]);
    },
  );

  it("under the store's limits of bytes, the owner using the largest share of its quota gives", async () => {
    const pad = 'x'.repeat(1000);
    const one = size(answer(1, pad));
    const { store } = storeWith({ maxBytes: one * 3, owner: { events: 1_000, bytes: one * 2 } });
    const a = store.open('a');
    const aDone = await a.storeEvent('s', answer(1, pad));
    const b = store.open('b');
    await b.storeEvent('s', answer(2, pad));
    const b2 = await b.storeEvent('t', answer(3, pad)); // 3: at the limit
    expect(store.size.bytes).toBe(one * 3);
    const c = store.open('c');
    const cDone = await c.storeEvent('s', answer(4, pad)); // over: b uses the most, its oldest goes
    for (const owner of ['a', 'b', 'c']) expect(store.usage(owner)).toEqual({ events: 1, bytes: one });
    expect(await after(store, aDone)).toEqual([]);
    expect(await after(store, cDone, 'c')).toEqual([]);
    expect(store.streamOf(b2, 'b')).toBeDefined();
  });

  it('a stream keeps 200 events at the default limits', async () => {
    const store = new SharedEventStore();
    const ex = store.open('a');
    for (let i = 1; i <= 200; i++) await ex.storeEvent('s', note(1));
    expect(store.size).toEqual({ events: 200, bytes: 200 * size(note(1)) });
    await ex.storeEvent('s', note(1));
    expect(store.size).toEqual({ events: 200, bytes: 200 * size(note(1)) });
  });

  it("600 pings received in full leave another owner's waiting answer in place, at the default limits", async () => {
    const store = new SharedEventStore();
    const a = store.open('session A');
    const first = await a.storeEvent('s', priming);
    const done = await a.storeEvent('s', answer(1, 'the answer'));
    for (let i = 0; i < 600; i++) {
      const ping = store.open('session B');
      await ping.storeEvent('s', priming);
      await ping.storeEvent('s', answer(i));
      ping.delivered();
      ping.close();
    }
    expect(await after(store, first, 'session A')).toEqual([done]);
    expect(store.usage('session B').events).toBeLessThanOrEqual(500);
  });
});
