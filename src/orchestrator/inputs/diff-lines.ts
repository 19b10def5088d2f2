/**
 * What a unified diff (git's patch) shows of each file, for checking citations against it
 * (citations.ts, issue 42): per file, the lines each side shows by number — the new side's
 * context and added lines, the old side's context and removed lines — read from the hunk headers
 * `@@ -a,b +c,d @@`. A file's lines outside its hunks are not shown: a citation of them cannot be
 * checked. A new file's hunk shows all of its new side (a deleted file's, its old side), so a
 * line past it does not exist. Pure; the patch's lines end at "\n", as git numbers them.
 */

export interface DiffFile {
  /** The new path first, then the old one when it differs (a rename or copy); a deleted file has its old path only. */
  paths: string[];
  /** Lines shown on the new side, by number (1-based). */
  after: Map<number, string>;
  /** Lines shown on the old side. */
  before: Map<number, string>;
  /** The diff shows every line of the side: a new file (after), a deleted one (before). */
  wholeAfter: boolean;
  wholeBefore: boolean;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** A path as git writes it in a patch: C-quoted when it holds unusual characters, with its a/ or b/ prefix taken off. */
function patchPath(raw: string, prefix: string): string | undefined {
  let p = raw.endsWith('\t') ? raw.slice(0, -1) : raw; // git ends a path holding a space with a tab
  if (p === '/dev/null') return undefined;
  if (p.startsWith('"') && p.endsWith('"') && p.length >= 2) p = unquote(p.slice(1, -1));
  return p.startsWith(prefix) ? p.slice(prefix.length) : p;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** git's C quoting undone: \" \\ \t … and octal bytes (\303\251 is "é" in UTF-8). */
function unquote(q: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < q.length; i++) {
    const c = q[i] as string;
    if (c !== '\\' || i + 1 >= q.length) {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = q[i + 1] as string;
    const octal = /^[0-7]{3}/.exec(q.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      i += 3;
    } else {
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The one path of `diff --git a/P b/P` when both sides name the same path (a binary or mode-only change shows no ---/+++). */
function headerPath(rest: string): string | undefined {
  if (rest.length % 2 === 0) return undefined;
  const half = (rest.length - 1) / 2;
  const a = rest.slice(0, half);
  return a.startsWith('a/') && rest.slice(half + 1) === `b/${a.slice(2)}` ? a.slice(2) : undefined;
}

interface Reading {
  file: DiffFile;
  oldPath?: string | undefined;
  newPath?: string | undefined;
  deleted: boolean;
}

function finish(r: Reading | undefined, out: DiffFile[]): void {
  if (!r) return;
  const paths = r.deleted ? [r.oldPath] : [r.newPath ?? r.oldPath, r.oldPath];
  r.file.paths = [...new Set(paths.filter((p): p is string => p !== undefined && p !== ''))];
  if (r.file.paths.length > 0) out.push(r.file);
}

/** Every file a patch shows, with the lines of each side its hunks show. */
export function diffFiles(patch: string): DiffFile[] {
  const out: DiffFile[] = [];
  let r: Reading | undefined;
  let oldAt = 0;
  let newAt = 0;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of patch.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      // inside a hunk: every line is the file's, whatever it starts with, until both sides are counted
      const text = line.slice(1);
      if (line.startsWith(' ') || line === '') {
        r?.file.before.set(oldAt++, text);
        r?.file.after.set(newAt++, text);
        oldLeft--;
        newLeft--;
      } else if (line.startsWith('-')) {
        r?.file.before.set(oldAt++, text);
        oldLeft--;
      } else if (line.startsWith('+')) {
        r?.file.after.set(newAt++, text);
        newLeft--;
      } else if (!line.startsWith('\\')) oldLeft = newLeft = 0; // not a hunk line: the hunk was shorter than it said
      continue;
    }
    if (line.startsWith('diff --git ')) {
      finish(r, out);
      const same = headerPath(line.slice('diff --git '.length));
      r = { file: { paths: [], after: new Map(), before: new Map(), wholeAfter: false, wholeBefore: false }, oldPath: same, newPath: same, deleted: false };
    } else if (!r) continue;
    else if (line.startsWith('new file mode')) r.file.wholeAfter = true;
    else if (line.startsWith('deleted file mode')) {
      r.file.wholeBefore = true;
      r.deleted = true;
    } else if (line.startsWith('rename from ') || line.startsWith('copy from ')) r.oldPath = patchPath(line.slice(line.indexOf(' from ') + 6), '');
    else if (line.startsWith('rename to ') || line.startsWith('copy to ')) r.newPath = patchPath(line.slice(line.indexOf(' to ') + 4), '');
    else if (line.startsWith('--- ')) r.oldPath = patchPath(line.slice(4), 'a/') ?? r.oldPath;
    else if (line.startsWith('+++ ')) r.newPath = patchPath(line.slice(4), 'b/') ?? r.newPath;
    else {
      const h = HUNK.exec(line);
      if (!h) continue;
      oldAt = Number(h[1]);
      oldLeft = h[2] === undefined ? 1 : Number(h[2]);
      newAt = Number(h[3]);
      newLeft = h[4] === undefined ? 1 : Number(h[4]);
    }
  }
  finish(r, out);
  return out;
}
