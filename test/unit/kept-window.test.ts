/** A loaded model keeps its window (issue 82, Deliver 2): the pure decision, fleet/kept-window.ts. */
import { describe, expect, it } from 'vitest';
import {
  keepsFoundWindow,
  keptWindows,
  reloadPaidWhy,
  reloadWhy,
  servedAt,
  tokensInWords,
  windowFor,
} from '../../src/orchestrator/fleet/kept-window.js';
import { copiesInOrder } from '../../src/orchestrator/generation/router.js';
import { contextFor } from '../../src/orchestrator/loading/load-context.js';
import type { CatalogModel } from '../../src/orchestrator/models/catalog.js';

/** Work needing `need` tokens whole; split, parts of it fit any window of at least `minSplit`. */
const work = (need: number, minSplit?: number) => ({
  fits: (w: number) => w >= need,
  ...(minSplit !== undefined && { splits: (w: number) => w >= minSplit }),
});

describe('the window a copy serves work at', () => {
  it('fits the loaded window: sent with exactly that window, not the wider one the host could give', () => {
    expect(windowFor({ contextWindow: 32768, loadedWindow: 8192 }, work(5000))).toEqual({ window: 8192, split: false });
    expect(windowFor({ contextWindow: 32768, loadedWindow: 8192 }, work(8192))).toEqual({ window: 8192, split: false });
  });

  it('does not fit but splits: split to the loaded window, never widened', () => {
    expect(windowFor({ contextWindow: 32768, loadedWindow: 8192 }, work(40000, 2048))).toEqual({
      window: 8192,
      split: true,
    });
  });

  it('neither fits nor splits to the loaded window: the usable window, a reload from the loaded one', () => {
    expect(windowFor({ contextWindow: 32768, loadedWindow: 8192 }, work(11000))).toEqual({
      window: 32768,
      split: false,
      reloadFrom: 8192,
    });
    // its parts need more than the loaded window: split to the wider one, a reload
    expect(windowFor({ contextWindow: 32768, loadedWindow: 4096 }, work(90000, 6000))).toEqual({
      window: 32768,
      split: true,
      reloadFrom: 4096,
    });
    // nothing wider to go to: no window serves
    expect(windowFor({ contextWindow: 8192, loadedWindow: 8192 }, work(11000))).toBeUndefined();
  });

  it('a copy not loaded is planned at its usable window, no reload said', () => {
    expect(windowFor({ contextWindow: 32768 }, work(11000))).toEqual({ window: 32768, split: false });
    expect(windowFor({ contextWindow: 8192 }, work(40000, 2048))).toEqual({ window: 8192, split: true });
    expect(windowFor({ contextWindow: 8192 }, work(40000))).toBeUndefined();
  });

  it("the user's own window outranks the loaded one (within what the host can give)", () => {
    expect(windowFor({ contextWindow: 32768, loadedWindow: 8192 }, work(5000), 16384)).toEqual({
      window: 16384,
      split: false,
    });
    expect(windowFor({ contextWindow: 32768, loadedWindow: 32768 }, work(40000, 2048), 16384)).toEqual({
      window: 16384,
      split: true,
    });
    expect(windowFor({ contextWindow: 8192 }, work(5000), 65536)).toEqual({ window: 8192, split: false });
  });

  it('keptWindows gives each copy the window it serves the work at, and marks a reload', () => {
    const copies = [
      { name: 'a', contextWindow: 32768, loadedWindow: 8192 },
      { name: 'b', contextWindow: 32768 },
      { name: 'c', contextWindow: 32768, loadedWindow: 4096 },
    ];
    const kept = keptWindows(copies, (c) => work(40000, c.name === 'c' ? 6000 : 2048));
    expect(kept.map((c) => [c.name, c.contextWindow, c.reloadFrom])).toEqual([
      ['a', 8192, undefined],
      ['b', 32768, undefined],
      ['c', 32768, 4096],
    ]);
  });
});

