/**
 * Reading an engine claim's file (engine-claims.ts) without ever blocking on it: opened with
 * O_NONBLOCK and O_NOFOLLOW, its type checked on the open descriptor, at most CLAIM_BYTES (and one)
 * read. A FIFO, socket, device or symbolic link at a claim's path (only the user can put one in
 * that private folder) is no claim: it is told apart from text, and removed only while it is
 * still the very same thing that was seen.
 */
import { constants, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { lstat, open, rm } from 'node:fs/promises';

/** The most of a claim file read. */
export const CLAIM_BYTES = 4096;

/**
 * What is at a claim's path: its text (a regular file; longer than CLAIM_BYTES when over it), or something
 * that is no file at all.
 */
export type ClaimRead = { text: string } | { odd: { dev: number; ino: number } };

const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** A symbolic link at the path (O_NOFOLLOW's refusal): its own identity, so it can be replaced, never its target. */
async function linkAt(file: string): Promise<ClaimRead> {
  const st = await lstat(file);
  return { odd: { dev: st.dev, ino: st.ino } };
}

/** What is at `file`: undefined when nothing is. A directory or an unreadable file throws (EISDIR, EACCES…). */
export async function readClaim(file: string): Promise<ClaimRead | undefined> {
  let handle;
  try {
    handle = await open(file, FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') return linkAt(file).catch(() => undefined);
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() && !st.isDirectory()) return { odd: { dev: st.dev, ino: st.ino } };
    const buf = Buffer.alloc(CLAIM_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got)
      got = (await handle.read(buf, n, buf.length - n, n)).bytesRead; // a directory throws EISDIR here
    return { text: buf.subarray(0, n).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/**
 * The same, synchronously (at exit); undefined for nothing there, for anything but a regular file, or on any
 * failure.
 */
export function readClaimSync(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, FLAGS);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(CLAIM_BYTES + 1);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

const same = (a: ClaimRead, b: ClaimRead | undefined): boolean =>
  b !== undefined &&
  ('text' in a ? 'text' in b && a.text === b.text : 'odd' in b && a.odd.dev === b.odd.dev && a.odd.ino === b.odd.ino);

/**
 * Removes `file` if it still holds what was read (the same text, or the very same odd thing); whether it is
 * gone now.
 */
export async function removeIfSame(file: string, read: ClaimRead): Promise<boolean> {
  const now = await readClaim(file).catch(() => 'failed' as const);
  if (now === undefined) return true;
  if (now === 'failed' || !same(read, now)) return false;
  await rm(file, { force: true });
  return true;
}
