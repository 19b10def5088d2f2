/**
 * The files of rules a walk honours, read as git reads them: each folder's .gitignore, the
 * repository's .git/info/exclude (the common one, for a linked worktree) and the user's excludes
 * file (core.excludesFile, by default ~/.config/git/ignore). A file that is not there
 * — or that git itself reads no rules from: a link in a .gitignore's place, a folder, a FIFO — holds
 * no rules; one that is there but cannot be read (too large, not readable, a hung disk) refuses the
 * walk (RulesUnreadable), naming it: its files are never read as if it held no rule.
 */
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { userConfigPath } from './git-run.js';
import { RulesTooCostly } from './gitignore-pace.js';
import {
  asReadError,
  openRegular,
  readAll,
  readRegularFile,
  READ_TIMEOUT_MS,
  withTimeLimit,
} from '../util/safe-read.js';

/**
 * The largest file of rules read (a .gitignore, info/exclude, the user's excludes file): a
 * generated one of a million names is some 8 MB, and is read and looked up in slices
 * (gitignore-parse.ts, gitignore-index.ts).
 */
export const GITIGNORE_MAX_BYTES = 16_000_000;

/** A file of rules that is there but cannot be read as rules: the walk is refused rather than read without them. */
export class RulesUnreadable extends RulesTooCostly {}

/** What git reads no rules from either: no file, a link (a .gitignore is not followed), a folder, a FIFO or device. */
const NO_RULES = new Set(['missing', 'loop', 'folder', 'special']);

/**
 * The text of the file of rules at `path`, bounded in size and time; undefined when it holds none.
 * Opened non-blocking, and with `noFollow` without following a link in its last name.
 */
async function readRules(path: string, noFollow: boolean): Promise<string | undefined> {
  try {
    return await withTimeLimit(path, READ_TIMEOUT_MS, async () => {
      const { handle, stat } = await openRegular(path, { noFollow });
      try {
        return (await readAll(handle, path, GITIGNORE_MAX_BYTES, stat.size)).toString('utf8');
      } finally {
        await handle.close().catch(() => undefined);
      }
    });
  } catch (err) {
    const refused = asReadError(err, path);
    if (NO_RULES.has(refused.kind)) return undefined;
    throw new RulesUnreadable(`${refused.message}, so which files git ignores cannot be told`, { cause: err });
  }
}

/** Reads one folder's rules: the text, or undefined when it holds none. */
export type RulesReader = (dir: string) => Promise<string | undefined>;

/**
 * The .gitignore in `dir`. Opened without following a link in its last name (as git ≥ 2.32) and
 * without resolving the folder again (the walk found it without following links).
 */
export function readGitignore(dir: string): Promise<string | undefined> {
  return readRules(join(dir, '.gitignore'), true);
}

/** The first line of a small file git keeps (`.git` as a file, `commondir`), without its line ending. */
async function firstLine(path: string): Promise<string> {
  const { data } = await readRegularFile(path, { maxBytes: 64 * 1024 });
  return data.toString('utf8').split('\n')[0]!.replace(/\r$/, '');
}

/**
 * The git folder holding the shared files of the repository whose top is `top`: `.git` itself; or,
 * when `.git` is a file (a linked worktree, a submodule), the folder its `gitdir:` line names, or
 * the one that folder's `commondir` names (a worktree's). Undefined when there is none or it cannot
 * be told: git would not take `top` for a repository either.
 */
async function commonGitDir(top: string): Promise<string | undefined> {
  const dotGit = join(top, '.git');
  try {
    const info = await withTimeLimit(dotGit, READ_TIMEOUT_MS, () => stat(dotGit));
    if (info.isDirectory()) return dotGit;
    if (!info.isFile()) return undefined;
    const line = await firstLine(dotGit);
    if (!line.startsWith('gitdir:')) return undefined;
    const named = line.slice('gitdir:'.length).trim();
    const gitDir = isAbsolute(named) ? named : resolve(dirname(dotGit), named);
    const common = await firstLine(join(gitDir, 'commondir')).catch(() => undefined);
    if (common === undefined || common === '') return gitDir;
    return isAbsolute(common) ? common : resolve(gitDir, common);
  } catch {
    return undefined;
  }
}

