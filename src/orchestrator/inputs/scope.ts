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
import { broadFolder } from './broad-folders.js';
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
export async function locate(
  raw: string,
  base: string,
  roots: readonly string[],
  closed?: InputScope['closed'],
): Promise<Located> {
  if (raw.includes('\0'))
    throw new InputError(`The path ${JSON.stringify(raw.slice(0, 80))} contains a NUL character.`);
  // no folder open: every path is refused alike, without saying whether it exists
  if (!roots.length) throw new InputError(outsideMessage(raw, undefined, roots, closed));
  const asked = resolve(base, expandHome(raw));
  let real: string;
  try {
    real = await realpath(asked);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'cannot be read (permission denied)'
          : `cannot be read (${code ?? String(err)})`;
    throw new InputError(
      `${raw}: ${why}${code === 'ENOENT' && !isAbsolute(raw) ? ` (paths are relative to ${base})` : ''}.`,
    );
  }
  const root = roots.find((r) => isInside(r, real));
  if (!root) throw new InputError(outsideMessage(raw, real !== asked ? real : undefined, roots, closed));
  const st = await lstat(real).catch(() => undefined);
  return { asked, real, root, shown: shownPath(base, real), ...(st && { checked: { dev: st.dev, ino: st.ino } }) };
}

/** How to open a folder to ollm-mcp, said in every refusal of a path. */
const HOW_TO_ALLOW =
  'open the client in your project folder (or give it as an MCP root), name it with --project ' +
  'DIR or OLLM_PROJECT, or add it to inputs.roots in settings';

/** Why a path outside every allowed folder is refused, and how to allow it. */
export function outsideMessage(
  raw: string,
  leadsTo: string | undefined,
  roots: readonly string[],
  closed?: InputScope['closed'],
): string {
  const how = leadsTo ? ` (it leads to ${leadsTo})` : '';
  const notOpen = closed ? `ollm-mcp runs in ${closed.folder}, ${closed.why}, which is not opened as a project` : '';
  if (!roots.length)
    return (
      `${raw}: no folder is open to ollm-mcp${how} — ${notOpen || 'none is allowed'}. To read ` +
      `files, ${HOW_TO_ALLOW}.`
    );
  return (
    `${raw}: outside the folders ollm-mcp may read${how} — allowed: ` +
    `${roots.join(', ')}${notOpen ? ` (${notOpen})` : ''}. To read it, ${HOW_TO_ALLOW}.`
  );
}

/** Where the call runs: the project folder in effect (else the working folder), and whether the user named it. */
export interface WorkingFolder {
  path: string | undefined;
  /** Named by the user (--project, OLLM_PROJECT): opened whatever it is. */
  named?: boolean;
}

/**
 * The scope of one call: relative paths resolve in the project folder in effect (else the
 * server's working folder); reads may happen there, in the client's MCP roots and in the roots
 * settings list — each by its real path. A working folder that is too broad to open whole (the
 * filesystem root, the home folder or above it, a system folder: where clients start servers that
 * are not in a project) is no root unless the user named it; relative paths then resolve in the
 * first root that is allowed.
 */
export async function inputScope(
  settings: Omit<InputScope, 'base' | 'closed'>,
  where: WorkingFolder | string | undefined,
  clientRoots: readonly string[],
  platform: NodeJS.Platform = process.platform,
): Promise<InputScope> {
  const { path, named = false } = typeof where === 'object' ? where : { path: where };
  const [real] = await realRoots([path ?? process.cwd()]);
  const folder = real ?? resolve(path ?? process.cwd());
  const [home] = await realRoots([homedir()]);
  const why = named ? undefined : broadFolder(folder, { home: home ?? homedir(), platform, env: process.env });
  const others = await realRoots([...clientRoots, ...settings.roots]);
  const roots = why ? others : await realRoots([folder, ...others]);
  const base = why && others[0] ? others[0] : folder;
  return {
    base,
    roots: roots.length || why ? roots : [folder],
    ...(why && { closed: { folder, why } }),
    allow: settings.allow,
    maxFileBytes: settings.maxFileBytes,
    maxImageBytes: settings.maxImageBytes,
    maxTotalBytes: settings.maxTotalBytes,
    maxFiles: settings.maxFiles,
  };
}
