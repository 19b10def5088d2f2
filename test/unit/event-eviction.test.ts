/** Which stored event goes first (event-eviction.ts): pure choices over what each event is and whose. */
import { describe, expect, it } from 'vitest';
import { biggest, over, share, victim, type EvictionCandidate } from '../../src/server/event-eviction.js';

const ev = (order: number, essential = false, delivered = false): EvictionCandidate => ({
  order,
  essential,
  delivered,
});

describe('what goes first', () => {
  it('events of a stream received in full, then notifications, then answers; the oldest first within each', () => {
    const waitingAnswer = ev(0, true);
    const note = ev(5);
    const olderNote = ev(3);
    const deliveredAnswer = ev(9, true, true);
    const deliveredNote = ev(10, false, true);
    expect(victim([waitingAnswer, note, deliveredAnswer, olderNote, deliveredNote])).toBe(deliveredNote);
    expect(victim([waitingAnswer, note, deliveredAnswer, olderNote])).toBe(deliveredAnswer);
    expect(victim([waitingAnswer, note, olderNote])).toBe(olderNote);
    expect(victim([note, waitingAnswer])).toBe(note);
    expect(victim([ev(7, true), waitingAnswer, ev(2, true)])).toBe(waitingAnswer);
    expect(victim([ev(4, true, true), ev(2, true, true), ev(8, true, true)])).toEqual(ev(2, true, true));
    const first = ev(4);
    const twin = ev(4);
    expect(victim([first, twin])).toBe(first); // equals: the first
    expect(victim([])).toBeUndefined();
  });

  it(
    'given oldest first, the same choice, the search ending at the first that may go first ' +
      '(nothing after it is read)',
    () => {
      const read: number[] = [];
      function* oldestFirst(events: EvictionCandidate[]) {
        for (const e of events) yield (read.push(e.order), e);
      }
      const events = [ev(1, true), ev(2), ev(3, false, true), ev(4, false, true), ev(5, true, true)];
      expect(victim(oldestFirst(events), true)).toBe(events[2]);
      expect(read).toEqual([1, 2, 3]);
      // no delivered notification: every one is read, the best of them chosen
      const none = [ev(1, true), ev(2), ev(3, true, true)];
      read.length = 0;
      expect(victim(oldestFirst(none), true)).toBe(victim(none));
      expect(read).toEqual([1, 2, 3]);
    },
  );

  it('an owner is over its quota past either its events or its bytes, not at them', () => {
    const quota = { events: 10, bytes: 100 };
    expect(over({ events: 10, bytes: 100 }, quota)).toBe(false);
    expect(over({ events: 11, bytes: 0 }, quota)).toBe(true);
    expect(over({ events: 0, bytes: 101 }, quota)).toBe(true);
  });

  it("an owner's share of its quota is the larger of its shares of events and of bytes", () => {
    expect(share({ events: 5, bytes: 20 }, { events: 10, bytes: 100 })).toBe(0.5);
    expect(share({ events: 1, bytes: 80 }, { events: 10, bytes: 100 })).toBe(0.8);
  });

  it('the owner using the most is the one with the largest share, by events or by bytes; the first of equals', () => {
    const quota = { events: 10, bytes: 100 };
    const many = { events: 9, bytes: 10 };
    const large = { events: 1, bytes: 95 };
    const small = { events: 2, bytes: 20 };
    expect(biggest([small, many, large], quota)).toBe(large);
    expect(biggest([small, many], quota)).toBe(many);
    const twin = { events: 9, bytes: 10 };
    expect(biggest([small, many, twin], quota)).toBe(many);
    expect(biggest([small, twin, many], quota)).toBe(twin);
    expect(biggest([], quota)).toBeUndefined();
  });
});
