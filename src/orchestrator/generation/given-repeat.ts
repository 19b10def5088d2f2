/**
 * Repetition the answer may make (issue 42): an answer that stopped by itself while repeating one
 * unit is not looping when it repeats what it was given — a line of the prompt, a row of the
 * inputs, a template's repeated word — or repeats it as many times as the caller's words ask
 * ("write it ten times"). Pure; the given texts are normalised only when asked, once per call.
 *
 * Text is compared by its words: runs of letters and digits, lower-cased, one space between them,
 * so a CSV row "a,1" and a table row "| a | 1 |" are the same words, and a unit with no word at
 * all (a run of "=" or "!") is never found.
 */

/** What the model was given: it may repeat these. Plain data. */
export interface Given {
  /** The texts the model read: the prompt with its inputs, the system prompt (a template's text is in the prompt). */
  texts: readonly string[];
  /** The caller's own words, where a count may be asked for. */
  ask: string;
}

const NOT_WORD = /[^\p{L}\p{N}]+/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** The words of a text, lower-cased, each with one space before and after (" a 1 b "); " " for none. */
export function wordsOf(text: string): string {
  const words = text.toLowerCase().replace(NOT_WORD, ' ').trim();
  return words === '' ? ' ' : ` ${words} `;
}

const ASCII_WORD = { word: true, size: 1 } as const;
const ASCII_OTHER = { word: false, size: 1 } as const;
const END = { word: false, size: 0 } as const;

/** Whether the code point at i is a letter or digit, and its length in code units (0 past the end). */
function wordAt(text: string, i: number): { readonly word: boolean; readonly size: number } {
  const c = text.codePointAt(i);
  if (c === undefined) return END;
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? ASCII_WORD : ASCII_OTHER;
  return { word: WORD_CHAR.test(String.fromCodePoint(c)), size: c > 0xffff ? 2 : 1 };
}

/** Whether a letter or digit ends just before i (a surrogate pair read as one). */
function wordBefore(text: string, i: number): boolean {
  if (i <= 0) return false;
  const low = text.charCodeAt(i - 1);
  return wordAt(text, low >= 0xdc00 && low <= 0xdfff && i >= 2 ? i - 2 : i - 1).word;
}

/**
 * Whether `words` (lower-cased) stand in `text` (lower-cased) in order with only non-word
 * characters between them, the one at `anchor` being the whole word that starts at `at`. Walks
 * out from the anchor, about the unit's length in steps.
 */
function wordsAround(text: string, at: number, words: readonly string[], anchor: number): boolean {
  let i = at + (words[anchor] as string).length;
  for (let w = anchor + 1; w < words.length; w++) {
    for (let c = wordAt(text, i); c.size > 0 && !c.word; c = wordAt(text, i)) i += c.size;
    const word = words[w] as string;
    if (!text.startsWith(word, i)) return false;
    i += word.length;
    if (wordAt(text, i).word) return false;
  }
  let j = at; // where the word matched last starts, walking back
  for (let w = anchor - 1; w >= 0; w--) {
    while (j > 0 && !wordBefore(text, j)) j--;
    const word = words[w] as string;
    if (!text.startsWith(word, j - word.length) || j < word.length) return false;
    j -= word.length;
    if (wordBefore(text, j)) return false;
  }
  return true;
}

/**
 * Whether the given texts hold the unit's words, whole words in order. A unit with no word is
 * never held. Each text is lower-cased once; the unit's longest word is looked for with indexOf
 * and read outwards from each place it stands as a whole word: no text is normalised as a whole.
 */
export function holds(given: Given, unit: string): boolean {
  const words = wordsOf(unit).trim().split(' ').filter(Boolean);
  if (words.length === 0) return false;
  let anchor = 0;
  for (let w = 1; w < words.length; w++) if ((words[w] as string).length > (words[anchor] as string).length) anchor = w;
  const key = words[anchor] as string;
  for (const original of given.texts) {
    const text = original.toLowerCase();
    for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
      if (!wordBefore(text, at) && !wordAt(text, at + key.length).word && wordsAround(text, at, words, anchor))
        return true;
    }
  }
  return false;
}

const SMALL: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
/** Words that multiply the number before them, or stand for it alone ("a hundred", "a dozen"). */
const SCALES: Record<string, number> = { hundred: 100, dozen: 12, thousand: 1000 };

/**
 * Every count the words name: numerals ("10"), number words ("ten", "twenty-five", "a dozen",
 * "two hundred"). Said in English; other languages are asked with numerals.
 */
