/**
 * Guessing what kind of work a prompt is, so the router can pick a suitable local model.
 * Pure heuristics over text (no I/O), checked in a fixed precedence — images → vision; an
 * explicit summary request → summarize; an explicit request for a poem, story or song →
 * creative; a request to review code → code; error output, or a fix request or trouble report
 * about software → debugging; code (fenced or not, any common language), a request for code, a
 * named programming language, tool or library ("an awk one-liner", "a left join in pandas") or a
 * programming question → code; a question about how two things differ → general; proofs,
 * puzzles, riddles, paradoxes, word problems and maths → reasoning; creative words → creative;
 * greetings and thanks alone, or a short lookup (after any greeting) → fast; anything else →
 * general. The word tables live in task-signals.ts, debug-signals.ts,
 * reasoning-signals.ts, code-signals.ts, code-terms.ts and puzzles-and-small-talk.ts.
 * Work is bounded on long prompts: the signals are looked for in a long text's beginning and end
 * only, and the quick-answer checks only in a short one.
 */
import type { TaskType } from '../config/profiles.js';
import {
  CODE_FENCE,
  CODE_REQUEST,
  CODE_REVIEW,
  containsCode,
  namesLanguage,
  RUNNING_SOFTWARE,
} from './code-signals.js';
import { codeTerms } from './code-terms.js';
import { DEBUG_WORDS, ERROR_OUTPUT, FIX_REQUEST, MAKE_REQUEST } from './debug-signals.js';
import { LOOKUP, MATH_EXPR, NOT_QUICK, OPEN_QUESTION, QUICK, REASONING, wordProblem } from './reasoning-signals.js';
import { CREATIVE_REQUEST, CREATIVE_WORDS, firstHit, SUMMARY, type Rule } from './task-signals.js';
import { DIFFERENCE, isSmallTalk, PUZZLE, withoutGreeting, WORKED } from './puzzles-and-small-talk.js';

export type Complexity = 'low' | 'medium' | 'high';

export interface Classification {
  task: TaskType;
  complexity: Complexity;
  /** One short clause saying why, e.g. "a stack trace suggests debugging". */
  why: string;
}

/** Roles a system prompt may assign ("You are an expert Rust engineer"): checked only there. */
const SYSTEM_ROLES: readonly Rule[] = [
  {
    re: /\b(?:programmer|software engineer|developer|coding assistant|code reviewer|(?:rust|python|javascript|typescript|java|go|c\+\+|backend|frontend) (?:engineer|expert))\b/i,
    why: 'a programming role suggests code',
  },
];

/** Asking how to do something, or what a thing is or does: with a word about software, a programming question. */
const HOW_TO =
  /\b(?:how (?:do|can|should|would|to)|what(?:'s| is) the (?:difference|right way|cleanest way|idiomatic way|correct way)|best (?:way|practices?)|explain|what does|is there a way|why (?:does|is|do))\b/i;
/** A question, or a request to explain: with one programming concept, a programming question. */
const QUESTION =
  /\?|^\s*(?:how|what|why|when|which|where|is|are|can|could|should|does|do)\b|\b(?:explain|how (?:do|can|to|should)|best way|show me|example of|best practices?)\b/i;

/** "What does HTML stand for?": a lookup, even about software. */
const ACRONYM = /\bstands? for\b/i;

const HIGH_EFFORT =
  /\b(?:design|architect(?:ure)?|optimi[sz](?:e|ation)|prove|proof|scalab\w*|distributed|trade-?offs?|comprehensive|production[- ]ready|end-to-end|from scratch)\b/i;
const LIST_ITEM = /^\s*(?:\d+[.)]|[-*•])\s+\S/gm;

/** The number of words, counting no further than `cap + 1` (a long prompt is not split whole). */
function words(text: string, cap = 20): number {
  const word = /\S+/g;
  let n = 0;
  while (n <= cap && word.exec(text)) n++;
  return n;
}
const sentences = (text: string): string[] => text.split(/(?<=[.!?])\s+|\n+/);

/** Lines inside ``` fences. */
function fencedLines(text: string): number {
  let inside = false;
  let count = 0;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) inside = !inside;
    else if (inside) count++;
  }
  return count;
}

