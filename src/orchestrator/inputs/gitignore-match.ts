/**
 * .gitignore rules matched as git matches them (dir.c and wildmatch.c, with WM_PATHNAME) in time
 * bounded by the pattern's length times the path's (issue 61): the `ignore` library turned each
 * rule into a backtracking regular expression, and six `**` folders around `a` before a `b`,
 * over an 80-deep folder chain held the shared server for seconds. A rule (gitignore-pattern.ts)
 * is run as a set of states over the path's bytes (an NFA, never backtracking); a plain name or
 * `*.ext` is looked up instead (gitignore-index.ts), so a path costs the same against a .gitignore
 * of ten names or of a million.
 */
import { PlainRules } from './gitignore-index.js';
import type { ReadSlices } from './gitignore-pace.js';
import { parseRule, ruleLines } from './gitignore-parse.js';
import {
  CLASS,
  DIRS,
  encoder,
  FOLD_CASE_DEFAULT,
  foldAscii,
  isPlain,
  LIT,
  ONE,
  SLASH,
  STAR,
  type GitignoreRule,
  type Token,
} from './gitignore-pattern.js';

/** The NFA's two state sets, kept between calls (matching is synchronous): no allocation per path. */
let scratch: Uint8Array[] = [new Uint8Array(64), new Uint8Array(64)];

/** A rule's tokens as flat arrays, so the NFA's loop reads one shape (made once per rule, on first use). */
interface Program {
  type: Uint8Array;
  lit: Uint8Array;
  cls: Array<Uint32Array | undefined>;
}

const programs = new WeakMap<readonly Token[], Program>();

function program(tokens: readonly Token[]): Program {
  let p = programs.get(tokens);
  if (!p) {
    p = {
      type: Uint8Array.from(tokens, (k) => k.t),
      lit: Uint8Array.from(tokens, (k) => (k.t === LIT ? k.b : 0)),
      cls: tokens.map((k) => (k.t === CLASS ? k.has : undefined)),
    };
    programs.set(tokens, p);
  }
  return p;
}

/** The token × byte steps matching took so far (never reset): the work rules cost, counted, not timed. */
export const matchWork = { steps: 0 };

/**
 * Whether `tokens` match all of `text` (bytes, folded as the tokens were): the states are the
 * token positions, two per DIRS (free to stop, or inside a name), stepped once per byte — so
 * pattern length × path length steps at most, whatever the pattern.
 */
function matchTokens(tokens: readonly Token[], text: Uint8Array): boolean {
  const { type, lit, cls } = program(tokens);
  const n = type.length;
  // state i: before token i (n: done); state n + 1 + i: inside a DIRS at i, after a byte that is not "/"
  if (scratch[0]!.length < 2 * n + 2) scratch = [new Uint8Array(4 * n + 4), new Uint8Array(4 * n + 4)];
  let cur = scratch[0]!;
  let next = scratch[1]!;
  cur.fill(0, 0, 2 * n + 2);
  cur[0] = 1;
  for (let i = 0; i < n; i++) if (cur[i] && type[i]! >= STAR) cur[i + 1] = 1;
  for (let pos = 0; pos < text.length; pos++) {
    const b = text[pos]!;
    matchWork.steps += n;
    next.fill(0, 0, 2 * n + 2);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (cur[n + 1 + i]) {
        next[b === SLASH ? i : n + 1 + i] = 1;
        any = true;
      }
      if (!cur[i]) continue;
      any = true;
      const t = type[i];
      if (t === LIT) {
        if (b === lit[i]) next[i + 1] = 1;
      } else if (t === ONE) {
        if (b !== SLASH) next[i + 1] = 1;
      } else if (t === CLASS) {
        if ((cls[i]![b >>> 5]! >>> (b & 31)) & 1) next[i + 1] = 1;
      } else if (t === STAR) {
        if (b !== SLASH) next[i] = 1;
      } else if (t === DIRS) {
        next[b === SLASH ? i : n + 1 + i] = 1;
      } else {
        next[i] = 1; // REST
      }
    }
    if (!any) return false;
    // the zero-width tokens (STAR, DIRS, REST) may be passed over: forward, so one pass chains them
    for (let i = 0; i < n; i++) if (next[i] && type[i]! >= STAR) next[i + 1] = 1;
    const was = cur;
    cur = next;
    next = was;
  }
  return cur[n] === 1;
}

