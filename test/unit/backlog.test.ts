/**
 * The work ahead on a busy copy (route-spread.ts backlogPerSlot): what decides which of two busy copies a
 * call waits for.
 */
import { describe, expect, it } from 'vitest';
import { backlogPerSlot } from '../../src/orchestrator/fleet/copy-spread.js';

/** A copy whose requests running have run `elapsedMs` each, of at most `tokens`, on `slots` slots. */
const view = (running: Array<{ elapsedMs: number; tokens?: number }>, slots = 1) =>
  ({
    host: {
      settings: { ollama: { numParallel: slots } },
      loader: { inFlight: () => running, busy: () => new Set(), requestsOn: () => running.length },
    },
  }) as never;

describe('the work ahead on a copy', () => {
  it('a request near its end leaves less than one just begun, at the measured speed', () => {
    const begun = backlogPerSlot(view([{ elapsedMs: 0, tokens: 40 }]), 'm', [], 100, 50);
    const ending = backlogPerSlot(view([{ elapsedMs: 600, tokens: 40 }]), 'm', [], 100, 50);
    expect(begun).toBe(40);
    expect(ending).toBe(10); // 40 − 0.6 s × 50 tok/s
    // past its most: nothing left, never below
    expect(backlogPerSlot(view([{ elapsedMs: 5000, tokens: 40 }]), 'm', [], 100, 50)).toBe(0);
  });

  it('without a measured speed, what each may write; a request of no stated size counts the typical answer', () => {
    expect(backlogPerSlot(view([{ elapsedMs: 600, tokens: 40 }]), 'm', [], 100, undefined)).toBe(40);
    expect(backlogPerSlot(view([{ elapsedMs: 0 }]), 'm', [], 100, undefined)).toBe(100);
  });

  it('those waiting count whole, and the work is shared by the slots', () => {
    expect(backlogPerSlot(view([{ elapsedMs: 0, tokens: 40 }]), 'm', [{ tokens: 30 }, { tokens: 30 }], 100, 50)).toBe(
      100,
    );
    expect(backlogPerSlot(view([{ elapsedMs: 0, tokens: 40 }], 2), 'm', [{ tokens: 40 }], 100, 50)).toBe(40);
  });
});
