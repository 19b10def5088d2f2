/**
 * The clock of one generation (src/orchestrator/generation/stream-watch.ts) at its exact
 * boundaries: the first-token limit counts only time not queued, the stall limit only the gap
 * between tokens once they flow, each fires once and at its limit, not a poll earlier; the phases
 * it reports, tokens per second, and the time to the first token.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamWatch, type WatchOptions } from '../../src/orchestrator/generation/stream-watch.js';
import type { Phase } from '../../src/orchestrator/progress/phases.js';

let phases: Phase[];
let ahead: number;
beforeEach(() => {
  vi.useFakeTimers();
  phases = [];
  ahead = 0;
});
afterEach(() => vi.useRealTimers());

const watch = (o: Partial<WatchOptions> = {}) =>
  new StreamWatch({
    model: 'm',
    stallMs: 1000,
    firstTokenMs: 2000,
    promptTokens: 50,
    maxTokens: 100,
    numParallel: 2,
    ahead: () => ahead,
    pollMs: 100,
    now: () => Date.now(),
    progress: { enter: (p) => phases.push(p) },
    ...o,
  });

describe('the first token', () => {
  it('fires at the limit exactly, not a poll before, and only once', () => {
    const w = watch();
    w.start();
    vi.advanceTimersByTime(1900);
    expect(w.fired).toBeUndefined();
    expect(w.signal.aborted).toBe(false);
    vi.advanceTimersByTime(100);
    expect(w.fired).toBe('first_token');
    expect(w.signal.aborted).toBe(true);
    w.token(); // a token after the abort changes nothing it said
    vi.advanceTimersByTime(5000);
    expect(w.fired).toBe('first_token');
  });

  it('polls every 250 ms unless told otherwise', () => {
    const w = watch({ pollMs: undefined });
    w.start();
    vi.advanceTimersByTime(1999);
    expect(w.fired).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(w.fired).toBe('first_token');
  });

  it('a request waits in the queue only with as many ahead as there are slots', () => {
    ahead = 1;
    const w = watch();
    w.start();
    expect(phases).toEqual([{ kind: 'evaluating', model: 'm', promptTokens: 50 }]);
    ahead = 2;
    vi.advanceTimersByTime(100);
    expect(phases.at(-1)).toEqual({ kind: 'queued', model: 'm', ahead: 2 });
    vi.advanceTimersByTime(3000);
    expect(w.fired).toBeUndefined();
    ahead = 1;
    vi.advanceTimersByTime(100);
    expect(phases.at(-1)).toEqual({ kind: 'evaluating', model: 'm', promptTokens: 50 });
    // evaluating is said once when the queue ends, not again at every poll
    const said = phases.length;
    vi.advanceTimersByTime(500);
    expect(phases).toHaveLength(said);
    w.stop();
  });

  it('time queued ends with the first token, even one that came before a poll saw the queue end', () => {
    ahead = 2;
    const w = watch();
    w.start();
    vi.advanceTimersByTime(1000);
    w.token(); // the last poll still saw the queue
    vi.advanceTimersByTime(500);
    w.token();
    expect(w.queueMs).toBe(1000);
    expect(w.timeToFirstTokenMs).toBe(0);
    w.stop();
  });

  it('once tokens flow the queue is not looked at again: no queued phase after the first token', () => {
    const w = watch();
    w.start();
    vi.advanceTimersByTime(100);
    w.token();
    const said = phases.length;
    ahead = 5; // requests counted ahead now cannot hold back one already generating
    vi.advanceTimersByTime(500);
    expect(phases.slice(said)).toEqual([]);
    expect(w.queueMs).toBe(0);
    w.stop();
  });

  it('reports nothing, and fails at nothing, without a progress reporter', () => {
    ahead = 5;
    const w = watch({ progress: undefined });
    w.start();
    vi.advanceTimersByTime(300);
    ahead = 0;
    vi.advanceTimersByTime(100);
    w.token();
    expect(w.tokens).toBe(1);
    w.stop();
  });

  it('without a count of requests ahead, nothing is queued', () => {
    const w = watch({ ahead: undefined, numParallel: 1 });
    w.start();
    expect(phases).toEqual([{ kind: 'evaluating', model: 'm', promptTokens: 50 }]);
    vi.advanceTimersByTime(2000);
    expect(w.fired).toBe('first_token');
  });

  it('counts the time to the first token without the time queued', () => {
    ahead = 2;
    const w = watch();
    w.start();
    vi.advanceTimersByTime(3000);
    ahead = 0;
    vi.advanceTimersByTime(700);
    expect(w.timeToFirstTokenMs).toBe(0); // no token yet
    vi.advanceTimersByTime(50);
    w.token();
    // the queue is looked at each poll: the poll that sees it empty ends the time queued
    expect(w.queueMs).toBe(3100);
    expect(w.timeToFirstTokenMs).toBe(650);
    w.stop();
  });
});

describe('once tokens flow', () => {
  it('fires on a gap as long as the stall limit, measured from the last token, and not on the first-token limit', () => {
    const w = watch({ stallMs: 1000, firstTokenMs: 5000 });
    w.start();
    vi.advanceTimersByTime(300);
    w.token();
    vi.advanceTimersByTime(900);
    w.token();
    vi.advanceTimersByTime(900);
    expect(w.fired).toBeUndefined();
    vi.advanceTimersByTime(100);
    expect(w.fired).toBe('stall');
    expect(w.signal.aborted).toBe(true);
  });

  it('reports each token with the count and the rate since the first, to one decimal', () => {
    const w = watch();
    w.start();
    vi.advanceTimersByTime(100);
    w.token();
    expect(phases.at(-1)).toEqual({ kind: 'generating', model: 'm', tokens: 1, maxTokens: 100, tokensPerSecond: 0 });
    vi.advanceTimersByTime(300);
    w.token();
    vi.advanceTimersByTime(300);
    w.token();
    // 3 tokens over 0.6 s since the first
    expect(phases.at(-1)).toEqual({ kind: 'generating', model: 'm', tokens: 3, maxTokens: 100, tokensPerSecond: 5 });
    vi.advanceTimersByTime(100);
    w.token();
    expect(phases.at(-1)).toMatchObject({ tokens: 4, tokensPerSecond: 5.7 });
    expect(w.tokens).toBe(4);
    expect(w.timeToFirstTokenMs).toBe(100);
    w.stop();
  });

  it('stop ends the clock: no limit fires after it', () => {
    const w = watch();
    w.start();
    w.stop();
    vi.advanceTimersByTime(10_000);
    expect(w.fired).toBeUndefined();
    expect(w.signal.aborted).toBe(false);
  });

  it('keeps a process alive for nothing: its timer is unref’d', () => {
    const w = watch();
    w.start();
    const timer = (w as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    w.stop();
  });
});

describe("the caller's signal", () => {
  it('aborts the watch with its reason while linked, and is let go at stop', () => {
    const caller = new AbortController();
    const w = watch({ signal: caller.signal });
    w.start();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    caller.abort(new Error('the client cancelled'));
    expect(w.signal.aborted).toBe(true);
    expect((w.signal.reason as Error).message).toBe('the client cancelled');
    expect(w.fired).toBeUndefined(); // a cancel is no limit
    const later = new AbortController();
    const kept = watch({ signal: later.signal });
    kept.start();
    kept.stop();
    expect(getEventListeners(later.signal, 'abort')).toHaveLength(0); // nothing of the call stays on its signal
    later.abort();
    expect(kept.signal.aborted).toBe(false);
  });

  it('is aborted from the start when the caller was, and a limit aborts it alone', () => {
    const gone = new AbortController();
    gone.abort('gone');
    expect(watch({ signal: gone.signal }).signal.reason).toBe('gone');
    const caller = new AbortController();
    const w = watch({ signal: caller.signal });
    w.start();
    vi.advanceTimersByTime(2000);
    expect(w.fired).toBe('first_token');
    expect(w.signal.aborted).toBe(true);
    expect(caller.signal.aborted).toBe(false);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });
});
