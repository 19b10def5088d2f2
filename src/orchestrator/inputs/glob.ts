/**
 * Glob patterns in `files`: expanded with tinyglobby inside the folder the pattern starts from
 * (which must lie in an allowed root), never following links while walking, and honouring every
 * .gitignore between a match and the repository's top (git's semantics, matched in time bounded
 * by pattern × path: gitignore-match.ts). `.git` and `node_modules` are never walked. Each folder's
 * .gitignore is read once and its rules inherited below (gitignore.ts).
 * A glob picomatch would match in time growing as a power of a path's length (boundedGlob) is
 * walked whole from its base and matched by RE2 instead (glob-match.ts, issue 55).
 */
import { stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { GitignoreRules, RulesTooCostly } from './gitignore.js';
import { expandHome, isInside, locate } from './scope.js';
import { InputError, type InputScope } from './types.js';

/** The most `**` in a glob left to picomatch. */
const MAX_GLOBSTARS = 1;
/** The most `*` in one name or folder of a glob left to picomatch. */
const MAX_STARS_PER_PART = 2;

/**
 * Whether picomatch may match `glob` (relative to its base): at most MAX_GLOBSTARS `**` and
 * MAX_STARS_PER_PART `*` in each part, and no extglob (`+(…)`, `*(…)`, …), whose repeats backtrack
 * too. Counted on the text, braces and all: `{*a,*b}` is two stars.
 */
export function boundedGlob(glob: string): boolean {
  if (/[?*+@!]\(/.test(glob)) return false;
  const parts = glob.split('/');
  if (parts.filter((p) => p === '**').length > MAX_GLOBSTARS) return false;
  return parts.every((p) => p === '**' || (p.match(/\*/g)?.length ?? 0) <= MAX_STARS_PER_PART);
}

export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

/** The nearest folder at or above `dir` (but not above `root`) that holds a .git: where .gitignore rules stop. */
async function repositoryTop(dir: string, root: string): Promise<string> {
  let d = dir;
  for (;;) {
    if (
      await stat(join(d, '.git')).then(
        () => true,
        () => false,
      )
    )
      return d;
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
  if (expanded.split('/').includes('..'))
    throw new InputError(
      `${pattern}: a pattern may not contain ".." — start it from a folder inside the project, or ` +
        `give an absolute path inside an allowed root.`,
    );
  const scan = picomatch.scan(expanded);
  // a glob picomatch would match slowly is walked whole and each path tested by RE2 (glob-match.ts)
  let linear: ((relPath: string) => boolean) | undefined;
  if (!boundedGlob(scan.glob)) {
    const { globMatcher, GlobRefused } = await import('./glob-match.js');
    try {
      linear = globMatcher(scan.glob);
    } catch (err) {
      if (err instanceof GlobRefused) throw new InputError(`${pattern}: ${err.message}`);
      throw err;
    }
  }
  const start = await locate(scan.base || '.', scope.base, scope.roots, scope.closed);
  const cwd = start.real;
  const found = await glob(linear ? '**' : scan.glob, {
    cwd,
    absolute: true,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ['**/.git/**', '**/node_modules/**'],
  });
  const top = await repositoryTop(cwd, start.root);
  const rules = new GitignoreRules(top);
  const matched = found
    .map((p) => resolve(p))
    .filter((p) => !linear || linear(relative(cwd, p).split(sep).join('/')))
    .sort();
  rules.prefetch(matched);
  const files: string[] = [];
  let ignored = 0;
  for (const f of matched) {
    // the rules share the thread and stop past their budget (gitignore.ts RulesPace)
    const out = await rules.ignored(f).catch((err: unknown) => {
      if (err instanceof RulesTooCostly)
        throw new InputError(
          `${pattern}: ${err.message} (${files.length + ignored} of ${matched.length} files decided) ` +
            `— name the files instead, or narrow the pattern to fewer folders.`,
        );
      throw err;
    });
    if (out) ignored++;
    else files.push(f);
    if (files.length > scope.maxFiles) {
      throw new InputError(
        `${pattern}: matches more than ${scope.maxFiles} files (inputs.maxFiles) — narrow the pattern.`,
      );
    }
  }
  return { files, ignored };
}
