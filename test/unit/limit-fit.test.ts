// Finishing inside the client's limit (issue 56, item 3), the decision over plain data: the best
// candidate that finishes in time goes first only when the first would not; never when the limit
// is not binding, nor when no candidate finishes in time. Issue 73: only on what is measured — a
// first candidate whose time is a guess stays, as does the user's choice.
import { describe, expect, it } from 'vitest';
import {
  fitWithin,
  limitReason,
  sharedReason,
  soonerOnMoreCopies,
  soonerThanShared,
  spreadReason,
} from '../../src/orchestrator/generation/limit-fit.js';

const t = (...seconds: number[]) => seconds.map((s) => ({ seconds: s, measured: true }));

describe('fitWithin', () => {
  it('moves the first candidate (in the route order) that finishes in time, when the first does not', () => {
    expect(fitWithin(t(120, 80, 30, 10), 54)).toEqual({ index: 2, seconds: 30, firstSeconds: 120 });
    expect(fitWithin(t(54.5, 54), 54)).toEqual({ index: 1, seconds: 54, firstSeconds: 54.5 }); // at the bound: in time
  });

  it(
    'moves nothing when the first finishes in time (never a weaker model for nothing), when ' +
      'none does, or without a limit',
    () => {
      expect(fitWithin(t(54, 10), 54)).toBeUndefined();
      expect(fitWithin(t(20, 10), 54)).toBeUndefined();
      expect(fitWithin(t(120, 90, 60), 54)).toBeUndefined();
      expect(fitWithin(t(120, 10), undefined)).toBeUndefined();
      expect(fitWithin([], 54)).toBeUndefined();
      expect(fitWithin(t(120), 54)).toBeUndefined();
    },
  );

  it('says what the limit changed', () => {
    expect(limitReason({ index: 1, seconds: 8.25, firstSeconds: 113.4 }, 'qwen2.5:14b', 54)).toBe(
      'it finishes within what your client waits (54 s): ~8.3 s, where qwen2.5:14b, first for the ' +
        'work, would take ~113 s as measured here',
    );
    expect(limitReason({ index: 1, seconds: 9.96, firstSeconds: 10 }, 'm', 10.4)).toBe(
      'it finishes within what your client waits (10 s): ~10.0 s, where m, first for the work, ' +
        'would take ~10 s as measured here',
    );
  });

  it("keeps the user's choice, whatever its time: it is served as chosen and handed over", () => {
    const [first, ...rest] = t(120, 10);
    expect(fitWithin([{ ...first!, chosen: true }, ...rest], 54)).toBeUndefined();
    expect(fitWithin([{ ...first!, chosen: false }, ...rest], 54)).toEqual({
      index: 1,
      seconds: 10,
      firstSeconds: 120,
    });
  });

  it('keeps a first candidate whose time is a guess (a speed not yet measured); moves one measured slow', () => {
    expect(
      fitWithin(
        [
          { seconds: 120, measured: false },
          { seconds: 10, measured: true },
        ],
        54,
      ),
    ).toBeUndefined();
    expect(
      fitWithin(
        [
          { seconds: 120, measured: true },
          { seconds: 10, measured: false },
        ],
        54,
      ),
    ).toEqual({ index: 1, seconds: 10, firstSeconds: 120 });
  });
});

