// Finishing inside the client's limit (issue 56, item 3), the decision over plain data: the best
// candidate that finishes in time goes first only when the first would not; never when the limit
// is not binding, nor when no candidate finishes in time. Issue 73: only on what is measured — a
// first candidate whose time is a guess stays, as does the user's choice.
import { describe, expect, it } from 'vitest';
import { fitWithin, limitReason } from '../../src/orchestrator/generation/limit-fit.js';

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
