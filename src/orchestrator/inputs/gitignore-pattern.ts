/**
 * A .gitignore rule's pattern read into tokens as git's wildmatch.c reads it, which
 * gitignore-match.ts runs over a path's bytes (the lines are read into rules in
 * gitignore-parse.ts). Bytes, as git: `?` is one byte, a class holds bytes; case folds (ASCII only)
 * where git folds it by default: on macOS and Windows, whose file systems fold case.
 */

export const LIT = 0;
/** `?`: one byte but `/`. */
export const ONE = 1;
export const CLASS = 2;
/** `*`: any bytes but `/`. */
export const STAR = 3;
/** A `**` between slashes (or at the start, before one): nothing, or anything ending in `/`. */
export const DIRS = 4;
/** A trailing `**` after a `/` (or the whole pattern): anything. */
const REST = 5;

export type Token =
  | { t: typeof LIT; b: number }
  | { t: typeof ONE | typeof STAR | typeof DIRS | typeof REST }
  | { t: typeof CLASS; has: Uint32Array };

export interface RuleShape {
  negative: boolean;
  /** A trailing `/`: it matches folders only. */
  dirOnly: boolean;
  /** No `/` but a trailing one: matched against the last name at any depth, else against the whole relative path. */
  basename: boolean;
}

/** A rule matched step by step (gitignore-match.ts). */
export interface GitignoreRule extends RuleShape {
  tokens: Token[];
  /** The least bytes a path needs to match: a shorter one is passed over at once. */
  minLength: number;
  /** The plain bytes a match must start and end with: most rules are passed over on them, before the NFA. */
  head?: Uint8Array;
  tail?: Uint8Array;
}

/**
 * A rule decided by looking it up: a plain name or path (`name`: the text must be `key`), or `*`
 * then a plain ending (`ending`: the text ends with `key`, and what comes before holds no `/`).
 * `key` is folded as paths are.
 */
export interface PlainRule extends RuleShape {
  kind: 'name' | 'ending';
  key: string;
}

export type ParsedRule = GitignoreRule | PlainRule;

export const isPlain = (rule: ParsedRule): rule is PlainRule => 'key' in rule;

/** Git's folding of case (core.ignorecase): ASCII letters only, as its wildmatch folds them. */
export const foldAscii = (text: string): string => text.replace(/[A-Z]+/g, (s) => s.toLowerCase());

export const SLASH = 0x2f;
export const BACKSLASH = 0x5c;
export const STAR_BYTE = 0x2a;
export const encoder = new TextEncoder();

/** Git's default core.ignorecase: what `git init` finds on the platform's usual file system. */
export const FOLD_CASE_DEFAULT = process.platform === 'darwin' || process.platform === 'win32';

const lower = (b: number) => (b >= 0x41 && b <= 0x5a ? b + 32 : b);
const upper = (b: number) => (b >= 0x61 && b <= 0x7a ? b - 32 : b);

/** POSIX classes wildmatch knows, by name (ASCII, as in the C locale). */
const POSIX: Record<string, (b: number) => boolean> = {
  alnum: (b) => POSIX.alpha!(b) || POSIX.digit!(b),
  alpha: (b) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a),
  blank: (b) => b === 0x20 || b === 0x09,
  cntrl: (b) => b < 0x20 || b === 0x7f,
  digit: (b) => b >= 0x30 && b <= 0x39,
  graph: (b) => b > 0x20 && b < 0x7f,
  lower: (b) => b >= 0x61 && b <= 0x7a,
  print: (b) => b >= 0x20 && b < 0x7f,
  punct: (b) => POSIX.graph!(b) && !POSIX.alnum!(b),
  space: (b) => b === 0x20 || (b >= 0x09 && b <= 0x0d),
  upper: (b) => b >= 0x41 && b <= 0x5a,
  xdigit: (b) => POSIX.digit!(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66),
};

/** The distinct class sets read, shared by every rule that holds one. */
const classes = new Map<string, Uint32Array>();

/**
 * The bracket expression starting at `p[i]` (just after `[`), as wildmatch reads it: the bytes it
 * holds (folded as the text will be) and where it ends, or undefined when it never closes (git
 * then matches nothing with the whole pattern).
 */
