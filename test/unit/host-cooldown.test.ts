import { afterEach, describe, expect, it, vi } from 'vitest';
import { HOST_COOLDOWN_MS, HostCooldown } from '../../src/orchestrator/fleet/placement.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('hosts that did not answer', () => {
  it('are skipped for the cooldown, re-checked in the background, and back as soon as the check answers', async () => {
    vi.useFakeTimers();
    let up = false;
    const probe = vi.fn(async () => {
      if (!up) throw new Error('connection refused');
    });
    const c = new HostCooldown(probe);
    c.down('gpubox', 'connection refused');
    expect(c.skipped('gpubox')).toBe('connection refused');
    await vi.advanceTimersByTimeAsync(HOST_COOLDOWN_MS + 10);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(c.skipped('gpubox')).toBe('connection refused'); // still down: skipped for another round
    up = true;
    await vi.advanceTimersByTimeAsync(HOST_COOLDOWN_MS + 10);
    expect(probe).toHaveBeenCalledTimes(2);
    expect(c.skipped('gpubox')).toBeUndefined(); // answered: back for the next request
    await vi.advanceTimersByTimeAsync(HOST_COOLDOWN_MS * 3);
    expect(probe).toHaveBeenCalledTimes(2); // no checks while it is up
  });
});
