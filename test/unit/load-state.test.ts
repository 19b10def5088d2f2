/**
 * One load state (issue 74, Deliver 3): every transition of load-state.ts's table named, one case
 * each — a row taken out of the table fails its case — and every other move refused. Then the
 * loads' states as load-states.ts keeps them: a refused move leaves the state, a waiting state
 * tells the load's progress what it waits for, and an answered load lets go those waiting on it.
 */
import { describe, expect, it } from 'vitest';
import {
  ANSWERED,
  next,
  TRANSITIONS,
  type LoadEvent,
  type LoadStateName,
} from '../../src/orchestrator/loading/load-state.js';
import { answerOf, LoadStates } from '../../src/orchestrator/loading/load-states.js';
import type { LoadOutcome, LoadRequest } from '../../src/orchestrator/loading/load-types.js';

/** The table as the loader runs it, written out again: each row a case of its own. */
const EXPECTED: ReadonlyArray<readonly [LoadStateName, LoadEvent, LoadStateName, string]> = [
  ['pending', 'share', 'sharing', 'another request asked the same load: it shares it'],
  ['pending', 'enqueue', 'queued', 'it waits its turn in the queue'],
  ['pending', 'plan', 'planning', 'a dry run is planned at once'],
  ['queued', 'plan', 'planning', 'the queue runs it'],
  ['planning', 'unload', 'unloading', 'its plan unloads models first'],
  ['planning', 'load', 'loading', 'its plan unloads nothing'],
  ['unloading', 'load', 'loading', 'the unloads confirmed, it loads'],
  ['pending', 'holdBack', 'heldBack', 'the quick path: a load whose turn has come unloads its model'],
  ['sharing', 'holdBack', 'heldBack', 'the load it shared was held back'],
  ['planning', 'holdBack', 'heldBack', 'it would take the room of a load that came first'],
  ['sharing', 'waitForBusy', 'waitingForBusy', 'the load it shared was refused for requests running'],
  ['planning', 'waitForBusy', 'waitingForBusy', 'refused for requests running'],
  ['heldBack', 'wake', 'pending', 'the load it waited for is answered'],
  ['waitingForBusy', 'wake', 'pending', 'a request ended, or its turn came'],
  ['pending', 'succeed', 'loaded', 'the quick path: loaded already'],
  ['sharing', 'succeed', 'loaded', 'the load it shared is loaded'],
  ['planning', 'succeed', 'loaded', 'the plan found it loaded'],
  ['loading', 'succeed', 'loaded', 'loaded'],
  ['planning', 'answerDry', 'wouldLoad', "a dry run's answer"],
  ['sharing', 'refuse', 'refused', 'the load it shared was refused'],
  ['planning', 'refuse', 'refused', 'refused for good'],
  ['pending', 'fail', 'failed', 'an error before it was planned'],
  ['sharing', 'fail', 'failed', 'the load it shared failed'],
  ['planning', 'fail', 'failed', 'an error while planning'],
  ['unloading', 'fail', 'failed', 'an unload failed'],
  ['loading', 'fail', 'failed', 'the load failed'],
  ['pending', 'cancel', 'cancelled', 'cancelled before it was planned'],
  ['sharing', 'cancel', 'cancelled', 'cancelled while sharing'],
  ['planning', 'cancel', 'cancelled', 'cancelled while planned'],
  ['unloading', 'cancel', 'cancelled', 'cancelled while unloading'],
  ['loading', 'cancel', 'cancelled', 'cancelled while loading'],
  ['heldBack', 'cancel', 'cancelled', 'cancelled while held back'],
  ['waitingForBusy', 'cancel', 'cancelled', 'cancelled while waiting for busy models'],
];

const STATES: readonly LoadStateName[] = [
  'pending',
  'queued',
  'sharing',
  'planning',
  'unloading',
  'loading',
  'heldBack',
  'waitingForBusy',
  'loaded',
  'wouldLoad',
  'refused',
  'failed',
  'cancelled',
];
const EVENTS: readonly LoadEvent[] = [
  'share',
  'enqueue',
  'plan',
  'unload',
  'load',
  'holdBack',
  'waitForBusy',
  'wake',
  'succeed',
  'answerDry',
  'refuse',
  'fail',
  'cancel',
];

describe('the load state table: every transition', () => {
  for (const [from, event, to, why] of EXPECTED) {
    it(`${from} --${event}--> ${to} (${why})`, () => {
      expect(next(from, event)).toBe(to);
    });
  }

  it('has no row beyond these', () => {
    expect(TRANSITIONS.map(([f, e, t]) => `${f} ${e} ${t}`).sort()).toEqual(
      EXPECTED.map(([f, e, t]) => `${f} ${e} ${t}`).sort(),
    );
  });
});

