/**
 * Content fingerprints (pure): what lets the cloud fallback's guard tell that a prompt holds text
 * read from this machine, however it got there — a whole file, a part of a split file, a slice a
 * template embedded, re-wrapped or re-indented on the way.
 *
 * Text is compared without its whitespace (so wrapping, indentation and trimming change nothing).
 * Every run of K characters (a k-gram) gets a 52-bit rolling hash; a text read keeps, by
 * winnowing, the smallest hash of every W consecutive k-grams. Any run the two texts share of at
 * least W + K - 1 non-space characters then holds one of the kept hashes, and the prompt is checked
 * against all of its own k-grams. A k-gram of fewer than MIN_DISTINCT different characters (a rule
 * of dashes, a run of zeros) says nothing of where it came from and is never kept. A text too short
 * for a k-gram is kept whole (from MIN_SHORT characters) and found as a whole.
 */

/** Characters of a k-gram (whitespace not counted). */
export const K = 20;
/** k-grams a kept hash is chosen among. */
export const W = 29;
/** Any shared run of this many non-space characters is found (about 55–60 characters of prose). */
export const GUARANTEED = W + K - 1;
/** A shorter text is not recognised (too little to tell it from anything else). */
export const MIN_SHORT = 12;
/** A k-gram of fewer different characters is never kept. */
export const MIN_DISTINCT = 5;

// two polynomial hashes modulo 2^32 (odd bases, exact in int32 arithmetic), side by side in one 53-bit number
const B1 = 0x01000193;
const B2 = 0x5bd1e995;
const LOW = 2_097_152; // 2^21

/**
 * Whether a UTF-16 code unit is whitespace (as String.prototype.trim counts it, and NEL, U+0085, a line end
 * of its own).
 */
function isSpace(c: number): boolean {
  return c <= 32
    ? c === 32 || (c >= 9 && c <= 13)
    : c === 0xa0 ||
        c === 0x1680 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f ||
        c === 0x205f ||
        c === 0x3000 ||
        c === 0xfeff ||
        c === 0x85;
}

/** The text's code units without whitespace. */
export function squeeze(text: string): Uint16Array {
  const out = new Uint16Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isSpace(c)) out[n++] = c;
  }
  return out.subarray(0, n);
}

function power(base: number, exp: number): number {
  let r = 1;
  for (let i = 0; i < exp; i++) r = Math.imul(r, base);
  return r;
}

/** The hash of `k` code units (two polynomial hashes side by side): h1 · 2^21 + the top 21 bits of h2. */
function combine(h1: number, h2: number): number {
  return (h1 >>> 0) * LOW + ((h2 >>> 0) >>> 11);
}

/** The hash of every run of `k` code units of `s`, by its start (none when `s` is shorter). */
export function rollingHashes(s: Uint16Array, k: number): Float64Array {
  if (s.length < k) return new Float64Array(0);
  const out = new Float64Array(s.length - k + 1);
  const top1 = power(B1, k - 1);
  const top2 = power(B2, k - 1);
  let h1 = 0;
  let h2 = 0;
  for (const c of s.subarray(0, k)) {
    h1 = (Math.imul(h1, B1) + c) | 0;
    h2 = (Math.imul(h2, B2) + c) | 0;
  }
  out[0] = combine(h1, h2);
  // then each next run: the unit that left taken out, the one that came in added
  let start = 0;
  for (const c of s.subarray(k)) {
    const gone = s[start++]!;
    h1 = (Math.imul((h1 - Math.imul(gone, top1)) | 0, B1) + c) | 0;
    h2 = (Math.imul((h2 - Math.imul(gone, top2)) | 0, B2) + c) | 0;
    out[start] = combine(h1, h2);
  }
  return out;
}

/**
 * Sets to Infinity (never the smallest, so never kept) the hash of every run of `k` units holding fewer than
 * MIN_DISTINCT different ones.
 */
export function dropUninformative(s: Uint16Array, k: number, hashes: Float64Array): void {
  const counts = new Int32Array(65_536);
  let distinct = 0;
  // without branches on the text: a branch per character the processor cannot foresee costs ten times the rest
  for (const c of s.subarray(0, k - 1)) {
    distinct += +(counts[c] === 0);
    counts[c]!++;
  }
  let start = 0; // of the run that ends at c
  for (const c of s.subarray(k - 1)) {
    distinct += +(counts[c] === 0);
    counts[c]!++;
    if (distinct < MIN_DISTINCT) hashes[start] = Infinity;
    const gone = s[start++]!;
    counts[gone]!--;
    distinct -= +(counts[gone] === 0);
  }
}

/** The hash of a whole (squeezed) text, as rollingHashes gives it for a run of its length (0 for no text). */
export function wholeHash(s: Uint16Array): number {
  return rollingHashes(s, s.length)[0]!;
}

/**
 * The winnowed fingerprints of a squeezed text: the smallest hash of every W consecutive k-grams
 * (the rightmost on a tie), each position once, uninformative k-grams left out. A text of fewer
 * than W k-grams keeps the smallest of them all; one shorter than a k-gram, none.
 */
export function winnow(s: Uint16Array): Float64Array {
  const hashes = rollingHashes(s, K);
  dropUninformative(s, K, hashes);
  const n = hashes.length;
  if (n === 0) return hashes; // a text shorter than a k-gram: none
  const kept: number[] = [];
  const width = Math.min(W, n);
  let min = -1; // where the current window's smallest hash is
  for (let end = width - 1; end < n; end++) {
    const start = end - width + 1;
    if (min < start) {
      // the smallest left the window: look through it again, the rightmost smallest winning
      min = start;
      for (let i = start + 1; i <= end; i++) min = hashes[i]! <= hashes[min]! ? i : min;
      if (hashes[min] !== Infinity) kept.push(hashes[min]!);
    } else if (hashes[end]! <= hashes[min]!) {
      min = end;
      if (hashes[min] !== Infinity) kept.push(hashes[min]!);
    }
  }
  return Float64Array.from(kept);
}
