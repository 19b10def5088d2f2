/**
 * Glob patterns in `files`: expanded with tinyglobby inside the folder the pattern starts from
 * (which must lie in an allowed root), never following links while walking, and honouring every
 * .gitignore between a match and the repository's top (rules read with `ignore`, the library
 * eslint and prettier use, which follows git's semantics). `.git` and `node_modules` are never
 * walked. Each folder's .gitignore is read once and its rules inherited below (gitignore.ts).
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { GitignoreRules } from './gitignore.js';
import { expandHome, isInside, locate } from './scope.js';
import { InputError, type InputScope } from './types.js';

export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
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
  const start = await locate(scan.base || '.', scope.base, scope.roots, scope.closed);
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
  const rules = new GitignoreRules(top);
  const matched = found.map((p) => resolve(p)).sort();
  rules.prefetch(matched);
  const files: string[] = [];
  let ignored = 0;
  for (const f of matched) {
    if (await rules.ignored(f)) ignored++;
    else files.push(f);
    if (files.length > scope.maxFiles) {
      throw new InputError(`${pattern}: matches more than ${scope.maxFiles} files (inputs.maxFiles) — narrow the pattern.`);
    }
  }
  return { files, ignored };
}
