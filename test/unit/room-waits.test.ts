/**
 * Loads waiting for room (room-waits.ts): a later load for work that would take the room an earlier
 * one waits for is named the one it overtakes — never an earlier load, a job's own, one that cannot
 * wait, nor once the waiting one is answered. Numbers on a CPU host with no margin, as in
 * load-order.test.ts: c and l (8 GB each) busy, 8 GB free of 24; q (11 GB) waits.
 */
import { describe, expect, it } from 'vitest';
import { RoomWaits, TURN_MS } from '../../src/orchestrator/loading/room-waits.js';
import type { LoadRequest } from '../../src/orchestrator/loading/load-types.js';
import type { LoadPlan, PlanInput } from '../../src/orchestrator/loading/plan-types.js';

const GB = 1e9;
const input: PlanInput = {
  model: { name: 'g', sizeBytes: 6 * GB },
  loaded: [
    { name: 'c', sizeBytes: 8 * GB, vramBytes: 0 },
    { name: 'l', sizeBytes: 8 * GB, vramBytes: 0 },
  ],
  pinned: new Set(),
  inFlight: new Set(['c', 'l']),
  lastUsed: new Map(),
  memory: { kind: 'cpu', ram: { totalBytes: 24 * GB, availableBytes: 8 * GB } },
  maxLoadedModels: 99,
  policy: { budgetBytes: 24 * GB, safetyMargin: 0, bufferBytes: 0, smallModelBytes: 1 },
  now: 0,
};
const plan: LoadPlan = {
  model: 'g',
  action: 'load',
  unload: [],
  requiredBytes: 6 * GB,
  availableBytes: 8 * GB,
  freedBytes: 0,
  obtainableBytes: 8 * GB,
  reason: '',
};
const q = { name: 'q', sizeBytes: 11 * GB };

function rooms(later: Partial<LoadRequest> = {}) {
  const r = new RoomWaits();
  const first: LoadRequest = { model: 'q', waitWhileBusy: true };
  const second: LoadRequest = { model: 'g', waitWhileBusy: true, ...later };
  r.arrive(first);
  r.arrive(second);
  r.wait(first, q);
  return { r, first, second };
}

describe('loads waiting for room', () => {
  it('a later load that would take the room is told which one it overtakes', () => {
    const { r, second } = rooms();
    expect(r.overtaken(second, input, plan)).toMatchObject({ model: q });
  });

  it('the load held back learns when the one it overtook is answered', async () => {
    const { r, first, second } = rooms();
    const ahead = r.overtaken(second, input, plan)!;
    let answered = false;
    void ahead.answered.then(() => (answered = true));
    await Promise.resolve();
    expect(answered).toBe(false);
    r.done(first);
    await Promise.resolve();
    expect(answered).toBe(true);
  });

  it('an earlier load is not held back by a later one waiting', () => {
    const r = new RoomWaits();
    const early: LoadRequest = { model: 'g', waitWhileBusy: true };
    const late: LoadRequest = { model: 'q', waitWhileBusy: true };
    r.arrive(early);
    r.arrive(late);
    r.wait(late, q);
    expect(r.overtaken(early, input, plan)).toBeUndefined();
  });

  it("a job's own load, and a load that cannot wait, go ahead", () => {
    const job = rooms({ job: {} });
    expect(job.r.overtaken(job.second, input, plan)).toBeUndefined();
    const noWait = rooms({ waitWhileBusy: false });
    expect(noWait.r.overtaken(noWait.second, input, plan)).toBeUndefined();
  });

  it('once the waiting load is answered, nothing is held back', () => {
    const { r, first, second } = rooms();
    r.done(first);
    expect(r.overtaken(second, input, plan)).toBeUndefined();
  });

  it("a job's load or one that cannot wait is never counted as waiting", () => {
    const r = new RoomWaits();
    const job: LoadRequest = { model: 'q', waitWhileBusy: true, job: {} };
    const later: LoadRequest = { model: 'g', waitWhileBusy: true };
    r.arrive(job);
    r.arrive(later);
    r.wait(job, q);
    expect(r.overtaken(later, input, plan)).toBeUndefined();
  });

  it('the models a load whose turn has come unloads are claimed, for a request from outside the loads too', () => {
    const clock = { now: 0 };
    const r = new RoomWaits(() => clock.now);
    const waiting: LoadRequest = { model: 'q', waitWhileBusy: true };
    r.arrive(waiting);
    r.wait(waiting, q, ['c']);
    expect([r.claimed('c'), r.claimed('l')]).toEqual([false, false]); // not yet its turn
    clock.now = TURN_MS;
    expect([r.claimed('c'), r.claimed('l')]).toEqual([true, false]);
    r.done(waiting);
    expect(r.claimed('c')).toBe(false);
  });
});
