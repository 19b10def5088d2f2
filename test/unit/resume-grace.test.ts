/** How long a 2025-era call goes on after its client dropped the stream (resume-grace.ts), on a fake clock. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResumeGrace } from '../../src/server/resume-grace.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

function grace(ms = 1000) {
  const expired = vi.fn();
  return { g: new ResumeGrace(ms, expired), expired };
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
