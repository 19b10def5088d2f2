/**
 * What a unified diff (git's patch, as inputs/diff.ts reads it) shows of each file, for checking
 * citations against it (citations.ts, issue 42): per file, the lines each side shows by number —
 * the new side's context and added lines, the old side's context and removed lines — read from the
 * hunk headers `@@ -a,b +c,d @@`. A file's lines outside its hunks are not shown: a citation of
 * them cannot be checked. A new text file's hunk shows all of its new side (a deleted file's, its
 * old side), so a line past it does not exist; a binary file shows no line. A conflicted file's
 * combined diff (`diff --cc`) is not read. Pure; the patch's lines end at "\n", as git numbers them.
 */

export interface DiffFile {
  /** The new path first, then the old one when it differs (a rename or copy). */
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

/** git's C escapes (a path holding a quote, a backslash or a control character is written in quotes). */
const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** A path as git writes it, unquoted: `"tab\there.py"` is `tab<TAB>here.py`, `\303\251` the UTF-8 bytes of "é". */
function unquoted(raw: string): string {
  if (raw[0] !== '"') return raw;
  const chars = [...raw.slice(1, -1)]; // by code point: an escape is one ASCII character
  const bytes: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const escaped = ESCAPES[chars[i + 1] as string];
    if (c !== '\\') bytes.push(...Buffer.from(c));
    else if (escaped === undefined) {
      bytes.push(parseInt(chars.slice(i + 1, i + 4).join(''), 8)); // an octal byte: \033
      i += 3;
    } else {
      bytes.push(escaped);
      i += 1;
    }
  }
  return Buffer.from(bytes).toString();
}

/**
 * The path of `diff --git a/P b/P`, from its second half without the b/ (diff.ts fixes the
 * prefixes). Only a rename or copy names two paths, and its `rename from`/`rename to` lines name
 * them again; the ---/+++ lines repeat the header's paths.
 */
function headerPath(rest: string): string {
  return unquoted(rest.slice((rest.length + 1) / 2)).slice(2);
}

/** One file's part of the patch: from just after `diff --git ` to the next file's header (a line no other matches). */
function readFile(part: string): DiffFile {
  const lines = part.split('\n');
  const after = new Map<number, string>();
  const before = new Map<number, string>();
  let wholeAfter = false;
  let wholeBefore = false;
  let newPath = headerPath(lines[0] as string);
  let oldPath = newPath;
  let oldAt = 0;
  let newAt = 0;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of lines) {
    if (oldLeft > 0 || newLeft > 0) {
      // inside a hunk until both sides are counted: a context line (" ", or "" under
      // diff.suppressBlankEmpty), a removed or an added one
      const text = line.slice(1);
      if (line.startsWith(' ') || line === '') {
        before.set(oldAt++, text);
        after.set(newAt++, text);
        oldLeft--;
        newLeft--;
      } else if (line.startsWith('-')) {
        before.set(oldAt++, text);
        oldLeft--;
      } else if (line.startsWith('+')) {
        after.set(newAt++, text);
        newLeft--;
      } // else "\ No newline at end of file", which is no line of the file
      continue;
    }
    const h = HUNK.exec(line);
    if (h) {
      oldAt = Number(h[1]);
      oldLeft = h[2] === undefined ? 1 : Number(h[2]);
      newAt = Number(h[3]);
      newLeft = h[4] === undefined ? 1 : Number(h[4]);
    } else if (line.startsWith('new file mode')) wholeAfter = true;
    else if (line.startsWith('deleted file mode')) wholeBefore = true;
    else if (line.startsWith('Binary files ')) wholeAfter = wholeBefore = false;
    else if (line.startsWith('rename from ') || line.startsWith('copy from '))
      oldPath = unquoted(line.slice(line.indexOf(' from ') + 6));
    else if (line.startsWith('rename to ') || line.startsWith('copy to '))
      newPath = unquoted(line.slice(line.indexOf(' to ') + 4));
  }
  return { paths: [...new Set([newPath, oldPath])], after, before, wholeAfter, wholeBefore };
}

/** Every file a patch shows, with the lines of each side its hunks show. */
export function diffFiles(patch: string): DiffFile[] {
  // a file's header line never starts a line of a hunk (" ", "-", "+", "\"); what precedes the first is no file's
  return `\n${patch}`.split('\ndiff --git ').slice(1).map(readFile);
}
