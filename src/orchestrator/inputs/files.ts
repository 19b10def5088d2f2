/**
 * Reading one file the caller named, safely: inside an allowed root once every link is resolved,
 * not a secret (unless settings allow it), a regular file (never a FIFO or a device, which could
 * block the server), within the size limits, and text or an image — binary files are refused.
 * The file opened is the one checked: opened without following a link in its last name, and with
 * the device and inode it had when checked.
 */
import type { Stats } from 'node:fs';
import { lstat, readlink, type FileHandle } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { classifyContent, imageFormat, SIGNATURE_BYTES } from './content.js';
import { locate, type Located } from './scope.js';
import { allowMatcher, looksLikePrivateKey, secretKind } from './secrets.js';
import { InputError, type InputScope } from './types.js';
import { formatBytes } from '../config/units.js';
import { CHANGED_WHILE_READ, openRegular, SafeReadError, type FileIdentity } from '../util/safe-read.js';

export type FileRead =
  | { kind: 'text'; where: Located; text: string; bytes: number; encoding: string }
  | { kind: 'image'; where: Located; base64: string; bytes: number; format: string };

const posix = (p: string) => p.split(sep).join('/');

/** Why this located file may not be read, or undefined. Checks the name asked for and the file it leads to. */
function refusal(where: Located, scope: InputScope): string | undefined {
  const allowed = allowMatcher(scope.allow);
  const names = [posix(relative(where.root, where.real)), posix(relative(where.root, where.asked))].filter(
    (r) => !r.startsWith('..'),
  );
  for (const name of names) {
    const what = secretKind(name);
    if (what && !allowed(name))
      return (
        `refused: it looks like ${what}, which is never sent to a model — allow it with a pattern ` +
        `in inputs.allow if it is safe`
      );
  }
  return undefined;
}

/**
 * Reads a file given by `raw` (relative to the scope's base, or absolute); throws an InputError naming it
 * when refused.
 */
export async function readFileInput(raw: string, scope: InputScope, budgetLeft: number): Promise<FileRead> {
  const where = await locate(raw, scope.base, scope.roots, scope.closed);
  return readLocated(where, scope, budgetLeft);
}

/**
 * What `where.real` is now, taken when the file is checked: a regular file, not a link. The open
 * that follows must find this very file (same device and inode), so nothing swapped in between —
 * a link to a secret outside the roots, another file — is ever read.
 */
async function checkedIdentity(where: Located): Promise<FileIdentity> {
  const name = where.shown;
  let info: Stats;
  try {
    info = await lstat(where.real);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`${name}: ${CHANGED_WHILE_READ}.`);
    throw new InputError(`${name}: cannot be opened (${code ?? (err as Error).message}).`);
  }
  if (info.isSymbolicLink()) throw new InputError(`${name}: ${CHANGED_WHILE_READ}.`);
  if (info.isDirectory()) throw folderError(name);
  if (!info.isFile()) throw specialError(name);
  return { dev: info.dev, ino: info.ino };
}

const folderError = (name: string) =>
  new InputError(`${name}: is a folder — name its files, or a pattern such as ${name}/**/*.md.`);
const specialError = (name: string) =>
  new InputError(`${name}: not a regular file (a device, FIFO or socket), so it is not read.`);

/**
 * On Linux, where the open file really is (/proc/self/fd): a folder in its path swapped for a
 * link after the check would lead elsewhere, which O_NOFOLLOW (last name only) cannot see.
 * Undefined where that cannot be told.
 */
async function openedPath(handle: FileHandle): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  return readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
}

export async function readLocated(where: Located, scope: InputScope, budgetLeft: number): Promise<FileRead> {
  const name = where.shown;
  const refused = refusal(where, scope);
  if (refused) throw new InputError(`${name}: ${refused}.`);
  // the identity taken when it was located; else taken now (a regular file, not a link)
  const expect = where.checked ?? (await checkedIdentity(where));
  // the name checked is the name opened, without following a link put there since; non-blocking,
  // so a FIFO does not wait for a writer (it is refused as not a regular file)
  const { handle, stat: info } = await openRegular(where.real, { noFollow: true, expect }).catch((err: unknown) => {
    if (err instanceof SafeReadError && err.kind === 'folder') throw folderError(name);
    if (err instanceof SafeReadError && err.kind === 'special') throw specialError(name);
    if (err instanceof SafeReadError && (err.kind === 'changed' || err.kind === 'loop' || err.kind === 'missing'))
      throw new InputError(`${name}: ${CHANGED_WHILE_READ}.`);
    const code = (err instanceof SafeReadError ? err.cause : err) as NodeJS.ErrnoException | undefined;
    throw new InputError(`${name}: cannot be opened (${code?.code ?? (err as Error).message}).`);
  });
  try {
    const at = await openedPath(handle);
    if (at !== undefined && at !== where.real) throw new InputError(`${name}: ${CHANGED_WHILE_READ}.`);
    const head = new Uint8Array(SIGNATURE_BYTES);
    const { bytesRead: headRead } = await handle.read(head, 0, head.length, 0);
    const image = imageFormat(head.subarray(0, headRead)) !== undefined;
    const limit = image ? scope.maxImageBytes : scope.maxFileBytes;
    if (info.size > limit) {
      throw new InputError(
        `${name}: ${formatBytes(info.size)}, more than the ${formatBytes(limit)} allowed for ` +
          `${image ? 'an image' : 'a file'} (inputs.${image ? 'maxImageBytes' : 'maxFileBytes'}) — ` +
          `name a smaller file or part of it.`,
      );
    }
    if (info.size > budgetLeft) {
      throw new InputError(
        `${name}: reading it (${formatBytes(info.size)}) would pass the ` +
          `${formatBytes(scope.maxTotalBytes)} one call may read (inputs.maxTotalBytes) — name fewer files.`,
      );
    }
    const bytes = new Uint8Array(info.size);
    const { bytesRead } = await handle.read(bytes, 0, info.size, 0); // an empty file: nothing asked, nothing read
    const data = bytes.subarray(0, bytesRead);
    const content = classifyContent(data);
    if (content.kind === 'binary')
      throw new InputError(`${name}: a binary file (not text and not an image), so it is not read.`);
    if (content.kind === 'image')
      return {
        kind: 'image',
        where,
        base64: Buffer.from(data).toString('base64'),
        bytes: bytesRead,
        format: content.format,
      };
    if (
      looksLikePrivateKey(content.text.slice(0, 65536)) &&
      !allowMatcher(scope.allow)(posix(relative(where.root, where.real)))
    ) {
      throw new InputError(`${name}: refused: it holds a private key, which is never sent to a model.`);
    }
    return { kind: 'text', where, text: content.text, bytes: bytesRead, encoding: content.encoding };
  } finally {
    await handle.close();
  }
}