/** A file of rules read from the repository's top, its rules relative to it: info/exclude, the user's excludes file. */
export interface TopRules {
  /** How a message names it. */
  file: string;
  text: string;
}

/** The repository's info/exclude; undefined when there is none. */
async function readInfoExclude(top: string): Promise<TopRules | undefined> {
  const gitDir = await commonGitDir(top);
  const text = gitDir === undefined ? undefined : await readRules(join(gitDir, 'info', 'exclude'), false);
  return text === undefined ? undefined : { file: `the .git/info/exclude of ${top}`, text };
}

/**
 * The user's excludes file when core.excludesFile names none, as gitignore(5) says:
 * $XDG_CONFIG_HOME/git/ignore when that variable holds an absolute path, else ~/.config/git/ignore.
 */
function defaultExcludesFile(env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'git', 'ignore');
  return env.HOME ? join(env.HOME, '.config', 'git', 'ignore') : undefined;
}

/**
 * The user's excludes file: the one core.excludesFile names as git reads it in `top` (includes and
 * the repository's own setting honoured; relative to the top, as git reads it from there), else
 * the default — also when git cannot be run. Asked once a walk, and read as info/exclude is, a link
 * followed as git follows it; undefined when it holds no rules.
 */
async function readUserExcludes(top: string, env: NodeJS.ProcessEnv = process.env): Promise<TopRules | undefined> {
  const named = await excludesSetting(top, env).catch((err: unknown) => {
    const why = `core.excludesFile cannot be read in ${top} (${err instanceof Error ? err.message : String(err)})`;
    throw new RulesUnreadable(`${why}, so which files git ignores cannot be told`, { cause: err });
  });
  // set but empty, git reads no file
  const path = named === undefined ? defaultExcludesFile(env) : named === '' ? undefined : resolve(top, named);
  if (path === undefined) return undefined;
  const text = await readRules(path, false);
  return text === undefined ? undefined : { file: path, text };
}

/** How long one reading of core.excludesFile serves the walks of the same top (ms): a call's patterns, each a walk. */
const SETTING_MS = 2000;
/** The readings under way or recent, by top and the variables that place the user's configuration; bounded. */
const settings = new Map<string, { at: number; path: Promise<string | undefined> }>();

/** When `file` was last changed (ms), or 0 where there is none: a setting edited there is read again. */
const changedAt = async (file: string | undefined): Promise<number> =>
  file ? ((await stat(file).catch(() => undefined))?.mtimeMs ?? 0) : 0;

/**
 * core.excludesFile as git reads it in `top`: one `git config` for the walks of one top within SETTING_MS (a call
 * with several patterns walks once a pattern), asked again after it, or at once when the repository's or the user's
 * configuration file changed (an include's edit counts after SETTING_MS).
 */
async function excludesSetting(top: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const global = env.GIT_CONFIG_GLOBAL ?? (env.HOME ? join(env.HOME, '.gitconfig') : undefined);
  const marks = await Promise.all([changedAt(join(top, '.git', 'config')), changedAt(global)]);
  const key = [top, env.HOME, env.XDG_CONFIG_HOME, env.GIT_CONFIG_GLOBAL, env.GIT_CONFIG_SYSTEM, ...marks].join('\0');
  const now = performance.now();
  const recent = settings.get(key);
  if (recent && now - recent.at < SETTING_MS) return recent.path;
  for (const [k, v] of settings) if (now - v.at >= SETTING_MS) settings.delete(k);
  if (settings.size >= 64) settings.clear();
  const path = userConfigPath(top, 'core.excludesFile', env);
  settings.set(key, { at: now, path });
  path.catch(() => settings.delete(key)); // a failure is not kept: the next walk asks again
  return await path;
}

/**
 * The files of rules read from the top, lowest precedence first: the user's excludes file, then
 * info/exclude (git's order: every .gitignore overrides both, and info/exclude the user's file).
 */
export async function readTopRules(top: string, env: NodeJS.ProcessEnv = process.env): Promise<TopRules[]> {
  const both = await Promise.all([readUserExcludes(top, env), readInfoExclude(top)]);
  return both.filter((rules) => rules !== undefined);
}
