/**
 * Where a path given by the caller may be read from. A relative path resolves against the project
 * folder in effect; an absolute one must lie inside an allowed root. Both are judged after every
 * symbolic link is resolved (realpath), so a link inside the project that leads out is refused,
 * and `..` cannot climb out.
 */
import { lstat, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, type InputScope } from './types.js';

/** `~` and `~/x` as the home folder; everything else as it is. */
export function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') || p.startsWith('~\\') ? join(homedir(), p.slice(2)) : p;
}

/** A client's MCP root (a file:// URI) as a folder path; undefined for anything else. */
export function rootPath(uri: string): string | undefined {
  try {
    return fileURLToPath(uri); // throws for any other scheme, and for a file URL naming another machine
  } catch {
    return undefined;
  }
}

/** The real path of each root that exists, without repeats; roots that do not exist are left out. */
export async function realRoots(candidates: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of candidates) {
    const real = await realpath(resolve(expandHome(c))).catch(() => undefined);
    if (real && !out.includes(real)) out.push(real);
  }
  return out;
}

/** `child` is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel); // '' is root itself
}

export interface Located {
  /** The path as the caller wrote it, resolved (links not followed). */
  asked: string;
  /** Every link followed. */
  real: string;
  /** The allowed root it lies in. */
  root: string;
  /** Shown to the caller: relative to the base when inside it, else absolute. */
  shown: string;
  /** Device and inode of `real` when it was located: the file read must be this one. */
  checked?: { dev: number; ino: number };
}

/** How a path reads in results and messages. */
export function shownPath(base: string, p: string): string {
  return isInside(base, p) && p !== base ? relative(base, p).split(sep).join('/') : p;
}

/**
 * Resolves `raw` and checks it against the roots. Throws an InputError naming the path when it
 * does not exist or leads outside every allowed root.
 */
export async function locate(raw: string, base: string, roots: readonly string[]): Promise<Located> {
  if (raw.includes('\0')) throw new InputError(`The path ${JSON.stringify(raw.slice(0, 80))} contains a NUL character.`);
  const asked = resolve(base, expandHome(raw));
  let real: string;
  try {
    real = await realpath(asked);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? String(err)})`;
    throw new InputError(`${raw}: ${why}${code === 'ENOENT' && !isAbsolute(raw) ? ` (paths are relative to ${base})` : ''}.`);
  }
  const root = roots.find((r) => isInside(r, real));
  if (!root) {
    const how = real !== asked ? ` (it leads to ${real})` : '';
    throw new InputError(
      `${raw}: outside the folders ollm-mcp may read${how} — allowed: ${roots.join(', ')}. Add a folder to inputs.roots in settings, or open the client in that folder.`,
    );
  }
  const st = await lstat(real).catch(() => undefined);
  return { asked, real, root, shown: shownPath(base, real), ...(st && { checked: { dev: st.dev, ino: st.ino } }) };
}

/**
 * The scope of one call: relative paths resolve in the project folder in effect (else the
 * server's working folder); reads may happen there, in the client's MCP roots and in the roots
 * settings list — each by its real path.
 */
export async function inputScope(
  settings: Omit<InputScope, 'base'>,
  projectRoot: string | undefined,
  clientRoots: readonly string[],
): Promise<InputScope> {
  const [base] = await realRoots([projectRoot ?? process.cwd()]);
  const folder = base ?? resolve(projectRoot ?? process.cwd());
  const roots = await realRoots([folder, ...clientRoots, ...settings.roots]);
  return { base: folder, roots: roots.length ? roots : [folder], allow: settings.allow, maxFileBytes: settings.maxFileBytes, maxImageBytes: settings.maxImageBytes, maxTotalBytes: settings.maxTotalBytes, maxFiles: settings.maxFiles };
}
