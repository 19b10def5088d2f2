/**
 * Disk trouble said as disk trouble: a full disk, a read-only folder, a missing permission, too
 * many open files, a failing disk or a damaged database is the machine's state, not a bug of the
 * server. Each becomes one sentence naming the path, the problem in plain words and what to do.
 * Knows the system error codes (EROFS, ENOSPC…) and SQLite's (libsql's SqliteError codes, their
 * numeric result codes, and its "Unable to open connection … : 14" connection failure). Pure.
 */

/** SQLite's primary result codes (the low byte of an extended code) that are disk problems, by number. */
const SQLITE_PRIMARY: Readonly<Record<number, string>> = {
  3: 'SQLITE_PERM',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  26: 'SQLITE_NOTADB',
};
/** Extended codes told apart from their primary code. */
const SQLITE_EXTENDED: Readonly<Record<number, string>> = { 1032: 'SQLITE_READONLY_DBMOVED' };

/** libsql's message when a database file cannot be opened: "…local database /x/state.db: 14". */
const CONNECTION_FAILED = /Unable to open connection to local database .*?: (\d+)\D*$/;

type Problem =
  'readonly' | 'full' | 'quota' | 'permission' | 'too-many-files' | 'io' | 'cantopen' | 'moved' | 'corrupt';

const BY_CODE: Readonly<Record<string, Problem>> = {
  EROFS: 'readonly',
  ENOSPC: 'full',
  EDQUOT: 'quota',
  EACCES: 'permission',
  EPERM: 'permission',
  EMFILE: 'too-many-files',
  ENFILE: 'too-many-files',
  EIO: 'io',
  SQLITE_FULL: 'full',
  SQLITE_READONLY: 'readonly',
  SQLITE_READONLY_DBMOVED: 'moved',
  SQLITE_CANTOPEN: 'cantopen',
  SQLITE_PERM: 'permission',
  SQLITE_IOERR: 'io',
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_NOTADB: 'corrupt',
};

function sqliteName(raw: number): string | undefined {
  return SQLITE_EXTENDED[raw] ?? SQLITE_PRIMARY[raw & 0xff];
}

/**
 * The code naming the problem: a system or SQLite code string, else a SQLite result number, looked for
 * through causes.
 */
export function diskErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e !== null && typeof e === 'object'; i++) {
    const { code, rawCode, message } = e as { code?: unknown; rawCode?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (Object.hasOwn(BY_CODE, code)) return code;
      if (code.startsWith('SQLITE_IOERR')) return 'SQLITE_IOERR';
      if (code.startsWith('SQLITE_READONLY') && code !== 'SQLITE_READONLY_DBMOVED') return 'SQLITE_READONLY';
      if (code.startsWith('SQLITE_CORRUPT')) return 'SQLITE_CORRUPT';
      if (code.startsWith('SQLITE_CANTOPEN')) return 'SQLITE_CANTOPEN';
    }
    // libsql's SqliteError carries the numeric result code as rawCode
    const named = typeof rawCode === 'number' ? sqliteName(rawCode) : undefined;
    if (named) return named;
    const failed = typeof message === 'string' ? CONNECTION_FAILED.exec(message) : null;
    if (failed) return sqliteName(Number(failed[1]));
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Why `path` could not be read or written, in one sentence, when the cause is the disk (full,
 * read-only, no permission, too many open files, failing, a damaged database); undefined for
 * any other error. `path` is the file or folder the caller was working on (the error's own path
 * is used when it is left out).
 */
export function diskProblem(err: unknown, path?: string): string | undefined {
  const code = diskErrorCode(err);
  if (!code) return undefined;
  const problem = BY_CODE[code]!;
  const own = (err as { path?: unknown } | null)?.path;
  const named = path ?? (typeof own === 'string' ? own : undefined);
  // EACCES and EPERM also come from things other than files (a port, a signal): without a path they are not
  // said to be the disk's
  if (named === undefined && (code === 'EACCES' || code === 'EPERM')) return undefined;
  const where = named ?? 'a file of ollm-mcp';
  const tag = ` (${code})`;
  switch (problem) {
    case 'readonly':
      return (
        `${where} is on a read-only disk or folder${tag}, so nothing can be written there — make it ` +
        `writable (remount the disk read-write, or fix the folder's permissions), or set OLLM_HOME ` +
        `to a writable folder, then try again.`
      );
    case 'full':
      return (
        `The disk holding ${where} is full${tag}, so it could not be written — free some space on ` +
        `that disk (or set OLLM_HOME to a folder on another disk), then try again.`
      );
    case 'quota':
      return (
        `Your disk quota is used up, so ${where} could not be written${tag} — free some of your ` +
        `space or ask for a larger quota, then try again.`
      );
    case 'permission':
      return (
        `No permission to use ${where}${tag} — give the user running ollm-mcp access to it (chown ` +
        `or chmod), or set OLLM_HOME to a folder that user owns, then try again.`
      );
    case 'too-many-files':
      return (
        `Too many files are open to open ${where}${tag} — close some programs or raise the ` +
        `open-file limit (ulimit -n), then try again.`
      );
    case 'io':
      return (
        `The disk failed while reading or writing ${where}: an input/output error${tag} — the disk ` +
        `may be failing or was removed; check it (the system log, fsck) and try again.`
      );
    case 'cantopen':
      return (
        `The database ${where} cannot be opened${tag} — check that its folder exists and is ` +
        `writable and that the path is not a folder, then try again.`
      );
    case 'moved':
      return `The database ${where} was moved or deleted while ollm-mcp had it open${tag} — restart ollm-mcp.`;
    case 'corrupt':
      return (
        `${where} is damaged or is not a database${tag} — move it aside (ollm-mcp then starts a new ` +
        `one) or restore it from a backup, then restart ollm-mcp.`
      );
  }
}
