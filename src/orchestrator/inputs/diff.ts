/**
 * The project's git diff, read with git itself: the working tree's changes, the staged ones, or a
 * commit range such as "main...HEAD". No external diff or text conversion drivers run, colour is
 * off, the output is bounded and time-limited, and a file whose diff would show a secret is left
 * out of it (and listed).
 */
import { execFile } from 'node:child_process';
import { relative, sep } from 'node:path';
import { allowMatcher, secretKind } from './secrets.js';
import { isInside } from './scope.js';
import { InputError, type DiffRequest, type InputScope, type SkippedEntry } from './types.js';
import { formatBytes } from '../config/units.js';

const DIFF_TIMEOUT_MS = 30_000;
/** A revision or range: no option-like start, no spaces or shell-unsafe characters. */
const REVISION = /^(?!-)[\w./~^@{}:+-]+$/;

function git(args: string[], cwd: string, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: maxBytes, timeout: DIFF_TIMEOUT_MS, encoding: 'utf8', env: { ...process.env, GIT_PAGER: 'cat', GIT_EXTERNAL_DIFF: '', LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
      if (e.code === 'ENOENT') return reject(new InputError('git is not installed or not on PATH, so the diff cannot be read.'));
      if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(new InputError(`the diff is larger than the ${formatBytes(maxBytes)} one call may read (inputs.maxTotalBytes) — narrow it with diff.paths or a shorter range.`));
      if (e.killed) return reject(new InputError(`git diff took longer than ${DIFF_TIMEOUT_MS / 1000} s and was stopped.`));
      const said = String(stderr).trim().split('\n')[0] ?? '';
      if (/not a git repository/i.test(said)) return reject(new InputError(`${cwd} is not a git repository, so there is no diff to read.`));
      return reject(new InputError(`git diff failed: ${said || e.message}.`));
    });
  });
}

export interface DiffRead {
  label: string;
  text: string;
  bytes: number;
  /** Files whose changes were left out, and why. */
  skipped: SkippedEntry[];
}

/** Splits a unified diff into one section per file, by its `diff --git` header. */
function sections(text: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const starts = [...text.matchAll(/^diff --git a\/(.*?) b\/(.*)$/gm)];
  if (starts.length === 0) return text ? [{ path: '', text }] : [];
  if (starts[0]!.index! > 0) out.push({ path: '', text: text.slice(0, starts[0]!.index) });
  starts.forEach((m, i) => out.push({ path: m[2] ?? m[1] ?? '', text: text.slice(m.index, starts[i + 1]?.index ?? text.length) }));
  return out;
}

export async function readDiff(req: DiffRequest, scope: InputScope, budgetLeft: number): Promise<DiffRead> {
  if (req.range !== undefined && !REVISION.test(req.range)) {
    throw new InputError(`diff.range ${JSON.stringify(req.range.slice(0, 80))} is not a revision or range (e.g. "HEAD~3", "main...HEAD").`);
  }
  const top = (await git(['rev-parse', '--show-toplevel'], scope.base, 65536)).trim();
  const paths = (req.paths ?? []).map((p) => {
    if (p.startsWith('-') || p.includes('\0')) throw new InputError(`diff.paths: ${JSON.stringify(p.slice(0, 80))} is not a path.`);
    return p;
  });
  const args = ['diff', '--no-color', '--no-ext-diff', '--no-textconv', ...(req.staged ? ['--cached'] : []), ...(req.range ? [req.range] : []), '--', ...paths];
  const raw = await git(args, scope.base, Math.max(1, budgetLeft));
  const allowed = allowMatcher(scope.allow);
  const skipped: SkippedEntry[] = [];
  const kept: string[] = [];
  for (const s of sections(raw)) {
    const what = s.path ? secretKind(s.path) : undefined;
    if (what && !allowed(s.path)) skipped.push({ path: s.path, reason: `its changes were left out of the diff: it looks like ${what}` });
    else kept.push(s.text);
  }
  const text = kept.join('');
  const what = req.range ? `git diff ${req.range}` : req.staged ? 'git diff --cached (staged changes)' : 'git diff (working tree)';
  if (text.trim() === '') {
    throw new InputError(`${what} is empty${skipped.length ? ' once secrets are left out' : ''} in ${top} — nothing to read${req.staged ? '; stage changes with `git add` first' : req.range ? '' : '; for staged changes pass diff.staged: true'}.`);
  }
  const where = isInside(scope.base, top) && top !== scope.base ? ` in ${relative(scope.base, top).split(sep).join('/')}` : '';
  return { label: `${what}${where}`, text, bytes: Buffer.byteLength(text), skipped };
}
