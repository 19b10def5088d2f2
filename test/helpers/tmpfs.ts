/**
 * Small disks for tests of full and read-only disks: a tmpfs mounted on a folder (needs root and
 * a sandbox that allows mounts). A test asks, and skips itself when no disk can be had.
 */
import { execFileSync } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const mounted = new Set<string>();

/** Mounts a tmpfs of `sizeBytes` on `dir` (read-only with `readOnly`); false when this machine does not allow it. */
export function mountTmpfs(dir: string, options: { sizeBytes: number; readOnly?: boolean }): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync(
      'mount',
      ['-t', 'tmpfs', '-o', `size=${options.sizeBytes}${options.readOnly ? ',ro' : ''}`, 'tmpfs', dir],
      { stdio: 'ignore' },
    );
    mounted.add(dir);
    return true;
  } catch {
    return false;
  }
}

/**
 * Unmounts what mountTmpfs mounted on `dir` (every mount when no folder is named); lazily, so a server still
 * holding it does not keep it.
 */
export function unmountTmpfs(dir?: string): void {
  for (const d of dir === undefined ? [...mounted] : [dir]) {
    if (!mounted.delete(d)) continue;
    try {
      execFileSync('umount', ['-l', d], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/** Fills the disk holding `dir` with one file, until the disk says it is full. */
export function fillDisk(dir: string, maxBytes = 64 * 2 ** 20): void {
  try {
    writeFileSync(join(dir, 'filler.bin'), Buffer.alloc(maxBytes, 1));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}

/** Whether a file can be made in `dir` (a folder without write permission still takes one from root). */
export function canWrite(dir: string): boolean {
  try {
    writeFileSync(join(dir, '.probe'), '');
    unlinkSync(join(dir, '.probe'));
    return true;
  } catch {
    return false;
  }
}
