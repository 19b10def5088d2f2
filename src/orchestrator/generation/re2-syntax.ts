/**
 * A JavaScript pattern written in RE2's syntax with JavaScript's meaning (`.`, `\s`, `\u…`, `[^]`,
 * named groups), for the caller's schema patterns (schema-pattern.ts) and globs (inputs/glob-match.ts);
 * what RE2 cannot run in linear time — look-aheads, look-behinds, backreferences, inline flags — is
 * Unsupported, naming it.
 */

/** A part of a JavaScript pattern RE2 cannot run (re2Syntax); `what` names it: "a look-ahead ((?=…))". */
export class Unsupported extends Error {
  constructor(readonly what: string) {
    super(what);
  }
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
 * A `\u` escape at `at` ("\u0041", "\u{1F600}", or a surrogate pair as two) in RE2's syntax, and where the
 * pattern goes on.
 */
function unicodeEscape(source: string, at: number): [string, number] {
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

/** A `\p{…}` or `\P{…}` escape at `at` in RE2's syntax, and where the pattern goes on. */
function propertyEscape(source: string, at: number, c: string): [string, number] {
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
    case 'u':
      return unicodeEscape(source, at);
    case 'p':
    case 'P':
      return propertyEscape(source, at, c);
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
