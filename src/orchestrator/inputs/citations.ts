/**
 * Checked citations (issue 32, "Answers an agent can trust"): when inputs were read by reference,
 * every `path:line` / `path:line-line` citation in a model's answer is checked against what was
 * read — the lines must exist, and a quote written next to the citation must be on those lines.
 * Three outcomes (issue 42): verified; flagged — it names a file that was read and is wrong about
 * it; unchecked — the file was not read (a build log names source files), or the path could be
 * any of several, or the lines are outside what a diff shows. A diff is read per file it shows
 * (diff-lines.ts): `code.py:5` is checked against the lines the diff shows of code.py, new side or
 * old. Lines end at "\n", "\r\n" or "\r". Pure: no I/O.
 */
import { attachQuotes, normaliseSpace, quoteOf, type Occurrence } from './citation-quotes.js';
import { diffFiles } from './diff-lines.js';
import { DiffSource, Doc, judgeDiff, lineWord } from './citation-lines.js';

/**
 * What was read: label is the path as shown (e.g. "src/retry.ts"), text the decoded text; a diff's files are
 * cited by their own paths.
 */
export interface ReadText {
  label: string;
  text: string;
  kind?: 'text' | 'diff';
}

export interface Citation {
  /** As written in the answer, e.g. "src/retry.ts:12-14". */
  raw: string;
  /** The path as cited. */
  path: string;
  /** 1-based lines (to === from for a single line). */
  from: number;
  to: number;
  /**
   * A quoted span next to it in the answer (`code` in backticks or "text" in quotes right after or before),
   * when there is one.
   */
  quote?: string;
  verdict: 'verified' | 'flagged' | 'unchecked';
  /** For a flagged or unchecked one: why, in words. */
  why?: string;
}

export interface CitationReport {
  citations: Citation[];
  verified: number;
  flagged: number;
  /** Citations that could not be checked (their file was not read): never counted against the answer. */
  unchecked: number;
  /**
   * "2 of 3 citations verified", "2 of 3 citations verified, 1 unchecked", "2 citations unchecked" ("" when
   * there are none).
   */
  summary: string;
}

/** The sentence added to the prompt when inputs are read by reference: how to cite. */
export const CITE_INSTRUCTION =
  // every request of a split job carries it: short (a small window feels each token)
  'Cite inputs as path:line or path:line-line (e.g. src/a.ts:3-5; lines numbered from 1 as ' +
  'the headers say); quote code in backticks after it.';

/** At most this many distinct citations are checked. */
export const MAX_CITATIONS = 200;

/**
 * The one tokenizer for citations. A match starts a token: the lookbehind refuses a start inside a
 * word or a path, right after ":" (so the host of `http://x:80` is never a path) or "@"
 * (`git@host:...`). Then:
 *   1  an optional opening backtick (`src/a.ts:3` wrapped in backticks);
 *   2  the path: letters, digits, "_", ".", "-", "/", ending in a letter or digit (so a sentence's
 *      full stop is not part of it), optionally followed by its own closing backtick (`src/a.ts`:3);
 *   then one of the three ways of naming lines:
 *   3,4  ":N" or ":N-M" / ":N–M" (en dash);
 *   5,6  "#LN" or "#LN-LM" (GitHub links);
 *   7,8  ", line N" / " line N" / " lines N-M".
 * The last number must not run into a word or a "/" (`example.com:8080/api` is an address).
 * Whether the path looks like a file (an extension or a "/", or it names an input) is decided
 * after the match, which rules out times (`12:30`) and ratios (`3:2`, `a:b` has no number).
 */
