// Fairness between clients (issue 43, item 2): a call whose first model has every slot taken goes
// to another candidate that answers sooner without unloading anything — and only then.
import { describe, expect, it } from 'vitest';
import { fairChoice, waitForSlot, type Contender } from '../../src/orchestrator/generation/schedule.js';

const GB = 1e9;
/**
 * The 14B model, loaded, its one slot answering a split job's part that may write 512 tokens at 10 tokens/s
 * (1 s in).
 */
const busy = (o: Partial<Contender> = {}): Contender => ({
  model: 'qwen2.5:14b',
  loaded: true,
  fitsFree: false,
  running: [{ elapsedMs: 1000, tokens: 512 }],
  slots: 1,
  tokensPerSecond: 10,
  sizeBytes: 9 * GB,
  parameterSize: '14.8B',
  ...o,
});
/** phi3:mini, not loaded, fitting in free memory: a 0.5 s load, 80 tokens/s. */
const small = (o: Partial<Contender> = {}): Contender => ({
  model: 'phi3:mini',
  loaded: false,
  fitsFree: true,
  running: [],
  slots: 1,
  coldLoadSeconds: 0.5,
  tokensPerSecond: 80,
  sizeBytes: 2.2 * GB,
  parameterSize: '3.8B',
  ...o,
});

describe('fairChoice', () => {
  it(
    'moves the call to a model that fits in free memory when its load and answer take less than ' +
      'the wait behind the busy one',
    () => {
      const moved = fairChoice([busy(), small()], 64);
      expect(moved).toMatchObject({ index: 1 });
      // 512 tokens at 10/s, 1 s in: 50.2 s to wait, then 6.4 s to answer; here 0.5 s + 0.8 s
      expect(moved!.waitSeconds).toBeCloseTo(50.2, 5);
      expect(moved!.busySeconds).toBeCloseTo(56.6, 5);
      expect(moved!.seconds).toBeCloseTo(1.3, 5);
      expect(moved!.loadSeconds).toBeCloseTo(0.5, 5);
    },
  );

  it('moves it to a loaded model with a free slot, with no load to pay', () => {
    const moved = fairChoice(
      [busy(), small({ loaded: true, fitsFree: false, running: [{ elapsedMs: 0, tokens: 64 }], slots: 2 })],
      64,
    );
    expect(moved).toMatchObject({ index: 1, loadSeconds: 0 });
    expect(moved!.seconds).toBeCloseTo(0.8, 5);
  });

  it('keeps it when the first model has a free slot', () => {
    expect(fairChoice([busy({ slots: 2 }), small()], 64)).toBeUndefined();
    expect(fairChoice([busy({ running: [] }), small()], 64)).toBeUndefined();
  });

  it('keeps it when the other model would need an unload (it does not fit in free memory)', () => {
    expect(fairChoice([busy(), small({ fitsFree: false })], 64)).toBeUndefined();
  });

  it('keeps it when the other model is loaded but its slots are taken too', () => {
    expect(
      fairChoice([busy(), small({ loaded: true, fitsFree: true, running: [{ elapsedMs: 0, tokens: 64 }] })], 64),
    ).toBeUndefined();
  });

  it('keeps it when the wait is short: the busy request is nearly done, and the load costs more than waiting', () => {
    // 512 tokens at 10/s, 51 s in: 0.2 s left + 6.4 s to answer, against a 10 s cold load
    expect(
      fairChoice([busy({ running: [{ elapsedMs: 51_000, tokens: 512 }] }), small({ coldLoadSeconds: 10 })], 64),
    ).toBeUndefined();
    // the same load with the long wait: moved
    expect(fairChoice([busy(), small({ coldLoadSeconds: 10 })], 64)).toMatchObject({ index: 1 });
  });

  it('weighs the exact sums: a tie keeps the call where it is', () => {
    // busy: 0 s to wait (a request that ran past its estimate) + 64/8 = 8 s; small: 7 s load + 64/64 = 8 s
    const done = { running: [{ elapsedMs: 90_000, tokens: 512 }], tokensPerSecond: 8 };
    expect(fairChoice([busy(done), small({ coldLoadSeconds: 7, tokensPerSecond: 64 })], 64)).toBeUndefined();
    expect(fairChoice([busy(done), small({ coldLoadSeconds: 6.9, tokensPerSecond: 64 })], 64)).toMatchObject({
      index: 1,
    });
  });

  it("never moves to the same model on the same host, and takes the first faster one in the route's order", () => {
    expect(fairChoice([busy(), busy({ running: [] })], 64)).toBeUndefined();
    const second = small({ model: 'llama3.2:latest' });
    expect(fairChoice([busy(), small({ fitsFree: false }), second, small()], 64)).toMatchObject({ index: 2 });
    // the same model on another host with a free slot is another contender
    expect(fairChoice([busy({ host: 'a' }), busy({ host: 'b', running: [] })], 64)).toMatchObject({
      index: 1,
      loadSeconds: 0,
    });
  });

  it('with no measured speed, guesses it from the size (a 9 GB model writes slower than a 2.2 GB one)', () => {
    const moved = fairChoice([busy({ tokensPerSecond: undefined }), small({ tokensPerSecond: undefined })], 64);
    expect(moved).toMatchObject({ index: 1 });
    expect(moved!.busySeconds - moved!.waitSeconds).toBeGreaterThan(moved!.seconds - moved!.loadSeconds);
  });

  it('a measured speed of 0 is no measure: the size decides, as with none', () => {
    expect(fairChoice([busy({ tokensPerSecond: 0 }), small()], 64)).toEqual(
      fairChoice([busy({ tokensPerSecond: undefined }), small()], 64),
    );
    expect(fairChoice([busy({ tokensPerSecond: 0 }), small()], 64)!.busySeconds).toBeLessThan(1000);
  });

  it('with no cold-load estimate, the load is guessed from the size: a small model moves, a huge one does not', () => {
    // 1 s + 2.2 GB at 1 GB/s: 3.2 s, then 0.8 s — against 56.6 s behind the busy one
    expect(fairChoice([busy(), small({ coldLoadSeconds: undefined })], 64)).toMatchObject({
      index: 1,
      loadSeconds: 3.2,
    });
    // 1 s + 90 GB at 1 GB/s
    expect(fairChoice([busy(), small({ coldLoadSeconds: undefined, sizeBytes: 90 * GB })], 64)).toBeUndefined();
    // by its parameters when its size is not known: 3.8B × 0.6 bytes ≈ 2.3 GB
    expect(
      fairChoice([busy(), small({ coldLoadSeconds: undefined, sizeBytes: 0, parameterSize: '3.8B' })], 64)!.loadSeconds,
    ).toBeCloseTo(3.28, 1);
  });

  it('an empty queue or one candidate: nothing to move', () => {
    expect(fairChoice([], 64)).toBeUndefined();
    expect(fairChoice([busy()], 64)).toBeUndefined();
  });
});

