/**
 * What a citation is checked against (citations.ts): a read text's lines, found lazily, or one
 * file as a diff shows it (diff-lines.ts). Pure.
 */
import { normaliseSpace } from './citation-quotes.js';
import type { DiffFile } from './diff-lines.js';

/** A citation's verdict, and why when it is not verified. */
export interface CitationVerdict {
  verdict: 'verified' | 'flagged' | 'unchecked';
  why?: string;
  /** The quote that is not there, when that is why. */
  quote?: string;
}

/** What a citation names: as written, and its lines. */
interface Cited {
  raw: string;
  from: number;
  to: number;
}

export function lineWord(from: number, to: number): string {
  return from === to ? `line ${from}` : `lines ${from}-${to}`;
}

/**
 * A read text and where its lines start, found lazily: only as far into the text as a citation
 * needs (its last line, or the whole text to name the line count in a flag), once per text. Lines
 * are counted as an editor shows them: a "\n", a "\r\n" or a lone "\r" ends a line, a final
 * line end does not start another, and "" has no lines.
 */
/** A line end: "\r\n", a lone "\r" or "\n" (searched from a line's start: each line's text is read once). */
const LINE_END = /\r\n?|\n/g;

export class Doc {
  private readonly starts: number[];
  private done = false;

  constructor(
    readonly label: string,
    readonly text: string,
  ) {
    this.starts = text === '' ? [] : [0]; // "" is then done at the first scan: no line end follows
  }

  /** Whether line n (1-based) exists. */
  has(n: number): boolean {
    this.scanTo(n);
    return this.starts.length >= n;
  }

  count(): number {
    this.scanTo(Infinity);
    return this.starts.length;
  }

  /** The text of lines from..to, which exist. */
  lines(from: number, to: number): string {
    this.scanTo(to + 1);
    return this.text.slice(this.starts[from - 1], this.starts[to] ?? this.text.length);
  }

  private scanTo(n: number): void {
    const { starts, text } = this;
    let at = starts.at(-1) ?? 0;
    while (!this.done && starts.length < n) {
      const next = this.nextLine(at);
      if (next === -1 || next >= text.length) this.done = true;
      else starts.push((at = next));
    }
  }

  /** Where the line after the one holding `at` starts, or -1 when it is the last. */
  private nextLine(at: number): number {
    LINE_END.lastIndex = at;
    const end = LINE_END.exec(this.text);
    return end ? end.index + end[0].length : -1;
  }
}

/** One file as a diff shows it, cited by its path. */
export class DiffSource {
  constructor(
    readonly label: string,
    readonly file: DiffFile,
  ) {}
}

/**
 * A citation of a file the diff shows, checked against what it shows: verified when one side (new
 * or old) shows every cited line and holds the quote; flagged when they are not lines at all, when
 * every side that shows them lacks the quote, or when they are past the end of a file the diff
 * shows whole (a new or deleted file); else unchecked (the lines are outside the hunks).
 */
export function judgeDiff(occ: Cited, quotes: readonly string[], file: DiffFile): CitationVerdict {
  const flag = (why: string): CitationVerdict => ({ verdict: 'flagged', why });
  const path = file.paths[0] as string;
  if (occ.from === 0) return flag(`${occ.raw} does not exist: lines are numbered from 1`); // N-0 is backwards, below
  if (occ.from > occ.to) return flag(`${occ.raw} is backwards: line ${occ.from} comes after line ${occ.to}`);
  const shown: string[] = [];
  for (const side of [file.after, file.before]) {
    const lines: string[] = [];
    for (let n = occ.from; n <= occ.to && side.has(n); n++) lines.push(side.get(n) as string);
    if (lines.length === occ.to - occ.from + 1) shown.push(normaliseSpace(lines.join('\n')));
  }
  if (shown.length > 0) {
    const missing = quotes.find((q) => !shown.some((lines) => lines.includes(normaliseSpace(q))));
    if (missing === undefined) return { verdict: 'verified' };
    return {
      ...flag(`the quoted text is not on ${lineWord(occ.from, occ.to)} of ${path} as the diff shows it`),
      quote: missing,
    };
  }
  const whole = file.wholeAfter ? file.after : file.wholeBefore ? file.before : undefined;
  if (whole) {
    const count = whole.size;
    const has =
      `${file.wholeAfter ? 'the new file' : 'the deleted file'} ${path} has ${count} ` +
      `line${count === 1 ? '' : 's'}`;
    return flag(`${occ.raw} ${whole.has(occ.from) ? 'runs past the end' : 'does not exist'}: ${has}`);
  }
  return { verdict: 'unchecked', why: `${occ.raw} is outside the lines the diff shows of ${path}` };
}