/** Whether one rule matches `path` (relative to the folder of its .gitignore, bytes, folded as the rule was). */
function ruleMatches(rule: GitignoreRule, path: Uint8Array, isDir: boolean): boolean {
  if (rule.dirOnly && !isDir) return false;
  const text = rule.basename ? path.subarray(path.lastIndexOf(SLASH) + 1) : path;
  if (text.length < rule.minLength) return false;
  if (rule.head && !startsWith(text, rule.head)) return false;
  if (rule.tail && !sameBytes(text, text.length - rule.tail.length, rule.tail)) return false;
  return matchTokens(rule.tokens, text);
}

function startsWith(text: Uint8Array, bytes: Uint8Array): boolean {
  if (text.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (text[i] !== bytes[i]) return false;
  return true;
}

/** Whether `text` from `at` to its end is `bytes`. */
function sameBytes(text: Uint8Array, at: number, bytes: Uint8Array): boolean {
  if (text.length - at !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (text[at + i] !== bytes[i]) return false;
  return true;
}

/** The path's bytes, kept between calls as the NFA's states are. */
let pathBytes = new Uint8Array(1024);

function bytesOf(path: string): Uint8Array {
  if (pathBytes.length < path.length * 3) pathBytes = new Uint8Array(path.length * 6);
  return pathBytes.subarray(0, encoder.encodeInto(path, pathBytes).written);
}

/** The lines read between two chances to give the thread back: well under a millisecond of work. */
const LINES_PER_SLICE = 512;

/** One .gitignore: its rules, and git's answer for a path relative to its folder. */
export class GitignoreFile {
  /** The plain names and `*.ext` rules, looked up. */
  private readonly plain = new PlainRules();
  /** The other rules, matched step by step, each with its place among all the file's rules. */
  private readonly stepped: GitignoreRule[] = [];
  private readonly steppedAt: number[] = [];
  private places = 0;

  constructor(
    text: string,
    private readonly fold = FOLD_CASE_DEFAULT,
  ) {
    const lines = ruleLines(text);
    while (this.take(lines, Infinity));
  }

  /**
   * A .gitignore's text read into rules a slice of lines at a time, the thread given back between slices as
   * `slices` says.
   */
  static async read(text: string, fold: boolean, slices: ReadSlices): Promise<GitignoreFile> {
    const file = new GitignoreFile('', fold);
    const lines = ruleLines(text);
    while (slices.timed(() => file.take(lines, LINES_PER_SLICE))) await slices.breathe();
    return file;
  }

  /** Reads up to `count` more lines into rules; whether lines are left. */
  private take(lines: Iterator<string>, count: number): boolean {
    for (let i = 0; i < count; i++) {
      const next = lines.next();
      if (next.done) return false;
      const rule = parseRule(next.value, this.fold);
      if (!rule) continue;
      const at = this.places++;
      if (isPlain(rule)) this.plain.add(rule, at);
      else {
        this.stepped.push(rule);
        this.steppedAt.push(at);
      }
    }
    return true;
  }

  /**
   * How many of its rules are matched step by step (not a plain name or `*.ext`, looked up): what one path
   * may cost.
   */
  get costly(): number {
    return this.stepped.length;
  }

  /** The last rule that matches decides: ignored, or brought back by a negation; undefined when none does. */
  test(relPath: string, isDir: boolean): 'ignored' | 'unignored' | undefined {
    if (this.places === 0) return undefined;
    const path = this.fold ? foldAscii(relPath) : relPath;
    const mark = this.plain.size > 0 ? this.plain.last(path, isDir) : -1;
    // only a rule after the last plain one that matches can decide instead of it
    const after = mark < 0 ? -1 : mark >> 1;
    const n = this.stepped.length;
    if (n > 0 && this.steppedAt[n - 1]! > after) {
      const bytes = bytesOf(path);
      for (let i = n - 1; i >= 0 && this.steppedAt[i]! > after; i--) {
        const rule = this.stepped[i]!;
        if (ruleMatches(rule, bytes, isDir)) return rule.negative ? 'unignored' : 'ignored';
      }
    }
    if (mark < 0) return undefined;
    return mark & 1 ? 'unignored' : 'ignored';
  }
}
