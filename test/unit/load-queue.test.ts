/**
 * The loader's queue (load-queue.ts): one thing at a time; other work in the order it came; among
 * the loads waiting at the front, the one `choose` names — but the oldest once it has waited
 * STARVE_MS, and the oldest when the choice fails, names nothing sensible, or takes too long.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoadQueue, STARVE_MS } from '../../src/orchestrator/loading/load-queue.js';

/** A queue whose first job holds it until released, so the rest queue up behind it. */
function blocked(choose: (loads: readonly string[]) => Promise<number>, now?: () => number) {
  const q = new LoadQueue<string>(choose, now);
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const first = q.push(() => gate);
  const add = (name: string, load = true) => q.push(async () => void order.push(name), load ? name : undefined);
  return { q, order, add, release: () => release(), first };
}

afterEach(() => vi.useRealTimers());

describe('the load queue', () => {
  it('runs the load choose names among those waiting at the front', async () => {
    const seen: string[][] = [];
    const b = blocked(async (loads) => (seen.push([...loads]), loads.indexOf('c')));
    const all = [b.add('a'), b.add('b'), b.add('c')];
    expect(b.q.waiting()).toEqual(['a', 'b', 'c']);
    b.release();
    await Promise.all(all);
    expect(seen[0]).toEqual(['a', 'b', 'c']);
    expect(b.order[0]).toBe('c');
  });

  it('never moves a load before other work that came first, nor other work at all', async () => {
    const b = blocked(async (loads) => loads.length - 1);
    const all = [b.add('unload', false), b.add('a'), b.add('b'), b.add('pin', false), b.add('c')];
    b.release();
    await Promise.all(all);
    // the unload first; then b chosen among a, b (the pin stops the front there); then a, the pin, c
    expect(b.order).toEqual(['unload', 'b', 'a', 'pin', 'c']);
  });

  it('serves the oldest load once it has waited STARVE_MS, whatever choose says', async () => {
    let t = 0;
    const b = blocked(
      async () => 1,
      () => t,
    );
    const all = [b.add('old'), b.add('new')];
    t = STARVE_MS;
    b.release();
    await Promise.all(all);
    expect(b.order).toEqual(['old', 'new']);
  });

  it('serves a load just short of STARVE_MS in the chosen order', async () => {
    let t = 0;
    const b = blocked(
      async () => 1,
      () => t,
    );
    const all = [b.add('old'), b.add('new')];
    t = STARVE_MS - 1;
    b.release();
    await Promise.all(all);
    expect(b.order).toEqual(['new', 'old']);
  });

  it.each([
    ['fails', async () => Promise.reject(new Error('engine away'))],
    ['names no waiting load', async () => 7],
    ['names a fraction', async () => 0.5],
  ])('serves the oldest when the choice %s', async (_, choose) => {
    const b = blocked(choose);
    const all = [b.add('a'), b.add('b')];
    b.release();
    await Promise.all(all);
    expect(b.order).toEqual(['a', 'b']);
  });

  it('serves the oldest when the choice takes too long, and goes on', async () => {
    vi.useFakeTimers();
    const b = blocked(() => new Promise<number>(() => undefined)); // never answers
    const all = [b.add('a'), b.add('b')];
    b.release();
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(all);
    expect(b.order).toEqual(['a', 'b']);
  });

  it('a failed job rejects its own caller only; the next runs', async () => {
    const q = new LoadQueue<string>(async () => 0);
    const bad = q.push(async () => Promise.reject(new Error('load failed')), 'a');
    const good = q.push(async () => 'ok', 'b');
    await expect(bad).rejects.toThrow('load failed');
    await expect(good).resolves.toBe('ok');
    expect(q.size).toBe(0);
  });
});