const CITATION =
  /(?<![\w./\-:@#`])(`?)([\w./-]*\w)`?(?::(\d+)(?:[-–](\d+))?|#L(\d+)(?:-L?(\d+))?|,?[ \t]+[Ll]ines?[ \t]+(\d+)(?:[ \t]*[-–][ \t]*(\d+))?)(?![\w/])/g;

/** A path with a "/", or whose name has an extension with a letter in it ("v1.2" and "10.0.0.1" have none). */
function looksLikeFile(path: string): boolean {
  if (path.includes('/')) return true;
  const dot = path.lastIndexOf('.');
  return dot !== -1 && /[A-Za-z]/.test(path.slice(dot + 1));
}

type Source = Doc | DiffSource;
type Resolved = { doc: Source } | { ambiguous: string[] } | undefined;

export function checkCitations(answer: string, read: readonly ReadText[]): CitationReport {
  const inputs = new Inputs(read);
  const { found, truncated } = scan(answer, inputs);
  attachQuotes(answer, found);
  if (truncated) found.pop(); // the first citation past the limit: it only bounded the last one's quote

  // Same raw: reported once; every quote written next to any of its occurrences is checked.
  const byRaw = new Map<string, { first: Occurrence; quotes: Set<string> }>();
  for (const occ of found) {
    const quote = quoteOf(occ);
    let entry = byRaw.get(occ.raw);
    if (!entry) byRaw.set(occ.raw, (entry = { first: occ, quotes: new Set() }));
    if (quote !== undefined) entry.quotes.add(quote);
  }

  const citations: Citation[] = [];
  for (const { first, quotes } of byRaw.values()) citations.push(judge(first, [...quotes], inputs));
  const verified = citations.filter((c) => c.verdict === 'verified').length;
  const flagged = citations.filter((c) => c.verdict === 'flagged').length;
  const unchecked = citations.length - verified - flagged;
  return { citations, verified, flagged, unchecked, summary: summaryOf(verified, flagged, unchecked, truncated) };
}

/** "2 of 3 citations verified, 1 unchecked"; only the checked ones are counted in "of". */
function summaryOf(verified: number, flagged: number, unchecked: number, truncated: boolean): string {
  const checked = verified + flagged;
  const s = (n: number) => (n === 1 ? '' : 's');
  const parts = [
    checked > 0 ? `${verified} of ${checked} citation${s(checked)} verified` : '',
    unchecked > 0 ? (checked > 0 ? `${unchecked} unchecked` : `${unchecked} citation${s(unchecked)} unchecked`) : '',
    truncated ? `first ${MAX_CITATIONS} checked` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/**
 * The inputs by label, and by every shorter path they end with ("retry.ts" for "src/retry.ts"). A
 * diff is there by the paths of the files it shows; a file read whole goes before its diff.
 */
class Inputs {
  private readonly exact = new Map<string, Source>();
  private readonly bySuffix = new Map<string, string[]>();

  constructor(read: readonly ReadText[]) {
    for (const r of read) if (r.kind !== 'diff') this.add(r.label, new Doc(r.label, r.text));
    for (const r of read) {
      if (r.kind !== 'diff') continue;
      for (const file of diffFiles(r.text)) for (const path of file.paths) this.add(path, new DiffSource(path, file));
    }
  }

  private add(shown: string, source: Source): void {
    const label = normalisePath(shown.replace(/\\/g, '/'));
    if (this.exact.has(label)) return;
    this.exact.set(label, source);
    for (let i = label.indexOf('/'); i !== -1; i = label.indexOf('/', i + 1)) {
      const suffix = label.slice(i + 1); // "" for a label ending in "/": no citation names it
      const list = this.bySuffix.get(suffix);
      if (list) list.push(label);
      else this.bySuffix.set(suffix, [label]);
    }
  }

  /**
   * The input a cited path names: the label itself; else the one label that ends with it at a "/"
   * (the answer wrote `retry.ts` for `src/retry.ts`), or several when it is ambiguous; else the
   * longest label it ends with (the answer wrote a longer, e.g. absolute, path).
   */
  resolve(cited: string): Resolved {
    const path = normalisePath(cited);
    const doc = this.exact.get(path);
    if (doc) return { doc };
    const longer = this.bySuffix.get(path);
    if (longer?.length === 1) return { doc: this.exact.get(longer[0] as string) as Source };
    if (longer) return { ambiguous: longer.map((l) => (this.exact.get(l) as Source).label) };
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      const shorter = this.exact.get(path.slice(i + 1));
      if (shorter) return { doc: shorter };
    }
    return undefined;
  }
}

function normalisePath(path: string): string {
  let p = path;
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}

/** One pass of the tokenizer over the answer: every citation of a file, in order. */
function scan(answer: string, inputs: Inputs): { found: Occurrence[]; truncated: boolean } {
  const found: Occurrence[] = [];
  const distinct = new Set<string>();
  let truncated = false;
  CITATION.lastIndex = 0;
  for (let m = CITATION.exec(answer); m; m = CITATION.exec(answer)) {
    const [text, tick, , c1, c2, g1, g2, w1, w2] = m;
    const path = m[2] as string; // the path and one of the three first line numbers always take part in a match
    if (!looksLikeFile(path) && !inputs.resolve(path)) continue;
    const fromText = (c1 ?? g1 ?? w1) as string;
    const toText = c2 ?? g2 ?? w2 ?? fromText;
    let end = m.index + text.length;
    if (tick && answer[end] === '`') end++;
    const raw = text.replace(/`/g, '');
    if (!distinct.has(raw)) {
      if (distinct.size === MAX_CITATIONS) {
        // Kept only to bound the last checked citation's quote; dropped before judging.
        found.push({ raw, path, from: 0, to: 0, start: m.index, end });
        truncated = true;
        break;
      }
      distinct.add(raw);
    }
    found.push({ raw, path, from: Number(fromText), to: Number(toText), start: m.index, end });
  }
  CITATION.lastIndex = 0;
  return { found, truncated };
}

function judge(occ: Occurrence, quotes: readonly string[], inputs: Inputs): Citation {
  const base: Citation = { raw: occ.raw, path: occ.path, from: occ.from, to: occ.to, verdict: 'verified' };
  if (quotes[0] !== undefined) base.quote = quotes[0];
  const flag = (why: string): Citation => ({ ...base, verdict: 'flagged', why });
  const unchecked = (why: string): Citation => ({ ...base, verdict: 'unchecked', why });

  const resolved = inputs.resolve(occ.path);
  if (!resolved) return unchecked(`${occ.path} was not read, so it could not be checked`);
  if ('ambiguous' in resolved) {
    const names = resolved.ambiguous;
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    return unchecked(`${occ.path} is ambiguous: it could be any of ${shown}`);
  }
  const { doc } = resolved;
  if (doc instanceof DiffSource) return { ...base, ...judgeDiff(occ, quotes, doc.file) };
  const has = (): string => {
    const count = doc.count();
    return count === 0
      ? 'the file is empty (0 lines)'
      : `${occ.path === doc.label ? 'the file' : doc.label} has ${count} line${count === 1 ? '' : 's'}`;
  };
  // N-0 is backwards, below
  if (occ.from === 0) return flag(`${occ.raw} does not exist: lines are numbered from 1 and ${has()}`);
  if (occ.from > occ.to)
    return flag(`${occ.raw} is backwards: line ${occ.from} comes after line ${occ.to}, and ${has()}`);
  if (!doc.has(occ.from)) return flag(`${occ.raw} does not exist: ${has()}`);
  if (!doc.has(occ.to)) return flag(`${occ.raw} runs past the end: ${has()}`);

  if (quotes.length > 0) {
    const lines = normaliseSpace(doc.lines(occ.from, occ.to));
    for (const q of quotes) {
      if (!lines.includes(normaliseSpace(q))) {
        return { ...flag(`the quoted text is not on ${lineWord(occ.from, occ.to)} of ${doc.label}`), quote: q };
      }
    }
  }
  return base;
}
