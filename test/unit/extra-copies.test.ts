/**
 * Extra copies of a model loaded for a rush (fleet/extra-copies.ts): kept while used, released when idle —
 * only while another copy stays loaded, never a pinned one.
 */
import { describe, expect, it } from 'vitest';
import { ExtraCopies, type CopiesView } from '../../src/orchestrator/fleet/extra-copies.js';

function fleet(
  loaded: Record<string, string[] | undefined>,
  opts: { running?: number; pinned?: boolean; failUnload?: boolean; keptByLoader?: boolean } = {},
) {
  const unloaded: string[] = [];
  const view: CopiesView = {
    loaded: async (h) => loaded[h],
    running: () => opts.running ?? 0,
    pinned: () => opts.pinned ?? false,
    unload: async (h, m) => {
      if (opts.failUnload) throw new Error('engine said no');
      if (opts.keptByLoader) return false; // a request began on it between the look and the unload
      unloaded.push(`${m}@${h}`);
      loaded[h] = loaded[h]!.filter((x) => x !== m);
      return true;
    },
    hosts: () => Object.keys(loaded),
  };
  return { view, unloaded };
}

describe('extra copies', () => {
  it('released once idle for idleMs while another copy stays loaded — not a moment before', async () => {
    let now = 0;
    const copies = new ExtraCopies(60_000, () => now);
    copies.made('m', 'b', 'a', 'the copy on a was busy');
    const { view, unloaded } = fleet({ a: ['m'], b: ['m'] });
    now = 59_999;
    expect(await copies.release(view)).toEqual([]);
    expect(copies.of('b', 'm')).toMatchObject({ of: 'a', why: 'the copy on a was busy', since: 0 });
    now = 60_000;
    expect(await copies.release(view)).toEqual(['m on b']);
    expect(unloaded).toEqual(['m@b']);
    expect(copies.list()).toEqual([]);
  });

  it('each request used on it starts its idle time again; one running keeps it', async () => {
    let now = 0;
    const copies = new ExtraCopies(60_000, () => now);
    copies.made('m', 'b', 'a', 'busy');
    now = 50_000;
    copies.used('b', 'm');
    now = 100_000;
    expect(await copies.release(fleet({ a: ['m'], b: ['m'] }).view)).toEqual([]);
    now = 200_000;
    expect(await copies.release(fleet({ a: ['m'], b: ['m'] }, { running: 1 }).view)).toEqual([]);
    now = 259_999;
    expect(await copies.release(fleet({ a: ['m'], b: ['m'] }).view)).toEqual([]); // running at 200,000: idle since then
    now = 260_000;
    expect(await copies.release(fleet({ a: ['m'], b: ['m'] }).view)).toEqual(['m on b']);
  });

  it('the only copy left is extra no more: kept loaded, forgotten', async () => {
    let now = 0;
    const copies = new ExtraCopies(1000, () => now);
    copies.made('m', 'b', 'a', 'busy');
    now = 5000;
    const { view, unloaded } = fleet({ a: [], b: ['m'] });
    expect(await copies.release(view)).toEqual([]);
    expect(unloaded).toEqual([]);
    expect(copies.list()).toEqual([]);
  });

  it("a pinned copy is the user's: never unloaded, forgotten as extra; one gone already is forgotten", async () => {
    let now = 0;
    const copies = new ExtraCopies(1000, () => now);
    copies.made('m', 'b', 'a', 'busy');
    copies.made('n', 'b', 'a', 'busy');
    now = 5000;
    const pinned = fleet({ a: ['m', 'n'], b: ['m'] }, { pinned: true });
    expect(await copies.release(pinned.view)).toEqual([]);
    expect(pinned.unloaded).toEqual([]);
    expect(copies.list()).toEqual([]);
  });

  it('a host not answering, or an unload that failed: kept, and tried again at the next check', async () => {
    let now = 0;
    const copies = new ExtraCopies(1000, () => now);
    copies.made('m', 'b', 'a', 'busy');
    now = 5000;
    expect(await copies.release(fleet({ a: ['m'], b: undefined }).view)).toEqual([]);
    expect(await copies.release(fleet({ a: ['m'], b: ['m'] }, { failUnload: true }).view)).toEqual([]);
    // not said released, still extra
    expect(await copies.release(fleet({ a: ['m'], b: ['m'] }, { keptByLoader: true }).view)).toEqual([]);
    expect(copies.list()).toHaveLength(1);
    expect(await copies.release(fleet({ a: ['m'], b: ['m'] }).view)).toEqual(['m on b']);
  });
});

describe('which loaded copy is an extra one', () => {
  const view = (name: string, loaded: string[], managesMemory = true, running = 0) =>
    ({
      host: { name, engine: { can: { managesMemory } }, loader: { requestsOn: () => running } },
      overview: { loaded: loaded.map((n) => ({ name: n })) },
    }) as never;
  it(
    'one moved here because the copy loaded elsewhere was busy; not one placed here for any ' +
      'other reason, nor where the engine loads by itself',
    async () => {
      const { extraCopyOf } = await import('../../src/orchestrator/jobs/route-extra.js');
      const a = view('a', ['m'], true, 2);
      const b = view('b', []);
      expect(extraCopyOf({ model: 'm', besideBusy: 'a' }, b, [a, b])).toEqual({
        of: 'a',
        why: 'the copy on a was busy with 2 requests',
      });
      expect(extraCopyOf({ model: 'm' }, b, [a, b])).toBeUndefined(); // the ranking put it here
      expect(
        extraCopyOf({ model: 'm', besideBusy: 'a' }, view('b', [], false), [a, view('b', [], false)]),
      ).toBeUndefined(); // its engine loads by itself
      // no copy loaded there after all
      expect(extraCopyOf({ model: 'm', besideBusy: 'a' }, b, [view('a', []), b])).toBeUndefined();
    },
  );
});

describe('the release check', () => {
  it('is scheduled only while there is an extra copy: an idle server wakes for nothing', async () => {
    const copies = new ExtraCopies(50);
    const { view, unloaded } = fleet({ a: ['m'], b: ['m'] });
    const released: string[][] = [];
    copies.watch(view, 20, (r) => released.push(r));
    expect(copies.watching).toBe(false);
    copies.made('m', 'b', 'a', 'busy');
    expect(copies.watching).toBe(true);
    const until = Date.now() + 5000;
    while (copies.watching && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(copies.watching).toBe(false);
    expect(unloaded).toEqual(['m@b']);
    expect(released).toEqual([['m on b']]);
    copies.stop();
    copies.made('m', 'b', 'a', 'busy');
    expect(copies.watching).toBe(false); // stopped with the fleet: never again
  });
});
