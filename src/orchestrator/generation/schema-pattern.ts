/**
 * The caller's `pattern` and `patternProperties`, matched in time linear in the text: RE2 (re2js,
 * a port of it to JavaScript) in place of the JavaScript engine, which backtracks — `^(a+)+$`
 * against 40 characters of "a" and one "!" would hold the server's only thread for days. A schema
 * is read as JSON Schema says, as an ECMAScript pattern with the `u` flag: it is checked by
 * JavaScript's own parser first (what JavaScript refuses is refused with its words), then written
 * in RE2's syntax with JavaScript's meaning (`.`, `\s`, `\u…`, `[^]`, named groups).
 * What RE2 cannot run in linear time is refused, naming it and what to do: look-aheads,
 * look-behinds and backreferences; so is a repeat count above 1000 (RE2's bound).
 *
 * Linear is not cheap: each character may cost up to as many steps as the pattern's program has
 * instructions (issue 72: `^(\p{L}{1,1000} ?)*$` took ~27-56 µs a character, 4-9 s for 160 KB;
 * nested counts such as `^(\w{1,10}){1,90}$`, ~2,000 instructions, up to ~0.3 µs per instruction
 * and character). So a pattern of more than MAX_PATTERN_PROGRAM instructions is refused when the
 * schema is compiled, and a value longer than MAX_PATTERN_WORK / instructions is not matched at all
 * (PatternTooCostly: the answer is left unchecked, saying why) — one match costs about 1 s at most.
 */
import { RE2JS, RE2JSException } from 're2js';
import { quoted } from '../util/shorten.js';

/** A pattern ollm-mcp does not run: the words say which part, why, and what to do instead. */
export class PatternRefused extends Error {}

/** A value too long for its pattern's cost (MAX_PATTERN_WORK): not matched; the words say why and what to do. */
export class PatternTooCostly extends Error {}

/**
 * The most instructions a pattern's RE2 program may have: each character may cost that many steps.
 * Well above what RE2's own bounds (a repeat count of at most 1000) let a usual pattern reach —
 * `^[0-9a-f]{1000}$` is 1,004, `^(\p{L}{1,1000} ?)*$` 2,008 — whose cost MAX_PATTERN_WORK bounds
 * by the value's length instead; only a program of many such repeats is refused.
 */
export const MAX_PATTERN_PROGRAM = 20_000;
/** The most instructions × characters one match may take (~0.25 µs each at worst, measured: about 1 s). */
export const MAX_PATTERN_WORK = 4_000_000;

/** A part of a JavaScript pattern RE2 cannot run (re2Syntax); `what` names it: "a look-ahead ((?=…))". */
export class Unsupported extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

/** The way out of any pattern ollm-mcp does not run. */
const LEAVE_OUT = 'leave the pattern out and check that part of the answer yourself';
/** What ollm-mcp tells the caller to do about a part of a pattern it does not run. */
const NEXT_STEP = `rewrite the pattern without it, or ${LEAVE_OUT}`;
/** What to do about a pattern whose counted repeats make it costly. */
const SIMPLER = 'use + or * or smaller counts instead of large counted repeats ({1,1000}), and maxLength for a length';

function refused(source: string, what: string): PatternRefused {
  return new PatternRefused(
    `format's pattern ${quoted(source)} uses ${what}, which ollm-mcp does not run: patterns are matched in time linear in the answer (by RE2), so that no answer can stall the server — ${NEXT_STEP}.`,
  );
}

/** JavaScript's `\s`: its WhiteSpace and LineTerminator characters, as RE2 class items. */
export const SPACE_ITEMS = String.raw`\x{9}-\x{D}\x{20}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`;
/** JavaScript's `\S`: every code point not in SPACE_ITEMS. */
export const NOT_SPACE_ITEMS = String.raw`\x{0}-\x{8}\x{E}-\x{1F}\x{21}-\x{9F}\x{A1}-\x{167F}\x{1681}-\x{1FFF}\x{200B}-\x{2027}\x{202A}-\x{202E}\x{2030}-\x{205E}\x{2060}-\x{2FFF}\x{3001}-\x{FEFE}\x{FF00}-\x{10FFFF}`;
/** JavaScript's `.` without the `s` flag: any code point but a line terminator. */
const DOT = String.raw`[^\n\r\x{2028}\x{2029}]`;

