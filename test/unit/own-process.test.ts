/** ownProcessAlive (util/own-process.ts): a claim's planner counts only while it is a live process of this user. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ownProcessAlive, processStart, stillTheProcess } from '../../src/orchestrator/util/own-process.js';

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
    for (const pid of [0, -1, -process.pid, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2])
      expect(ownProcessAlive(pid), String(pid)).toBe(false);
  });
});

describe('processStart and stillTheProcess: a pid reused by another program is not the planner', () => {
  const stat = (start: string) =>
    `4242 (ollm mcp) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 11 0 ${start} 1000 100 18446744073709551615`;

  it("reads starttime after the command's name, spaces and parentheses in it too", () => {
    expect(processStart(4242, () => stat('293187'))).toBe('293187');
    expect(processStart(4242, () => stat('7').replace('(ollm mcp)', '(a) b (c)'))).toBe('7');
    expect(
      processStart(4242, () => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });

  it('this process: started once, the same every time it is read', () => {
    if (process.platform !== 'linux') return;
    expect(processStart(process.pid)).toMatch(/^\d+$/);
    expect(stillTheProcess(process.pid)()).toBe(true);
  });

  it('false once the process is gone, or its pid belongs to a process started later', () => {
    let start = '100';
    let alive = true;
    const check = stillTheProcess(
      4242,
      () => alive,
      () => start,
    );
    expect(check()).toBe(true);
    start = '900'; // the planner died; its pid now names another program
    expect(check()).toBe(false);
    start = '100';
    alive = false;
    expect(check()).toBe(false);
  });

  it('where the start cannot be read, alive is all that is asked', () => {
    expect(
      stillTheProcess(
        4242,
        () => true,
        () => undefined,
      )(),
    ).toBe(true);
    expect(
      stillTheProcess(
        4242,
        () => false,
        () => undefined,
      )(),
    ).toBe(false);
  });
});
