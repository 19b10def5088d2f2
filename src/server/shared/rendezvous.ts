/**
 * The folder where every process of one user meets (issue 80, finding 1): found from what every
 * launch of the user has — its uid and the platform — never from the environment a client happens
 * to pass. Claude Code passes the user's whole environment, desktop apps and the SDK's default a
 * minimal one (HOME, LOGNAME, PATH, SHELL, TERM, USER): a place read from $XDG_RUNTIME_DIR or
 * $TMPDIR gave the two their own shared servers and their own claims on one engine.
 *
 * - Linux (and the other Unixes): `/run/user/<uid>`, the login session's runtime folder
 *   (pam_systemd: the user's, 0700), when it is there and is so; it exists whether or not a process's
 *   environment names it.
 * - macOS: the user's own temporary folder, `getconf DARWIN_USER_TEMP_DIR` (what launchd sets
 *   $TMPDIR to, asked of the system instead of the environment), when it is the user's.
 * - Else, or when that is not usable: /tmp (the folder made in it is checked private: place.ts).
 *
 * Each is short, so a socket path in it stays inside the platform's limit however long $TMPDIR or
 * $HOME is. The tests stand in for the runtime folder and for /tmp with folders of their own
 * (OLLM_TEST_RUNTIME_DIR, OLLM_TEST_LAST_RESORT): read here once, never a user's setting.
 */
import { execFile } from 'node:child_process';
import { lstat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

/** How long `getconf` may take on macOS before /tmp is used instead, ms. */
const GETCONF_MS = 2000;

/** The folder `dir` when it is a real folder of user `uid` that no one else may enter; else undefined. */
export async function ownFolder(dir: string | undefined, uid: number | undefined): Promise<string | undefined> {
  if (!dir || !isAbsolute(dir)) return undefined;
  const s = await lstat(dir).catch(() => undefined);
  if (!s?.isDirectory() || (uid !== undefined && s.uid !== uid) || (s.mode & 0o077) !== 0) return undefined;
  return dir;
}

/** What `getconf DARWIN_USER_TEMP_DIR` prints, trailing slash dropped; undefined when it fails. */
export function darwinUserTemp(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('getconf', ['DARWIN_USER_TEMP_DIR'], { timeout: GETCONF_MS, encoding: 'utf8' }, (err, out) => {
      const dir = err ? '' : out.trim().replace(/\/+$/, '');
      resolve(dir || undefined);
    });
  });
}

/**
 * The platform's per-user runtime folder for user `uid` on `platform`, found without the environment;
 * undefined where there is none (Windows keeps its place elsewhere: place.ts).
 */
export async function platformRuntimeDir(
  platform: NodeJS.Platform,
  uid: number | undefined,
  askDarwin: () => Promise<string | undefined> = darwinUserTemp,
): Promise<string | undefined> {
  if (platform === 'win32' || uid === undefined) return undefined;
  if (platform === 'darwin') return ownFolder(await askDarwin(), uid);
  return ownFolder(`/run/user/${uid}`, uid);
}

/** A test's stand-in for a folder of the system: an absolute path, else none. */
export const standIn = (value: string | undefined): string | undefined =>
  value && isAbsolute(value) ? value : undefined;