// Issue 82: a split job's planned model whose copies take turns with another job's parts gives way to one well
// sooner — as a routed call's busy first model does — when the turns are what make it slow, and to nothing else.
describe('soonerThanShared', () => {
  /** The first taking `seconds[0]` with its turns, `alone` without them; the others alone, loaded. */
  const s = (alone: number, ...seconds: number[]) =>
    seconds.map((x, i) => ({ seconds: x, measured: true, aloneSeconds: i ? x : alone, ready: true }));

  it('moves the soonest other when the turns hold the first up and it takes three quarters of its time or less', () => {
    expect(soonerThanShared(s(20, 40, 30, 12, 20))).toEqual({ index: 2, seconds: 12, firstSeconds: 40 });
    expect(soonerThanShared(s(30, 40, 30))).toEqual({ index: 1, seconds: 30, firstSeconds: 40 }); // both bounds
  });

  it('moves nothing when the first takes turns with nothing, is held up little, or nothing is that much sooner', () => {
    expect(soonerThanShared(s(40, 40, 10))).toBeUndefined(); // alone: the planner's choice stands
    expect(soonerThanShared(s(31, 40, 10))).toBeUndefined(); // 40 s where 31 alone: the turns cost little
    expect(soonerThanShared([{ seconds: 40, measured: true }, ...s(0, 10)])).toBeUndefined(); // no time alone said
    expect(soonerThanShared(s(20, 40, 30.5, 35))).toBeUndefined();
    expect(soonerThanShared(s(20, 40))).toBeUndefined();
    expect(soonerThanShared([])).toBeUndefined();
    // sooner, but not loaded with the window its parts need: a load, perhaps waiting for the first's work
    const [first, soon] = s(20, 40, 10);
    expect(soonerThanShared([first!, { ...soon!, ready: false }])).toBeUndefined();
    expect(soonerThanShared([first!, { ...soon!, ready: undefined }])).toBeUndefined();
  });

  it("keeps the user's choice, shared or not; a first whose speed is a guess still gives way (the turns are not)", () => {
    const other = { seconds: 5, measured: true, ready: true };
    expect(soonerThanShared([{ seconds: 40, aloneSeconds: 20, measured: true, chosen: true }, other])).toBe(undefined);
    expect(soonerThanShared([{ seconds: 40, aloneSeconds: 20, measured: false }, other])).toEqual({
      index: 1,
      seconds: 5,
      firstSeconds: 40,
    });
  });

  it('says why, without a figure of the other work', () => {
    const why = sharedReason({ index: 1, seconds: 6.04, firstSeconds: 14.6 }, 'llama3.1:8b');
    expect(why).toBe(
      'it finishes sooner (~6.0 s): llama3.1:8b, first for the work, takes turns with other work on its copies',
    );
    expect(why).not.toMatch(/15|14\.6/); // the first's time with the turns is a figure of the other work
  });
});

describe('soonerOnMoreCopies', () => {
  /** The first, then the others: `spread` marks the first's model split finer onto more copies; all measured. */
  const c = (first: number, ...others: Array<[number, boolean]>) => [
    { seconds: first, measured: true },
    ...others.map(([seconds, spread]) => ({ seconds, measured: true, spread })),
  ];

  it("moves to the first's model on more copies when that takes three quarters of its time or less", () => {
    expect(soonerOnMoreCopies(c(40, [30, true]))).toEqual({ index: 1, seconds: 30, firstSeconds: 40 }); // the bound
    expect(soonerOnMoreCopies(c(40, [25, true], [20, true]))).toEqual({ index: 2, seconds: 20, firstSeconds: 40 });
    // the user's choice of the model is kept: it is the same model
    const [first, other] = c(40, [20, true]);
    expect(soonerOnMoreCopies([{ ...first!, chosen: true }, other!])).toEqual({
      index: 1,
      seconds: 20,
      firstSeconds: 40,
    });
  });

  it('moves nothing to another model however sooner, nor for a gain under a quarter', () => {
    expect(soonerOnMoreCopies(c(40, [5, false]))).toBeUndefined(); // another model: the other rules' to weigh
    expect(soonerOnMoreCopies(c(40, [30.5, true]))).toBeUndefined();
    expect(soonerOnMoreCopies(c(40, [5, false], [31, true]))).toBeUndefined();
    expect(soonerOnMoreCopies([{ seconds: 40, measured: true, spread: true }])).toBeUndefined(); // the first itself
    expect(soonerOnMoreCopies([])).toBeUndefined();
  });

  it('moves nothing on a guess: the first or the other timed by speeds not measured there', () => {
    const [first, other] = c(880, [2, true]);
    expect(soonerOnMoreCopies([{ ...first!, measured: false }, other!])).toBeUndefined();
    expect(soonerOnMoreCopies([first!, { ...other!, measured: false }])).toBeUndefined();
    // a measured one after a guessed one is still taken
    expect(
      soonerOnMoreCopies([first!, { ...other!, measured: false }, { seconds: 10, measured: true, spread: true }]),
    ).toEqual({
      index: 2,
      seconds: 10,
      firstSeconds: 880,
    });
  });

  it('says why with its own time only', () => {
    const why = spreadReason({ index: 1, seconds: 31.6, firstSeconds: 57.2 }, 4096, 8192);
    expect(why).toBe('its parts sized to 4096 tokens run on more of its copies than at 8192 (~32 s)');
    expect(why).not.toMatch(/57/); // the first's time may hold turns with other work
  });
});
