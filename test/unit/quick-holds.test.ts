/**
 * A model held for a request about to begin on it (loading/quick-holds.ts): taken over when it begins, else
 * let go after HOLD_MS.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InFlight } from '../../src/orchestrator/loading/in-flight.js';
import { HOLD_MS, QuickHolds } from '../../src/orchestrator/loading/quick-holds.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('quick holds', () => {
  it('a hold counts as a request on the model until its own request begins, which takes its place', () => {
    const running = new InFlight();
    const holds = new QuickHolds(running, () => 0);
    holds.hold('m', 40);
    expect(running.count('m')).toBe(1);
    expect(running.on('m')[0]).toMatchObject({ tokens: 40 });
    running.begin('m', { at: 1 }); // the request begins...
    holds.begun('m'); // ...and its hold goes: one request, not two
    expect(running.count('m')).toBe(1);
    holds.begun('m'); // nothing left to take over: nothing else changes
    expect(running.count('m')).toBe(1);
    expect(running.count('other')).toBe(0);
  });

  it('two holds, one request begun: the oldest goes, the other stays', () => {
    const running = new InFlight();
    const holds = new QuickHolds(running, () => 0);
    holds.hold('m');
    holds.hold('m');
    holds.begun('m');
    expect(running.count('m')).toBe(1);
  });

  it(`a hold whose request never begins is let go after ${HOLD_MS} ms, not before`, () => {
    vi.useFakeTimers();
    const running = new InFlight();
    const holds = new QuickHolds(running, () => 0);
    holds.hold('m');
    vi.advanceTimersByTime(HOLD_MS - 1);
    expect(running.count('m')).toBe(1);
    vi.advanceTimersByTime(1);
    expect(running.count('m')).toBe(0);
    holds.begun('m'); // gone already: a later request takes nothing
    expect(running.count('m')).toBe(0);
  });
});