/**
 * A rough token count, no tokenizer needed, meant never to fall below a real one: letters and
 * white space weigh 1/4 (about four characters per token in English prose); digits weigh 0.6
 * (tokenizers cut numbers into groups of at most three, some into single digits); punctuation and
 * symbols weigh 1/2, and 1 right after a digit (the ":" and "." in timestamps, versions and
 * addresses are tokens of their own), so symbol-heavy code and logs come out denser; characters
 * beyond U+2E7F (CJK, emoji) weigh 1. Checked against Llama 3's tokenizer on prose, code, diffs
 * and logs (test/fake-ollama/tokenize.test.ts). Every character adds weight, so the count never
 * falls as text grows. Rounded up; 0 for ''.
 */
/** 1: an ASCII letter or white space; 2: a digit; 0: any other ASCII character. */
const ASCII_KIND = Uint8Array.from({ length: 0x80 }, (_, c) => {
  const ch = String.fromCharCode(c);
  return /[A-Za-z\s]/.test(ch) ? 1 : /[0-9]/.test(ch) ? 2 : 0;
});
const WORDLIKE = /[\p{L}\p{N}\s]/u;

export function estimateTokens(text: string): number {
  let weight = 0;
  let afterDigit = false;
  const n = text.length;
  // by UTF-16 unit, not by code point: no string made per character (a planned split counts its input
  // several times: ~2.6× faster than iterating the string)
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      const kind = ASCII_KIND[code];
      weight += kind === 1 ? 0.25 : kind === 2 ? 0.6 : afterDigit ? 1 : 0.5;
      afterDigit = kind === 2;
      continue;
    }
    afterDigit = false;
    if (code > 0x2e7f) {
      // CJK, emoji (a surrogate pair is one character: its low half is skipped), a lone surrogate
      weight += 1;
      if (code <= 0xdbff && code >= 0xd800 && i + 1 < n) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) i++;
      }
    } else weight += WORDLIKE.test(String.fromCharCode(code)) ? 0.25 : 0.5;
  }
  return Math.ceil(weight);
}

/** low: short and simple; high: long, multi-part, large code, or design/optimize/prove work; else medium. */
export function inferComplexity(prompt: string): Complexity {
  const listItems = prompt.match(LIST_ITEM)?.length ?? 0;
  const questions = prompt.match(/\?/g)?.length ?? 0;
  // every UTF-16 unit weighs at least 1/4 in estimateTokens: past 1600 units it is over 400 without counting
  if (prompt.length > 1600 || estimateTokens(prompt) > 400 || fencedLines(prompt) > 40) return 'high';
  if (HIGH_EFFORT.test(prompt) || listItems >= 3 || questions >= 3 || /\brequirements\s*:/i.test(prompt)) return 'high';
  const lines = prompt.trim().split('\n').length;
  if (words(prompt) <= 20 && lines <= 2 && !CODE_FENCE.test(prompt)) return 'low';
  return 'medium';
}

type Found = { task: TaskType; why: string };

/** Code, debugging or neither: what the text says about software. */
function software(text: string): Found | undefined {
  if (CODE_REVIEW.test(text)) return { task: 'code', why: 'a request to review code' };
  const error = firstHit(ERROR_OUTPUT, text);
  if (error) return { task: 'debugging', why: error.why };
  const fence = CODE_FENCE.test(text);
  const hasCode = containsCode(text);
  const language = namesLanguage(text);
  const terms = codeTerms(text);
  const aboutSoftware = hasCode || language || terms.specific + terms.generic > 0 || RUNNING_SOFTWARE.test(text);
  // "write a function that throws an error" describes wanted behaviour, not a failure
  const describesWork = MAKE_REQUEST.test(text) && !FIX_REQUEST.test(text);
  if (aboutSoftware && !describesWork && DEBUG_WORDS.test(text))
    return { task: 'debugging', why: 'a request to fix failing code suggests debugging' };
  if (hasCode) return { task: 'code', why: fence ? 'a code fence suggests code' : 'programming syntax suggests code' };
  if (CODE_REQUEST.test(text)) return { task: 'code', why: 'asks to write code' };
  if (language && !ACRONYM.test(text)) return { task: 'code', why: 'names a programming language or tool' };
  const question =
    (terms.specific > 0 && QUESTION.test(text)) ||
    sentences(text).some((s) => codeTerms(s).generic > 0 && HOW_TO.test(s));
  if (terms.specific + terms.generic >= 2 || question) return { task: 'code', why: 'a programming question' };
  return undefined;
}