function readClass(p: Uint8Array, start: number, fold: boolean): { has: Uint32Array; end: number } | undefined {
  const set = new Uint8Array(256);
  let i = start;
  let negated = false;
  if (p[i] === 0x21 || p[i] === 0x5e) {
    negated = true;
    i++;
  }
  const add = (b: number) => {
    set[b] = 1;
    if (fold) set[lower(b)] = set[upper(b)] = 1;
  };
  let prev = 0;
  for (let first = true; first || p[i] !== 0x5d; i++, first = false) {
    let c = p[i];
    if (c === undefined) return undefined;
    if (c === BACKSLASH) {
      c = p[++i];
      if (c === undefined) return undefined;
      add(c);
    } else if (c === 0x2d && prev && p[i + 1] !== undefined && p[i + 1] !== 0x5d) {
      let hi = p[++i]!;
      if (hi === BACKSLASH) {
        const next = p[++i];
        if (next === undefined) return undefined;
        hi = next;
      }
      for (let b = prev; b <= hi; b++) add(b);
      c = 0;
    } else if (c === 0x5b && p[i + 1] === 0x3a) {
      let j = i + 2;
      while (p[j] !== undefined && p[j] !== 0x5d) j++;
      if (p[j] === undefined) return undefined;
      if (j - (i + 2) < 1 || p[j - 1] !== 0x3a) {
        add(0x5b); // no ":]": a plain "["
      } else {
        const test = POSIX[String.fromCharCode(...p.subarray(i + 2, j - 1))];
        if (!test) return undefined; // a class git does not know: the pattern matches nothing
        for (let b = 0; b < 256; b++) if (test(b)) add(b);
        i = j;
        c = 0;
      }
    } else {
      add(c);
    }
    prev = c;
  }
  if (negated) for (let b = 0; b < 256; b++) set[b] = set[b] ? 0 : 1;
  set[SLASH] = 0; // with WM_PATHNAME a class never matches "/"
  // kept as 256 bits, one copy per distinct set: a .gitignore of many classes stays small
  const bits = new Uint32Array(8);
  for (let b = 0; b < 256; b++) if (set[b]) bits[b >>> 5]! |= 1 << (b & 31);
  const key = bits.join(',');
  let has = classes.get(key);
  if (!has) {
    if (classes.size >= 4096) classes.clear(); // a cache, not a record: bounded over the server's life
    classes.set(key, (has = bits));
  }
  return { has, end: i };
}

/**
 * The tokens of a pattern, or undefined for one git can never match (an unclosed class, a trailing
 * lone `\`). `start` is where git's wildmatch starts reading: after the pattern's literal prefix,
 * which dir.c compares on its own (so `**` there counts as at the start).
 */
export function tokenize(p: Uint8Array, fold: boolean, start: number): Token[] | undefined {
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === BACKSLASH) {
      if (i + 1 >= p.length) return undefined;
      out.push({ t: LIT, b: fold ? lower(p[++i]!) : p[++i]! });
    } else if (c === 0x3f) {
      out.push({ t: ONE });
    } else if (c === 0x5b) {
      const cls = readClass(p, i + 1, fold);
      if (!cls) return undefined;
      out.push({ t: CLASS, has: cls.has });
      i = cls.end;
    } else if (c === STAR_BYTE) {
      let j = i;
      while (p[j + 1] === STAR_BYTE) j++;
      const bounded = j > i && (i === start || p[i - 1] === SLASH);
      if (bounded && j + 1 === p.length) out.push({ t: REST });
      else if (bounded && p[j + 1] === SLASH) {
        // "**/**/" is "**/": one is enough
        if (out.at(-1)?.t !== DIRS) out.push({ t: DIRS });
        j++;
      } else if (bounded && p[j + 1] === BACKSLASH && p[j + 2] === SLASH) {
        out.push({ t: REST }); // before an escaped "/", git tries no empty match: anything, then the "/"
      } else if (out.at(-1)?.t !== STAR) out.push({ t: STAR });
      i = j;
    } else {
      out.push({ t: LIT, b: fold ? lower(c) : c });
    }
  }
  return out;
}
