/**
 * A .gitignore read into rules as git reads it (dir.c's add_patterns_from_buffer and
 * parse_path_pattern, and wildmatch.c's reading of a pattern), each rule's pattern into tokens that
 * gitignore-match.ts runs over a path's bytes. Bytes, as git: `?` is one byte, a class holds bytes;
 * case folds (ASCII only) where git folds it by default: on macOS and Windows, whose file systems
 * fold case.
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
export const REST = 5;

export type Token = { t: typeof LIT; b: number } | { t: typeof ONE | typeof STAR | typeof DIRS | typeof REST } | { t: typeof CLASS; has: Uint32Array };

export interface Rule {
  negative: boolean;
  /** A trailing `/`: it matches folders only. */
  dirOnly: boolean;
  /** No `/` but a trailing one: matched against the last name at any depth, else against the whole relative path. */
  basename: boolean;
  tokens: Token[];
  /** The least bytes a path needs to match: a shorter one is passed over at once. */
  minLength: number;
  /** The most common shapes, matched without the NFA: a plain name or path, and `*` then a plain ending (`*.log`). */
  literal?: Uint8Array;
  suffix?: Uint8Array;
  /** The plain bytes a match must start and end with: most rules are passed over on them, before the NFA. */
  head?: Uint8Array;
  tail?: Uint8Array;
}

export const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const STAR_BYTE = 0x2a;
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
function tokenize(p: Uint8Array, fold: boolean, start: number): Token[] | undefined {
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

/** One line of a .gitignore as git's parse_path_pattern reads it (comments, blanks and trailing spaces already gone). */
function parseRule(line: string, fold: boolean): Rule | undefined {
  let p = line;
  const negative = p.startsWith('!');
  if (negative) p = p.slice(1);
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  if (p === '') return undefined;
  const basename = !p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const bytes = encoder.encode(p);
  const literal = bytes.findIndex((b) => b === STAR_BYTE || b === 0x3f || b === 0x5b || b === BACKSLASH);
  const tokens = tokenize(bytes, fold, basename ? 0 : literal < 0 ? bytes.length : literal);
  if (!tokens) return undefined;
  const minLength = tokens.filter((k) => k.t === LIT || k.t === ONE || k.t === CLASS).length;
  const rule: Rule = { negative, dirOnly, basename, tokens, minLength };
  const plain = (from: number) => tokens.slice(from).every((k) => k.t === LIT) && Uint8Array.from(tokens.slice(from), (k) => (k as { b: number }).b);
  if (tokens.length > 0) {
    const whole = plain(0);
    const tail = tokens[0]!.t === STAR && plain(1);
    if (whole) rule.literal = whole;
    else if (tail) rule.suffix = tail;
    const run = (list: readonly Token[]) => {
      const end = list.findIndex((k) => k.t !== LIT);
      return Uint8Array.from(list.slice(0, end < 0 ? list.length : end), (k) => (k as { b: number }).b);
    };
    const head = run(tokens);
    const end = run([...tokens].reverse()).reverse();
    if (head.length > 0) rule.head = head;
    if (end.length > 0) rule.tail = end;
  }
  return rule;
}

/** Git's trim_trailing_spaces: spaces at the end go, unless the last one is escaped. */
function trimTrailingSpaces(line: string): string {
  let lastSpace = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ') {
      if (lastSpace < 0) lastSpace = i;
    } else if (c === '\\') {
      i++;
      if (i >= line.length) return line;
      lastSpace = -1;
    } else {
      lastSpace = -1;
    }
  }
  return lastSpace < 0 ? line : line.slice(0, lastSpace);
}

/** The rules of one .gitignore's text, in order. */
export function parseGitignore(text: string, fold = FOLD_CASE_DEFAULT): Rule[] {
  const rules: Rule[] = [];
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (const raw of body.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const rule = parseRule(trimTrailingSpaces(raw.endsWith('\r') ? raw.slice(0, -1) : raw), fold);
    if (rule) rules.push(rule);
  }
  return rules;
}
