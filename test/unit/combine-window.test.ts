/**
 * The combining rounds' window (route/combine-window.ts): the widest of the copies a split job uses,
 * and the room its combining prompts have there — the parts' room grown by what the wider window
 * adds; where every copy serves at the parts' window, the parts' room.
 */
import { describe, expect, it } from 'vitest';
import { combineSizing } from '../../src/orchestrator/route/combine-window.js';
import { ESTIMATE_FILL, EXACT_FILL } from '../../src/orchestrator/generation/split-plan.js';

describe('combineSizing', () => {
  it("grows the parts' room by what the widest copy's window adds", () => {
    const s = combineSizing({
      window: 4096,
      partTokens: 2645,
      copies: [{ window: 4096 }, { window: 8192 }],
      exact: false,
    });
    expect(s.combineWindow).toBe(8192);
    expect(s.combineTokens).toBe(2645 + Math.floor(8192 * ESTIMATE_FILL) - Math.floor(4096 * ESTIMATE_FILL));
    const exact = combineSizing({ window: 4096, partTokens: 3000, copies: [{ window: 8192 }], exact: true });
    expect(exact.combineTokens).toBe(3000 + Math.floor(8192 * EXACT_FILL) - Math.floor(4096 * EXACT_FILL));
  });

  it("keeps the parts' room where no copy is wider than the parts' window", () => {
    expect(combineSizing({ window: 8192, partTokens: 6000, copies: [{ window: 8192 }], exact: false })).toEqual({
      combineWindow: 8192,
      combineTokens: 6000,
    });
    // a copy narrower than the parts' (the plan's own, reloaded by its first part) never narrows it
    expect(combineSizing({ window: 8192, partTokens: 6000, copies: [{ window: 4096 }], exact: false })).toEqual({
      combineWindow: 8192,
      combineTokens: 6000,
    });
  });
});
