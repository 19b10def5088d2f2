/**
 * Degenerate answers (issue 32): small local models fall into loops, answer with nothing, or are
 * stopped by the length limit before their first sentence ends. Such an answer must not be handed
 * back; the route tries the next candidate. Pure, and linear in the answer's length.
 *
 * - empty: no letter or digit at all.
 * - loop: the answer, whitespace-normalised (every run of whitespace one space, CRLF included), ends
 *   in a stretch that is one unit repeated — a character, a word, a phrase, a sentence, a block of
 *   lines — at least LOOP_MIN_TIMES times, covering at least half the answer. Units are compared
 *   byte for byte, so a list of different items, a table's separators or code with similar lines
 *   are not loops. A unit of punctuation alone ("=====…", "!!!!…") counts too, once the stretch is
 *   long enough: an answer that is mostly one mark repeated says nothing. The stretch is found
 *   with the Z-function of the reversed text: for a period p, the text's tail of length p + z[p]
 *   has period p (the longest such tail), so every period from 1 up to a quarter of the text is
 *   tried in one O(n) pass.
 * - cut: stopped by the length limit (doneReason 'length') with no sentence end anywhere and fewer
 *   than CUT_MAX_LETTERS letters. An answer cut after several sentences is not degenerate.
 */

export type Degenerate =
  /** Nothing but whitespace and punctuation. */
  | { kind: 'empty' }
  /** A sentence, line or phrase repeated; unit: the repeated text, shortened to ≤ 60 characters. */
  | { kind: 'loop'; unit: string; times: number }
  /** Stopped by the length limit inside its first sentence. */
  | { kind: 'cut' };

/** A loop repeats its unit at least this many times… */
export const LOOP_MIN_TIMES = 4;
/** …over at least this share of the (whitespace-normalised) answer… */
export const LOOP_MIN_SHARE = 0.5;
/** …and at least this many characters: "Yes!!!!" or "Noooo" is short, not a loop. */
export const LOOP_MIN_CHARS = 40;
/** The longest unit shown in a loop's description. */
export const UNIT_MAX_CHARS = 60;
/** A cut answer has fewer letters than this; a longer run-on is reported by the route, not here. */
export const CUT_MAX_LETTERS = 200;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const SPACE = 32;

/** Whitespace beyond ASCII as String.prototype.trim and /\s/ see it. */
function isWideSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Whether an answer is degenerate, and how; undefined when it is not. */
export function degenerate(text: string, opts: { doneReason?: string } = {}): Degenerate | undefined {
  if (!LETTER_OR_DIGIT.test(text)) return { kind: 'empty' };
  const loop = findLoop(text);
  if (loop) return loop;
  if (opts.doneReason === 'length' && isCut(text)) return { kind: 'cut' };
  return undefined;
}

/** In words for fallbacks and the result text, e.g. 'the answer repeated "I am a cat." 80 times'. */
export function degenerateWhy(d: Degenerate): string {
  switch (d.kind) {
    case 'empty':
      return 'the answer was empty (no letter or digit)';
    case 'loop':
      return `the answer repeated "${d.unit}" ${d.times} times`;
    case 'cut':
      return 'the answer was cut by the length limit inside its first sentence';
  }
}

/**
 * The text trimmed, with every whitespace run made one space, as UTF-16 code units written back to
 * front (r[0] is the last character: the Z-function then reads the tail as a prefix). lineStart[i]
 * says that a line break came right before r[i] (to show a repeated block from its first line).
 */
interface Normalised {
  r: Uint16Array;
  lineStart: Uint8Array;
  n: number;
}

function normaliseReversed(text: string): Normalised {
  const len = text.length;
  const out = new Uint16Array(len);
  const breaks = new Uint8Array(len);
  let w = len;
  let pendingSpace = false;
  let pendingBreak = false;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c <= SPACE ? c === SPACE || (c >= 9 && c <= 13) : c >= 0xa0 && isWideSpace(c)) {
      if (w < len) pendingSpace = true; // no leading space; a trailing one is never written
      if (c === 10 || c === 13) pendingBreak = true;
      continue;
    }
    if (pendingSpace) {
      out[--w] = SPACE;
      pendingSpace = false;
    }
    out[--w] = c;
    if (pendingBreak) {
      breaks[w] = 1;
      pendingBreak = false;
    }
  }
  return { r: out.subarray(w), lineStart: breaks.subarray(w), n: len - w };
}

