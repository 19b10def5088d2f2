/**
 * The caller's `pattern` and `patternProperties`, matched in time linear in the text: RE2 (re2js,
 * a port of it to JavaScript) in place of the JavaScript engine, which backtracks — `^(a+)+$`
 * against 40 characters of "a" and one "!" would hold the server's only thread for days. A schema
 * is read as JSON Schema says, as an ECMAScript pattern with the `u` flag: it is checked by
 * JavaScript's own parser first (what JavaScript refuses is refused with its words), then written
 * in RE2's syntax with JavaScript's meaning (`.`, `\s`, `\u…`, `[^]`, named groups: re2-syntax.ts).
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
import { re2Syntax, Unsupported } from './re2-syntax.js';

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

/** The way out of any pattern ollm-mcp does not run. */
const LEAVE_OUT = 'leave the pattern out and check that part of the answer yourself';
/** What ollm-mcp tells the caller to do about a part of a pattern it does not run. */
const NEXT_STEP = `rewrite the pattern without it, or ${LEAVE_OUT}`;
/** What to do about a pattern whose counted repeats make it costly. */
const SIMPLER = 'use + or * or smaller counts instead of large counted repeats ({1,1000}), and maxLength for a length';

function refused(source: string, what: string): PatternRefused {
  return new PatternRefused(
    `format's pattern ${quoted(source)} uses ${what}, which ollm-mcp does not run: patterns are ` +
      `matched in time linear in the answer (by RE2), so that no answer can stall the server — ` +
      `${NEXT_STEP}.`,
  );
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
  // Ajv's unicodeRegExp, never turned off here
  if (flags !== 'u') throw new Error(`patterns are read with the u flag, not "${flags}"`);
  // only parsed, never run: a pattern that is not ECMAScript is refused in JavaScript's words
  new RegExp(source, flags);
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
      `format's pattern ${quoted(source)} cannot be matched in linear time by RE2, which ollm-mcp ` +
        `runs patterns with so that no answer can stall the server (RE2 says: ${said}) — ${next}.`,
    );
  }
  return bounded(re, source, flags);
}

/**
 * `re` as Ajv runs it, refused at compile when its program is too large, and never run on a text longer than
 * its cost allows.
 */
function bounded(re: RE2JS, source: string, flags: string): LinearPattern {
  const size = re.programSize();
  if (size > MAX_PATTERN_PROGRAM) {
    throw new PatternRefused(
      `format's pattern ${quoted(source)} compiles to ${size} steps, more than the ` +
        `${MAX_PATTERN_PROGRAM} ollm-mcp runs: each character of the answer could cost that many — ` +
        `${SIMPLER}, or ${LEAVE_OUT}.`,
    );
  }
  const most = Math.floor(MAX_PATTERN_WORK / size);
  const test = (text: string): boolean => {
    if (text.length > most) {
      throw new PatternTooCostly(
        `a value in it is ${text.length} characters, more than format's pattern ${quoted(source)} ` +
          `is matched against (${most} at most: each character may cost up to ${size} steps of it), ` +
          `so it was not checked — ask for a shorter value, ${SIMPLER}, or pass "json" and check the ` +
          `answer yourself`,
      );
    }
    return re.test(text);
  };
  return { test, toString: () => `/${source}/${flags}` };
}
/** Ajv names the engine by this in code it writes out (never here: schemas are compiled in place). */
linearPattern.code = 'linearPattern';