describe('the load state table: refused transitions', () => {
  const allowed = new Set(EXPECTED.map(([f, e]) => `${f} ${e}`));
  const refused = STATES.flatMap((s) => EVENTS.filter((e) => !allowed.has(`${s} ${e}`)).map((e) => [s, e] as const));

  it.each([
    ['queued', 'succeed'],
    ['queued', 'unload'],
    ['pending', 'load'],
    ['unloading', 'succeed'],
    ['heldBack', 'plan'],
    ['waitingForBusy', 'succeed'],
    ['loaded', 'wake'],
    ['refused', 'plan'],
    ['cancelled', 'wake'],
  ] as const)('%s on %s is refused', (from, event) => {
    expect(next(from, event)).toBeUndefined();
  });

  it(`every other pair of state and event (${STATES.length * EVENTS.length - EXPECTED.length}) is refused`, () => {
    expect(refused).toHaveLength(STATES.length * EVENTS.length - EXPECTED.length);
    for (const [s, e] of refused) expect(next(s, e), `${s} on ${e}`).toBeUndefined();
  });

  it('an answered load makes no move', () => {
    for (const s of ANSWERED) for (const e of EVENTS) expect(next(s, e)).toBeUndefined();
  });
});

describe("the loads' states", () => {
  const outcome: LoadOutcome = {
    model: 'm',
    action: 'loaded',
    unloaded: [],
    requiredBytes: 1,
    availableBytes: 2,
    reason: '',
    keepAlive: -1,
    pinned: false,
    contextLength: 4096,
  };

  it('a load moves through the table, telling its progress what it waits for', () => {
    const notes: string[] = [];
    const req: LoadRequest = {
      model: 'm',
      progress: { enter: (p) => void (p.kind === 'waiting' && notes.push(p.for)) },
    };
    const states = new LoadStates(() => 0);
    states.arrive(req);
    states.move(req, 'enqueue', 'another load or unload to finish');
    expect(states.in('queued').map((r) => r.req)).toEqual([req]);
    states.move(req, 'plan');
    states.move(req, 'unload', "another request's unload of x");
    expect(states.of(req)).toMatchObject({ state: 'unloading', words: "another request's unload of x" });
    states.move(req, 'load');
    expect(notes).toEqual(['another load or unload to finish']);
    expect(states.refusedMoves).toBe(0);
  });

  it('a load unloading or loading says what it does and touches its models; queued, it is wanted', () => {
    const states = new LoadStates();
    const a: LoadRequest = { model: 'a' };
    const b: LoadRequest = { model: 'b' };
    states.arrive(a);
    states.arrive(b);
    states.move(b, 'enqueue');
    expect(states.queued()).toEqual([b]);
    expect(states.doing()).toBeUndefined();
    states.move(a, 'plan');
    expect(states.touching('x')).toBe(false);
    states.move(a, 'unload', "another request's unload of x", ['a', 'x']);
    expect(states.doing()).toBe("another request's unload of x");
    expect(states.touching('x')).toBe(true);
    expect(states.touching('b')).toBe(false);
    states.end(a, 'fail');
    expect(states.touching('x')).toBe(false);
  });

  it('a move the table does not have is refused: the state stays', () => {
    const req: LoadRequest = { model: 'm' };
    const states = new LoadStates();
    states.arrive(req);
    states.move(req, 'load');
    expect(states.of(req)?.state).toBe('pending');
    expect(states.refusedMoves).toBe(1);
  });

  it('an answered load is let go, and those waiting on it go on', async () => {
    const req: LoadRequest = { model: 'm' };
    const states = new LoadStates();
    const record = states.arrive(req);
    states.end(req, answerOf(outcome, false));
    await record.answered;
    expect(record.state).toBe('loaded');
    expect(states.of(req)).toBeUndefined();
    expect(states.in()).toEqual([]);
  });

  it('an outcome answers a load: loaded, would load, refused, or cancelled when its signal was', () => {
    expect(answerOf(outcome, false)).toBe('succeed');
    expect(answerOf({ ...outcome, action: 'already_loaded' }, true)).toBe('succeed');
    expect(answerOf({ ...outcome, action: 'would_load' }, false)).toBe('answerDry');
    expect(answerOf({ ...outcome, action: 'refused' }, false)).toBe('refuse');
    expect(answerOf({ ...outcome, action: 'refused' }, true)).toBe('cancel');
  });
});