/** How far to look for a word or sentence start at which to show the unit (bounds the work per period). */
const ALIGN_WINDOW = 200;

/**
 * The loop, if any: the smallest period p (1 ≤ p ≤ n/4) whose periodic tail is long enough.
 * z[i] (the Z-function of the reversed text r: the longest common prefix of r and r[i..]) is
 * computed only for i up to n/4, and the scan stops at the first period that makes a loop:
 * O(n) comparisons at most, and about n/4 steps for an answer that does not loop.
 */
function findLoop(text: string): Degenerate | undefined {
  const norm = normaliseReversed(text);
  const { r, n } = norm;
  if (n < LOOP_MIN_CHARS) return undefined;
  const minTail = Math.max(LOOP_MIN_CHARS, Math.ceil(n * LOOP_MIN_SHARE));
  const maxPeriod = Math.floor((n + 1) / LOOP_MIN_TIMES); // + 1: the last unit lacks its separating space
  const z = new Int32Array(maxPeriod + 1);
  let l = 0;
  let right = 0; // [l, right) is the rightmost window known to match a prefix of r
  for (let p = 1; p <= maxPeriod; p++) {
    let k = 0;
    if (p < right) {
      k = right - p;
      const known = z[p - l]!;
      if (known < k) k = known;
    }
    while (p + k < n && r[k] === r[p + k]) k++;
    z[p] = k;
    if (p + k > right) {
      l = p;
      right = p + k;
    }
    const tail = p + k; // the longest tail of the text with period p
    if (tail < minTail || tail + 1 < LOOP_MIN_TIMES * p) continue;
    const found = describeLoop(norm, n - tail, p);
    if (found && found.times >= LOOP_MIN_TIMES) return found;
  }
  return undefined;
}

/**
 * The repeated unit as the answer shows it: the tail starts anywhere inside a unit (it reaches back
 * as far as the characters match), so start at the first line or sentence start in the first
 * period, else the first word start, else the tail's start. Positions here count from the front.
 */
function describeLoop({ r, lineStart, n }: Normalised, start: number, p: number): Extract<Degenerate, { kind: 'loop' }> | undefined {
  const at = (j: number): number => r[n - 1 - j]!;
  let pos = -1;
  let wordPos = -1;
  const end = Math.min(start + p, start + ALIGN_WINDOW, n);
  for (let j = start; j < end; j++) {
    if (at(j) === SPACE || (j > 0 && at(j - 1) !== SPACE)) continue; // not a word start
    if (wordPos < 0) wordPos = j;
    const before = j >= 2 ? at(j - 2) : -1;
    if (j === 0 || lineStart[n - 1 - j] === 1 || SENTENCE_ENDS.has(before)) {
      pos = j;
      break;
    }
  }
  if (pos < 0) pos = wordPos >= 0 ? wordPos : start;
  if (pos + p > n) return undefined;
  let unitLen = p;
  while (unitLen > 0 && at(pos + unitLen - 1) === SPACE) unitLen--;
  if (unitLen === 0) return undefined;
  let unit = '';
  for (let j = pos, stop = pos + Math.min(unitLen, UNIT_MAX_CHARS + 1); j < stop; j++) unit += String.fromCharCode(at(j));
  const times = Math.floor((n - pos - unitLen) / p) + 1;
  return { kind: 'loop', unit: shorten(unit, unitLen), times };
}

/** . ! ? and their full-width forms. */
const SENTENCE_ENDS = new Set([0x2e, 0x21, 0x3f, 0x3002, 0xff01, 0xff1f]);

/** At most UNIT_MAX_CHARS characters, with an ellipsis when shortened; never splits a surrogate pair. */
function shorten(head: string, fullLength: number): string {
  if (fullLength <= UNIT_MAX_CHARS) return head;
  let cut = UNIT_MAX_CHARS - 1;
  const c = head.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--; // a high surrogate would lose its pair
  return `${head.slice(0, cut).trimEnd()}…`;
}

/** No sentence end anywhere, and few letters. */
function isCut(text: string): boolean {
  const t = text.trim();
  if (/[.!?](?=\s|$)|[。！？]/u.test(t)) return false;
  if (/\r?\n|\r/.test(t)) return false; // a newline after at least one full line
  if (t.indexOf('```') !== t.lastIndexOf('```')) return false; // a closing code fence
  const letters = t.match(/\p{L}/gu)?.length ?? 0;
  return letters < CUT_MAX_LETTERS;
}