/** JavaScript's long names of general categories, for RE2, which knows the short ones. */
const CATEGORIES: Readonly<Record<string, string>> = {
  Letter: 'L',
  Uppercase_Letter: 'Lu',
  Lowercase_Letter: 'Ll',
  Titlecase_Letter: 'Lt',
  Modifier_Letter: 'Lm',
  Other_Letter: 'Lo',
  Mark: 'M',
  Combining_Mark: 'M',
  Nonspacing_Mark: 'Mn',
  Spacing_Mark: 'Mc',
  Enclosing_Mark: 'Me',
  Number: 'N',
  Decimal_Number: 'Nd',
  digit: 'Nd',
  Letter_Number: 'Nl',
  Other_Number: 'No',
  Punctuation: 'P',
  punct: 'P',
  Connector_Punctuation: 'Pc',
  Dash_Punctuation: 'Pd',
  Open_Punctuation: 'Ps',
  Close_Punctuation: 'Pe',
  Initial_Punctuation: 'Pi',
  Final_Punctuation: 'Pf',
  Other_Punctuation: 'Po',
  Symbol: 'S',
  Math_Symbol: 'Sm',
  Currency_Symbol: 'Sc',
  Modifier_Symbol: 'Sk',
  Other_Symbol: 'So',
  Separator: 'Z',
  Space_Separator: 'Zs',
  Line_Separator: 'Zl',
  Paragraph_Separator: 'Zp',
  Other: 'C',
  Control: 'Cc',
  cntrl: 'Cc',
  Format: 'Cf',
  Surrogate: 'Cs',
  Private_Use: 'Co',
  Unassigned: 'Cn',
};

const hex = (cp: number) => `\\x{${cp.toString(16).toUpperCase()}}`;
const isHex = (s: string) => /^[0-9A-Fa-f]+$/.test(s);

/**
 * The escape at `at` (a backslash) in RE2's syntax, and where the pattern goes on. `inClass`: inside
 * [...], where `\b` is a backspace and `\s` is written as its items.
 */
function escape(source: string, at: number, inClass: boolean): [string, number] {
  const c = source[at + 1]!;
  switch (c) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 't':
    case 'n':
    case 'r':
    case 'f':
    case 'v':
      return [`\\${c}`, at + 2];
    case 'b':
    case 'B':
      return [inClass ? '\\x{8}' : `\\${c}`, at + 2];
    case 's':
      return [inClass ? SPACE_ITEMS : `[${SPACE_ITEMS}]`, at + 2];
    case 'S':
      return [inClass ? NOT_SPACE_ITEMS : `[${NOT_SPACE_ITEMS}]`, at + 2];
    case '0':
      return ['\\x{0}', at + 2];
    case 'c':
      return [hex(source.charCodeAt(at + 2) % 32), at + 3];
    case 'x':
      return [hex(parseInt(source.slice(at + 2, at + 4), 16)), at + 4];
    case 'u': {
      if (source[at + 2] === '{') {
        const end = source.indexOf('}', at + 3);
        return [hex(parseInt(source.slice(at + 3, end), 16)), end + 1];
      }
      const unit = parseInt(source.slice(at + 2, at + 6), 16);
      // a surrogate pair written as two escapes is one code point, as JavaScript reads it with `u`
      const low =
        source.slice(at + 6, at + 8) === '\\u' && isHex(source.slice(at + 8, at + 12))
          ? parseInt(source.slice(at + 8, at + 12), 16)
          : -1;
      if (unit >= 0xd800 && unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff)
        return [hex(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)), at + 12];
      return [hex(unit), at + 6];
    }
    case 'p':
    case 'P': {
      const end = source.indexOf('}', at + 3);
      const body = source.slice(at + 3, end);
      const eq = body.indexOf('=');
      const [key, value] = eq < 0 ? ['', body] : [body.slice(0, eq), body.slice(eq + 1)];
      // Script=Greek and General_Category=Letter name what RE2 calls Greek and L
      const name =
        key === '' || key === 'General_Category' || key === 'gc'
          ? (CATEGORIES[value] ?? value)
          : key === 'Script' || key === 'sc'
            ? value
            : body;
      return [`\\${c}{${name}}`, end + 1];
    }
    case 'k':
      throw new Unsupported('a backreference (\\k<…>)');
    default:
      if (c >= '1' && c <= '9') throw new Unsupported(`a backreference (\\${c})`);
      return [`\\${c}`, at + 2]; // a syntax character or "/" or "-", escaped: RE2 takes any punctuation escaped
  }
}

/** The class at `at` (its "[") in RE2's syntax, and where the pattern goes on. */
function charClass(source: string, at: number): [string, number] {
  if (source[at + 1] === ']') return [String.raw`[^\x{0}-\x{10FFFF}]`, at + 2]; // [] matches nothing
  if (source.startsWith('^]', at + 1)) return [String.raw`[\x{0}-\x{10FFFF}]`, at + 3]; // [^] matches anything
  let out = '[';
  let i = at + 1;
  if (source[i] === '^') {
    out += '^';
    i++;
  }
  while (source[i] !== ']') {
    if (source[i] === '\\') {
      const [text, next] = escape(source, i, true);
      out += text;
      i = next;
    } else {
      const len = source.codePointAt(i)! > 0xffff ? 2 : 1;
      out += source[i] === '[' ? '\\[' : source.slice(i, i + len); // "[" is RE2's [:alpha:]
      i += len;
    }
  }
  return [`${out}]`, i + 1];
}

