/**
 * A 2025-era session ended by its client (DELETE): every call of it stopped, its id refused from then on
 * (http-cancel.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { CallRegistry } from '../../src/server/http-cancel.js';

const call = (id: number | string) => ({ jsonrpc: '2.0', id, method: 'tools/call' });

describe('ending a session', () => {
  it("stops every call of the session, and no other session's", () => {
    const calls = new CallRegistry();
    const [a1, a2, b1, b1bis] = [vi.fn(), vi.fn(), vi.fn(), vi.fn()];
    calls.track(call(1), 'a', a1);
    calls.track(call('x'), 'a', a2);
    calls.track(call(1), 'b', b1);
    calls.track(call(1), 'ab', b1bis); // a session whose id starts with the other's
    calls.endSession('a');
    expect([a1, a2, b1, b1bis].map((f) => f.mock.calls.length)).toEqual([1, 1, 0, 0]);
  });

  it('a call that is over is not stopped', () => {
    const calls = new CallRegistry();
    const stop = vi.fn();
    const over = calls.track(call(1), 'a', stop);
    over();
    calls.endSession('a');
    expect(stop).not.toHaveBeenCalled();
  });

  it("the session's id is ended from then on; others, and none, are not", () => {
    const calls = new CallRegistry();
    expect(calls.isEnded('a')).toBe(false);
    calls.endSession('a');
    expect([calls.isEnded('a'), calls.isEnded('b'), calls.isEnded(undefined)]).toEqual([true, false, false]);
  });

  it('remembers a bounded number of ended sessions, forgetting the oldest', () => {
    const calls = new CallRegistry(2);
    for (const s of ['a', 'b', 'c']) calls.endSession(s);
    expect(['a', 'b', 'c'].map((s) => calls.isEnded(s))).toEqual([false, true, true]);
  });
});