export function countsNamed(ask: string): Set<number> {
  const out = new Set<number>();
  let last: number | undefined; // the number the previous word ended, if it was one
  for (const word of wordsOf(ask).trim().split(' ')) {
    let value: number | undefined;
    if (/^\d{1,9}$/.test(word)) value = Number(word);
    else if (word in SMALL)
      value =
        last !== undefined && last >= 20 && last % 10 === 0 && (SMALL[word] as number) < 10
          ? last + (SMALL[word] as number)
          : (SMALL[word] as number);
    else if (word in TENS) value = TENS[word];
    else if (word in SCALES) value = (last ?? 1) * (SCALES[word] as number);
    if (value !== undefined) out.add(value);
    last = value;
  }
  return out;
}

/**
 * Whether the given texts themselves repeat the unit `times` times in a row: glued to itself
 * ("hihihi", compared lower-cased as written) or, for a unit of words, those words over and over
 * with only non-word characters between them ("hi hi hi", "hi, hi; hi"; "hi. hi!" three times is
 * "hi" six times). No text is normalised as a whole: each place the first word stands is read
 * outwards (runsFrom).
 */
export function holdsRun(given: Given, unit: string, times: number, glued: boolean): boolean {
  if (times < 1) return false;
  if (glued) {
    const run = unit.toLowerCase().repeat(times);
    return given.texts.some((t) => t.toLowerCase().includes(run));
  }
  const words = wordsOf(unit).trim().split(' ').filter(Boolean);
  if (words.length === 0) return false;
  const texts = given.texts.map((t) => t.toLowerCase());
  // an echo as written, one space or line between the repetitions: one search (most echoes are)
  const raw = unit.toLowerCase();
  if ([' ', '\n'].some((sep) => texts.some((t) => standsIn(t, `${raw}${sep}`.repeat(times - 1) + raw)))) return true;
  const least = times * words.reduce((n, w) => n + w.length + 1, 0) - 1; // the run's words and a mark between each
  return texts.some((t) => t.length >= least && runIn(t, words, times));
}

/** Whether `run` stands in `text` with no letter or digit glued to either end. */
function standsIn(text: string, run: string): boolean {
  for (let at = text.indexOf(run); at !== -1; at = text.indexOf(run, at + 1)) {
    if (
      !(wordBefore(text, at) && wordAt(run, 0).word) &&
      !(wordAt(text, at + run.length).word && wordBefore(run, run.length))
    )
      return true;
  }
  return false;
}

/**
 * Whether `text` (lower-cased) holds `words` `need` times in a row. After a run of r repetitions,
 * the search goes on from inside its last one: a run starting at a later repetition is a shorter
 * part of this one; inside the run the group stands elsewhere only where a shorter group it is a
 * power of starts ("hi hi" one word into "hi hi hi hi"), and a run from there reads the same words
 * and stops where this one stopped, so it is shorter too; what is left are runs across its end.
 * Linear in the text.
 */
function runIn(text: string, words: readonly string[], need: number): boolean {
  const first = words[0] as string;
  for (let at = text.indexOf(first); at !== -1;) {
    let next = at + 1;
    if (!wordBefore(text, at) && !wordAt(text, at + first.length).word) {
      const { reps, last } = runsFrom(text, at, words);
      if (reps >= need) return true;
      if (reps > 0) next = last + 1;
    }
    at = text.indexOf(first, next);
  }
  return false;
}

/**
 * How many times `words` stand in a row from `at` (the first word's start), and where the last whole
 * repetition starts.
 */
function runsFrom(text: string, at: number, words: readonly string[]): { reps: number; last: number } {
  let reps = 0;
  let last = at;
  for (let i = at; ; reps++) {
    let start = i;
    for (let w = 0; w < words.length; w++) {
      const word = words[w] as string;
      for (let c = wordAt(text, i); c.size > 0 && !c.word; c = wordAt(text, i)) i += c.size;
      if (w === 0) start = i;
      if (!text.startsWith(word, i) || wordAt(text, i + word.length).word) return { reps, last };
      i += word.length;
    }
    last = start;
  }
}

/**
 * Whether the answer may repeat this unit this many times: the given texts hold it, or the caller asked for
 * that count.
 */
export function givenRepeat(given: Given, unit: string, times: number): boolean {
  return countsNamed(given.ask).has(times) || holds(given, unit);
}
