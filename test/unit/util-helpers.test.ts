/** The one copy of each small helper (src/orchestrator/util): pidAlive, sleep, stableJson. */
import { spawnSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../../src/orchestrator/util/own-process.js';
import { sleep } from '../../src/orchestrator/util/sleep.js';
import { stableJson } from '../../src/orchestrator/util/stable-json.js';

describe('pidAlive', () => {
  const failing = (code: string) => () => {
    throw Object.assign(new Error(code), { code });
  };

  it('is true for this process, false for a child that has exited', () => {
    expect(pidAlive(process.pid)).toBe(true);
    const pid = spawnSync(process.execPath, ['-e', '']).pid;
    expect(pid).toBeGreaterThan(0);
    expect(pidAlive(pid)).toBe(false);
  });

  it('is false for 0, negative and non-integer pids, and never signals them (signal 0 to them reaches a group)', () => {
    const signalled: number[] = [];
    const signal = (pid: number) => void signalled.push(pid);
    for (const pid of [0, -1, -process.pid, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) {
      expect(pidAlive(pid), String(pid)).toBe(false);
      expect(pidAlive(pid, { signal }), String(pid)).toBe(false);
    }
    expect(signalled).toEqual([]);
  });

  it("counts another user's process (EPERM) unless ownOnly; none (ESRCH) never", () => {
    expect(pidAlive(123, { signal: () => true })).toBe(true);
    expect(pidAlive(123, { signal: failing('EPERM') })).toBe(true);
    expect(pidAlive(123, { signal: failing('EPERM'), ownOnly: true })).toBe(false);
    expect(pidAlive(123, { signal: failing('ESRCH') })).toBe(false);
    expect(pidAlive(process.pid, { ownOnly: true })).toBe(true);
  });
});

describe('sleep', () => {
  it('resolves after its time, its listener removed', async () => {
    const ac = new AbortController();
    const start = performance.now();
    await sleep(20, { signal: ac.signal });
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('returns early when its signal aborts, and at once when it already has', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, { signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    // each settles before a timer of 0 ms fires: not after its 60 s
    const next = () => new Promise((r) => setTimeout(() => r('a timer fired first'), 0));
    ac.abort();
    await expect(Promise.race([p, next()])).resolves.toBeUndefined();
    await expect(Promise.race([sleep(60_000, { signal: ac.signal }), next()])).resolves.toBeUndefined();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('unref: keeps no process alive', () => {
    const code =
      `import('${new URL('../../src/orchestrator/util/sleep.ts', import.meta.url).href}')` +
      '.then(({ sleep }) => { sleep(60000, { unref: true }); })';
    // a process its timer kept alive would be killed at the timeout: no status 0 then
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { timeout: 30_000 });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  });
});

describe('stableJson', () => {
  it('gives the same text whatever order the keys came in, and keeps arrays in order', () => {
    expect(stableJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(stableJson({ a: { c: null, d: [2, 1] }, b: 1 }));
    expect(stableJson({ a: [1, 2] })).not.toBe(stableJson({ a: [2, 1] }));
    expect(stableJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(stableJson({ b: 1, c: 3, a: 2 })).toBe('{"a":2,"b":1,"c":3}');
    expect(stableJson({ a: 2, c: 3, b: 1 })).toBe('{"a":2,"b":1,"c":3}');
  });

  it('writes arrays as arrays, comma-separated, and a value JSON has no text for as null', () => {
    expect(stableJson({ a: [2, 1] })).toBe('{"a":[2,1]}');
    expect(stableJson([undefined, 'x'])).toBe('[null,"x"]');
    expect(stableJson(undefined)).toBe('null');
    // keys in UTF-16 order, as `<` compares them: "B" (66) before "a" (97), "a" before "ab"
    expect(stableJson({ ab: 1, a: 2, B: 3 })).toBe('{"B":3,"a":2,"ab":1}');
  });
});
