/**
 * The quotes beside an answer's citations (citations.ts): a quoted span right before a citation
 * or the first one after it on its line — `code` in backticks, "text" in quotes — each given to
 * one citation. Pure; every citation's search stops at its neighbours, so an answer is read about
 * once in all.
 */

/** How far after a citation (characters, same line) a quote may start. */
const QUOTE_REACH = 80;
/** Quotes shorter than this (after whitespace is normalised) are ignored. */
const MIN_QUOTE = 3;

/**
 * What may stand between a quote and the citation right after it: a dash, colon or comma, or one
 * of a few short words ("in", "at", …), and an opening parenthesis or bracket — "`x` (a.ts:3)",
 * "`x` in a.ts:3", "`x` — a.ts:3". Matched against the few characters before a citation.
 */
const BEFORE_GAP = /([`"”])[ \t]*(?:(?:in|at|on|from|see|[-–—:,])[ \t]*)?[([]?[ \t]*$/;
const BEFORE_REACH = 16;

interface Span {
  start: number;
  end: number;
  text: string;
  /** A quote before a citation, joined to it by more than spaces: "(", "in", "—", … */
  bound?: boolean;
}

export interface Occurrence {
  raw: string;
  path: string;
  from: number;
  to: number;
  /** The citation with its wrapping backticks. */
  start: number;
  end: number;
  before?: Span;
  after?: Span;
}

/**
 * Finds, for each citation, the quote right before it and the first quote after it (within
 * QUOTE_REACH characters on its line, and before the next citation). A quote between two
 * citations is both the first one's "after" and the second one's "before". It goes to the second
 * when the first has a quote of its own before it ("`a` (x.ts:1) `b` (x.ts:2)"), or when it is
 * joined to the second by more than spaces and the second has no quote after it ("x.ts:1 loops;
 * `sleep()` (x.ts:9)"); else to the first ("x.ts:1 `a`, x.ts:2 `b`"; "x.ts:1 `a` x.ts:2").
 */
export function attachQuotes(answer: string, found: Occurrence[]): void {
  for (let i = 0; i < found.length; i++) {
    const occ = found[i] as Occurrence;
    const prevEnd = i > 0 ? (found[i - 1] as Occurrence).end : 0;
    const nextStart = i + 1 < found.length ? (found[i + 1] as Occurrence).start : answer.length;
    occ.before = quoteBefore(answer, occ.start, prevEnd);
    occ.after = quoteAfter(answer, occ.end, nextStart);
  }
  for (let i = 1; i < found.length; i++) {
    const prev = found[i - 1] as Occurrence;
    const occ = found[i] as Occurrence;
    if (!prev.after || !occ.before || prev.after.start !== occ.before.start) continue;
    const toNext = prev.before !== undefined || (occ.before.bound === true && occ.after === undefined);
    if (toNext) prev.after = undefined;
    else occ.before = undefined;
  }
}

export function quoteOf(occ: Occurrence): string | undefined {
  return (occ.before ?? occ.after)?.text;
}

const OPENERS: Record<string, string> = { '`': '`', '"': '"', '“': '”' };
const CLOSERS: Record<string, string> = { '`': '`', '"': '"', '”': '“' };

/**
 * The quote after a citation: its opening mark within QUOTE_REACH characters, its closing mark on
 * the same line, both before the next citation (`limit`). Never reads past `limit`, so all the
 * citations of an answer together read it about once.
 */
function quoteAfter(answer: string, from: number, limit: number): Span | undefined {
  const reach = Math.min(from + QUOTE_REACH, limit);
  for (let i = from; i < reach; i++) {
    const c = answer[i] as string;
    if (c === '\n' || c === '\r') return undefined;
    const close = OPENERS[c];
    if (close === undefined) continue;
    for (let j = i + 1; j < limit; j++) {
      const d = answer[j];
      if (d === close) return span(answer, i, j + 1);
      if (d === '\n' || d === '\r') return undefined;
    }
    return undefined;
  }
  return undefined;
}

/** The quote right before a citation (see BEFORE_GAP), on its line and after the previous citation (`prevEnd`). */
function quoteBefore(answer: string, citationStart: number, prevEnd: number): Span | undefined {
  const lo = Math.max(prevEnd, citationStart - BEFORE_REACH);
  const gap = BEFORE_GAP.exec(answer.slice(lo, citationStart));
  if (!gap) return undefined;
  const close = lo + gap.index;
  const opener = CLOSERS[gap[1] as string] as string;
  for (let i = close - 1; i >= prevEnd; i--) {
    const c = answer[i];
    if (c === opener) {
      const quote = span(answer, i, close + 1);
      if (quote) quote.bound = gap[0].slice(1).trim() !== '';
      return quote;
    }
    if (c === '\n' || c === '\r') return undefined;
  }
  return undefined;
}

/** A quote from its opening to its closing mark; undefined when too short to mean anything. */
function span(answer: string, start: number, end: number): Span | undefined {
  const text = answer.slice(start + 1, end - 1);
  return normaliseSpace(text).length < MIN_QUOTE ? undefined : { start, end, text };
}

export function normaliseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
