// A split job's parts over copies of different speeds (fleet/copies-pace.ts): each part to the slot free soonest,
// the job ending with its last part; the width its estimate counts at the plan host's pace; and the copies it
// uses (fleet/parts-copies.ts): a copy whose parts would end after the others had ended them all is left out.
import { describe, expect, it } from 'vitest';
import { byPace, helpful, pacedWidth, partsMakespan } from '../../src/orchestrator/fleet/copies-pace.js';
import { estimateSeconds } from '../../src/orchestrator/generation/estimate.js';
import { partsCopies, type CopyState } from '../../src/orchestrator/fleet/parts-copies.js';
import { copyState } from '../helpers/copy-state.js';

const slow = { slots: 2, partSeconds: 10 };
const fast = { slots: 2, partSeconds: 1 };

describe('partsMakespan', () => {
  it("plays the parts out slot by slot: ten parts on four slots of one pace take three parts' time", () => {
    expect(partsMakespan([fast, fast], 10, 1)).toBe(3);
  });

  it("ends with a slow copy's first parts when it is ten times slower", () => {
    // the slow copy's two parts take 10 s; the fast one does the other eight in 4 s
    expect(partsMakespan([fast, slow], 10, 1)).toBe(10);
    expect(partsMakespan([fast], 10, 1)).toBe(5);
  });

  it("runs a copy of assumed speeds at the plan host's pace", () => {
    expect(partsMakespan([fast, { slots: 2 }], 10, 1)).toBe(3);
  });

  it("runs a copy within a quarter of the plan host's pace at it: measures of one kind of host differ that much", () => {
    expect(partsMakespan([fast, { slots: 2, partSeconds: 1.2 }], 10, 1)).toBe(3);
    expect(partsMakespan([fast, { slots: 2, partSeconds: 0.85 }], 10, 1)).toBe(3);
    expect(pacedWidth([fast, { slots: 2, partSeconds: 1.2 }], 1, 10)).toBe(4);
    // a quarter and more: its own
    const one = { slots: 1, partSeconds: 1 };
    expect(partsMakespan([one, { slots: 1, partSeconds: 1.2 }], 2, 1)).toBe(1);
    expect(partsMakespan([one, { slots: 1, partSeconds: 1.25 }], 2, 1)).toBe(1.25);
    expect(partsMakespan([one, { slots: 1, partSeconds: 0.8 }], 2, 1)).toBe(1);
  });
});

describe('pacedWidth', () => {
  it('counts copies of one pace as their slots', () => {
    expect(pacedWidth([fast, fast], 1, 10)).toBe(4);
    expect(pacedWidth([slow, slow], 10, 9)).toBe(4);
  });

  it('counts a faster copy for more, at a slow plan host: the job in one of its part times', () => {
    // evenly at 10 s a part: three waves, 30 s; as paced: the slow copy's first parts, 10 s
    expect(pacedWidth([slow, fast], 10, 10)).toBeCloseTo(12, 9);
  });

  it("counts a slow copy for less at a fast plan host: its parts end the job's", () => {
    // evenly: 3 s; as paced: 10 s
    expect(pacedWidth([fast, slow], 1, 10)).toBeCloseTo(1.2, 9);
  });

  it('takes no ratio from a guess: the plan host of assumed speeds counts every slot as it is', () => {
    expect(pacedWidth([fast, slow], undefined, 10)).toBe(4);
  });

  it('is at least one request at once', () => {
    expect(pacedWidth([], 2, 5)).toBe(1);
  });
});

describe('an estimate at a paced width', () => {
  const facts = { hostKind: 'cpu' as const, promptTokensPerSecond: 1000, tokensPerSecond: 100 };
  const input = {
    loadSeconds: 0,
    queueSeconds: 0,
    promptTokens: 1000,
    answerTokens: 100,
    rounds: 0,
    firstAlone: false,
  };
  const at = (parts: number, width: number) => estimateSeconds({ ...input, parts, width }, facts).seconds;
  it('counts a fractional width as it is: 26 parts 2.5 at once are 11 waves, not 13', () => {
    // a wave: 1 s reading, 1 s writing
    expect(at(26, 2.5)).toBeCloseTo(22, 6);
    expect(at(26, 2)).toBeCloseTo(26, 6);
  });

  it("adds no wave for a float's dust: ten parts at 10/3 at once are three waves", () => {
    expect(at(10, 10 / 3)).toBeCloseTo(6, 6);
  });
});

