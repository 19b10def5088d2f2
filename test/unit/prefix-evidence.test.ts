/**
 * What a host's prefix memory learns from the engine's own cache figures (fleet/prefix-evidence.ts,
 * fleet/prefix-memory.ts learn): hits, misses, distrust after MISSES in a row, trust again on a hit
 * or after RETRUST_MS, and figures that are not plausible never learned.
 */
import { describe, expect, it } from 'vitest';
import {
  evidenceOf,
  MIN_TESTED_CHARS,
  MISS_SHARE,
  MISSES,
  RETRUST_MS,
  type PromptReport,
} from '../../src/orchestrator/fleet/prefix-evidence.js';
import { BLOCK_CHARS, blockChain, PrefixMemory, type Sent } from '../../src/orchestrator/fleet/prefix-memory.js';
import { believedCached, learnHeld } from '../../src/orchestrator/fleet/prefix-sent.js';

const text = (seed: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${seed} line ${i} of the file\n`).join('');
const FILE = text('alpha', 400); // ~10 KB
const OTHER = text('beta', 400);
/** A report of a prompt of FILE's size read as 2500 tokens, `cached` of them from the cache. */
const report = (cached: number | undefined, promptTokens = 2500): PromptReport => ({
  promptChars: FILE.length,
  promptTokens,
  cachedTokens: cached,
});

describe('what one report shows', () => {
  const believed = 8000;
  it('a hit when the engine held at least half of what was believed, a miss below', () => {
    const half = Math.ceil(((MISS_SHARE * believed) / FILE.length) * 2500);
    expect(evidenceOf(believed, report(2499))?.kind).toBe('hit');
    expect(evidenceOf(believed, report(half))?.kind).toBe('hit');
    expect(evidenceOf(believed, report(half - 2))?.kind).toBe('miss');
    expect(evidenceOf(believed, report(0))).toEqual({ kind: 'miss', cachedChars: 0 });
    // the share of the tokens, in the prompt's characters
    expect(evidenceOf(believed, report(1250))).toEqual({ kind: 'hit', cachedChars: Math.round(FILE.length / 2) });
  });

  it(`a belief under ${MIN_TESTED_CHARS} characters is not tested; the engine holding that much anyway is a hit`, () => {
    expect(evidenceOf(MIN_TESTED_CHARS - 1, report(0))).toBeUndefined();
    expect(evidenceOf(MIN_TESTED_CHARS, report(0))?.kind).toBe('miss');
    expect(evidenceOf(0, report(2000))?.kind).toBe('hit');
    const under = Math.floor(((MIN_TESTED_CHARS - 10) / FILE.length) * 2500);
    expect(evidenceOf(0, report(under))).toBeUndefined();
  });

  it('a figure that is not a whole count within the prompt is not learned, each on its own', () => {
    expect(evidenceOf(believed, report(undefined))).toBeUndefined(); // Ollama says nothing
    expect(evidenceOf(believed, report(-5))).toBeUndefined(); // would be a miss
    expect(evidenceOf(believed, report(2501))).toBeUndefined(); // past the prompt: would be a hit
    expect(evidenceOf(believed, report(2500))?.kind).toBe('hit'); // the whole prompt is a figure
    expect(evidenceOf(believed, report(Number.NaN))).toBeUndefined();
    expect(evidenceOf(believed, report(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY))).toBeUndefined();
    expect(evidenceOf(believed, report(1249.5))).toBeUndefined();
    expect(evidenceOf(believed, report(0, 0))).toBeUndefined(); // no prompt counted
    expect(evidenceOf(believed, report(10, Number.NaN))).toBeUndefined();
    expect(evidenceOf(believed, { ...report(0), promptChars: 0 })).toBeUndefined();
    expect(evidenceOf(Number.NaN, report(0))).toBeUndefined();
  });
});

/** A memory holding FILE's chain on one slot of model m, and a send of a follow-up sharing it. */
function sending(m: PrefixMemory, at: number): Sent {
  return m.note('agent', 'm', blockChain(`${FILE}Task: question ${at}`), 1, at);
}

describe("a host's prefix memory, checked against its engine", () => {
  const follow = blockChain(`${FILE}Task: next`);

  it(`${MISSES} misses in a row: its slots are believed to hold nothing (every one free) until a hit`, () => {
    const m = new PrefixMemory();
    m.note('agent', 'm', blockChain(FILE), 1, 0);
    for (let i = 1; i < MISSES; i++) {
      const sent = sending(m, i);
      expect(sent.believedChars).toBeGreaterThanOrEqual(FILE.length - BLOCK_CHARS);
      expect(m.learn(sent, report(0), i)?.kind).toBe('miss');
      expect(m.held('agent', 'm', follow, i)).toBeGreaterThan(0); // not yet
    }
    m.learn(sending(m, MISSES), report(0), MISSES);
    expect(m.held('agent', 'm', follow, MISSES)).toBe(0);
    expect(m.freeSlot('m', 1, MISSES)).toBe(true);
    // prompts are still noted, so a hit can be seen: one switches it back on
    const sent = sending(m, 10);
    expect(sent.believedChars).toBeGreaterThan(0);
    expect(m.learn(sent, report(2400), 10)?.kind).toBe('hit');
    expect(m.held('agent', 'm', follow, 10)).toBeGreaterThan(FILE.length - BLOCK_CHARS);
    expect(m.freeSlot('m', 1, 10)).toBe(false);
    expect(m.held('agent', 'other', follow, 10)).toBe(0);
  });

  it('an unload takes what its slots held, never what was learned of its engine', () => {
    const m = new PrefixMemory();
    const trusting = new PrefixMemory();
    m.note('agent', 'm', blockChain(FILE), 1, 0);
    trusting.note('agent', 'm', blockChain(FILE), 1, 0);
    for (let i = 1; i <= MISSES; i++) m.learn(sending(m, i), report(0), i);
    m.loadedNow(new Set());
    trusting.loadedNow(new Set());
    expect(trusting.held('agent', 'm', follow, 20)).toBe(0); // unloaded: nothing held
    // loaded again and sent FILE: the one that was trusted steers to it; the one whose engine keeps nothing does not
    m.note('agent', 'm', blockChain(FILE), 1, 21);
    trusting.note('agent', 'm', blockChain(FILE), 1, 21);
    expect(trusting.held('agent', 'm', follow, 22)).toBeGreaterThan(0);
    expect(m.held('agent', 'm', follow, 22)).toBe(0);
  });

  it('a hit between misses starts the count again', () => {
    const m = new PrefixMemory();
    m.note('agent', 'm', blockChain(FILE), 1, 0);
    const kinds = [0, 0, 2400, 0, 0].map((cached, i) => m.learn(sending(m, i + 1), report(cached), i + 1)?.kind);
    expect(kinds).toEqual(['miss', 'miss', 'hit', 'miss', 'miss']);
    expect(m.held('agent', 'm', follow, 6)).toBeGreaterThan(0); // two in a row since the hit
    m.learn(sending(m, 7), report(0), 7);
    expect(m.held('agent', 'm', follow, 7)).toBe(0);
  });

  it('reports that say nothing (Ollama) or nonsense never distrust it, nor clear the misses counted', () => {
    const m = new PrefixMemory();
    m.note('agent', 'm', blockChain(FILE), 1, 0);
    for (let i = 1; i <= 2 * MISSES; i++) expect(m.learn(sending(m, i), report(undefined), i)).toBeUndefined();
    expect(m.held('agent', 'm', follow, 99)).toBeGreaterThan(0);
    // two misses, then a figure past the prompt (it would read as a hit), then a miss: distrusted
    m.learn(sending(m, 20), report(0), 20);
    m.learn(sending(m, 21), report(0), 21);
    expect(m.learn(sending(m, 22), report(2600), 22)).toBeUndefined();
    m.learn(sending(m, 23), report(0), 23);
    expect(m.held('agent', 'm', follow, 23)).toBe(0);
    // distrusted, a negative figure (it would read as a miss) changes nothing; a true hit does
    expect(m.learn(sending(m, 24), report(-1), 24)).toBeUndefined();
    m.learn(sending(m, 25), report(2400), 25);
    expect(m.held('agent', 'm', follow, 25)).toBeGreaterThan(0);
  });

  it(
    `distrusted ${RETRUST_MS / 60_000} minutes without a miss: trusted again on probation — one ` +
      `miss then distrusts it again`,
    () => {
      const m = new PrefixMemory();
      m.note('agent', 'm', blockChain(FILE), 1, 0);
      for (let i = 1; i <= MISSES; i++) m.learn(sending(m, i), report(0), i);
      expect(m.held('agent', 'm', follow, MISSES + RETRUST_MS - 1)).toBe(0);
      const back = MISSES + RETRUST_MS;
      expect(m.held('agent', 'm', follow, back)).toBeGreaterThan(0);
      m.learn(sending(m, back), report(0), back);
      expect(m.held('agent', 'm', follow, back + 1)).toBe(0);
      // and again after another while: a hit clears the misses for good
      const later = back + RETRUST_MS;
      m.learn(sending(m, later), report(2400), later);
      m.learn(sending(m, later + 1), report(0), later + 1);
      expect(m.held('agent', 'm', follow, later + 1)).toBeGreaterThan(0);
    },
  );

  it(
    "a miss drops every slot's claim to more of the prompt than the engine held; the prompt " +
      'just sent, and other prompts, stay',
    () => {
      const m = new PrefixMemory();
      const stale = blockChain(FILE);
      const other = blockChain(OTHER);
      m.note('agent', 'm', stale, 4, 0);
      m.note('agent', 'm', other, 4, 1);
      // a prompt sharing a tenth or less of itself with the stale one takes another slot (as llama-server does)
      const sentText = `${FILE.slice(0, 4 * BLOCK_CHARS)}${text('gamma', 800)}`;
      const sent = m.note('agent', 'm', blockChain(sentText), 4, 2);
      expect(sent.believedChars).toBe(4 * BLOCK_CHARS);
      expect(m.freeSlot('m', 4, 2)).toBe(true); // three slots taken
      expect(m.held('agent', 'm', stale, 2)).toBe(stale.length * BLOCK_CHARS);
      expect(m.learn(sent, { promptChars: sentText.length, promptTokens: 1000, cachedTokens: 0 }, 3)?.kind).toBe(
        'miss',
      );
      expect(m.held('agent', 'm', stale, 3)).toBe(4 * BLOCK_CHARS); // what the prompt just sent holds of it, no more
      expect(m.held('agent', 'm', other, 3)).toBe(other.length * BLOCK_CHARS);
      expect(m.held('agent', 'm', blockChain(sentText), 3)).toBe(
        Math.floor(sentText.length / BLOCK_CHARS) * BLOCK_CHARS,
      );
      // a hit drops nothing
      const m2 = new PrefixMemory();
      m2.note('agent', 'm', stale, 4, 0);
      const again = m2.note('agent', 'm', blockChain(sentText), 4, 1);
      m2.learn(again, { promptChars: sentText.length, promptTokens: 1000, cachedTokens: 400 }, 2);
      expect(m2.held('agent', 'm', stale, 2)).toBe(stale.length * BLOCK_CHARS);
    },
  );

  it('the route learns from a generation without images, and from none with images (their tokens are not the text)', () => {
    const run = (images: boolean) => {
      const prefixes = new PrefixMemory();
      const host = { prefixes } as never;
      const ask = { system: undefined, prompt: `${FILE}Task: q` } as never;
      prefixes.note('agent', 'm', blockChain(`\u0000${FILE}`), 1);
      for (let i = 0; i < MISSES; i++)
        learnHeld(
          host,
          prefixes.note('agent', 'm', blockChain(`\u0000${FILE}Task: q${i}`), 1),
          ask,
          { promptTokens: 2500, cachedPromptTokens: 0 },
          images,
        );
      return prefixes.held('agent', 'm', blockChain(`\u0000${FILE}Task: again`));
    };
    expect(run(false)).toBe(0);
    expect(run(true)).toBeGreaterThan(0);
  });

  it(
    'an engine that says nothing of its cache: the share of the prompt believed held, of its ' +
      'tokens — not where it says, nor with images, nor when nothing was',
    () => {
      const prefixes = new PrefixMemory();
      const ask = { system: undefined, prompt: `${FILE}Task: q` } as never;
      prefixes.note('agent', 'm', blockChain(`\u0000${FILE}`), 1);
      const sent = prefixes.note('agent', 'm', blockChain(`\u0000${FILE}Task: q`), 1);
      const estimate = believedCached(sent, ask, { promptTokens: 2500 }, false)!;
      expect(estimate).toBeGreaterThan(2500 * 0.97); // all of FILE to within a block, of a prompt barely longer
      expect(estimate).toBeLessThanOrEqual(2500);
      // the engine's own figure stands
      expect(believedCached(sent, ask, { promptTokens: 2500, cachedPromptTokens: 10 }, false)).toBeUndefined();
      expect(believedCached(sent, ask, { promptTokens: 2500 }, true)).toBeUndefined();
      const fresh = new PrefixMemory().note('agent', 'm', blockChain(`\u0000${FILE}Task: q`), 1);
      expect(believedCached(fresh, ask, { promptTokens: 2500 }, false)).toBeUndefined();
    },
  );
});