/**
 * What the signals are looked for in: a long text's beginning and end (the request is rarely in the middle of
 * a pasted document).
 */
const HEAD_CHARS = 12_000;
const TAIL_CHARS = 3_000;
const sample = (text: string): string =>
  text.length <= HEAD_CHARS + TAIL_CHARS ? text : `${text.slice(0, HEAD_CHARS)}\n${text.slice(-TAIL_CHARS)}`;

/** The task a text suggests, or undefined when nothing specific does (general or fast). */
function detect(whole: string): Found | undefined {
  const text = sample(whole);
  const summary = firstHit(SUMMARY, text);
  const writesCode = MAKE_REQUEST.test(text) && CODE_REQUEST.test(text);
  if (summary && !writesCode) return { task: 'summarize', why: summary.why };
  const creative = firstHit(CREATIVE_REQUEST, text);
  if (creative) return { task: 'creative', why: creative.why };
  const code = software(text);
  if (code) return code;
  // "what's the difference between X and Y" explains (general), unless it asks to prove or calculate
  if (DIFFERENCE.test(text) && !WORKED.test(text)) return undefined;
  const reasoning = firstHit(REASONING, text) ?? firstHit(PUZZLE, text);
  if (reasoning) return { task: 'reasoning', why: reasoning.why };
  if (wordProblem(text)) return { task: 'reasoning', why: 'a word problem suggests reasoning' };
  if ((text.match(MATH_EXPR)?.length ?? 0) >= 2)
    return { task: 'reasoning', why: 'math-heavy content suggests reasoning' };
  const creativeWords = firstHit(CREATIVE_WORDS, text);
  if (creativeWords) return { task: 'creative', why: creativeWords.why };
  return undefined;
}

export function classify(input: { prompt: string; system?: string; images?: number }): Classification {
  const { prompt, system } = input;
  const complexity = inferComplexity(prompt);
  if ((input.images ?? 0) > 0) return { task: 'vision', complexity, why: 'attached images need a vision model' };
  const found = detect(prompt);
  if (found) return { ...found, complexity };
  const role = system ? firstHit(SYSTEM_ROLES, system) : undefined;
  const fromSystem = system?.trim()
    ? (detect(system) ?? (role && { task: 'code' as const, why: role.why }))
    : undefined;
  if (fromSystem) return { task: fromSystem.task, complexity, why: `the system prompt: ${fromSystem.why}` };
  if (isSmallTalk(prompt)) return { task: 'fast', complexity, why: 'a greeting or thanks wants a short reply' };
  const ask = withoutGreeting(prompt); // "hi! who wrote Hamlet?" is the lookup after the greeting
  // a quick answer is for one short line: a longer prompt is not scanned for it
  const short = words(ask) <= 20 && !ask.trim().includes('\n') && (ask.match(/\?/g)?.length ?? 0) <= 1;
  if (!short) return { task: 'general', complexity, why: 'no specific signal, so general' };
  if (QUICK.test(ask)) return { task: 'fast', complexity, why: 'asks for a short answer' };
  const lookup = LOOKUP.test(ask) && !OPEN_QUESTION.test(ask);
  const greeting = words(ask) <= 4 && !ask.includes('?');
  if (words(ask) <= (lookup ? 16 : 12) && complexity === 'low' && !NOT_QUICK.test(ask) && (lookup || greeting)) {
    return { task: 'fast', complexity, why: 'a short question with one settled answer suits a fast model' };
  }
  return { task: 'general', complexity, why: 'no specific signal, so general' };
}
