/** How long a 2025-era call goes on after its client dropped the stream (resume-grace.ts), on a fake clock. */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONTENDED_GRACE_MS, ResumeGrace, Waiting } from '../../src/server/resume-grace.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

function grace(ms = 1000, waiting?: Waiting) {
  const expired = vi.fn();
  return { g: new ResumeGrace(ms, expired, waiting), expired };
}

describe('the resume grace', () => {
  it('a dropped stream nobody follows is cancelled when the grace is over, not before, and once', () => {
    const { g, expired } = grace();
    g.streamDropped();
    vi.advanceTimersByTime(999);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(5000);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('a stream still read is never cancelled, however long', () => {
    const { g, expired } = grace();
    g.followed(0);
    vi.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('a resume within the grace keeps the call going for as long as it is followed', () => {
    const { g, expired } = grace();
    g.streamDropped();
    vi.advanceTimersByTime(900);
    g.followed(1);
    vi.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
    g.followed(2);
    g.followed(1); // one of two followers left: still followed
    vi.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('when the last follower goes, the client has the whole grace again', () => {
    const { g, expired } = grace();
    g.streamDropped();
    vi.advanceTimersByTime(900);
    g.followed(1);
    vi.advanceTimersByTime(100);
    g.followed(0);
    vi.advanceTimersByTime(999);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('a follower that came before the drop was seen keeps the call', () => {
    const { g, expired } = grace();
    g.followed(1);
    g.streamDropped();
    vi.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('an exchange that is over is not cancelled, whatever follows', () => {
    const { g, expired } = grace();
    g.streamDropped();
    vi.advanceTimersByTime(500);
    g.stop();
    vi.advanceTimersByTime(60_000);
    g.followed(0);
    g.streamDropped();
    vi.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('a grace of 0 cancels at once once nobody follows', () => {
    const { g, expired } = grace(0);
    g.streamDropped();
    vi.advanceTimersByTime(0);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('an exchange that is over leaves no timer behind', () => {
    const { g } = grace();
    g.streamDropped();
    expect(vi.getTimerCount()).toBe(1);
    g.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('the resume grace while other clients wait for an answer', () => {
  const LONG = 30_000;

  it('a dropped call nobody follows is cancelled after the short grace, not before, while another waits', () => {
    const waiting = new Waiting();
    waiting.add();
    const { g, expired } = grace(LONG, waiting);
    g.streamDropped();
    vi.advanceTimersByTime(CONTENDED_GRACE_MS - 1);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('with nobody waiting, the whole grace holds: not cancelled after the short one', () => {
    const waiting = new Waiting();
    const gone = waiting.add();
    gone();
    const { g, expired } = grace(LONG, waiting);
    g.streamDropped();
    vi.advanceTimersByTime(LONG - 1);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it(
    'a client that comes to wait cancels at once a call dropped longer ago than the short ' +
      'grace, and a later one when its short grace ends',
    () => {
      const waiting = new Waiting();
      const old = grace(LONG, waiting);
      old.g.streamDropped();
      vi.advanceTimersByTime(CONTENDED_GRACE_MS + 500);
      const recent = grace(LONG, waiting);
      recent.g.streamDropped();
      vi.advanceTimersByTime(1000);
      expect([old.expired.mock.calls.length, recent.expired.mock.calls.length]).toEqual([0, 0]);
      waiting.add();
      expect(old.expired).not.toHaveBeenCalled(); // on the next turn, never from within the change
      vi.advanceTimersByTime(0);
      expect([old.expired.mock.calls.length, recent.expired.mock.calls.length]).toEqual([1, 0]);
      vi.advanceTimersByTime(CONTENDED_GRACE_MS - 1000 - 1);
      expect(recent.expired).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect([old.expired.mock.calls.length, recent.expired.mock.calls.length]).toEqual([1, 1]);
    },
  );

  it(
    'the short grace holds when the one waiting is answered before it ends; the whole grace ' +
      'again once the client came back and left',
    () => {
      const waiting = new Waiting();
      const gone = waiting.add();
      const { g, expired } = grace(LONG, waiting);
      g.streamDropped();
      vi.advanceTimersByTime(CONTENDED_GRACE_MS - 1000);
      gone();
      gone(); // once only: a second call changes nothing
      expect(waiting.busy).toBe(false);
      g.followed(1); // back: followed as long as it takes
      vi.advanceTimersByTime(LONG);
      g.followed(0); // gone again, nobody waiting now
      vi.advanceTimersByTime(LONG - 1);
      expect(expired).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(expired).toHaveBeenCalledTimes(1);
    },
  );

  it('the one waiting answered before the short grace ends: cancelled when it ends', () => {
    const waiting = new Waiting();
    const gone = waiting.add();
    const { g, expired } = grace(LONG, waiting);
    g.streamDropped();
    gone();
    vi.advanceTimersByTime(CONTENDED_GRACE_MS - 1);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('a followed call goes on whoever waits', () => {
    const waiting = new Waiting();
    waiting.add();
    const { g, expired } = grace(LONG, waiting);
    g.streamDropped();
    g.followed(1);
    waiting.add();
    vi.advanceTimersByTime(LONG * 2);
    expect(expired).not.toHaveBeenCalled();
  });

  it('a grace shorter than the short one is kept', () => {
    const waiting = new Waiting();
    waiting.add();
    const { g, expired } = grace(500, waiting);
    g.streamDropped();
    vi.advanceTimersByTime(500);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('an expired or finished grace stops watching: later changes cancel nothing more', () => {
    const waiting = new Waiting();
    const expired = grace(LONG, waiting);
    const finished = grace(LONG, waiting);
    expired.g.streamDropped();
    finished.g.streamDropped();
    waiting.add();
    finished.g.stop();
    vi.advanceTimersByTime(CONTENDED_GRACE_MS);
    for (let i = 0; i < 3; i++) waiting.add()();
    vi.advanceTimersByTime(LONG);
    expect([expired.expired.mock.calls.length, finished.expired.mock.calls.length]).toEqual([1, 0]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('who waits for an answer', () => {
  const response = () => new EventEmitter() as unknown as ServerResponse;

  it('a tool call, alone or in a batch, waits until its response closes', () => {
    const waiting = new Waiting();
    const [one, batch] = [response(), response()];
    waiting.attend({ jsonrpc: '2.0', id: 1, method: 'tools/call' }, one);
    expect(waiting.busy).toBe(true);
    one.emit('close');
    expect(waiting.busy).toBe(false);
    waiting.attend({ jsonrpc: '2.0', id: 1, method: 'tools/call' }, one);
    waiting.attend(
      [
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/call' },
      ],
      batch,
    );
    one.emit('close');
    expect(waiting.busy).toBe(true);
    batch.emit('close');
    expect(waiting.busy).toBe(false);
  });

  it('one that stops waiting twice counts once: the next one waits', () => {
    const waiting = new Waiting();
    const gone = waiting.add();
    gone();
    gone();
    waiting.add();
    expect(waiting.busy).toBe(true);
  });

  it('a watcher is told each change until it stops watching', () => {
    const waiting = new Waiting();
    const watcher = vi.fn();
    const stop = waiting.watch(watcher);
    const gone = waiting.add();
    gone();
    expect(watcher).toHaveBeenCalledTimes(2);
    stop();
    waiting.add();
    expect(watcher).toHaveBeenCalledTimes(2);
  });

  it('other messages do not wait', () => {
    const waiting = new Waiting();
    for (const m of [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', method: 'notifications/cancelled' },
      null,
      'tools/call',
      [{ id: 3, method: 'ping' }],
    ])
      waiting.attend(m, response());
    expect(waiting.busy).toBe(false);
  });
});