describe('an idle copy reloaded when splitting to its window costs more (issue 82: a split that takes longer does not serve)', () => {
  /** 150 KB over a 4k window: 40 parts; at 32k, 5 — seconds by window, as a dry run would time them. */
  const timed = (seconds: Record<number, number>) => ({
    ...work(40000, 2048),
    seconds: (w: number) => seconds[w],
  });
  const idle = (reloadMs: number) => ({ contextWindow: 32768, loadedWindow: 4096, reloadMs });

  it('the reload and the work at the wider window sooner than the split: reloaded, with both figures', () => {
    expect(windowFor(idle(8000), timed({ 4096: 300, 32768: 60 }))).toEqual({
      window: 32768,
      split: true,
      reloadFrom: 4096,
      paid: { keptSeconds: 300, reloadSeconds: 68 },
    });
    // whole at the wider window
    const whole = {
      fits: (w: number) => w >= 20000,
      splits: () => true,
      seconds: (w: number) => (w < 20000 ? 90 : 20),
    };
    expect(windowFor(idle(5000), whole)).toMatchObject({ window: 32768, split: false, reloadFrom: 4096 });
  });

  it('the split sooner than the reload and the work after it: split to the loaded window, kept', () => {
    expect(windowFor(idle(30000), timed({ 4096: 80, 32768: 60 }))).toEqual({ window: 4096, split: true });
    expect(windowFor(idle(20000), timed({ 4096: 80, 32768: 60 }))).toEqual({ window: 4096, split: true });
  });

  it('a copy something uses (no reload cost given), an unknown estimate, or the user’s own window: kept', () => {
    const used = { contextWindow: 32768, loadedWindow: 4096 };
    expect(windowFor(used, timed({ 4096: 300, 32768: 60 }))).toEqual({ window: 4096, split: true });
    expect(windowFor(idle(1000), timed({ 32768: 60 }))).toEqual({ window: 4096, split: true });
    expect(windowFor(idle(1000), { ...work(40000, 2048) })).toEqual({ window: 4096, split: true });
    expect(windowFor(idle(1000), timed({ 4096: 300, 16384: 60, 32768: 60 }), 16384)).toEqual({
      window: 16384,
      split: true,
    });
  });

  it('work that fits the loaded window whole is never reloaded, whatever the estimates', () => {
    const fits = { ...work(3000, 2048), seconds: (w: number) => (w === 4096 ? 100 : 1) };
    expect(windowFor(idle(0), fits)).toEqual({ window: 4096, split: false });
  });

  it('keptWindows carries the reload and its figures to the plan', () => {
    const [c] = keptWindows([{ name: 'a', ...idle(8000) }], () => timed({ 4096: 300, 32768: 60 }));
    expect(c).toMatchObject({ contextWindow: 32768, reloadFrom: 4096, paid: { keptSeconds: 300, reloadSeconds: 68 } });
    expect(reloadPaidWhy('phi3:mini', { from: 4096, to: 65536, paid: { keptSeconds: 95.2, reloadSeconds: 21 } })).toBe(
      'reloaded phi3:mini with a 64k window (it was loaded with 4k): split to 4k the work would take ~95 s, ' +
        'reloaded ~21 s with the load, and nothing else was using it',
    );
  });
});

