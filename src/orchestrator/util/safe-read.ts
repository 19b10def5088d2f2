/**
 * Reading the server's own files (settings, templates, the project profile) without being held
 * up or led astray: only a regular file is opened — never a FIFO, a device or a socket, which
 * could block the server for good — opened non-blocking so a pipe that took a file's place cannot
 * make open() wait for a writer; a file that must stay inside a folder is refused when a link
 * leads out of it; every read has a byte bound and a time limit.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { diskProblem } from './disk-errors.js';

/** How long reading one of the server's own files may take: far more than a local disk ever needs. */
export const READ_TIMEOUT_MS = 5_000;

export type ReadRefusal =
  /** The path does not exist (or a link in it is broken). */
  | 'missing'
  | 'folder'
  /** A FIFO, a device or a socket. */
  | 'special'
  /** A link leads out of the folder the file must stay in. */
  | 'outside'
  /** A link leads back to itself, or a link took the file's place while it was read. */
  | 'loop'
  /** Another file took the place of the one that was checked (not the same device and inode). */
  | 'changed'
  | 'too-large'
  | 'timeout'
  /** Anything else the system said (a disk problem, a permission): see `cause`. */
  | 'failed';

/**
 * Why a file was not read: `reason` is a phrase to follow the path ("is a FIFO…"), `message` the path and the
 * reason.
 */
export class SafeReadError extends Error {
  override name = 'SafeReadError';
  constructor(
    readonly kind: ReadRefusal,
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} ${reason}`, options);
  }
}

const errnoOf = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

/** A system error met while reading `path`, as a SafeReadError (a SafeReadError is kept as it is). */
export function asReadError(err: unknown, path: string): SafeReadError {
  if (err instanceof SafeReadError) return err;
  const code = errnoOf(err);
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new SafeReadError('missing', path, 'does not exist', { cause: err });
  if (code === 'ELOOP')
    return new SafeReadError(
      'loop',
      path,
      'is a link that leads back to itself (or a link took its place while it was read); not followed',
      { cause: err },
    );
  if (code === 'EISDIR') return new SafeReadError('folder', path, 'is a folder, not a file', { cause: err });
  const disk = diskProblem(err, path);
  const said = disk
    ? `cannot be read: ${disk}`
    : `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
  return new SafeReadError('failed', path, said, { cause: err });
}

/** Whether `path` is `root` or inside it (both real, absolute paths). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Whether `path`, as written (no link resolved), lies in `folder`. */
export function writtenWithin(folder: string, path: string): boolean {
  return isWithin(resolve(folder), resolve(path));
}

/**
 * The real path of `path`, which must lie inside the real `within` folder once every link is
 * resolved; throws a SafeReadError ('outside', 'missing', 'loop'…) otherwise.
 */
export async function realWithin(path: string, within: string): Promise<string> {
  let root: string;
  let real: string;
  try {
    root = await realpath(within);
  } catch (err) {
    throw asReadError(err, within);
  }
  try {
    real = await realpath(path);
  } catch (err) {
    throw asReadError(err, path);
  }
  if (!isWithin(root, real))
    throw new SafeReadError('outside', path, `is a link to ${real}, outside ${within}; not followed`);
  return real;
}

/** Which file a path led to when it was checked: fstat of what is opened must show the same. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The message when the file opened is not the one checked: a link or another file took its place. */
export const CHANGED_WHILE_READ = 'changed while it was read (a link or another file took its place) — try again';

/**
 * Opens `path` for reading only when it is a regular file. Opened with O_NONBLOCK (a FIFO does
 * not wait for a writer; it is refused once fstat shows what it is) and, with `noFollow`,
 * O_NOFOLLOW (a link in the last place is refused as 'loop'). With `expect`, the file opened must
 * be that one (same device and inode), else it is refused as 'changed'. The caller closes the handle.
 */
export async function openRegular(
  path: string,
  options: { noFollow?: boolean; expect?: FileIdentity } = {},
): Promise<{ handle: FileHandle; stat: Stats }> {
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  let handle: FileHandle;
  try {
    handle = await open(path, flags);
  } catch (err) {
    throw asReadError(err, path);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new SafeReadError('folder', path, 'is a folder, not a file');
    if (!stat.isFile())
      throw new SafeReadError(
        'special',
        path,
        'is not a regular file (a FIFO, a device or a socket), so it is not opened',
      );
    const want = options.expect;
    if (want && (stat.dev !== want.dev || stat.ino !== want.ino))
      throw new SafeReadError('changed', path, CHANGED_WHILE_READ);
    return { handle, stat };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw asReadError(err, path);
  }
}

