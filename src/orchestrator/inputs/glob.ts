/**
 * Glob patterns in `files`: expanded with tinyglobby inside the folder the pattern starts from
 * (which must lie in an allowed root), never following links while walking, and honouring every
 * .gitignore between a match and the repository's top (rules read with `ignore`, the library
 * eslint and prettier use, which follows git's semantics). `.git` and `node_modules` are never
 * walked.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { readRegularFile } from '../util/safe-read.js';
import { expandHome, isInside, locate } from './scope.js';
import { InputError, type InputScope } from './types.js';

export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** A .gitignore larger than this is not read as rules. */
const GITIGNORE_MAX_BYTES = 1024 * 1024;

/** The .gitignore rules of one folder, read once per call. */
class GitIgnores {
  private readonly byDir = new Map<string, Promise<Ignore | undefined>>();

  private rules(dir: string): Promise<Ignore | undefined> {
    let p = this.byDir.get(dir);
    if (!p) {
      // a regular file inside the folder, bounded in size and time: a FIFO or a link leading out is no rule file
      p = readRegularFile(join(dir, '.gitignore'), { within: dir, maxBytes: GITIGNORE_MAX_BYTES }).then(
        ({ data }) => ignore().add(data.toString('utf8')),
        () => undefined,
      );
      this.byDir.set(dir, p);
    }
    return p;
  }

  /** Whether a .gitignore in `file`'s folder or any folder above it, up to `top`, ignores it. */
  async ignored(file: string, top: string): Promise<boolean> {
    let dir = dirname(file);
    for (;;) {
      const rules = await this.rules(dir);
      const rel = relative(dir, file).split(sep).join('/');
      if (rules?.ignores(rel)) return true;
      if (dir === top || !isInside(top, dir)) return false;
      const up = dirname(dir);
      if (up === dir) return false;
      dir = up;
    }
  }
}

/** The nearest folder at or above `dir` (but not above `root`) that holds a .git: where .gitignore rules stop. */
async function repositoryTop(dir: string, root: string): Promise<string> {
  let d = dir;
  for (;;) {
    if (await stat(join(d, '.git')).then(() => true, () => false)) return d;
    const up = dirname(d);
    if (d === root || up === d || !isInside(root, up)) return root;
    d = up;
  }
}

export interface GlobMatch {
  /** Absolute paths (links not followed), sorted. */
  files: string[];
  /** Matches left out because a .gitignore ignores them. */
  ignored: number;
}

/** Expands one pattern; throws an InputError when it starts outside the allowed roots or matches too many files. */
export async function expandGlob(pattern: string, scope: InputScope): Promise<GlobMatch> {
  const expanded = expandHome(pattern).split('\\').join('/');
  if (expanded.split('/').includes('..')) throw new InputError(`${pattern}: a pattern may not contain ".." — start it from a folder inside the project, or give an absolute path inside an allowed root.`);
  const scan = picomatch.scan(expanded);
  const start = await locate(scan.base || '.', scope.base, scope.roots);
  const cwd = start.real;
  const found = await glob(scan.glob, {
    cwd,
    absolute: true,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ['**/.git/**', '**/node_modules/**'],
  });
  const top = await repositoryTop(cwd, start.root);
  const rules = new GitIgnores();
  const files: string[] = [];
  let ignored = 0;
  for (const f of found.map((p) => resolve(p)).sort()) {
    if (await rules.ignored(f, top)) ignored++;
    else files.push(f);
    if (files.length > scope.maxFiles) {
      throw new InputError(`${pattern}: matches more than ${scope.maxFiles} files (inputs.maxFiles) — narrow the pattern.`);
    }
  }
  return { files, ignored };
}
