import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, takeLock } from '../../src/server/shared/lock.js';
import { tempDir } from '../helpers/temp.js';

describe("the shared server's lock", () => {
  it('is taken once: a second taker finds it held by a live process', async () => {
    const file = join(tempDir('ollm-lock-'), 'x.lock');
    expect(await takeLock(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    expect(await takeLock(file)).toBe(false);
  });

  it('left by a process that is gone, or unreadable, is removed and taken', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no process now
    const file = join(tempDir('ollm-lock-'), 'x.lock');
    writeFileSync(file, String(dead));
    expect(await takeLock(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    writeFileSync(file, 'not a pid');
    expect(await takeLock(file)).toBe(true);
  });

  it('a link to nothing in its place (unreadable) is removed and taken', async () => {
    const dir = tempDir('ollm-lock-');
    const file = join(dir, 'x.lock');
    symlinkSync(join(dir, 'nowhere'), file);
    expect(await takeLock(file)).toBe(true);
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
  });

  it('left empty, or naming no process (0, a negative pid: signal 0 would reach a whole group), is taken', async () => {
    const file = join(tempDir('ollm-lock-'), 'x.lock');
    for (const text of ['', '0', '-1']) {
      writeFileSync(file, text);
      expect(await takeLock(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    }
  });
});

describe('a lock that cannot be made', () => {
  it('is an error, not a lock held by another (its folder is missing)', async () => {
    const file = join(tempDir('ollm-lock-'), 'missing', 'x.lock');
    await expect(takeLock(file)).rejects.toThrow(/ENOENT/);
  });
});

describe('whether the process holding a lock lives', () => {
  const failing = (code: string) => () => {
    throw Object.assign(new Error(code), { code });
  };
  it("is yes when signal 0 reaches it, or when it is another user's (EPERM); no when there is none (ESRCH)", () => {
    expect(alive(process.pid)).toBe(true);
    expect(alive(123, () => true)).toBe(true);
    expect(alive(123, failing('EPERM'))).toBe(true);
    expect(alive(123, failing('ESRCH'))).toBe(false);
  });
});
