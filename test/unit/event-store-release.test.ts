// An exchange over is not kept by its events (issue 61, finding 6): a stream's events stay a while
// for a resume, and the stream named its exchange, whose callback's closure held the exchange's
// server, transport, request and response — ~150 KB a 2025-era HTTP call, kept as long as the
// events (up to 500 of one client's, 2,000 in all). Once the exchange is over its callback is
// dropped; its events are still given to a resume.
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { SharedEventStore } from '../../src/server/event-store.js';
import { collected } from '../helpers/gc.js';

const priming = {} as JSONRPCMessage;
const answer = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { content: [] } });

/**
 * An exchange of `store` whose callback reaches an object of its own (as the leg's reaches its server and
 * response); only a WeakRef to it kept here.
 */
async function exchange(store: SharedEventStore, id: number) {
  const server = { name: `server ${id}`, body: 'x'.repeat(1000) };
  const events = store.open('session A', (count) => void (count > 0 && server.name));
  await events.storeEvent('_stream', priming);
  const last = await events.storeEvent('_stream', answer(id));
  return { events, last, server: new WeakRef(server) };
}

describe('an exchange over', () => {
  it('is not kept by its events: its callback goes with it; its events still replay; one under way is kept', async () => {
    const store = new SharedEventStore();
    const over = await exchange(store, 1);
    const live = await exchange(store, 2);
    over.events.delivered();
    over.events.close();
    expect(await collected(over.server)).toBe(true);
    expect(await collected(live.server)).toBe(false); // under way: its callback is needed
    // the events of the exchange over are kept all the same: its priming event's follower gets the answer
    const got: string[] = [];
    const first = `${over.last.split('_')[0]}_1`;
    expect(
      store.follow(first, 'session A', { send: (id) => void got.push(id), end: () => void got.push('end') }),
    ).toBeDefined();
    expect(got).toEqual([over.last, 'end']);
    expect(store.size.events).toBe(4);
    live.events.close();
  });
});
