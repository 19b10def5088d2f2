/** When a split job's whole result is expected (jobs/split-eta.ts), from how its parts went so far. */
import { describe, expect, it } from 'vitest';
import { splitRemainingMs } from '../../src/orchestrator/jobs/split-eta.js';

describe('a split job’s time left', () => {
  it('is nothing before a part was answered', () => {
    expect(splitRemainingMs({ startedAt: 0, now: 10_000, ran: 0, left: 10, width: 1, rounds: 1 })).toBeUndefined();
    expect(splitRemainingMs({ startedAt: 10_000, now: 0, ran: 2, left: 8, width: 1, rounds: 1 })).toBeUndefined(); // a clock that went back
  });

  it('one at a time: the parts left at the pace so far, then each combining round as long as a part', () => {
    // 3 parts in 30 s: 10 s a part; 7 left (70 s) and 1 round (10 s)
    expect(splitRemainingMs({ startedAt: 0, now: 30_000, ran: 3, left: 7, width: 1, rounds: 1 })).toBe(80_000);
    expect(splitRemainingMs({ startedAt: 0, now: 30_000, ran: 3, left: 7, width: 1, rounds: 2 })).toBe(90_000);
  });

  it('parts run together: the wall time a part takes in all, and a combination as long as one part alone', () => {
    // 4 parts in 20 s two at a time: 5 s each of wall time, a part's own time 10 s; 6 left (30 s) and 1 round (10 s)
    expect(splitRemainingMs({ startedAt: 0, now: 20_000, ran: 4, left: 6, width: 2, rounds: 1 })).toBe(40_000);
  });

  it('all parts done: the combining alone', () => {
    expect(splitRemainingMs({ startedAt: 0, now: 40_000, ran: 4, left: 0, width: 1, rounds: 1 })).toBe(10_000);
    expect(splitRemainingMs({ startedAt: 0, now: 40_000, ran: 4, left: -1, width: 1, rounds: 0 })).toBe(10_000); // a part cut in halves counted twice; at least one round
  });
});