describe('the copy a whole request goes to', () => {
  const copy = (host: string, loadedWindow?: number, name = 'llama3.1:8b') => ({
    name,
    host,
    contextWindow: 32768,
    loaded: loadedWindow !== undefined,
    fitsNow: true,
    ...(loadedWindow !== undefined && { loadedWindow }),
  });

  it('another copy whose loaded window holds it serves it: the one that would reload is left out', () => {
    const order = copiesInOrder(servedAt([copy('a', 8192), copy('b', 16384)], 11000));
    expect(order.map((c) => c.host)).toEqual(['b']);
  });

  it('a copy to load without a reload serves it too; with nothing else, the reload is there, weighed as one', () => {
    expect(copiesInOrder(servedAt([copy('a', 8192), copy('b')], 11000)).map((c) => c.host)).toEqual(['b']);
    const alone = servedAt([copy('a', 8192)], 11000);
    expect(alone).toHaveLength(1);
    expect(alone[0]).toMatchObject({ loaded: false, fitsNow: false, reloadFrom: 8192 });
  });

  it("another model's copy does not stand in: the reload stays, after the other model", () => {
    const served = servedAt([copy('a', 8192), copy('b', 16384, 'qwen2.5-coder:7b')], 11000);
    expect(served.map((c) => [c.host, c.name, c.reloadFrom])).toEqual([
      ['a', 'llama3.1:8b', 8192],
      ['b', 'qwen2.5-coder:7b', undefined],
    ]);
    expect(copiesInOrder(served).map((c) => c.host)).toEqual(['b', 'a']);
  });

  it('a copy whose usable window is under the need does not stand in for the reload', () => {
    const small = { ...copy('b'), contextWindow: 8192 };
    expect(servedAt([copy('a', 8192), small], 11000).map((c) => c.host)).toEqual(['a', 'b']);
  });

  it('a request the loaded window holds keeps the loaded copy first, untouched', () => {
    const loaded = copy('a', 8192);
    const served = servedAt([copy('b'), loaded], 6000);
    expect(served[1]).toBe(loaded);
    expect(copiesInOrder(served).map((c) => c.host)).toEqual(['a', 'b']);
  });

  it("with the user's window holding it, a copy loaded with another is not weighed as a reload", () => {
    expect(servedAt([copy('a', 4096)], 11000, 16384)[0]!.reloadFrom).toBeUndefined();
  });
});

describe('the reload, said', () => {
  it('names the model, both windows and why', () => {
    expect(reloadWhy('llama3.1:8b', { from: 8192, to: 16384, needTokens: 11000, splits: false, copies: 1 })).toBe(
      'reloaded llama3.1:8b with a 16k window (it was loaded with 8k): the prompt needs ~11k and does not split',
    );
    expect(reloadWhy('llama3.1:8b', { from: 4096, to: 8192, needTokens: 6100, splits: true, copies: 2 })).toBe(
      'reloaded llama3.1:8b with an 8k window (it was loaded with 4k): its parts need ~6k and do not split ' +
        "smaller, and no other copy's window holds it",
    );
    expect([900, 4096, 131072, 11000].map(tokensInWords)).toEqual(['900', '4k', '128k', '~11k']);
  });
});

describe("the loader's window for the work", () => {
  const model = { contextWindow: 131072 } as CatalogModel;
  const loaded = (n: number) => ({ name: 'm', context_length: n }) as never;

  it('keeps the loaded window for work that fits it; raises it only for work that does not', () => {
    expect(contextFor(model, loaded(8192), 5000, 4096)).toBe(8192);
    expect(contextFor(model, loaded(8192), 11000, 4096)).toBe(16384);
  });

  it("the user's own window (explicit) outranks the loaded one for work that fits it", () => {
    expect(contextFor(model, loaded(8192), 5000, 16384, true)).toBe(16384);
    expect(contextFor(model, loaded(32768), 5000, 16384, true)).toBe(16384);
    // work beyond it: the loaded window when that holds it, else raised
    expect(contextFor(model, loaded(32768), 20000, 16384, true)).toBe(32768);
    expect(contextFor(model, undefined, 20000, 16384, true)).toBe(32768);
  });
});

describe('a load that finds the copy loaded with a smaller window than the route saw', () => {
  const copy = { model: 'llama3.1:8b', host: 'box0' };
  const at = (host: string, reloadFrom?: number) => ({
    name: 'llama3.1:8b',
    host,
    ...(reloadFrom !== undefined && { reloadFrom }),
  });

  it('another copy of the model serves the request: the load keeps the window it finds (refused, not reloaded)', () => {
    expect(keepsFoundWindow([at('box0'), at('box1')], copy)).toBe(true);
  });

  it('the route weighed this reload itself, or no other copy serves: the reload goes ahead', () => {
    // servedAt marked it a reload: nothing else served when the route ordered it
    expect(keepsFoundWindow([at('box0', 4096), at('box1')], copy)).toBe(false);
    // the only copy, or the other one a reload too
    expect(keepsFoundWindow([at('box0')], copy)).toBe(false);
    expect(keepsFoundWindow([at('box0'), at('box1', 4096)], copy)).toBe(false);
    // another model's copy does not stand in
    expect(keepsFoundWindow([at('box0'), { name: 'qwen2.5-coder:7b', host: 'box1' }], copy)).toBe(false);
  });
});