describe('the copies a job uses', () => {
  const state = (host: string, partSeconds: number | undefined): CopyState =>
    copyState(host, { window: 8192, partSeconds });

  it('leaves out a loaded copy so slow that its parts would end after the plan host had ended them all', () => {
    const c = partsCopies([state('gpu', 1), state('laptop', 10)], { requests: 10, partMs: 1000 });
    expect(c.copies.map((x) => x.host)).toEqual(['gpu']);
    expect(c.width).toBe(2);
    expect(c.slowLeft).toEqual(['laptop']);
  });

  it('keeps a slower copy that still ends the job sooner', () => {
    const c = partsCopies([state('gpu', 1), state('older', 2)], { requests: 10, partMs: 1000 });
    expect(c.copies.map((x) => x.host)).toEqual(['gpu', 'older']);
    expect(c.slowLeft).toBeUndefined();
  });

  it('judges a copy to load as it judges a loaded one', () => {
    const toLoad = { ...state('laptop', 10), loaded: false, loadMs: 1 };
    const c = partsCopies([state('gpu', 1), toLoad], { requests: 10, partMs: 1000 });
    expect(c.copies.map((x) => x.host)).toEqual(['gpu']);
    expect(c.slowLeft).toEqual(['laptop']);
    const near = partsCopies([state('gpu', 1), { ...toLoad, partSeconds: 1.5 }], { requests: 10, partMs: 1000 });
    expect(near.copies.map((x) => x.host)).toEqual(['gpu', 'laptop']);
  });

  it("judges by the job's parts, not its combinations too", () => {
    // 4 parts on the gpu's two slots: 2 s; the laptop's first part ends at 3 s — with 10 requests it would help
    const c = partsCopies([state('gpu', 1), state('laptop', 3)], { requests: 10, parts: 4, partMs: 1000 });
    expect(c.copies.map((x) => x.host)).toEqual(['gpu']);
  });

  it("keeps every loaded copy where a speed is a guess — the copy's or the plan host's", () => {
    expect(partsCopies([state('gpu', 1), state('laptop', undefined)], { requests: 10, partMs: 1000 }).width).toBe(4);
    expect(partsCopies([state('gpu', 1), state('laptop', 10)], { requests: 10, partMs: undefined }).width).toBe(4);
  });

  it("leaves out the plan host's own copy when it is the slow one: each copy is judged beside the faster ones", () => {
    // planned on the laptop (first): its two parts would take 10 s, the gpu's two slots end all ten in 5 s
    const c = partsCopies([state('laptop', 10), state('gpu', 1)], { requests: 10, partMs: 10_000 });
    expect(c.copies.map((x) => x.host)).toEqual(['gpu']);
    expect(c.slowLeft).toEqual(['laptop']);
    expect(c.width).toBe(2);
  });

  it("keeps the plan host's slow copy free now where the faster copy is full: judged after the free one", () => {
    const full = { ...state('gpu', 1), taken: 2 };
    const c = partsCopies([state('laptop', 10), full], { requests: 10, partMs: 10_000 });
    expect(c.copies.map((x) => x.host)).toEqual(['laptop', 'gpu']);
    expect(c.slowLeft).toBeUndefined();
    // one slot free on the gpu: judged first, the laptop left out
    const one = partsCopies([state('laptop', 10), { ...full, taken: 1 }], { requests: 10, partMs: 10_000 });
    expect(one.copies.map((x) => x.host)).toEqual(['gpu']);
    expect(one.slowLeft).toEqual(['laptop']);
  });

  it('puts the faster copy first, the one the run gives a tie, and keeps the plan host first among alike', () => {
    const slower = partsCopies([state('laptop', 2), state('gpu', 1)], { requests: 10, partMs: 2000 });
    expect(slower.copies.map((x) => x.host)).toEqual(['gpu', 'laptop']);
    expect(slower.slowLeft).toBeUndefined();
    const alike = partsCopies([state('laptop', 1.1), state('gpu', 1)], { requests: 10, partMs: 1100 });
    expect(alike.copies.map((x) => x.host)).toEqual(['laptop', 'gpu']);
  });
});

describe('copies by pace', () => {
  const named = (name: string, partSeconds: number | undefined) => ({ name, slots: 2, partSeconds });

  it("orders copies fastest first, alike and assumed ones at the plan host's pace in their order", () => {
    const copies = [
      named('plan', 4),
      named('slow', 10),
      named('fast', 1),
      named('guess', undefined),
      named('near', 4.5),
    ];
    expect(byPace(copies, 4).map((c) => c.name)).toEqual(['fast', 'plan', 'guess', 'near', 'slow']);
  });

  it("keeps the order as it is where the plan host's pace is a guess", () => {
    const copies = [named('slow', 10), named('fast', 1)];
    expect(byPace(copies, undefined).map((c) => c.name)).toEqual(['slow', 'fast']);
  });

  it('leaves out a slow copy listed first (the plan host holding the model): the faster ones end the parts', () => {
    expect(helpful([named('laptop', 10), named('gpu', 1)], 10, 10).map((c) => c.name)).toEqual(['gpu']);
    expect(helpful([named('laptop', 2), named('gpu', 1)], 10, 2).map((c) => c.name)).toEqual(['gpu', 'laptop']);
  });
});
