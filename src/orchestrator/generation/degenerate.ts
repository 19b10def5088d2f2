/**
 * Degenerate answers (issue 32): small local models fall into loops, answer with nothing, or are
 * stopped by the length limit before their first sentence ends. Such an answer must not be handed
 * back; the route tries the next candidate. Pure, and linear in the answer's length.
 *
 * - empty: no letter or digit at all.
 * - loop: the answer, whitespace-normalised (every run of whitespace one space, CRLF included), ends
 *   in a stretch that is one unit repeated — a character, a word, a phrase, a sentence, a block of
 *   lines — at least LOOP_MIN_TIMES times, covering at least half the answer, followed by nothing
 *   or by a closing of at most CLOSING_MAX_WORDS words ("… I am a cat. The end."). Units are
 *   compared byte for byte, so a list of different items, a table's separators or code with similar
 *   lines are not loops. A unit of punctuation alone ("=====…", "!!!!…") counts too, once the
 *   stretch is long enough: an answer that is mostly one mark repeated says nothing. The stretch is
 *   found with the Z-function of the reversed text: for a period p, the text's tail of length
 *   p + z[p] has period p (the longest such tail), so every period from 1 up to a quarter of the
 *   text is tried in one O(n) pass (one more per closing word tried).
 *   The repetition must be the model's own (issue 42): when the model stopped by itself, an answer
 *   that repeats what it was given (given-repeat.ts: a line of the prompt, a row of the inputs, a
 *   run glued into one word such as a template's "hihihi…" — issue 54) or repeats it as many times
 *   as the caller asked is not a loop. One that ran into the length limit (doneReason 'length',
 *   which is also how a stop by the stream's own limit ends) while repeating is, unless what it
 *   was sent repeats the unit at least as many times in a row (it was echoing that passage). With
 *   no `given`, every repetition is the model's own.
 * - cut: stopped by the length limit (doneReason 'length') with no sentence end anywhere and fewer
 *   than CUT_MAX_LETTERS letters. An answer cut after several sentences is not degenerate.
 */
import { countsNamed, givenRepeat, holdsRun, type Given } from './given-repeat.js';

export type { Given } from './given-repeat.js';

export type Degenerate =
  /** Nothing but whitespace and punctuation. */
  | { kind: 'empty' }
  /** A sentence, line or phrase repeated; unit: the repeated text, shortened to ≤ 60 characters. */
  | { kind: 'loop'; unit: string; times: number }
  /** Stopped by the length limit inside its first sentence. */
  | { kind: 'cut' };

/** A loop repeats its unit at least this many times… */
const LOOP_MIN_TIMES = 4;
/** …over at least this share of the (whitespace-normalised) answer… */
const LOOP_MIN_SHARE = 0.5;
/** …and at least this many characters: "Yes!!!!" or "Noooo" is short, not a loop. */
const LOOP_MIN_CHARS = 40;
/** The longest unit shown in a loop's description. */
export const UNIT_MAX_CHARS = 60;
/** A loop may be followed by a closing of at most this many words… */
const CLOSING_MAX_WORDS = 3;
/** …and this many characters (whitespace-normalised). */
export const CLOSING_MAX_CHARS = 40;
/** A cut answer has fewer letters than this; a longer run-on is reported by the route, not here. */
export const CUT_MAX_LETTERS = 200;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const SPACE = 32;

/** A run of whitespace, as String.prototype.trim and /\s/ see it (CRLF, tabs and wide spaces included). */
const SPACE_RUN = /\s+/g;
/** A line break inside a whitespace run. */
const LINE_BREAK = /[\n\r]/;

/** How the answer came to be: how the generation ended, and what the model was given. */
export interface AnswerEnd {
  /** 'length' when it ran into the length limit (or the stream's own limit stopped it). */
  doneReason?: string;
  /** What the answer may repeat when it stopped by itself. */
  given?: Given;
}

