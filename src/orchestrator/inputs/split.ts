/**
 * Splits inputs longer than a model's context into parts, cutting nothing silently: every character
 * of every doc reaches exactly one part, in order, and no part's rendering counts more than the
 * budget. Whole docs are packed greedily; a doc too large for a part is cut at its headings, then
 * paragraphs, then lines (split-sections.ts), and a line too long for a part at characters. A
 * section that fits a part is never cut: it moves on to the next part instead. Pure: no I/O.
 */
import type { InputDoc } from '../generation/input-doc.js';
import {
  type PieceNumber,
  fenceFor,
  frame,
  frameOverhead,
  header,
  LINE,
  lineOf,
  lineRanks,
  lineStarts,
  safeCut,
} from './split-sections.js';

interface PartPiece {
  label: string;
  text: string;
  /** 1-based line range of the original doc this piece covers. */
  lines: [number, number];
  /** This doc was split: piece `index` of `of`. */
  piece?: PieceNumber;
}

export interface Part {
  pieces: PartPiece[];
  /** count(renderPart(part)). */
  tokens: number;
}

export type TokenCount = (text: string) => number;

/** Small neighbours are counted together, so rounding in count() does not add up per line. */
const BATCH = 1024;

interface Doc {
  label: string;
  text: string;
  starts: number[];
  ranks: Uint8Array;
  /** Tokens of the header, fences and separator around the doc whole, and around a piece of it. */
  whole: number;
  piece: number;
}

/** Characters [start, end) of docs[doc]. */
type Span = { doc: number; start: number; end: number };

/** Splits docs into parts of at most budgetTokens, as measured by count(renderPart(part)). */
export function splitInputs(docs: readonly InputDoc[], budgetTokens: number, count: TokenCount): Part[] {
  if (!(budgetTokens > 0) || !Number.isFinite(budgetTokens))
    throw new Error(`splitInputs: the budget must be a positive number of tokens, not ${budgetTokens}`);
  if (docs.length === 0) return [];
  const prepared = docs.map(({ label, text }): Doc => {
    const starts = lineStarts(text);
    const ranks = lineRanks(label, text, starts);
    const fence = fenceFor(text);
    const around = (split: boolean): number => count(frameOverhead(label, fence, starts.length, text.length, split));
    return { label, text, starts, ranks, whole: around(false), piece: around(true) };
  });
  // Packing sums the counts of pieces; if count() is not additive enough, pack tighter and retry.
  let target = Math.floor(budgetTokens);
  for (let attempt = 0; attempt < 8; attempt++) {
    const packer = new Packer(prepared, target, budgetTokens, count);
    prepared.forEach((_, d) => packer.doc(d));
    const parts = toParts(prepared, packer.finish(), count);
    const over = parts.reduce((most, part) => Math.max(most, part.tokens - budgetTokens), 0);
    if (over <= 0) return parts;
    target -= Math.ceil(over);
  }
  throw new Error(
    `splitInputs: could not keep parts within ${budgetTokens} tokens: the token count is far from additive`,
  );
}

/** The text a model gets for one part: each piece as a header line and its text in a fence. */
export function renderPart(part: Pick<Part, 'pieces'>): string {
  return part.pieces.map((p) => frame(header(p.label, p.piece, p.lines), fenceFor(p.text), p.text)).join('\n\n');
}

/**
 * The most renderPart adds around a piece of a doc with this label and text (header with the
 * largest numbers possible, fences, the newline it may add and the blank line between pieces);
 * `split` false: around the doc whole. Count it to budget a piece's overhead.
 */
export function partOverhead(label: string, text = '', split = true): string {
  return frameOverhead(label, fenceFor(text), lineStarts(text).length, text.length, split);
}

/** Greedy packing of docs into parts, by summed counts of the pieces. */
class Packer {
  private readonly parts: Span[][] = [];
  private current: Span[] = [];
  private used = 0;

  constructor(
    private readonly docs: readonly Doc[],
    private readonly budget: number,
    private readonly limit: number,
    private readonly count: TokenCount,
  ) {}

  doc(d: number): void {
    const doc = this.at(d);
    const tokens = this.measure(doc.text, 0, doc.text.length, this.budget - doc.whole);
    if (tokens + doc.whole <= this.budget) {
      if (tokens > this.room(d, true)) this.flush();
      this.place(d, 0, doc.text.length, tokens, true);
    } else if (doc.text === '') throw this.tooSmall(doc.label, doc.whole);
    else this.split(d, 0, doc.starts.length);
  }

  finish(): Span[][] {
    this.flush();
    return this.parts;
  }

  private at(d: number): Doc {
    const doc = this.docs[d];
    if (!doc) throw new Error(`splitInputs: no doc ${d}`);
    return doc;
  }

  /** Tokens left in the current part for (more of) doc d. */
  private room(d: number, whole: boolean): number {
    if (this.current.at(-1)?.doc === d) return this.budget - this.used;
    const doc = this.at(d);
    return this.budget - this.used - (whole ? doc.whole : doc.piece);
  }

  private place(d: number, start: number, end: number, tokens: number, whole: boolean): void {
    const last = this.current.at(-1);
    if (last?.doc === d) last.end = end;
    else {
      this.used += whole ? this.at(d).whole : this.at(d).piece;
      this.current.push({ doc: d, start, end });
    }
    this.used += tokens;
  }

  private flush(): void {
    if (this.current.length > 0) this.parts.push(this.current);
    this.current = [];
    this.used = 0;
  }

