import { describe, expect, it } from 'vitest';
import { offlineOptimum } from '../../bench/offline-optimum.js';

/** A host that holds at most `slots` models, each load costing what `cost` says (1 by default). */
const slotsHost = (slots: number, cost: Record<string, number> = {}) => ({
  loadMs: new Map(['a', 'b', 'c', 'd'].map((m) => [m, cost[m] ?? 1])),
  admits: (kept: readonly string[]) => kept.length + 1 <= slots,
});

describe("the learning benchmark's offline optimum", () => {
  it(
    'evicts what is wanted furthest ahead (Belady): a b c a b c in two slots takes 4 loads, ' +
      'where least-recently-used takes 6',
    () => {
      expect(offlineOptimum(['a', 'b', 'c', 'a', 'b', 'c'], slotsHost(2))).toBe(4);
    },
  );

  it('keeps the model that is dear to load and loads the cheap one again', () => {
    // a costs 10, b and c 1: with two slots, a stays and b and c take turns
    expect(offlineOptimum(['a', 'b', 'c', 'a', 'b', 'c', 'a'], slotsHost(2, { a: 10 }))).toBe(10 + 1 + 1 + 1 + 1);
  });

  it('counts nothing for a model already loaded, and every first load', () => {
    expect(offlineOptimum(['a', 'a', 'b', 'a', 'b'], slotsHost(2))).toBe(2);
    expect(offlineOptimum([], slotsHost(2))).toBe(0);
  });

  it('respects what the host admits: a model that fits only alone empties the host', () => {
    const host = {
      loadMs: new Map([
        ['a', 1],
        ['b', 1],
        ['big', 5],
      ]),
      admits: (kept: readonly string[], adding: string) =>
        adding === 'big' ? kept.length === 0 : !kept.includes('big'),
    };
    expect(offlineOptimum(['a', 'b', 'big', 'a', 'b'], host)).toBe(1 + 1 + 5 + 1 + 1);
  });
});
