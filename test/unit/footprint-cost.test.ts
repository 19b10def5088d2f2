import { describe, expect, it } from 'vitest';
import { CHARS_PER_TOKEN, footprint, footprintLine, SESSION_TURNS } from '../../src/orchestrator/savings/footprint.js';

const PRICES = { inputPerMillion: 3, outputPerMillion: 15, currency: '$' };

describe('what the tool list costs the calling model', () => {
  it('is its tokens every turn, and a session of them at the input price', () => {
    const f = footprint(7600, 16, PRICES, { calls: 0, savedTokens: 0, savedMoney: 0 });
    expect(f.tokensPerTurn).toBe(Math.ceil(7600 / CHARS_PER_TOKEN));
    expect(f.sessionTokens).toBe(f.tokensPerTurn * SESSION_TURNS);
    expect(f.sessionMoney).toBeCloseTo((f.sessionTokens * 3) / 1e6, 2);
    expect(f.callsToPayForSession).toBeUndefined(); // nothing saved yet: no figure
  });

  it('says how many offloaded calls, at the average saved so far, pay for a session of it', () => {
    // 10 calls saved $0.60: $0.06 a call; a session of 2,000 tokens × 40 turns at $3/M is $0.24 → 4 calls
    const f = footprint(2000 * CHARS_PER_TOKEN, 16, PRICES, { calls: 10, savedTokens: 100_000, savedMoney: 0.6 });
    expect(f.sessionMoney).toBeCloseTo(0.24, 2);
    expect(f.callsToPayForSession).toBe(4);
    expect(footprintLine(f, '$')).toBe(
      'The tool list (16 tools) costs you ~2k tokens a turn: ~80k tokens (≈ $0.24) over a 40-turn ' +
        'session; 4 offloaded calls at the average saved so far pay for it.',
    );
  });

  it('counts in tokens when no price is set, and gives no figure when offloading cost more than it saved', () => {
    const free = { inputPerMillion: 0, outputPerMillion: 0, currency: '$' };
    expect(footprint(3800, 5, free, { calls: 2, savedTokens: 10_000, savedMoney: 0 }).callsToPayForSession).toBe(
      Math.ceil((1000 * SESSION_TURNS) / 5000),
    );
    expect(
      footprint(3800, 5, PRICES, { calls: 2, savedTokens: -100, savedMoney: -0.01 }).callsToPayForSession,
    ).toBeUndefined();
  });
});