/** Everything in the open file, at most `maxBytes` (a file that grew past it while read is refused too). */
export async function readAll(handle: FileHandle, path: string, maxBytes: number, size?: number): Promise<Buffer> {
  const known = size ?? (await handle.stat()).size;
  if (known > maxBytes) throw tooLarge(path, known, maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(Math.max(known - total, 4096) + 1, 64 * 1024, maxBytes - total + 1));
    let n: number;
    try {
      ({ bytesRead: n } = await handle.read(chunk, 0, chunk.length, total));
    } catch (err) {
      throw asReadError(err, path);
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw tooLarge(path, total, maxBytes, true);
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(path: string, bytes: number, max: number, atLeast = false): SafeReadError {
  const kb = (n: number) => (n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} MB` : `${Math.ceil(n / 1000)} kB`);
  return new SafeReadError(
    'too-large',
    path,
    `is ${atLeast ? 'more than ' : ''}${kb(bytes)}, more than the ${kb(max)} read of such a file`,
  );
}

/**
 * `work`, unless it takes longer than `ms`: then a SafeReadError 'timeout' naming `path`. The
 * work goes on in the background (a read cannot be taken back) and closes what it opened.
 */
export async function withTimeLimit<T>(path: string, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SafeReadError(
            'timeout',
            path,
            `could not be read within ${ms / 1000} s (a hung disk or network file system?)`,
          ),
        ),
      ms,
    );
    timer.unref();
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SafeReadOptions {
  /** The file must lie inside this folder once every link is resolved. */
  within?: string;
  /** The largest file read, in bytes. */
  maxBytes: number;
  /** How long the read may take (default READ_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface SafeRead {
  /** The file's real path. */
  real: string;
  data: Buffer;
  stat: Stats;
}

/**
 * Reads a regular file whole, bounded in bytes and time, inside `within` when given; throws a SafeReadError
 * saying why not.
 */
export async function readRegularFile(path: string, options: SafeReadOptions): Promise<SafeRead> {
  return withTimeLimit(path, options.timeoutMs ?? READ_TIMEOUT_MS, async () => {
    let real: string;
    if (options.within !== undefined) real = await realWithin(path, options.within);
    else {
      try {
        real = await realpath(path);
      } catch (err) {
        throw asReadError(err, path);
      }
    }
    // the real path holds no link: one found now took the file's place since realpath
    const { handle, stat } = await openRegular(real, { noFollow: true }).catch((err: unknown) => {
      throw err instanceof SafeReadError ? new SafeReadError(err.kind, path, err.reason, { cause: err.cause }) : err;
    });
    try {
      return { real, data: await readAll(handle, path, options.maxBytes, stat.size), stat };
    } finally {
      await handle.close().catch(() => undefined);
    }
  });
}

/**
 * For a file another library opens itself (SQLite's database): when `path` exists it must be a
 * regular file, inside `within` once links are resolved. Nothing is opened; throws a
 * SafeReadError saying why not. Resolves with whether the file exists.
 */
export async function checkRegularFile(
  path: string,
  options: { within?: string; timeoutMs?: number } = {},
): Promise<boolean> {
  return withTimeLimit(path, options.timeoutMs ?? READ_TIMEOUT_MS, async () => {
    let real: string;
    try {
      real = options.within !== undefined ? await realWithin(path, options.within) : await realpath(path);
    } catch (err) {
      const e = asReadError(err, path);
      if (e.kind === 'missing') return false;
      throw e;
    }
    let stat: Stats;
    try {
      stat = await lstat(real);
    } catch (err) {
      throw asReadError(err, path);
    }
    if (stat.isDirectory()) throw new SafeReadError('folder', path, 'is a folder, not a file');
    if (!stat.isFile())
      throw new SafeReadError(
        'special',
        path,
        'is not a regular file (a FIFO, a device or a socket), so it is not opened',
      );
    return true;
  });
}
