/**
 * Which waiting load goes next (load-order.ts): every order of the waiting loads played out with
 * the planner itself, the first of the order that unloads least — first come, first served when
 * orders cost the same. Numbers on a CPU host with no margin: a model needs its size in free RAM.
 */
import { describe, expect, it } from 'vitest';
import {
  nextLoad,
  takesRoomOf,
  type PlannerHost,
  type WaitingLoad,
} from '../../src/orchestrator/loading/load-order.js';

const GB = 1e9;

function host(loaded: Array<[string, number]>, busy: string[] = [], totalGb = 24): PlannerHost {
  const used = loaded.reduce((s, [, gb]) => s + gb * GB, 0);
  return {
    loaded: loaded.map(([name, gb]) => ({ name, sizeBytes: gb * GB, vramBytes: 0 })),
    pinned: new Set(),
    inFlight: new Set(busy),
    lastUsed: new Map(loaded.map(([name], i) => [name, 1_000 + i])),
    memory: { kind: 'cpu', ram: { totalBytes: totalGb * GB, availableBytes: totalGb * GB - used } },
    maxLoadedModels: 99,
    policy: { budgetBytes: totalGb * GB, safetyMargin: 0, bufferBytes: 0, smallModelBytes: 1 },
    now: 10_000,
  };
}

const load = (name: string, gb: number): WaitingLoad => ({ name, sizeBytes: gb * GB });

describe('the next of the waiting loads', () => {
  // 24 GB: p (6 GB, idle) and q (10 GB, busy) loaded, 8 GB free
  const state = host(
    [
      ['p', 6],
      ['q', 10],
    ],
    ['q'],
  );

  it('runs a later load first when first come, first served would unload for nothing', () => {
    // a (9 GB) first: p is unloaded for it, and b (7 GB) then finds no room beside q and a — it must wait,
    // then unload again;
    // b first: it fits as things are, and a waits for its room the same
    expect(nextLoad([load('a', 9), load('b', 7)], state)).toBe(1);
  });

  it('keeps the order of arrival when that order is already the cheapest', () => {
    expect(nextLoad([load('b', 7), load('a', 9)], state)).toBe(0);
  });

  it('keeps the order of arrival when every order costs the same', () => {
    expect(nextLoad([load('a', 3), load('b', 3)], state)).toBe(0); // both fit whatever the order
    expect(nextLoad([load('a', 30), load('b', 30)], state)).toBe(0); // neither ever fits
  });

  it('takes a load whose model is loaded before one that would unload it', () => {
    // c (14 GB) needs p gone; a request for p waiting behind it would load p again at once
    expect(nextLoad([load('c', 14), load('p', 6)], state)).toBe(1);
  });

  it('is the first when one load or none waits', () => {
    expect(nextLoad([load('a', 9)], state)).toBe(0);
    expect(nextLoad([], state)).toBe(0);
  });
});

describe('a load overtaking one that waits for room (takesRoomOf)', () => {
  // 24 GB: c and l (8 GB each) busy, 8 GB free; q (11 GB) came first and waits: with the requests over it
  // unloads one of them
  const state = host(
    [
      ['c', 8],
      ['l', 8],
    ],
    ['c', 'l'],
  );
  const input = (model: WaitingLoad) => ({ ...state, model });
  const fits = (name: string, gb: number) => ({
    model: name,
    action: 'load' as const,
    unload: [],
    requiredBytes: gb * GB,
    availableBytes: 8 * GB,
    freedBytes: 0,
    obtainableBytes: 8 * GB,
    reason: '',
  });

  it('takes its room when, loaded beside them, q would have to unload both', () => {
    expect(takesRoomOf(input(load('g', 6)), fits('g', 6), load('q', 11))).toBe(true);
  });

  it('leaves it when q would still unload one', () => {
    expect(takesRoomOf(input(load('s', 1)), fits('s', 1), load('q', 11))).toBe(false);
  });

  it('leaves it when q is loaded already, or the load is none', () => {
    expect(takesRoomOf(input(load('g', 6)), fits('g', 6), load('c', 8))).toBe(false);
    expect(takesRoomOf(input(load('g', 6)), { ...fits('g', 6), action: 'refuse' }, load('q', 11))).toBe(false);
  });

  it('leaves it when q never fits, with or without the load', () => {
    expect(takesRoomOf(input(load('g', 6)), fits('g', 6), load('q', 30))).toBe(false);
  });
});
