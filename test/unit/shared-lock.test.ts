import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeLock } from '../../src/server/shared/lock.js';
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
});