/**
 * `source`, a pattern JavaScript accepts, in RE2's syntax with the same meaning (read as with the `u`
 * flag; picomatch's patterns, written without it, read the same); throws Unsupported for a
 * look-around, a backreference or an inline flag.
 */
export function re2Syntax(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      const [text, next] = escape(source, i, false);
      out += text;
      i = next;
    } else if (c === '[') {
      const [text, next] = charClass(source, i);
      out += text;
      i = next;
    } else if (c === '.') {
      out += DOT;
      i++;
    } else if (c === '(' && source[i + 1] === '?') {
      const kind = source.slice(i + 2, i + 4);
      if (kind[0] === ':') {
        out += '(?:';
        i += 3;
      } else if (kind[0] === '=' || kind[0] === '!') {
        throw new Unsupported(`a look-ahead ((?${kind[0]}…))`);
      } else if (kind === '<=' || kind === '<!') {
        throw new Unsupported(`a look-behind ((?${kind}…))`);
      } else if (kind[0] === '<') {
        out += '('; // a named group: only whether the pattern matches is asked, never what a group holds
        i = source.indexOf('>', i) + 1;
      } else {
        throw new Unsupported('an inline flag ((?i:…) and the like)');
      }
    } else {
      const len = source.codePointAt(i)! > 0xffff ? 2 : 1;
      out += source.slice(i, i + len);
      i += len;
    }
  }
  return out;
}

/** A compiled pattern as Ajv uses it: `test` finds a match anywhere in the text, as RegExp.test does. */
export interface LinearPattern {
  test(text: string): boolean;
  toString(): string;
}

/**
 * Ajv's RegExp engine (its option `code.regExp`): `source` checked by JavaScript's parser, then
 * compiled by RE2. Throws JavaScript's SyntaxError for a pattern that is no ECMAScript pattern, and
 * PatternRefused for one RE2 cannot run or whose program is too large (MAX_PATTERN_PROGRAM); its
 * `test` throws PatternTooCostly for a text longer than the program allows (MAX_PATTERN_WORK).
 */
export function linearPattern(source: string, flags: string): LinearPattern {
  if (flags !== 'u') throw new Error(`patterns are read with the u flag, not "${flags}"`); // Ajv's unicodeRegExp, never turned off here
  new RegExp(source, flags); // only parsed, never run: a pattern that is not ECMAScript is refused in JavaScript's words
  let syntax: string;
  try {
    syntax = re2Syntax(source);
  } catch (err) {
    throw err instanceof Unsupported ? refused(source, err.what) : err;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(syntax);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    const said = err.message.replace(/^error parsing regexp: /, '');
    const next = /repeat count/.test(said) ? `${SIMPLER}, or ${LEAVE_OUT}` : NEXT_STEP;
    throw new PatternRefused(
      `format's pattern ${quoted(source)} cannot be matched in linear time by RE2, which ollm-mcp runs patterns with so that no answer can stall the server (RE2 says: ${said}) — ${next}.`,
    );
  }
  return bounded(re, source, flags);
}

/** `re` as Ajv runs it, refused at compile when its program is too large, and never run on a text longer than its cost allows. */
function bounded(re: RE2JS, source: string, flags: string): LinearPattern {
  const size = re.programSize();
  if (size > MAX_PATTERN_PROGRAM) {
    throw new PatternRefused(
      `format's pattern ${quoted(source)} compiles to ${size} steps, more than the ${MAX_PATTERN_PROGRAM} ollm-mcp runs: each character of the answer could cost that many — ${SIMPLER}, or ${LEAVE_OUT}.`,
    );
  }
  const most = Math.floor(MAX_PATTERN_WORK / size);
  const test = (text: string): boolean => {
    if (text.length > most) {
      throw new PatternTooCostly(
        `a value in it is ${text.length} characters, more than format's pattern ${quoted(source)} is matched against (${most} at most: each character may cost up to ${size} steps of it), so it was not checked — ask for a shorter value, ${SIMPLER}, or pass "json" and check the answer yourself`,
      );
    }
    return re.test(text);
  };
  return { test, toString: () => `/${source}/${flags}` };
}
/** Ajv names the engine by this in code it writes out (never here: schemas are compiled in place). */
linearPattern.code = 'linearPattern';
