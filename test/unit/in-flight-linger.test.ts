/**
 * A model whose last request ended lingers a moment (InFlight's lingerMs): counted among the busy
 * for the loads that honour it, never as a request running (slots, queue lengths), and a wait for
 * it to be free lasts until the moment is over — or until a request on it begins and ends again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InFlight } from '../../src/orchestrator/loading/in-flight.js';

describe('a model lingering after its last request', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('lingers for lingerMs once its last request ends, never counted as a request', async () => {
    const running = new InFlight(1000);
    const a = running.begin('m');
    const b = running.begin('m');
    a();
    expect(running.modelsLingering()).toEqual(new Set(['m'])); // b still runs
    b();
    expect(running.models()).toEqual(new Set());
    expect(running.count('m')).toBe(0);
    expect(running.modelsLingering()).toEqual(new Set(['m']));
    await vi.advanceTimersByTimeAsync(999);
    expect(running.modelsLingering()).toEqual(new Set(['m']));
    await vi.advanceTimersByTimeAsync(1);
    expect(running.modelsLingering()).toEqual(new Set());
  });

  it('a wait for the model to be free ends with the lingering, not when the request ends', async () => {
    const running = new InFlight(1000);
    const end = running.begin('m');
    let free = false;
    void running.idle(['m'], 60_000).then(() => (free = true));
    end();
    await vi.advanceTimersByTimeAsync(500);
    expect(free).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(free).toBe(true);
  });

  it('a request beginning meanwhile ends the lingering; the model lingers again after it', async () => {
    const running = new InFlight(1000);
    running.begin('m')();
    await vi.advanceTimersByTimeAsync(800);
    const again = running.begin('m');
    await vi.advanceTimersByTimeAsync(800); // the first lingering's timer would have fired by now
    expect(running.modelsLingering()).toEqual(new Set(['m']));
    again();
    await vi.advanceTimersByTimeAsync(999);
    expect(running.modelsLingering()).toEqual(new Set(['m']));
    await vi.advanceTimersByTimeAsync(1);
    expect(running.modelsLingering()).toEqual(new Set());
  });

  it('without lingerMs a model is free the moment its last request ends', async () => {
    const running = new InFlight();
    running.begin('m')();
    expect(running.modelsLingering()).toEqual(new Set());
    let free = false;
    void running.idle(['m'], 60_000).then(() => (free = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(free).toBe(true);
  });
});
