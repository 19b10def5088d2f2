/**
 * Where a document may be cut, for splitInputs (split.ts): each line gets the rank of the boundary
 * before it — lower is a better place to cut. Headings rank 0–5 (Markdown `#`…`######`; in a
 * unified diff `diff --git` 0 and `@@` 1; in code a top-level declaration 0, together with the
 * comments, decorators or attributes right above it), the first line of a paragraph ranks
 * PARAGRAPH, any other line LINE. And how a piece is framed for a model. Pure: no I/O.
 */

/** Piece k of n of a split doc. */
export interface PieceNumber {
  index: number;
  of: number;
}

const PARAGRAPH = 6;
export const LINE = 7;

type DocKind = 'diff' | 'markdown' | 'code';

const MARKDOWN_LABEL = /\.(?:md|markdown|mdx|rst|txt)$/i;
const CODE_LABEL =
  /\.(?:[cm]?[jt]sx?|py|pyi|go|rs|java|kt|kts|scala|swift|c|h|cc|cpp|hpp|cs|rb|php|sh|bash|zsh|lua|dart|ex|exs)$/i;
const DIFF_TEXT = /^(?:diff --git |@@ -\d+(?:,\d+)? \+\d+)/m;
const MARKDOWN_HEADING_TEXT = /^ {0,3}#{1,6}[ \t]+\S/m;

const HEADING = / {0,3}(#{1,6})(?:[ \t]|\r?\n|\r?$)/y;
const FENCE = / {0,3}(`{3,}|~{3,})/y;
const DECLARATION =
  /(?:export|function|async|class|abstract|interface|type|enum|const|let|var|def|func|fn|pub|impl|struct|trait|mod|module|namespace|public|private|protected|internal|static)[ <(]/y;
const COMMENTISH = /[ \t]*(?:\/\/|\/\*|\*|#|@|--|;;|"""|''')/y;

/** A line break as editors take it: "\r\n", "\n", or a lone "\r" (old Mac files). */
const LINE_BREAK = /\r\n?|\n/g;

/** The offset right after the first line break at or after `from`, or -1 when none follows. */
export function nextLineStart(text: string, from: number): number {
  LINE_BREAK.lastIndex = from;
  const m = LINE_BREAK.exec(text);
  return m === null ? -1 : m.index + m[0].length;
}

/**
 * Offsets at which lines start (after "\n", "\r\n" or "\r"; a final break starts none); an empty text has one
 * empty line.
 */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = nextLineStart(text, 0); i !== -1 && i < text.length; i = nextLineStart(text, i)) starts.push(i);
  return starts;
}

/** What kind of text this is, by its label first and its content second. */
function docKind(label: string, text: string): DocKind {
  if (MARKDOWN_LABEL.test(label)) return 'markdown';
  if (DIFF_TEXT.test(text)) return 'diff';
  if (CODE_LABEL.test(label)) return 'code';
  return MARKDOWN_HEADING_TEXT.test(text) ? 'markdown' : 'code';
}

function at(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 11 && c !== 12) return false;
  }
  return true;
}

/** The rank of the boundary before each line (the first line's rank is never used). */
export function lineRanks(label: string, text: string, starts: readonly number[]): Uint8Array {
  const ranks = new Uint8Array(starts.length).fill(LINE);
  const kind = docKind(label, text);
  let prevBlank = false;
  let fence: string | undefined; // Markdown: the open code fence, inside which `#` is no heading
  let fileHeader = false; // diff: between `diff --git` and its first hunk, which stay together
  let comments = -1; // code: first line of the comments right above this line
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] ?? 0;
    const end = starts[i + 1] ?? text.length;
    const blank = isBlank(text, start, end);
    let rank = !blank && prevBlank ? PARAGRAPH : LINE;
    if (kind === 'diff') {
      if (text.startsWith('diff --git ', start)) {
        rank = 0;
        fileHeader = true;
      } else if (text.startsWith('@@ ', start)) {
        if (!fileHeader) rank = Math.min(rank, 1);
        fileHeader = false;
      }
    } else if (kind === 'markdown') {
      const marker = at(FENCE, text, start)?.[1];
      if (fence === undefined && marker) fence = marker;
      else if (fence !== undefined && marker && marker[0] === fence[0] && marker.length >= fence.length)
        fence = undefined;
      else if (fence === undefined) {
        const hashes = at(HEADING, text, start)?.[1];
        if (hashes) rank = Math.min(rank, hashes.length - 1);
      }
    } else if (!blank && at(DECLARATION, text, start)) {
      ranks[comments === -1 ? i : comments] = 0;
      comments = -1;
    } else comments = !blank && at(COMMENTISH, text, start) ? (comments === -1 ? i : comments) : -1;
    ranks[i] = Math.min(ranks[i] ?? LINE, rank);
    prevBlank = blank;
  }
  return ranks;
}

/** The 1-based line holding offset. */
export function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length; // starts[lo] <= offset < starts[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid;
  }
  return lo + 1;
}

/** Moves a cut back so it splits neither a surrogate pair nor a CRLF, unless that leaves nothing. */
export function safeCut(text: string, at: number, start: number): number {
  if (at <= start + 1 || at >= text.length) return at;
  const before = text.charCodeAt(at - 1);
  const after = text.charCodeAt(at);
  if (before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff) return at - 1;
  if (before === 13 && after === 10) return at - 1;
  return at;
}

// How renderPart (split.ts) frames a piece.

/** The most framing a piece gets: numbers in the header at their widest (see partOverhead). */
export function frameOverhead(label: string, fence: string, lineCount: number, length: number, split: boolean): string {
  const nines = (n: number): number => Number('9'.repeat(String(Math.max(1, n)).length));
  const lines = nines(lineCount);
  const piece = split ? { index: nines(length), of: nines(length) } : undefined;
  return `${frame(header(label, piece, [lines, lines]), fence, '\n')}\n\n`;
}

export function header(label: string, piece: PieceNumber | undefined, lines: [number, number]): string {
  const name = `### ${label.replace(/[\r\n]+/g, ' ')}`;
  return piece ? `${name} (part ${piece.index} of ${piece.of}, lines ${lines[0]}–${lines[1]})` : name;
}

export function frame(head: string, fence: string, text: string): string {
  return `${head}\n${fence}\n${text === '' || text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}

/** Backticks longer than any run of them in the text (at least three). */
export function fenceFor(text: string): string {
  let longest = 0;
  for (let i = text.indexOf('`'); i !== -1; i = text.indexOf('`', i)) {
    let j = i;
    while (text.charCodeAt(j) === 96) j++;
    longest = Math.max(longest, j - i);
    i = j;
  }
  return '`'.repeat(Math.max(3, longest + 1));
}
