/**
 * Which copies a split job's parts go to (issue 82, Deliver 1): every loaded copy with its slots, a
 * copy to load only when its load takes less than the parts' wait on the slots free now of the copies
 * chosen, the combining round on the copy that answered most parts, and the
 * job's width — what its estimate counts — the slots of the copies it uses. And the run keeps to
 * the plan: a part waits for a copy with one of the job's slots free there, the one with most free
 * now, a copy the plan loads once it is loaded, one copy a part.
 */
import { describe, expect, it } from 'vitest';
import { combineCopy, partsCopies, partsReloadWhy } from '../../src/orchestrator/fleet/parts-copies.js';
import { PartSlots } from '../../src/orchestrator/jobs/part-slots.js';
import { copyState } from '../helpers/copy-state.js';

const copy = copyState;

describe('partsCopies', () => {
  it('uses every loaded copy, with its slots: the width counts them all', () => {
    const choice = partsCopies([copy('a'), copy('b'), copy('c', { slots: 4, taken: 3 })], {
      requests: 12,
      partMs: 5000,
    });
    expect(choice.copies).toEqual([
      { host: 'a', slots: 2, window: 4096 },
      { host: 'b', slots: 2, window: 4096 },
      { host: 'c', slots: 4, window: 4096 },
    ]);
    expect(choice.width).toBe(8);
  });

  it("weighs a load against the parts' wait on the slots free now: others' requests make it longer", () => {
    const states = (taken: number) => [copy('a', { taken }), copy('b', { loaded: false, loadMs: 3000 })];
    // 6 requests of 1 s: on a's two free slots they wait 3 s, not more than the load
    expect(partsCopies(states(0), { requests: 6, partMs: 1000 })).toEqual({
      copies: [{ host: 'a', slots: 2, window: 4096 }],
      width: 2,
    });
    // a's slots held by others: the parts wait 6 s behind them, the load is worth it
    expect(partsCopies(states(2), { requests: 6, partMs: 1000 })).toEqual({
      copies: [
        { host: 'a', slots: 2, window: 4096 },
        { host: 'b', slots: 2, window: 4096, load: { ms: 3000, waitMs: 6000 } },
      ],
      width: 4,
    });
  });

  it("loads a second copy only when its load takes less than the parts' wait on the copies used", () => {
    const states = (loadMs: number) => [copy('a'), copy('b', { loaded: false, loadMs })];
    // 10 requests of 1 s over 2 slots: the parts wait 5 s on a
    const worth = partsCopies(states(4000), { requests: 10, partMs: 1000 });
    expect(worth.copies).toEqual([
      { host: 'a', slots: 2, window: 4096 },
      { host: 'b', slots: 2, window: 4096, load: { ms: 4000, waitMs: 5000 } },
    ]);
    expect(worth.width).toBe(4);
    const not = partsCopies(states(6000), { requests: 10, partMs: 1000 });
    expect(not).toEqual({ copies: [{ host: 'a', slots: 2, window: 4096 }], width: 2 });
    // no room there: never loaded, whatever the wait
    const full = partsCopies([copy('a'), copy('b', { loaded: false, room: false, loadMs: 1 })], {
      requests: 100,
      partMs: 1000,
    });
    expect(full.width).toBe(2);
  });

  it("loads a copy when the parts' speed is unknown, as a hot model's busy copy", () => {
    const choice = partsCopies([copy('a'), copy('b', { loaded: false, loadMs: 9000 })], {
      requests: 3,
      partMs: undefined,
    });
    expect(choice.copies.map((c) => c.host)).toEqual(['a', 'b']);
  });

  it("reloads a copy loaded narrower (idle, nothing else using it) when the parts' wait is longer, as a load", () => {
    const narrow = (loadMs: number) => copy('b', { loaded: false, loadMs, window: 8192, reloadFrom: 4096 });
    // 12 requests of 1 s over a's two slots: 6 s of waiting against a 1 s reload
    const worth = partsCopies([copy('a', { window: 8192 }), narrow(1000)], { requests: 12, partMs: 1000 });
    expect(worth).toEqual({
      copies: [
        { host: 'a', slots: 2, window: 8192 },
        { host: 'b', slots: 2, window: 8192, load: { ms: 1000, waitMs: 6000, reloadFrom: 4096 } },
      ],
      width: 4,
    });
    expect(partsReloadWhy('m', worth)).toBe(
      'reloads m on b with an 8k window for the parts (it was loaded with 4k, and nothing else was using it): ' +
        '~1 s, where the parts would wait ~6 s',
    );
    // the reload takes longer than the wait: kept as it is, no part there
    const not = partsCopies([copy('a', { window: 8192 }), narrow(7000)], { requests: 12, partMs: 1000 });
    expect(not).toEqual({ copies: [{ host: 'a', slots: 2, window: 8192 }], width: 2 });
    expect(partsReloadWhy('m', not)).toBeUndefined();
    // the wait unknown (no speed measured): reloaded, as a copy with room is loaded (a hot model's rule), and said
    const unknown = partsCopies([copy('a', { window: 8192 }), narrow(9000)], { requests: 12, partMs: undefined });
    expect(unknown.copies.map((c) => c.host)).toEqual(['a', 'b']);
    expect(partsReloadWhy('m', unknown)).toMatch(/: ~9 s, the parts' speed not yet measured$/);
  });

  it("with nothing loaded, the plan's copy is used with its slots (its first part loads it)", () => {
    const choice = partsCopies(
      [copy('a', { loaded: false, loadMs: 3000 }), copy('b', { loaded: false, loadMs: 8000 })],
      {
        requests: 10,
        partMs: 1000,
      },
    );
    // the parts wait 5 s on a: b's 8 s load is not worth it
    expect(choice).toEqual({ copies: [{ host: 'a', slots: 2, window: 4096 }], width: 2 });
  });
});

describe('combineCopy', () => {
  it("is the copy that answered most parts, the plan's order among alike", () => {
    expect(
      combineCopy(
        ['a', 'b'],
        new Map([
          ['a', 2],
          ['b', 3],
        ]),
      ),
    ).toBe('b');
    expect(
      combineCopy(
        ['a', 'b'],
        new Map([
          ['a', 3],
          ['b', 3],
        ]),
      ),
    ).toBe('a');
    expect(combineCopy(['a', 'b'], new Map())).toBeUndefined();
  });
});

describe('PartSlots', () => {
  it("gives each part a copy with a slot of the job's free there, one copy a part, then the combination where most ran", async () => {
    const slots = new PartSlots([
      { host: 'a', slots: 2, window: 4096 },
      { host: 'b', slots: 1, window: 4096 },
    ]);
    const taken = [await slots.take(), await slots.take(), await slots.take()];
    expect(taken.map((p) => p?.host)).toEqual(['a', 'a', 'b']);
    expect(taken[2]?.why).toMatch(/copies with room/);
    expect(taken[0]?.why).toBeUndefined();
    // every slot of the job's taken: the next part waits for one
    let next: string | undefined;
    const waiting = slots.take().then((p) => (next = p?.host));
    await Promise.resolve();
    expect(next).toBeUndefined();
    slots.release(taken[2], 'b');
    await waiting;
    expect(next).toBe('b');
    slots.release(taken[0], 'b');
    slots.release(taken[1], 'a');
    expect(slots.combineOn()?.host).toBe('b');
  });

  it("gives a part the copy with most slots free now, others' requests counted", async () => {
    const busy = new Map([['a', 2]]);
    const slots = new PartSlots(
      [
        { host: 'a', slots: 2, window: 4096 },
        { host: 'b', slots: 2, window: 4096 },
      ],
      (host) => busy.get(host) ?? 0,
    );
    expect((await slots.take())?.host).toBe('b');
    busy.set('a', 0);
    // b: one of the job's taken, not begun yet; a: both free
    expect((await slots.take())?.host).toBe('a');
  });

  it('a copy the plan loads takes parts once loaded, never before; one that failed, none', async () => {
    const slots = new PartSlots([
      { host: 'a', slots: 1, window: 4096 },
      { host: 'b', slots: 2, window: 4096, load: { ms: 2000, waitMs: 9000 } },
      { host: 'c', slots: 2, window: 4096, load: { ms: 3000, waitMs: 9000 } },
    ]);
    expect(slots.toLoad().map((c) => c.host)).toEqual(['b', 'c']);
    const first = await slots.take();
    expect(first?.host).toBe('a');
    let second: string | undefined;
    const waiting = slots.take().then((p) => (second = p?.host));
    slots.loaded('c', false);
    await Promise.resolve();
    expect(second).toBeUndefined();
    slots.loaded('b', true);
    await waiting;
    expect(second).toBe('b');
    expect(slots.toLoad()).toEqual([]);
  });

  it("sends a combination sized past the parts' window only to a copy that wide, the one that ran most of them", async () => {
    const slots = new PartSlots([
      { host: 'a', slots: 2, window: 4096 },
      { host: 'b', slots: 2, window: 8192 },
      { host: 'c', slots: 2, window: 8192 },
    ]);
    expect(slots.combineOn(8192)?.host).toBe('b'); // none answered yet: the plan's first that wide
    for (const host of ['a', 'a', 'a', 'c']) slots.release(undefined, host);
    expect(slots.combineOn()?.host).toBe('a'); // the parts' size: where most ran
    expect(slots.combineOn(8192)).toEqual({ host: 'c', why: "the copy on c read most of the parts' prompts" });
  });

  it('chooses nothing with one copy: the route places its requests as before', async () => {
    const slots = new PartSlots([{ host: 'a', slots: 2, window: 4096 }]);
    expect(await slots.take()).toBeUndefined();
    expect(slots.combineOn()).toBeUndefined();
  });

  it('keeps to one copy when the plan left another out as too slow: its parts wait for its slots there', async () => {
    const slots = new PartSlots([{ host: 'a', slots: 2, window: 4096 }], () => 0, true);
    const taken = [await slots.take(), await slots.take()];
    expect(taken.map((p) => p?.host)).toEqual(['a', 'a']);
    let next: string | undefined;
    const waiting = slots.take().then((p) => (next = p?.host));
    await Promise.resolve();
    expect(next).toBeUndefined();
    slots.release(taken[0], 'a');
    await waiting;
    expect(next).toBe('a');
    expect(slots.combineOn()?.host).toBe('a');
  });
});
