/**
 * Prefix affinity's pure parts: what each host's slots hold (prefix-memory.ts) and which copy a request goes
 * to (prefix-affinity.ts).
 */
import { describe, expect, it } from 'vitest';
import type { CopyAsk } from '../../src/orchestrator/fleet/copy-affinity.js';
import {
  affinityChoice,
  MIN_HELD_CHARS,
  QUEUE_FACTOR,
  type Copy,
} from '../../src/orchestrator/fleet/prefix-affinity.js';
import { BLOCK_CHARS, blockChain, PrefixMemory, sharedBlocks } from '../../src/orchestrator/fleet/prefix-memory.js';

const text = (seed: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${seed} line ${i} of the file\n`).join('');
const FILE_A = text('alpha', 400);
const FILE_B = text('beta', 400);

describe('block chains', () => {
  it('share their leading blocks exactly as far as the texts agree, to within a block', () => {
    const a = blockChain(`${FILE_A}Task: which line?`);
    const b = blockChain(`${FILE_A}Task: another question entirely`);
    const whole = Math.floor(FILE_A.length / BLOCK_CHARS);
    expect(sharedBlocks(a, b)).toBeGreaterThanOrEqual(whole);
    expect(sharedBlocks(a, b)).toBeLessThanOrEqual(whole + 1);
    expect(sharedBlocks(a, blockChain(FILE_B))).toBe(0);
    // one character changed early: nothing after it is shared
    const early = `x${FILE_A.slice(1)}`;
    expect(sharedBlocks(blockChain(FILE_A), blockChain(early))).toBe(0);
    expect(blockChain('short')).toHaveLength(0);
  });
});

describe("a host's prefix memory", () => {
  it('a prompt takes the slot sharing most with it; with none sharing, a free slot, then the one used longest ago', () => {
    const m = new PrefixMemory();
    const a = blockChain(FILE_A);
    const b = blockChain(FILE_B);
    const c = blockChain(text('gamma', 400));
    expect(m.freeSlot('m', 2)).toBe(true);
    m.note('agent', 'm', a, 2, 1);
    expect(m.freeSlot('m', 2)).toBe(true);
    m.note('agent', 'm', b, 2, 2);
    expect(m.freeSlot('m', 2)).toBe(false);
    expect(m.held('agent', 'm', blockChain(`${FILE_A}Task: q`))).toBeGreaterThan(FILE_A.length - BLOCK_CHARS);
    expect(m.held('agent', 'other', a)).toBe(0);
    // a follow-up of A's takes A's slot, not B's
    m.note('agent', 'm', blockChain(`${FILE_A}Task: q`), 2, 3);
    expect(m.held('agent', 'm', b)).toBeGreaterThan(0);
    // a third prompt sharing nothing replaces the slot used longest ago (B's, at 2)
    m.note('agent', 'm', c, 2, 4);
    expect(m.held('agent', 'm', b)).toBe(0);
    expect(m.held('agent', 'm', a)).toBeGreaterThan(0);
    // the engine lists it loaded: kept; gone from its list (unloaded, or the engine restarted): its slots held nothing
    m.loadedNow(new Set(['m']));
    expect(m.held('agent', 'm', a)).toBeGreaterThan(0);
    m.loadedNow(new Set(['other']));
    expect(m.held('agent', 'm', a)).toBe(0);
  });

  it('a prompt sharing no more than a tenth of itself with a slot takes another slot, as llama-server does', () => {
    const m = new PrefixMemory();
    const header = 'x'.repeat(BLOCK_CHARS * 2); // a common start: 2 blocks of ~31
    const a = blockChain(`${header}${text('alpha', 300)}`);
    const b = blockChain(`${header}${text('beta', 300)}`);
    expect(sharedBlocks(a, b)).toBe(2);
    m.note('agent', 'm', a, 2);
    m.note('agent', 'm', b, 2);
    expect(m.freeSlot('m', 2)).toBe(false); // b took the free slot: a is still held
    expect(m.held('agent', 'm', a)).toBe(a.length * BLOCK_CHARS);
    // more than a tenth in common: the same slot
    const m2 = new PrefixMemory();
    m2.note('agent', 'm', a, 2);
    m2.note('agent', 'm', blockChain(`${header}${text('alpha', 300)}Task: another`), 2);
    expect(m2.freeSlot('m', 2)).toBe(true);
  });

  it('one slot holds one prompt: the next replaces it', () => {
    const m = new PrefixMemory();
    m.note('agent', 'm', blockChain(FILE_A), 1);
    m.note('agent', 'm', blockChain(FILE_B), 1);
    expect(m.held('agent', 'm', blockChain(FILE_A))).toBe(0);
    expect(m.held('agent', 'm', blockChain(FILE_B))).toBeGreaterThan(0);
  });
});

const copy = (host: string, heldChars: number, queue = 0, freeSlot = false): Copy => ({
  host,
  heldChars,
  queue,
  freeSlot,
});

describe('which copy a request goes to', () => {
  it('the copy holding more of its prompt', () => {
    expect(affinityChoice([copy('a', 0), copy('b', 40_000)])).toMatchObject({
      index: 1,
      why: expect.stringMatching(/on b has ~10000 tokens of this prompt cached/),
    });
    expect(affinityChoice([copy('a', 40_000), copy('b', 0)])).toBeUndefined();
    expect(affinityChoice([copy('a', 20_000), copy('b', 40_000)])?.index).toBe(1);
    expect(affinityChoice([copy('a', 40_000), copy('b', 40_000)])).toBeUndefined(); // as much on the first: it stays
  });

  it('too little held is no reason to move', () => {
    expect(affinityChoice([copy('a', 0), copy('b', MIN_HELD_CHARS - 1)])).toBeUndefined();
    expect(affinityChoice([copy('a', 0), copy('b', MIN_HELD_CHARS)])?.index).toBe(1);
  });

  it(`not to a copy whose queue is past ${QUEUE_FACTOR}× the average, and to one just at it`, () => {
    // average (4 + 1) / 2 = 2.5; 1.5 × 2.5 = 3.75 < 4: left out
    expect(affinityChoice([copy('a', 0, 1), copy('b', 40_000, 4)])).toBeUndefined();
    // average (3 + 1) / 2 = 2; 1.5 × 2 = 3: at the bound, still taken
    expect(affinityChoice([copy('a', 0, 1), copy('b', 40_000, 3)])?.index).toBe(1);
  });

  it('with no copy holding the prompt: a free slot before evicting what another request keeps cached there', () => {
    expect(affinityChoice([copy('a', 0, 0, false), copy('b', 0, 0, true)])).toMatchObject({
      index: 1,
      why: expect.stringMatching(/free slot on b/),
    });
    expect(affinityChoice([copy('a', 0, 0, true), copy('b', 0, 0, true)])).toBeUndefined();
    expect(affinityChoice([copy('a', 0, 0, false), copy('b', 0, 0, false)])).toBeUndefined();
    // the free one's queue is too long
    expect(affinityChoice([copy('a', 0, 1, false), copy('b', 0, 4, true)])).toBeUndefined();
    expect(affinityChoice([copy('a', 0)])).toBeUndefined();
  });
});

describe('the queue after a move to the cached copy', () => {
  it('the chosen copy first, the first choice right behind it, and no copy twice', async () => {
    const { preferCachedCopy } = await import('../../src/orchestrator/fleet/copy-affinity.js');
    const { chainOf } = await import('../../src/orchestrator/fleet/prefix-sent.js');
    const ask = { system: 'sys', prompt: `${FILE_A}Task: q`, contextTokens: 3000 } as unknown as CopyAsk['ask'];
    const views = Object.fromEntries(
      ['a', 'b'].map((name) => {
        const prefixes = new PrefixMemory();
        if (name === 'b') prefixes.note('agent', 'm', chainOf(ask), 1);
        return [
          name,
          {
            host: {
              name,
              kind: 'ollama',
              engine: { can: { managesMemory: true } },
              settings: { ollama: { numParallel: 1 } },
              prefixes,
              loader: { requestsOn: () => 0 },
            },
          },
        ];
      }),
    );
    const unit = (h: string | undefined) => views[h ?? 'a'] as never;
    const models = ['a', 'b'].map((host) => ({ name: 'm', host, loaded: true, contextWindow: 8192 })) as never;
    const queue = [
      { model: 'm', host: 'a', why: 'ranked first' },
      { model: 'm', host: 'b', why: 'ranked second' },
      { model: 'n', host: 'a', why: 'another model' },
    ];
    preferCachedCopy({ owner: 'agent', ask, queue, models, unit, loadMs: () => 0 }, () => 0);
    expect(queue.map((q) => `${q.model}@${q.host}`)).toEqual(['m@b', 'm@a', 'n@a']);
    expect(queue[0]!.why).toMatch(/^ranked first; its engine on b has ~\d+ tokens of this prompt cached$/);
    // the cached copy loaded with a window under the request's need: never moved to (it would be reloaded)
    const small = ['a', 'b'].map((host) => ({
      name: 'm',
      host,
      loaded: true,
      contextWindow: 8192,
      loadedWindow: host === 'b' ? 4096 : 8192,
    })) as never;
    const wide = [{ model: 'm', host: 'a', why: 'x' }];
    const wideAsk = { ...ask, contextTokens: 6000 } as never;
    preferCachedCopy({ owner: 'agent', ask: wideAsk, queue: wide, models: small, unit, loadMs: () => 0 }, () => 0);
    expect(wide.map((q) => q.host)).toEqual(['a']);
    // ...while a request its loaded window holds still goes to it for its cache
    const fits = [{ model: 'm', host: 'a', why: 'x' }];
    preferCachedCopy({ owner: 'agent', ask, queue: fits, models: small, unit, loadMs: () => 0 }, () => 0);
    expect(fits.map((q) => q.host)).toEqual(['b', 'a']);
    // nothing held anywhere, every slot free: the queue as it was
    const plain = [{ model: 'm', host: 'a', why: 'x' }];
    const plainAsk = { system: undefined, prompt: FILE_B, contextTokens: 3000 } as never;
    preferCachedCopy({ owner: 'agent', ask: plainAsk, queue: plain, models, unit, loadMs: () => 0 }, () => 0);
    expect(plain).toEqual([{ model: 'm', host: 'a', why: 'x' }]);
  });

  it(
    'copies serving without a load count (an engine that loads by itself); a copy not loaded on ' +
      'an engine ollm-mcp loads for is never chosen for its cache',
    async () => {
      const { preferCachedCopy } = await import('../../src/orchestrator/fleet/copy-affinity.js');
      const { chainOf } = await import('../../src/orchestrator/fleet/prefix-sent.js');
      const ask = { system: 'sys', prompt: `${FILE_A}Task: q`, contextTokens: 3000 } as unknown as CopyAsk['ask'];
      const views = (b: { managesMemory: boolean; cluster?: boolean }) =>
        Object.fromEntries(
          ['a', 'b'].map((name) => {
            const prefixes = new PrefixMemory();
            if (name === 'b') prefixes.note('agent', 'm', chainOf(ask), 1);
            const can = name === 'b' ? { managesMemory: b.managesMemory } : { managesMemory: true };
            return [
              name,
              {
                host: {
                  name,
                  kind: 'openai',
                  cluster: name === 'b' && b.cluster === true,
                  engine: { can },
                  settings: { ollama: { numParallel: 1 } },
                  prefixes,
                  loader: { requestsOn: () => 0 },
                },
              },
            ];
          }),
        );
      const models = [
        { name: 'm', host: 'a', loaded: true, contextWindow: 8192 },
        { name: 'm', host: 'b', loaded: false, contextWindow: 8192 },
      ] as never;
      const run = (v: ReturnType<typeof views>) => {
        const queue = [{ model: 'm', host: 'a', why: 'first' }];
        const unit = (h: string | undefined) => v[h ?? 'a'] as never;
        preferCachedCopy({ owner: 'agent', ask, queue, models, unit, loadMs: () => 0 }, () => 0);
        return queue.map((q) => q.host);
      };
      expect(run(views({ managesMemory: false }))).toEqual(['b', 'a']); // it serves what it lists: its cache counts
      expect(run(views({ managesMemory: true }))).toEqual(['a']); // not loaded there: a load is never made for a cache
      expect(run(views({ managesMemory: false, cluster: true }))).toEqual(['a']); // a cluster places by its own router
    },
  );
});

describe("what one owner's prompts tell another (issue 72)", () => {
  const ask = (prompt: string) => ({ system: undefined, prompt }) as never;
  it(
    "a slot holding alice's prompt counts as held for alice alone; which slot a prompt takes " +
      "stays the engine's, owner-blind",
    () => {
      const m = new PrefixMemory();
      const alice = blockChain(`${FILE_A}Task: q`);
      m.note('alice', 'm', alice, 2);
      expect(m.held('alice', 'm', alice)).toBeGreaterThan(FILE_A.length - BLOCK_CHARS);
      expect(m.held('bob', 'm', alice)).toBe(0);
      // bob's same prompt takes alice's slot (the engine picks by what it shares), and is bob's from then on
      const sent = m.note('bob', 'm', alice, 2);
      expect([sent.believedChars, sent.ownChars]).toEqual([alice.length * BLOCK_CHARS, 0]);
      expect(m.freeSlot('m', 2)).toBe(true);
      expect(m.held('bob', 'm', alice)).toBe(alice.length * BLOCK_CHARS);
      expect(m.held('alice', 'm', alice)).toBe(0);
    },
  );

  it("the engine's cached count is told its owner only as far as its own prompts left it there", async () => {
    const { shownCached } = await import('../../src/orchestrator/fleet/prefix-sent.js');
    const m = new PrefixMemory();
    const prompt = `${FILE_A}Task: q`;
    const chain = blockChain(`\u0000${prompt}`);
    m.note('alice', 'm', chain, 1);
    const out = { promptTokens: 1000, cachedPromptTokens: 990 };
    // bob's guess finds alice's prompt in the engine's cache: he is told nothing of it
    expect(shownCached(m.note('bob', 'm', chain, 1), ask(prompt), out)).toBe(0);
    // his own follow-up: what his own prompt left there, up to the engine's figure
    const own = shownCached(m.note('bob', 'm', chain, 1), ask(prompt), out)!;
    expect(own).toBeGreaterThan(900);
    expect(own).toBeLessThanOrEqual(990);
    expect(shownCached(m.note('bob', 'm', chain, 1), ask(prompt), { promptTokens: 1000, cachedPromptTokens: 12 })).toBe(
      12,
    );
    expect(shownCached(m.note('bob', 'm', chain, 1), ask(prompt), { promptTokens: 1000 })).toBeUndefined();
  });

  it(
    "an owner's prompt that begins with the whole of one it sent is known held to the " +
      "character, past the last whole block; another's never",
    () => {
      const m = new PrefixMemory();
      const text = `${FILE_A.slice(0, 1000)}Task: q`; // 1,007 characters: 3 whole blocks and 239 more
      const chain = blockChain(text);
      m.note('alice', 'm', chain, 1, 1, text);
      expect(m.note('alice', 'm', chain, 1, 2, text).ownChars).toBe(text.length);
      const longer = `${text} and one more question`;
      expect(m.note('alice', 'm', blockChain(longer), 1, 3, longer).ownChars).toBe(text.length);
      const m2 = new PrefixMemory();
      m2.note('alice', 'm', chain, 1, 1, text);
      expect(m2.note('bob', 'm', chain, 1, 2, text)).toMatchObject({ ownChars: 0, believedChars: 3 * BLOCK_CHARS });
      // a prompt that differs inside the last part block: the whole blocks only
      const other = `${FILE_A.slice(0, 1000)}Task: r`;
      const m3 = new PrefixMemory();
      m3.note('alice', 'm', chain, 1, 1, text);
      expect(m3.note('alice', 'm', blockChain(other), 1, 2, other).ownChars).toBe(3 * BLOCK_CHARS);
    },
  );

  it("a right guess and a wrong one of alice's prompt get the same copy and the same reason", async () => {
    const { preferCachedCopy } = await import('../../src/orchestrator/fleet/copy-affinity.js');
    const right = `${FILE_A}Task: q`;
    const wrong = `${FILE_B}Task: q`;
    const place = (guess: string) => {
      const views = {
        a: {
          host: {
            loader: { requestsOn: () => 0 },
            prefixes: new PrefixMemory(),
            engine: { can: { managesMemory: true } },
            settings: { ollama: { numParallel: 1 } },
          },
        },
        b: {
          host: {
            loader: { requestsOn: () => 0 },
            prefixes: new PrefixMemory(),
            engine: { can: { managesMemory: true } },
            settings: { ollama: { numParallel: 1 } },
          },
        },
      };
      views.b.host.prefixes.note('alice', 'm', blockChain(`\u0000${right}`), 1); // alice's prompt sits on b
      const queue = [{ model: 'm', why: 'first', host: 'a' }];
      const models = [
        { name: 'm', host: 'a', loaded: true },
        { name: 'm', host: 'b', loaded: true },
      ] as never;
      const unit = (h: string | undefined) => (views as Record<string, unknown>)[h ?? 'a'] as never;
      preferCachedCopy({ owner: 'bob', ask: ask(guess), queue, models, unit, loadMs: () => 0 }, () => 0);
      return queue.map((q) => [q.host, q.why]);
    };
    expect(place(right)).toEqual(place(wrong));
    expect(place(right)[0]).toEqual(['a', 'first']);
  });
});
