/**
 * Every load gets its turn (issue 72, finding 2), as pure parts: once a load waiting for room has
 * waited TURN_MS since it came, the models its plan unloads are its (room-waits.ts claimOn) — a
 * request on one of them is held back until it is answered — and its wait wakes at that moment to
 * plan again (busy-wait.ts). Numbers on a CPU host with no margin, as in room-waits.test.ts: c and
 * l (8 GB each) busy, s (3 GB) idle, 5 GB free of 24; q (14 GB) waits for l, then needs l and s gone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomWaits, TURN_MS } from '../../src/orchestrator/loading/room-waits.js';
import { unloadsOnceEnded } from '../../src/orchestrator/loading/load-order.js';
import { loadWhenIdle } from '../../src/orchestrator/loading/busy-wait.js';
import { InFlight } from '../../src/orchestrator/loading/in-flight.js';
import type { LoadOutcome, LoadRequest } from '../../src/orchestrator/loading/load-types.js';
import type { PlanInput } from '../../src/orchestrator/loading/plan-types.js';

const GB = 1e9;
const q = { name: 'q', sizeBytes: 14 * GB };
const host: PlanInput = {
  model: q,
  loaded: [
    { name: 'c', sizeBytes: 8 * GB, vramBytes: 0 },
    { name: 'l', sizeBytes: 8 * GB, vramBytes: 0 },
    { name: 's', sizeBytes: 3 * GB, vramBytes: 0 },
  ],
  pinned: new Set(),
  inFlight: new Set(['c', 'l']),
  lastUsed: new Map([
    ['c', 2],
    ['l', 1],
  ]),
  memory: { kind: 'cpu', ram: { totalBytes: 24 * GB, availableBytes: 5 * GB } },
  maxLoadedModels: 99,
  policy: { budgetBytes: 24 * GB, safetyMargin: 0, bufferBytes: 0, smallModelBytes: 1 },
  now: 3,
};
const onL: LoadOutcome = {
  model: 'l',
  action: 'already_loaded',
  unloaded: [],
  requiredBytes: 8 * GB,
  availableBytes: 0,
  reason: 'l is already loaded.',
  keepAlive: '5m',
  pinned: false,
  contextLength: 4096,
};

afterEach(() => vi.useRealTimers());

describe('what a waiting plan unloads once the requests in its way end', () => {
  it('the busy models it waits for and the idle ones beside them', () => {
    expect(unloadsOnceEnded(host, ['l']).sort()).toEqual(['l', 's']);
  });

  it('the busy ones alone where it would not fit even then', () => {
    expect(unloadsOnceEnded({ ...host, model: { name: 'huge', sizeBytes: 40 * GB } }, ['l'])).toEqual(['l']);
  });
});

/** A clock the test moves, q waiting for room since 0 (its plan unloading l and s), and a later request. */
function waiting(later: Partial<LoadRequest> = {}) {
  let t = 0;
  const rooms = new RoomWaits(() => t);
  const big: LoadRequest = { model: 'q', waitWhileBusy: true };
  const other: LoadRequest = { model: 'l', waitWhileBusy: true, ...later };
  rooms.arrive(big);
  rooms.wait(big, q, ['l', 's']);
  rooms.arrive(other);
  return { rooms, big, other, at: (ms: number) => (t = ms) };
}

describe('a load waiting for room, once it has waited its turn', () => {
  it('holds back a request on a model it unloads from then on, not before', () => {
    const w = waiting();
    w.at(TURN_MS - 1);
    expect(w.rooms.untilTurn(w.big)).toBe(1);
    expect(w.rooms.claimOn(w.other, 'l')).toBeUndefined();
    w.at(TURN_MS);
    expect(w.rooms.untilTurn(w.big)).toBe(0);
    expect(w.rooms.claimOn(w.other, 'l')).toMatchObject({ model: q });
    expect(w.rooms.claimOn(w.other, 's')).toMatchObject({ model: q });
  });

  it('lets through a request on a model it leaves loaded', () => {
    const w = waiting();
    w.at(TURN_MS);
    expect(w.rooms.claimOn(w.other, 'c')).toBeUndefined();
  });

  it("lets through a job's own request and a dry run", () => {
    for (const later of [{ job: {} }, { dryRun: true }]) {
      const w = waiting(later);
      w.at(TURN_MS);
      expect(w.rooms.claimOn(w.other, 'l')).toBeUndefined();
    }
  });

  it('holds back nothing once it is answered', () => {
    const w = waiting();
    w.at(TURN_MS);
    w.rooms.done(w.big);
    expect(w.rooms.claimOn(w.other, 'l')).toBeUndefined();
  });

  it("a job's load or one that cannot wait never has a turn: it holds back nothing", () => {
    for (const kind of [{ job: {} }, { waitWhileBusy: false }]) {
      let t = 0;
      const rooms = new RoomWaits(() => t);
      const big: LoadRequest = { model: 'q', waitWhileBusy: true, ...kind };
      rooms.arrive(big);
      rooms.wait(big, q, ['l']);
      t = TURN_MS;
      expect(rooms.untilTurn(big)).toBe(Infinity);
      expect(rooms.claimOn({ model: 'l', waitWhileBusy: true }, 'l')).toBeUndefined();
    }
  });

  it('the request held back waits for its answer, saying so, then goes on', async () => {
    const w = waiting();
    w.at(TURN_MS);
    const notes: string[] = [];
    w.other.progress = { enter: (p) => void (p.kind === 'waiting' && notes.push(p.for)) };
    let tries = 0;
    const out = w.rooms.inTurn(w.other, async (r) => (++tries === 1 ? (w.rooms.heldByTurn(r, 'l', onL) ?? onL) : onL));
    await new Promise((r) => setImmediate(r));
    expect(tries).toBe(1);
    expect(notes).toEqual(['the load of q, which has waited its turn and unloads l']);
    w.rooms.done(w.big);
    expect(await out).toBe(onL);
    expect(tries).toBe(2);
  });
});

describe("a load's wait for requests to end", () => {
  it('wakes when its turn comes, and says that new requests there wait behind it now', async () => {
    vi.useFakeTimers();
    const running = new InFlight(1000);
    const end = running.begin('l'); // a long request: it does not end before the turn
    const turnAt = Date.now() + TURN_MS;
    const notes: string[] = [];
    let tries = 0;
    const refused: LoadOutcome = { ...onL, model: 'q', action: 'refused', waitFor: ['l'] };
    const req: LoadRequest = {
      model: 'q',
      waitWhileBusy: true,
      progress: { enter: (p) => void (p.kind === 'waiting' && notes.push(p.for)) },
    };
    const out = loadWhenIdle(
      req,
      async () => (++tries, running.count('l') > 0 ? refused : { ...refused, action: 'loaded' }),
      running,
      (n) => n,
      () => Math.max(0, turnAt - Date.now()),
    );
    await vi.advanceTimersByTimeAsync(TURN_MS - 1);
    expect(tries).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(tries).toBe(2);
    expect(notes.at(-1)).toBe(
      'a request on l to finish, to make room; its turn has come: new requests there wait behind this load',
    );
    end(); // l lingers now, but no longer counts for this load
    await vi.advanceTimersByTimeAsync(0);
    expect(tries).toBe(3);
    expect((await out).action).toBe('loaded');
  });
});