describe('waitForSlot', () => {
  it('is 0 while a slot is free', () => {
    expect(waitForSlot([{ elapsedMs: 0, tokens: 100 }], 2, 10)).toBe(0);
    expect(waitForSlot([], 1, 10)).toBe(0);
  });

  it('is the time left of the request that ends first, when every slot runs one', () => {
    expect(
      waitForSlot(
        [
          { elapsedMs: 2000, tokens: 100 },
          { elapsedMs: 0, tokens: 50 },
        ],
        2,
        10,
      ),
    ).toBeCloseTo(5, 5);
  });

  it('adds the requests queued before it, each taking the slot that frees first', () => {
    // one slot: 8 s left, then a queued 5 s request: 13 s
    expect(
      waitForSlot(
        [
          { elapsedMs: 2000, tokens: 100 },
          { elapsedMs: 0, tokens: 50 },
        ],
        1,
        10,
      ),
    ).toBeCloseTo(13, 5);
    // two slots, 8 s and 3 s left, a queued 5 s one takes the second slot (free at 8): the first frees at 8
    expect(
      waitForSlot(
        [
          { elapsedMs: 2000, tokens: 100 },
          { elapsedMs: 2000, tokens: 50 },
          { elapsedMs: 0, tokens: 50 },
        ],
        2,
        10,
      ),
    ).toBeCloseTo(8, 5);
    // two slots, both 8 s left, two queued 5 s ones: 13 s
    expect(
      waitForSlot(
        [
          { elapsedMs: 2000, tokens: 100 },
          { elapsedMs: 2000, tokens: 100 },
          { elapsedMs: 0, tokens: 50 },
          { elapsedMs: 0, tokens: 50 },
        ],
        2,
        10,
      ),
    ).toBeCloseTo(13, 5);
  });

  it('a request that ran past its estimate has nothing left', () => {
    expect(waitForSlot([{ elapsedMs: 20_000, tokens: 100 }], 1, 10)).toBe(0);
  });

  it('a zero or negative slot count is read as one slot', () => {
    expect(waitForSlot([{ elapsedMs: 0, tokens: 100 }], 0, 10)).toBeCloseTo(10, 5);
  });
});
