/**
 * Where `state backup` may write: never over the state database itself or the files SQLite keeps
 * beside it while it is open (`-wal`, `-shm`, `-journal`; and `-lock`, whose locks say who has it open). A
 * backup renamed over one of them would
 * swap the store under a running server, which goes on writing into the file it has open — every
 * change it acknowledges from then on is lost to the next process. The target is the place the
 * kernel would write to, not the text typed: its folder through every link and "..", and an existing
 * file by its identity (device and inode), so a link, a hard link or a name in another case (on a
 * case-insensitive file system) is the same file. Names in the state folder are compared in any
 * case, which refuses STATE.DB on a case-sensitive disk too: a harmless refusal, never a swap.
 */
import { randomBytes } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { STATE_FILE } from './db.js';

/** The files of one open store: the database and what SQLite keeps beside it. */
export const LIVE_FILES: readonly string[] = [
  STATE_FILE,
  `${STATE_FILE}-wal`,
  `${STATE_FILE}-shm`,
  `${STATE_FILE}-journal`,
  `${STATE_FILE}-lock`,
];

const statOf = (path: string) => stat(path).catch(() => undefined);
const sameFile = (a: { dev: number; ino: number }, b: { dev: number; ino: number }) =>
  a.dev === b.dev && a.ino === b.ino;

/**
 * The path a backup named `given` lands at: its folder resolved as the kernel resolves it (links,
 * "..") and its own name. Undefined when the folder does not exist.
 */
export async function backupPath(given: string): Promise<string | undefined> {
  const folder = await realpath(dirname(given)).catch(() => undefined);
  return folder === undefined ? undefined : join(folder, basename(given));
}

/** Which of the state folder's live files `target` (a backupPath) is, or undefined when it is none of them. */
export async function liveFileAt(home: string, target: string): Promise<string | undefined> {
  const existing = await statOf(target);
  if (existing) {
    for (const name of LIVE_FILES) {
      const live = await statOf(join(home, name));
      if (live && sameFile(live, existing)) return name;
    }
  }
  const [folder, homeFolder] = await Promise.all([statOf(dirname(target)), statOf(home)]);
  if (!folder || !homeFolder || !sameFile(folder, homeFolder)) return undefined;
  const name = basename(target).toLowerCase();
  return LIVE_FILES.find((live) => live.toLowerCase() === name);
}

/**
 * A temporary name beside the target, short whatever the target's name (a name may take the whole
 * 255 bytes a folder entry allows), unique to this run.
 */
export function partialName(target: string): string {
  return join(dirname(target), `.ollm-backup-${process.pid}-${randomBytes(4).toString('hex')}.partial`);
}