  /** Lines [l0, l1) of doc d: kept whole if they fit a part, else cut. */
  private lines(d: number, l0: number, l1: number): void {
    const doc = this.at(d);
    const start = doc.starts[l0] ?? 0;
    const end = doc.starts[l1] ?? doc.text.length;
    const tokens = this.measure(doc.text, start, end, Math.max(this.budget - doc.piece, this.room(d, false)));
    if (tokens + doc.piece > this.budget && tokens > this.room(d, false)) return this.split(d, l0, l1);
    if (tokens > this.room(d, false)) this.flush(); // fits a part of its own: moves on whole
    this.place(d, start, end, tokens, false);
  }

  /** Cuts lines [l0, l1) at their best boundaries and packs the sections in order. */
  private split(d: number, l0: number, l1: number): void {
    const doc = this.at(d);
    if (l1 - l0 === 1) return this.chars(d, doc.starts[l0] ?? 0, doc.starts[l1] ?? doc.text.length);
    let best = LINE;
    for (let i = l0 + 1; i < l1; i++) best = Math.min(best, doc.ranks[i] ?? LINE);
    const cuts = [l0];
    for (let i = l0 + 1; i < l1; i++) if ((doc.ranks[i] ?? LINE) <= best) cuts.push(i);
    cuts.push(l1);
    for (let i = 0; i + 1 < cuts.length;) {
      // Sections shorter than BATCH characters go together while they fit as a whole.
      const from = cuts[i] ?? l0;
      const start = doc.starts[from] ?? 0;
      let j = i + 1;
      while (j + 1 < cuts.length && (doc.starts[cuts[j] ?? l1] ?? doc.text.length) - start < BATCH) j++;
      const to = cuts[j] ?? l1;
      const end = doc.starts[to] ?? doc.text.length;
      if (j === i + 1) this.lines(d, from, to);
      else {
        const tokens = this.count(doc.text.slice(start, end));
        if (tokens <= this.room(d, false)) this.place(d, start, end, tokens, false);
        else for (let k = i; k < j; k++) this.lines(d, cuts[k] ?? l0, cuts[k + 1] ?? l1);
      }
      i = j;
    }
  }

  /** The last resort: characters [start, end) of one line, as many per part as fit. */
  private chars(d: number, start: number, end: number): void {
    const { text, label, piece } = this.at(d);
    let perToken = 4; // characters per token seen so far: blocks sized to just over the room left
    for (let pos = start; pos < end;) {
      const room = this.room(d, false);
      let stop = safeCut(text, Math.min(end, pos + Math.min(BATCH, Math.max(16, Math.ceil(room * perToken) + 8))), pos);
      let tokens = this.count(text.slice(pos, stop));
      if (tokens > 0) perToken = Math.max(0.5, (stop - pos) / tokens);
      if (tokens > room) {
        const fits = this.fitting(text, pos, stop, tokens, room);
        if (fits === pos) {
          if (this.current.length === 0) throw this.tooSmall(label, piece);
          this.flush();
          continue;
        }
        stop = fits;
        tokens = this.count(text.slice(pos, stop));
      }
      this.place(d, pos, stop, tokens, false);
      pos = stop;
    }
  }

  /** count(text[start, end)), or Infinity when a prefix alone counts more than limit: no need to count it all. */
  private measure(text: string, start: number, end: number, limit: number): number {
    const probe = Math.max(4096, 8 * limit);
    if (end - start > 2 * probe && this.count(text.slice(start, start + probe)) > limit) return Infinity;
    return this.count(text.slice(start, end));
  }

  /**
   * The end of the longest text[start, below) whose count is within room (start if none is), found
   * by interpolating between the counts known so far, with a halving step whenever that stalls.
   */
  private fitting(text: string, start: number, below: number, belowTokens: number, room: number): number {
    let fits = start;
    let fitsTokens = this.count('');
    let over = below;
    let overTokens = belowTokens;
    if (room < fitsTokens) return start;
    for (let halve = false; over - fits > 1;) {
      const width = over - fits;
      const guess = fits + Math.floor((width * (room - fitsTokens)) / Math.max(1, overTokens - fitsTokens));
      const mid = halve ? fits + (width >>> 1) : Math.min(over - 1, Math.max(fits + 1, guess));
      const tokens = this.count(text.slice(start, mid));
      if (tokens <= room) [fits, fitsTokens] = [mid, tokens];
      else [over, overTokens] = [mid, tokens];
      halve = !halve && over - fits > width / 2;
    }
    return safeCut(text, fits, start);
  }

  private tooSmall(label: string, overhead: number): Error {
    return new Error(
      `splitInputs: a budget of ${this.limit} tokens is too small: a piece of "${label}" needs ` +
        `about ${overhead} tokens for its header and fences alone, plus its text`,
    );
  }
}

/** Spans to parts: texts, line ranges and, for docs in more than one part, piece numbers. */
function toParts(docs: readonly Doc[], spans: readonly Span[][], count: TokenCount): Part[] {
  const partsOf = new Map<number, number>();
  for (const part of spans) for (const span of part) partsOf.set(span.doc, (partsOf.get(span.doc) ?? 0) + 1);
  const seen = new Map<number, number>();
  return spans.map((part) => {
    const pieces = part.map(({ doc: d, start, end }): PartPiece => {
      const doc = docs[d];
      if (!doc) throw new Error(`splitInputs: no doc ${d}`);
      const piece: PartPiece = {
        label: doc.label,
        text: doc.text.slice(start, end),
        lines: [lineOf(doc.starts, start), lineOf(doc.starts, Math.max(start, end - 1))],
      };
      const of = partsOf.get(d) ?? 1;
      const index = (seen.get(d) ?? 0) + 1;
      seen.set(d, index);
      if (of > 1) piece.piece = { index, of };
      return piece;
    });
    return { pieces, tokens: count(renderPart({ pieces })) };
  });
}
