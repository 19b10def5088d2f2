/**
 * A running job's control (jobs/job-live.ts): its progress and how far it is move the job at once
 * in memory — what tasks/get, its resource and a follow-up see — and reach the state database at
 * most every WRITE_MS (the last line never lost); the calls waiting on it are told each line, and
 * one whose reporter relays back is not told again (no loop).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { controlOf, listed, newLive, nowOf, stopWriting, WRITE_MS } from '../../src/orchestrator/jobs/job-live.js';
import type { Job, JobStore } from '../../src/orchestrator/stores/job-store.js';

const job = (): Job => ({
  id: 'job-1a2b3c4d',
  owner: 'a',
  tool: 'route_and_generate',
  key: 'k',
  state: 'running',
  runner: process.pid,
  handed: false,
  createdAt: 1000,
  updatedAt: 1000,
});

function setup() {
  const writes: Array<{ progress: string; parts?: unknown; status?: unknown }> = [];
  const store = {
    progress: async (_id: string, progress: string, parts?: unknown, status?: unknown) =>
      void writes.push({ progress, parts, status }),
  } as unknown as JobStore;
  let clock = 5000;
  const live = newLive(job(), new AbortController());
  const control = controlOf(store, live, new Map(), () => clock);
  return { writes, live, control, tick: (ms: number) => (clock += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a running job’s control', () => {
  it('moves the job in memory at once: its step, parts in all, expected end and when it moved', () => {
    const { live, control, tick } = setup();
    expect(nowOf(live)).toEqual({ partsDone: 0, updatedAt: 1000 });
    tick(10);
    control.progress('loading llama3.2');
    control.status({ partsTotal: 11, expectedAt: 99_000 });
    control.part('a.log: the first part', { key: 'p1', answer: 'the first part' });
    control.keep({ key: 'ratio:m', answer: '3.5' }); // kept for a later job alone: not a part done
    expect(nowOf(live)).toEqual({
      partsDone: 1,
      partsTotal: 11,
      step: 'loading llama3.2',
      updatedAt: 5010,
      expectedAt: 99_000,
    });
  });

  // issue 83, finding 4: the plan's estimate said as the plan's until a part is timed, written with the job
  it("keeps whether its estimate is the plan's: set with it, cleared by a timed one, written as it is", () => {
    const { writes, live, control } = setup();
    control.status({ partsTotal: 2, expectedAt: 115_000, fromPlan: true });
    expect(nowOf(live)).toMatchObject({ expectedAt: 115_000, fromPlan: true });
    expect(writes.at(-1)!.status).toEqual({ partsTotal: 2, expectedAt: 115_000, fromPlan: true });
    control.status({ partsTotal: 2 }); // no estimate in it: the plan's stays
    expect(nowOf(live).fromPlan).toBe(true);
    control.status({ expectedAt: 90_000, fromPlan: false });
    expect(nowOf(live)).toMatchObject({ expectedAt: 90_000 });
    expect(nowOf(live).fromPlan).toBeUndefined();
  });

  it('writes progress at most every WRITE_MS, the last line going with the next write; a part is written at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { writes, live, control, tick } = setup();
    control.progress('one'); // the first: written now
    expect(writes.map((w) => w.progress)).toEqual(['one']);
    tick(100);
    control.progress('two');
    tick(100);
    control.progress('three'); // within WRITE_MS of the first: one write pending, with the latest line
    expect(writes).toHaveLength(1);
    tick(WRITE_MS);
    await vi.advanceTimersByTimeAsync(WRITE_MS);
    expect(writes.map((w) => w.progress)).toEqual(['one', 'three']);
    control.status({ partsTotal: 4 });
    control.part('p: text');
    // with its parts, at once
    expect(writes.at(-1)).toMatchObject({ status: { partsTotal: 4 }, parts: [{ text: 'p: text' }] });
    control.progress('four');
    stopWriting(live); // ended: its end is written instead
    await vi.advanceTimersByTimeAsync(2 * WRITE_MS);
    expect(writes.map((w) => w.progress)).not.toContain('four');
  });

  it("a quick call writes no progress: the first write waits WRITE_MS from the job's creation", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const writes: string[] = [];
    const store = {
      progress: async (_id: string, progress: string) => void writes.push(progress),
    } as unknown as JobStore;
    const live = newLive({ ...job(), createdAt: 5000 }, new AbortController());
    const control = controlOf(store, live, new Map(), () => 5100);
    control.progress('choosing a model');
    expect(writes).toEqual([]);
    stopWriting(live); // answered and ended within the second: nothing written
    await vi.advanceTimersByTimeAsync(2 * WRITE_MS);
    expect(writes).toEqual([]);
  });

  it('tells each waiting call every line; a watcher whose reporter relays back is not told again', () => {
    const { live, control } = setup();
    const seen: string[] = [];
    live.watchers.add((line) => {
      seen.push(line);
      control.progress(`relayed: ${line}`); // its own reporter sends the line back to the job
    });
    control.progress('part 2 of 5');
    expect(seen).toEqual(['part 2 of 5']);
    expect(live.progress).toBe('relayed: part 2 of 5');
  });

  it('an ended job’s progress stays as it ended', () => {
    const { live, control } = setup();
    control.progress('combining the answers');
    live.ended = 'done';
    control.progress('late');
    expect(live.progress).toBe('combining the answers');
  });

  it('counts what its hand-overs cost, as a copy', () => {
    const { live, control } = setup();
    live.spent.in += 120;
    const spent = control.spent();
    spent.in = 0;
    expect(control.spent()).toEqual({ in: 120, out: 0 });
  });
});

describe('listed: a job here as it is (issue 75, finding 3)', () => {
  it('a job whose work failed, was cancelled or is done is no longer listed running while its end is written', () => {
    const failed = newLive({ ...job(), id: 'job-f' }, new AbortController());
    failed.ended = 'failed';
    const cancelled = newLive({ ...job(), id: 'job-c' }, new AbortController());
    cancelled.controller.abort();
    cancelled.ended = 'failed';
    const done = newLive({ ...job(), id: 'job-d' }, new AbortController());
    done.ended = 'done';
    const states = Object.fromEntries(listed([failed, cancelled, done], [], 10).map((j) => [j.id, j.state]));
    expect(states).toEqual({ 'job-f': 'failed', 'job-c': 'cancelled', 'job-d': 'done' });
  });

  it('the other side: one still at work is running', () => {
    const running = newLive(job(), new AbortController());
    expect(listed([running], [], 10).map((j) => j.state)).toEqual(['running']);
  });
});
