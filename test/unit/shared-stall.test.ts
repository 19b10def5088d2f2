// The forwarder's watch on its shared server (stall.ts): a ping only when the server owes answers
// and has been quiet long enough; stopped only when that ping goes unanswered long enough.
import { describe, expect, it, vi } from 'vitest';
import { isWatchPing, stallStep, StallWatch } from '../../src/server/shared/stall.js';

describe('the stall watch', () => {
  const at = (owes: boolean, heardAt: number, pingAt?: number) => ({ owes, heardAt, pingAt });

  it('pings a server that owes answers and has been quiet for the quiet time, not a moment before', () => {
    expect(stallStep(at(true, 0), 10_000, 10_000, 5000)).toBe('ping');
    expect(stallStep(at(true, 0), 9_999, 10_000, 5000)).toBe('wait');
  });

  it('never pings a server that owes nothing, however quiet', () => {
    expect(stallStep(at(false, 0), 1_000_000, 10_000, 5000)).toBe('wait');
  });

  it('takes a server as stopped once its ping went unanswered for the ping time, not a moment before', () => {
    expect(stallStep(at(true, 0, 10_000), 15_000, 10_000, 5000)).toBe('stalled');
    expect(stallStep(at(true, 0, 10_000), 14_999, 10_000, 5000)).toBe('wait');
  });

  it("knows its own pings' answers from the client's", () => {
    expect(isWatchPing('ollm-forwarder-ping-3')).toBe(true);
    expect(isWatchPing('3')).toBe(false);
    expect(isWatchPing(3)).toBe(false);
    expect(isWatchPing(undefined)).toBe(false);
  });

  it('pings once per silence, each ping its own id; a server that stopped is reported once, the watch then still', () => {
    vi.useFakeTimers();
    try {
      const sent: string[] = [];
      let stalled = 0;
      const w = new StallWatch(
        () => true,
        (l) => sent.push(l),
        () => stalled++,
        { quietMs: 100, pingWithinMs: 100, checkMs: 10 },
      );
      vi.advanceTimersByTime(150);
      expect(sent).toHaveLength(1);
      w.heard();
      vi.advanceTimersByTime(150);
      expect(sent.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual([
        'ollm-forwarder-ping-1',
        'ollm-forwarder-ping-2',
      ]);
      vi.advanceTimersByTime(1000);
      expect(stalled).toBe(1);
      expect(sent).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
