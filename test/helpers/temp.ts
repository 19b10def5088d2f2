/**
 * Temporary folders for tests and benchmarks. Every folder made here is removed when its test
 * file ends (test/setup-temp.ts registers the hook for every file) or, for the benchmarks, when
 * the run ends (bench/run.ts).
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/** A new empty folder in the temporary directory, named `<prefix>XXXXXX`; removed later by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/**
 * A new empty folder in /tmp itself, named `<prefix>XXXXXX`, for what needs a short path (a socket's folder: ~100
 * bytes at most) whatever $TMPDIR is; removed with the others.
 */
export function shortTempDir(prefix: string): string {
  const dir = mkdtempSync(join('/tmp', prefix));
  made.add(dir);
  return dir;
}

/** How many folders tempDir() made that are not removed yet. */
export function pendingTempDirs(): number {
  return made.size;
}

/** Removes every folder tempDir() made (a server that still writes into one may need a retry). */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })));
}
