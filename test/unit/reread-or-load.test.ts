/**
 * Whether a request loads a copy on a host with room rather than evict another agent's recent prompt
 * from the only copy (fleet/reread-or-load.ts; issue 75, finding 10), and what a host's prefix memory
 * tells of its slots for it (PrefixMemory.taken: free, the caller's own, since when another's).
 */
import { describe, expect, it } from 'vitest';
import { RECENT_MS, rereadOrLoad, type RereadOrLoad } from '../../src/orchestrator/fleet/reread-or-load.js';
import { blockChain, PrefixMemory } from '../../src/orchestrator/fleet/prefix-memory.js';
import { MISSES } from '../../src/orchestrator/fleet/prefix-evidence.js';

const NOW = 1_000_000;
/** Bob's 30 KB file (~7,500 tokens) read at 2,000 tokens/s (~3.8 s), a load elsewhere ~1 s; Ann's 5 s ago. */
const base: RereadOrLoad = {
  copy: 'box0',
  promptChars: 30_000,
  promptTokens: 7_500,
  promptTokensPerSecond: 2_000,
  slots: { free: false, own: false, othersAt: NOW - 5_000 },
  rooms: [{ host: 'box1', loadMs: 1_000 }],
  now: NOW,
};

describe('reading the prompt again, or loading a copy where there is room', () => {
  it('loads a copy when reading again costs more and a host has room: the cheapest load, with why', () => {
    const choice = rereadOrLoad({
      ...base,
      rooms: [
        { host: 'box1', loadMs: 3_000 },
        { host: 'box2', loadMs: 1_000 },
      ],
    });
    expect(choice?.index).toBe(1);
    expect(choice?.why).toBe(
      'loading it on box2 (~1.0 s) takes less than reading this prompt again (~7500 tokens, ~3.8 s)' +
        " where the slots of the copy on box0 hold others' recent prompts",
    );
    expect(choice?.extraWhy).toBe("the slots of the copy on box0 held other requests' recent prompts");
  });

  it('stays when reading again costs less than the load (a short prompt, a fast reader, a slow load)', () => {
    expect(rereadOrLoad({ ...base, promptChars: 4_000, promptTokens: 1_000 })).toBeUndefined(); // 0.5 s against 1 s
    expect(rereadOrLoad({ ...base, promptTokensPerSecond: 20_000 })).toBeUndefined();
    expect(rereadOrLoad({ ...base, rooms: [{ host: 'box1', loadMs: 4_000 }] })).toBeUndefined();
  });

  it('stays when the prompt is too short to be kept, whatever the speeds', () => {
    expect(rereadOrLoad({ ...base, promptChars: 1_000, promptTokens: 250, promptTokensPerSecond: 1 })).toBeUndefined();
  });

  it('stays when no host has room', () => {
    expect(rereadOrLoad({ ...base, rooms: [] })).toBeUndefined();
    expect(rereadOrLoad({ ...base, rooms: [{ host: 'box1', loadMs: Number.NaN }] })).toBeUndefined();
  });

  it("stays when a slot is free or is the caller's own: nothing of another's is evicted", () => {
    expect(rereadOrLoad({ ...base, slots: { free: true, own: false } })).toBeUndefined();
    expect(rereadOrLoad({ ...base, slots: { free: false, own: true } })).toBeUndefined();
  });

  it("stays when the other's use is old: its agent has not asked lately", () => {
    const at = (othersAt: number) => ({ ...base, slots: { free: false, own: false, othersAt } });
    expect(rereadOrLoad(at(NOW - RECENT_MS - 1))).toBeUndefined();
    expect(rereadOrLoad(at(NOW - RECENT_MS))).toBeDefined();
    expect(rereadOrLoad({ ...base, recentMs: 1_000 })).toBeUndefined(); // used 5 s ago, recent within 1 s only
  });
});

describe("a host's slots as the rule sees them: taken, and since when — never what they hold", () => {
  const ann = blockChain('ann record\n'.repeat(3000));
  const bob = blockChain('bob record\n'.repeat(3000));

  // it is given no prompt: whatever the caller sends, right guess of another's or not, it answers the same
  it("free until every slot holds a prompt; the caller's own; else when the slot used longest ago was used", () => {
    const m = new PrefixMemory();
    expect(m.taken('bob', 'm', 1, NOW)).toEqual({ free: true, own: false });
    m.note('ann', 'm', ann, 2, NOW - 9_000);
    expect(m.taken('bob', 'm', 2, NOW)).toEqual({ free: true, own: false });
    m.note('carl', 'm', blockChain('carl line\n'.repeat(3000)), 2, NOW - 4_000);
    expect(m.taken('bob', 'm', 2, NOW)).toEqual({ free: false, own: false, othersAt: NOW - 9_000 });
    expect(m.taken('ann', 'm', 2, NOW)).toEqual({ free: false, own: true });
  });

  it('every slot free while the engine is not believed to keep prompts', () => {
    const m = new PrefixMemory();
    const sent = m.note('ann', 'm', ann, 1, NOW);
    const report = { promptChars: 30_000, promptTokens: 7_500, cachedTokens: 0 };
    for (let i = 0; i < MISSES; i++) m.learn({ ...sent, believedChars: 30_000 }, report, NOW);
    m.note('ann', 'm', bob, 1, NOW);
    expect(m.taken('bob', 'm', 1, NOW)).toEqual({ free: true, own: false });
  });
});
