/**
 * A .gitignore read into rules as git reads it (dir.c's add_patterns_from_buffer and
 * parse_path_pattern): each line into a rule, its pattern into tokens (gitignore-pattern.ts). The
 * common shapes — a plain name or path, `*` then a plain ending — are read into a key to be looked
 * up (PlainRule, gitignore-index.ts) without tokens: a generated .gitignore of a hundred thousand
 * names is read in tens of milliseconds, and its lines one by one, so the reader can give the
 * thread back between them.
 */
import { RulesTooCostly } from './gitignore-pace.js';
import {
  BACKSLASH,
  CLASS,
  encoder,
  foldAscii,
  LIT,
  ONE,
  SLASH,
  STAR,
  STAR_BYTE,
  tokenize,
  type ParsedRule,
  type GitignoreRule,
  type RuleShape,
  type Token,
} from './gitignore-pattern.js';

/**
 * The longest line read as a rule. No path is longer than 4,096 bytes, so no rule of git's that can
 * match one needs more; and a longer line would be read in one step that cannot give the thread back.
 */
export const MAX_RULE_CHARS = 32_768;

/**
 * A line longer than MAX_RULE_CHARS: the walk is refused rather than the line read, or passed over (it might
 * hold a rule git keeps).
 */
export class RuleTooLong extends RulesTooCostly {}

/** What makes a pattern more than plain text: a wildcard, a class or an escape. */
const SPECIAL = /[*?[\\]/;
const decoder = new TextDecoder();

/** The bytes of `tokens` from `from` on when they are all plain, else undefined. */
function plainFrom(tokens: readonly Token[], from: number): string | undefined {
  const rest = tokens.slice(from);
  if (!rest.every((k) => k.t === LIT)) return undefined;
  return decoder.decode(Uint8Array.from(rest, (k) => (k as { b: number }).b));
}

/** The plain bytes `list` starts with. */
function leadingRun(list: readonly Token[]): Uint8Array {
  const end = list.findIndex((k) => k.t !== LIT);
  return Uint8Array.from(list.slice(0, end < 0 ? list.length : end), (k) => (k as { b: number }).b);
}

/** A pattern (negation, trailing and leading `/` gone) that is not plain text, read into tokens. */
function tokenRule(p: string, shape: RuleShape, fold: boolean): ParsedRule | undefined {
  const bytes = encoder.encode(p);
  const literal = bytes.findIndex((b) => b === STAR_BYTE || b === 0x3f || b === 0x5b || b === BACKSLASH);
  const tokens = tokenize(bytes, fold, shape.basename ? 0 : literal < 0 ? bytes.length : literal);
  if (!tokens) return undefined;
  // escapes, or a "**" read as "*", may still leave a plain name or a plain ending
  const whole = plainFrom(tokens, 0);
  if (whole !== undefined) return { ...shape, kind: 'name', key: whole };
  const ending = tokens[0]!.t === STAR ? plainFrom(tokens, 1) : undefined;
  if (ending !== undefined) return { ...shape, kind: 'ending', key: ending };
  const minLength = tokens.filter((k) => k.t === LIT || k.t === ONE || k.t === CLASS).length;
  const rule: GitignoreRule = { ...shape, tokens, minLength };
  const head = leadingRun(tokens);
  const tail = leadingRun([...tokens].reverse()).reverse();
  if (head.length > 0) rule.head = head;
  if (tail.length > 0) rule.tail = tail;
  return rule;
}

/**
 * One line of a .gitignore as git's parse_path_pattern reads it (comments, blanks and trailing
 * spaces already gone). Run for every line of a file that may hold millions: no spread, no closure.
 */
export function parseRule(line: string, fold: boolean): ParsedRule | undefined {
  let p = line;
  const negative = p.charCodeAt(0) === 0x21;
  if (negative) p = p.slice(1);
  const dirOnly = p.charCodeAt(p.length - 1) === SLASH;
  if (dirOnly) p = p.slice(0, -1);
  if (p === '') return undefined;
  const basename = p.indexOf('/') < 0;
  if (p.charCodeAt(0) === SLASH) p = p.slice(1);
  // the common shapes, read without tokens: plain text, or one "*" before plain text
  if (!SPECIAL.test(p)) return { negative, dirOnly, basename, kind: 'name', key: fold ? foldAscii(p) : p };
  if (p.charCodeAt(0) === STAR_BYTE) {
    const ending = p.slice(1);
    if (!SPECIAL.test(ending))
      return { negative, dirOnly, basename, kind: 'ending', key: fold ? foldAscii(ending) : ending };
  }
  return tokenRule(p, { negative, dirOnly, basename }, fold);
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

/**
 * The rule lines of a .gitignore's text, in order, as git reads them: a byte-order mark, CRLF
 * endings, blank and comment lines and trailing spaces gone. Read line by line, so a caller may
 * give the thread back between lines of a large file.
 */
export function* ruleLines(text: string): Generator<string> {
  let at = text.startsWith('\uFEFF') ? 1 : 0;
  while (at <= text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    let raw = text.slice(at, end);
    at = end + 1;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw === '' || raw.startsWith('#')) continue;
    if (raw.length > MAX_RULE_CHARS)
      throw new RuleTooLong(`holds a line of ${raw.length} characters, more than the ${MAX_RULE_CHARS} read as a rule`);
    yield trimTrailingSpaces(raw);
  }
}