/** Whether an answer is degenerate, and how; undefined when it is not. */
export function degenerate(text: string, opts: AnswerEnd = {}): Degenerate | undefined {
  if (!LETTER_OR_DIGIT.test(text)) return { kind: 'empty' };
  const found = findLoop(text);
  if (found && ownLoop(found, opts)) return found.loop;
  if (opts.doneReason === 'length' && isCut(text)) return { kind: 'cut' };
  return undefined;
}

/**
 * Whether a repetition is the model's own: it ran into the limit while repeating, or it stopped
 * by itself repeating what it was not given and was not asked for. A unit glued to its own
 * repetitions ("abcabc", "aaaa") is inside one word: never given.
 */
function ownLoop({ loop, unit, glued }: Found, { doneReason, given }: AnswerEnd): boolean {
  if (!given) return true;
  // to the limit: its own unless what it was sent repeats the unit at least as often (an echo of a repeated passage)
  if (doneReason === 'length') return !holdsRun(given, unit, loop.times, glued);
  // a glued unit: as many times as asked, or glued to itself in what was sent too ("hihihi" in a template)
  if (glued)
    return (
      !countsNamed(given.ask).has(loop.times) && !holdsRun(given, unit, Math.min(loop.times, LOOP_MIN_TIMES), true)
    );
  return !givenRepeat(given, unit, loop.times);
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
  const t = text.trim();
  const len = t.length;
  const out = new Uint16Array(len);
  const breaks = new Uint8Array(len);
  let w = len;
  let from = 0;
  const copy = (to: number): void => {
    for (let i = from; i < to; i++) out[--w] = t.charCodeAt(i);
  };
  for (const m of t.matchAll(SPACE_RUN)) {
    copy(m.index);
    out[--w] = SPACE;
    from = m.index + m[0].length;
    if (LINE_BREAK.test(m[0])) breaks[w - 1] = 1; // the character after the run starts a line
  }
  copy(len);
  return { r: out.subarray(w), lineStart: breaks.subarray(w), n: len - w };
}

/** How far to look for a word or sentence start at which to show the unit (bounds the work per period). */
const ALIGN_WINDOW = 200;

/** A loop found, with its whole unit as the normalised answer writes it. */
interface Found {
  loop: Extract<Degenerate, { kind: 'loop' }>;
  /** The whole unit (not shortened). */
  unit: string;
  /** The unit runs into its next repetition with no space or mark between: it is inside a word. */
  glued: boolean;
}

/**
 * The loop, if any: at the very end of the answer, else before a closing of at most
 * CLOSING_MAX_WORDS words. The second scan starts CLOSING_MAX_CHARS + 1 characters before the end
 * — inside any loop a closing may follow — and each period it finds is followed back to where the
 * repetition really ends; what comes after is the closing.
 */
function findLoop(text: string): Found | undefined {
  const norm = normaliseReversed(text);
  return scanFrom(norm, 0) ?? scanFrom(norm, CLOSING_MAX_CHARS + 1);
}

/**
 * The smallest period p whose periodic stretch is long enough, looking at the text without its
 * last `skip` characters (r[skip..]). z[i] (the Z-function of that reversed text: the longest
 * common prefix of it and its suffix at i) is computed only for i up to a quarter of the text, and
 * the scan stops at the first period that makes a loop: O(n) comparisons at most, and about n/4
 * steps for an answer that does not loop. With skip > 0 the stretch is followed back over the
 * skipped characters (at most `skip` steps per period tried), and must be followed by a closing.
 */
