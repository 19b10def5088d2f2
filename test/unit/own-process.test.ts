/** ownProcessAlive (util/own-process.ts): a claim's planner counts only while it is a live process of this user. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ownProcessAlive } from '../../src/orchestrator/util/own-process.js';

describe('ownProcessAlive', () => {
  it('true for this process and its parent', () => {
    expect(ownProcessAlive(process.pid)).toBe(true);
    expect(ownProcessAlive(process.ppid)).toBe(true);
  });

  it('false for a process that has exited', () => {
    const pid = spawnSync(process.execPath, ['-e', '']).pid;
    expect(ownProcessAlive(pid)).toBe(false);
  });

  it('false for 0, negative and non-integer pids (signal 0 would reach a whole group)', () => {
    for (const pid of [0, -1, -process.pid, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) expect(ownProcessAlive(pid), String(pid)).toBe(false);
  });
});
