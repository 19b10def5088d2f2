/**
 * The pure parts of reading a diff: which ranges are accepted, and what git's machine-readable
 * listing (`--name-status -z`) says changed.
 */
import { InputError } from './types.js';

/**
 * One revision: no option-like or dotted start, no `:` (blob and tree expressions, `:/message`), no range of
 * its own.
 */
const REVISION = /^(?![-^.])[\w./~^@{}+-]+$/;

/** The revisions of a range ("A", "A..B" or "A...B"); throws an InputError saying what is accepted. */
export function rangeRevisions(range: string): string[] {
  const parts = range.includes('...') ? range.split('...') : range.split('..');
  const ok = parts.length <= 2 && parts.every((r) => REVISION.test(r) && !r.includes('..'));
  if (!ok) {
    throw new InputError(
      `diff.range ${JSON.stringify(range.slice(0, 80))} is not a revision or range — give one ` +
        `commit ("HEAD~3") or two joined by .. or ... ("main..HEAD", "main...HEAD"); paths, blob ` +
        `expressions (with ":") and options are not accepted.`,
    );
  }
  return parts;
}

export interface Changed {
  /** The status letter: A, C, D, M, R, T, U, X. */
  status: string;
  /** Every path the entry names: one, or two for a rename or copy (old, then new). */
  paths: string[];
}

/** Parses `git diff --name-status -z` output: a status field, then one path (two for R and C), each ending in NUL. */
export function parseNameStatus(out: string): Changed[] {
  const fields = out.split('\0');
  if (fields.at(-1) === '') fields.pop();
  const changed: Changed[] = [];
  for (let i = 0; i < fields.length;) {
    const status = fields[i++]!;
    const count = /^[RC]/.test(status) ? 2 : 1;
    const paths = fields.slice(i, i + count);
    if (!/^[A-Z]\d*$/.test(status) || paths.length !== count)
      throw new InputError(
        `git diff listed changes in a form that could not be read (${JSON.stringify(status.slice(0, 20))}).`,
      );
    changed.push({ status: status[0]!, paths });
    i += count;
  }
  return changed;
}