function scanFrom(whole: Normalised, skip: number): Found | undefined {
  const r = whole.r.subarray(skip);
  const z = new Int32Array(r.length); // 0 where not yet computed: a period past p then reuses nothing
  const minTail = Math.max(LOOP_MIN_CHARS, Math.ceil(whole.n * LOOP_MIN_SHARE));
  const maxPeriod = Math.floor((whole.n + 1) / LOOP_MIN_TIMES); // + 1: the last unit lacks its separating space
  let l = 0;
  let right = 0; // [l, right) is the rightmost window known to match a prefix of r
  for (let p = 1; p <= maxPeriod; p++) {
    let k = 0;
    if (p < right) {
      k = right - p;
      const known = z[p - l]!;
      if (known < k) k = known;
    }
    while (p + k < r.length && r[k] === r[p + k]) k++;
    z[p] = k;
    if (p + k > right) {
      l = p;
      right = p + k;
    }
    // where the repetition ends in the whole text (its start in the reversed one), past the skipped characters
    let end = skip;
    while (whole.r[end - 1] === whole.r[end - 1 + p]) end--; // r[-1] is undefined: it stops at 0
    const tail = p + k + skip - end; // the longest stretch with period p ending there
    // fewer than LOOP_MIN_TIMES repetitions: describeLoop counts them
    if (tail < minTail || !isClosing(whole.r, end)) continue;
    const found = describeLoop(
      { r: whole.r.subarray(end), lineStart: whole.lineStart.subarray(end), n: whole.n - end },
      whole.n - end - tail,
      p,
    );
    if (found) return found;
  }
  return undefined;
}

/** Whether the last `end` characters (r[0..end), reversed) are a closing: at most CLOSING_MAX_WORDS words. */
function isClosing(r: Uint16Array, end: number): boolean {
  let words = 0;
  for (let j = 0; j < end; j++) if (j === 0 || r[j - 1] === SPACE) words++; // no two spaces stand together
  return words <= CLOSING_MAX_WORDS;
}

/**
 * The repeated unit as the answer shows it: the tail starts anywhere inside a unit (it reaches back
 * as far as the characters match), so start at the first line or sentence start in the first
 * period, else the first word start, else the tail's start. Positions here count from the front.
 */
function describeLoop({ r, lineStart, n }: Normalised, start: number, p: number): Found | undefined {
  const at = (j: number): number => r[n - 1 - j]!;
  let pos: number | undefined;
  let wordPos: number | undefined;
  const end = Math.min(start + p, start + ALIGN_WINDOW, n);
  for (let j = start; j < end; j++) {
    if (j > 0 && at(j - 1) !== SPACE) continue; // not a word start (a space follows a character: no two stand together)
    wordPos ??= j;
    // j is 0 or at least 2: a word starts after a space, and the text does not start with one
    if (j === 0 || lineStart[n - 1 - j] === 1 || SENTENCE_ENDS.has(at(j - 2))) {
      pos = j;
      break;
    }
  }
  pos ??= wordPos ?? start;
  // a unit is never all spaces (no two stand together); past the end at() reads undefined, and
  // a tail too short for LOOP_MIN_TIMES repetitions from pos is refused by the count below
  let unitLen = p;
  while (at(pos + unitLen - 1) === SPACE) unitLen--;
  const times = Math.floor((n - pos - unitLen) / p) + 1;
  if (times < LOOP_MIN_TIMES) return undefined;
  let unit = '';
  for (let j = pos; j < pos + unitLen; j++) unit += String.fromCharCode(at(j));
  const glued = unitLen === p && isWordChar(at(pos)) && isWordChar(at(pos + unitLen - 1));
  return { loop: { kind: 'loop', unit: shorten(unit), times }, unit, glued };
}

/** A letter or digit (one UTF-16 unit; a surrogate half counts as one: it is part of a letter or symbol). */
function isWordChar(c: number): boolean {
  return LETTER_OR_DIGIT.test(String.fromCharCode(c)) || (c >= 0xd800 && c <= 0xdfff);
}

/** . ! ? and their full-width forms. */
const SENTENCE_ENDS = new Set([0x2e, 0x21, 0x3f, 0x3002, 0xff01, 0xff1f]);

/** At most UNIT_MAX_CHARS characters, with an ellipsis when shortened; never splits a surrogate pair. */
function shorten(unit: string): string {
  if (unit.length <= UNIT_MAX_CHARS) return unit;
  let cut = UNIT_MAX_CHARS - 1;
  const c = unit.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--; // a high surrogate would lose its pair
  return `${unit.slice(0, cut).trimEnd()}…`;
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
