/**
 * The project's git diff, read with git itself: the working tree's changes, the staged ones, or a
 * commit range such as "main...HEAD". The project folder is the boundary: git lists only the paths
 * inside it (`--relative`), every path listed — both sides of a rename or copy — is judged by the same
 * rules as `files`, and only the patch of the paths allowed is asked for, by literal pathspec; no
 * path is ever read out of the patch text. A file whose changes show a private key is left out
 * too. git runs with no program of the repository's choosing (git-run.ts); the output is bounded
 * and time-limited.
 */
import { parseNameStatus, rangeRevisions } from './diff-list.js';
import { safeGit, type GitRun } from './git-run.js';
import { isInside, outsideMessage } from './scope.js';
import { allowMatcher, looksLikePrivateKey, secretKind } from './secrets.js';
import { formatBytes } from '../config/units.js';
import { InputError, type DiffRequest, type InputScope, type SkippedEntry } from './types.js';

export interface DiffRead {
  label: string;
  text: string;
  bytes: number;
  /** Files whose changes were left out, and why. */
  skipped: SkippedEntry[];
}

/** Options every diff command shares: fixed prefixes, no drivers, no colour, paths relative to the project folder. */
const DIFF_OPTIONS = [
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--relative',
  '--find-renames',
  '--find-copies',
  '--src-prefix=a/',
  '--dst-prefix=b/',
  '--submodule=short',
  '--ignore-submodules=dirty',
];
/** Changed entries per git command, so a long list stays well under the system's argument limit. */
const PATHS_PER_CALL = 200;

/** The checked user paths: plain paths, taken literally (GIT_LITERAL_PATHSPECS). */
function userPaths(req: DiffRequest): string[] {
  const paths = (req.paths ?? []).map((p) => {
    if (p.startsWith('-') || p.includes('\0'))
      throw new InputError(`diff.paths: ${JSON.stringify(p.slice(0, 80))} is not a path.`);
    return p;
  });
  return paths.length ? paths : ['.'];
}

/** The revisions of `range`, each checked to be a commit. */
async function checkedRange(range: string, git: GitRun): Promise<string[]> {
  const revisions = rangeRevisions(range);
  for (const rev of revisions) {
    await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).catch(() => {
      throw new InputError(
        `diff.range: ${JSON.stringify(rev.slice(0, 80))} is not a commit in this repository — give ` +
          `a branch, tag, commit or HEAD~n.`,
      );
    });
  }
  return revisions;
}

/**
 * Why a changed path may not be sent, or undefined: the rules `files` applies, on the path relative to the
 * project folder.
 */
function pathRefusal(path: string, allowed: (p: string) => boolean): string | undefined {
  const what = secretKind(path);
  return what && !allowed(path) ? `its changes were left out of the diff: it looks like ${what}` : undefined;
}

export async function readDiff(req: DiffRequest, scope: InputScope, budgetLeft: number): Promise<DiffRead> {
  // the diff is of the repository the project folder is in: never of one in a folder that is not open
  if (!scope.roots.some((r) => isInside(r, scope.base)))
    throw new InputError(outsideMessage('diff', undefined, scope.roots, scope.closed));
  const git = await safeGit(scope.base);
  const top = (await git(['rev-parse', '--show-toplevel'])).trim();
  const paths = userPaths(req);
  if (req.range !== undefined) await checkedRange(req.range, git);
  const which = [...(req.staged ? ['--cached'] : []), '--end-of-options', ...(req.range ? [req.range] : [])];
  const budget = Math.max(1, budgetLeft);

  // renames and copies found, so both sides of each are judged together: a secret renamed to an ordinary name stays out
  const listed = parseNameStatus(
    await git(['diff', ...DIFF_OPTIONS, '--name-status', '-z', ...which, '--', ...paths], budget),
  );
  const allowed = allowMatcher(scope.allow);
  const skipped: SkippedEntry[] = [];
  const keep: string[][] = [];
  for (const entry of listed) {
    const why = entry.paths.map((p) => pathRefusal(p, allowed)).find(Boolean);
    if (why) for (const path of entry.paths) skipped.push({ path, reason: why });
    else keep.push(entry.paths);
  }

  const patch = (entries: readonly string[][]) =>
    git(['diff', ...DIFF_OPTIONS, '--patch', ...which, '--', ...new Set(entries.flat())], budget);
  const chunks: string[] = [];
  for (let i = 0; i < keep.length; i += PATHS_PER_CALL) {
    const part = keep.slice(i, i + PATHS_PER_CALL);
    const text = await patch(part);
    if (!looksLikePrivateKey(text)) {
      chunks.push(text);
      continue;
    }
    // a private key somewhere in these changes: ask for each entry's patch on its own, so the one holding it
    // is known by name
    for (const entry of part) {
      const own = await patch([entry]);
      if (looksLikePrivateKey(own) && !entry.every(allowed)) {
        for (const path of entry)
          skipped.push({
            path,
            reason: 'its changes were left out of the diff: they hold a private key, which is never sent to a model',
          });
      } else chunks.push(own);
    }
  }
  const text = chunks.join('');
  if (Buffer.byteLength(text) > budgetLeft)
    throw new InputError(
      `the diff is larger than the ${formatBytes(budgetLeft)} one call may still read ` +
        `(inputs.maxTotalBytes) — narrow it with diff.paths or a shorter range.`,
    );
  const what = req.range
    ? `git diff ${req.range}`
    : req.staged
      ? 'git diff --cached (staged changes)'
      : 'git diff (working tree)';
  if (text.trim() === '') {
    throw new InputError(
      `${what} is empty${skipped.length ? ' once secrets are left out' : ''} in ${top} — nothing ` +
        `to ` +
        `read${req.staged ? '; stage changes with `git add` first' : req.range ? '' : '; for staged changes pass diff.staged: true'}.`,
    );
  }
  return { label: what, text, bytes: Buffer.byteLength(text), skipped };
}
