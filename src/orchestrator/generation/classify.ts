/**
 * Guessing what kind of work a prompt is, so the router can pick a suitable local model.
 * Pure heuristics over text (no I/O): named regex tables, checked in a fixed precedence —
 * images → vision; an explicit summary request → summarize; an explicit poem/story request →
 * creative; error output, or "fix/doesn't work" about code → debugging; code or a request for
 * code → code; proofs, step-by-step and maths → reasoning; creative words → creative; a short
 * simple request → fast; anything else → general.
 */
import type { TaskType } from '../models/profiles.js';

export type Complexity = 'low' | 'medium' | 'high';

export interface Classification {
  task: TaskType;
  complexity: Complexity;
  /** One short clause saying why, e.g. "a stack trace suggests debugging". */
  why: string;
}

interface Rule {
  re: RegExp;
  why: string;
}

const SUMMARY: readonly Rule[] = [
  { re: /(?:^|[.!?:\n]\s*|\b(?:please|pls|can you|could you|would you|help me|i need you to|i want you to|now)\s+)(?:briefly\s+|quickly\s+)?(?:summari[sz]e|sum up|recap)\b/i, why: 'an explicit request to summarize' },
  { re: /\bsummari[sz]e (?:the|this|these|that|it|my|our|following|below|above)\b/i, why: 'an explicit request to summarize' },
  { re: /\btl;?\s?dr\b/i, why: 'a tl;dr request suggests summarizing' },
  { re: /\b(?:give|write|provide|make|produce|need|want)\b(?: me| us)? an? (?:\w+ )?(?:summary|synopsis|recap)\b|\bsummary of (?:this|the following|the above|these|that|my)\b/i, why: 'asks for a summary' },
  { re: /\b(?:key points|main points|takeaways)\b.{0,20}\b(?:of|from|in)\b/i, why: 'asks for the key points' },
];

const CREATIVE_NOUN = String.raw`(?:poem|poetry|(?<!user |the )stor(?:y|ies)|haiku|sonnet|limerick|lyrics|song|ballad|fable|fairy ?tale|fiction|screenplay|verse|rap)`;
const NOT_SOFTWARE = String.raw`(?!\s*(?:generator|app|api|endpoint|service|bot|class|function|component|model|table|schema|id)\b)`;

const CREATIVE_REQUEST: readonly Rule[] = [
  { re: new RegExp(String.raw`\b(?:write|compose|tell|create|make up|draft|pen|craft|give me)\b[^.?!\n]{0,40}\b${CREATIVE_NOUN}\b${NOT_SOFTWARE}`, 'i'), why: 'asks for a poem, story or song' },
  { re: /\bwrite (?:a |an |something )?creative\b|\bonce upon a time\b/i, why: 'asks for creative writing' },
];

const CREATIVE_WORDS: readonly Rule[] = [
  { re: /\b(?:poem|poetry|haiku|sonnet|limerick|lyrics|short story|bedtime story|fairy ?tale|fiction|rhym(?:e|es|ing))\b/i, why: 'creative-writing words suggest creative work' },
];

const ERROR_OUTPUT: readonly Rule[] = [
  { re: /Traceback \(most recent call last\)|^\s*File "[^"]+", line \d+/m, why: 'a Python traceback suggests debugging' },
  { re: /^\s+at \S.*[:(]\d+(?::\d+)?\)?\s*$/m, why: 'a stack trace suggests debugging' },
  { re: /Exception in thread "|\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception)\b/, why: 'an exception suggests debugging' },
  { re: /\bpanic:|\bpanicked at\b|\berror\[E\d{4}\]/, why: 'a Go/Rust error suggests debugging' },
  { re: /segmentation fault|core dumped|\bSIGSEGV\b/i, why: 'a crash suggests debugging' },
  { re: /^\s*(?:fatal )?error(?: TS\d+)?:\s|\bfatal error\b|\bundefined reference to\b|\bcannot find module\b|\bis not (?:a function|defined)\b|\bcannot read propert(?:y|ies) of\b|\bexit(?:ed)? (?:with )?(?:code|status) [1-9]/im, why: 'error output suggests debugging' },
];

const DEBUG_WORDS = /\b(?:fix|debug(?:ging)?|bug(?:gy)?|broken|crash(?:es|ing)?|fails?|failing|throws?|doesn'?t work|does not work|not working|won'?t (?:compile|run|work|build)|wrong output|why does (?:this|it|my)\b[^?]*\b(?:fail|break|crash|throw|error))/i;
const CODE_CONTEXT = /\b(?:code|function|method|script|program|compiler?|compil(?:e|ing)|build|regex|query|class|module|package|tests?|endpoint|api|python|javascript|typescript|java|rust|golang|c\+\+|c#|sql|bash|node(?:\.js)?|react|css|html)\b/i;

const CODE_FENCE = /^\s*```/m;
/** Bits of syntax: two or more distinct hits (or a code fence) make a prompt contain code. */
const CODE_SYNTAX: readonly RegExp[] = [
  /\bdef \w+\s*\(/,
  /\bfunction\b\s*\w*\s*\(/,
  /\b(?:const|let|var)\s+\w+\s*=/,
  /#include\s*[<"]/,
  /\bpublic\s+(?:static\s+)?(?:void|class|int|String|final)\b/,
  /\bSELECT\b[\s\S]*?\bFROM\b/,
  /\bfn\s+\w+\s*\(/,
  /=>/,
  /^\s*(?:import\s+[\w{}*,\s]+\s+from\s+['"]|from\s+[\w.]+\s+import\s+\w|import\s+[\w.]+;?\s*$)/m,
  /\bclass\s+\w+(?:\s*[:({]|\s+extends\b)/,
  /^\s*(?:if|for|while)\s*\(.*\)\s*\{?\s*$/m,
  /[\w)\]'"]\s*;\s*(?:\}\s*)?$/m,
  /\b(?:int|void|char|bool|double|float|long|auto)\s+\*?\w+\s*\([^)]*\)\s*\{/,
  /\b\w+\.\w+\([^)]*\)/,
  /`[^`\n]+`/,
  /<\/?[a-z][\w-]*(?:\s[^<>]*)?>/,
  /^\s*\$\s*(?:npm|npx|pip|git|docker|cargo|go|node|python\d?)\b/m,
];

const CODE_REQUEST: readonly Rule[] = [
  { re: /\b(?:write|create|generate|give me|build|make|implement|code)\b[^.?!\n]{0,40}\b(?:function|script|regex|regular expression|sql|query|class|method|program|unit tests?|shell command|one-liner|cli|api|endpoint|algorithm|component|module|dockerfile|makefile)\b/i, why: 'asks to write code' },
  { re: /\brefactor|^\s*(?:please\s+)?implement\b/i, why: 'asks to refactor or implement code' },
  { re: /\b(?:in|using|with)\s+(?:python|javascript|typescript|java|rust|golang|c\+\+|c#|ruby|php|kotlin|swift|bash|powershell|sql|css|html)\b/i, why: 'names a programming language' },
];

const REASONING: readonly Rule[] = [
  { re: /\b(?:prove|proof|disprove)\b/i, why: 'asks for a proof' },
  { re: /\bstep[- ]by[- ]step\b/i, why: 'asks for step-by-step reasoning' },
  { re: /\bderive\b|\bsolve for\b|\bsolve (?:the|this) (?:equation|system|inequality|puzzle|riddle)\b/i, why: 'asks to derive or solve' },
  { re: /\b(?:theorem|lemma|corollary|integral|derivative|eigen\w*|matri(?:x|ces)|probability|expected value|combinatorics|modular arithmetic)\b|[∫∑√∀∃≤≥≠π]/i, why: 'mathematical content suggests reasoning' },
  { re: /\b(?:logic puzzle|riddle|knights and knaves|syllogism|deduce|paradox)\b/i, why: 'a logic puzzle suggests reasoning' },
  { re: /\bexplain why\b[\s\S]*\breason|\breason(?:ing)? (?:through|about|carefully)\b/i, why: 'asks for careful reasoning' },
];
/** An operator between numbers or one-letter variables ("3x + 7", "a = 2b"); two or more is math-heavy. */
const MATH_EXPR = /(?:\d|\b[a-z]\b|\))\s*(?:[+*^=×÷<>]|\s-\s)\s*(?:\d|\b[a-z]\b|\()/gi;

/** Roles a system prompt may assign ("You are an expert Rust engineer"): checked only there. */
const SYSTEM_ROLES: readonly Rule[] = [
  { re: /\b(?:programmer|software engineer|developer|coding assistant|code reviewer|(?:rust|python|javascript|typescript|java|go|c\+\+|backend|frontend) (?:engineer|expert))\b/i, why: 'a programming role suggests code' },
];

/** Requests that want a substantial answer even when worded briefly: never "fast". */
const NOT_QUICK = /\b(?:essay|article|report|blog post|detailed|in[- ]depth|comprehensive|thorough|analy[sz]e|compare|contrast|plan|strategy|design|architect\w*|pros and cons|explain)\b/i;

const HIGH_EFFORT = /\b(?:design|architect(?:ure)?|optimi[sz](?:e|ation)|prove|proof|scalab\w*|distributed|trade-?offs?|comprehensive|production[- ]ready|end-to-end|from scratch)\b/i;
const LIST_ITEM = /^\s*(?:\d+[.)]|[-*•])\s+\S/gm;

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const firstHit = (rules: readonly Rule[], text: string): Rule | undefined => rules.find((r) => r.re.test(text));

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
 * A rough token count, no tokenizer needed: letters, digits and whitespace weigh 1/4 (about four
 * characters per token in English prose); punctuation and symbols weigh 1/2, so symbol-heavy
 * code comes out denser (~3 characters per token); characters beyond U+2E7F (CJK, emoji) weigh 1.
 * Every character adds weight, so the count never falls as text grows. Rounded up; 0 for ''.
 */
/** ASCII letters, digits and white space: what `[\p{L}\p{N}\s]` matches below 0x80 (no Unicode tables needed to know it). */
const WORDLIKE_ASCII = Array.from({ length: 0x80 }, (_, c) => /[A-Za-z0-9\s]/.test(String.fromCharCode(c)));

export function estimateTokens(text: string): number {
  let weight = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) weight += WORDLIKE_ASCII[code] ? 0.25 : 0.5; // most text: no regex per character
    else if (code > 0x2e7f) weight += 1;
    else if (/[\p{L}\p{N}\s]/u.test(ch)) weight += 0.25;
    else weight += 0.5;
  }
  return Math.ceil(weight);
}

/** low: short and simple; high: long, multi-part, large code, or design/optimize/prove work; else medium. */
export function inferComplexity(prompt: string): Complexity {
  const listItems = prompt.match(LIST_ITEM)?.length ?? 0;
  const questions = prompt.match(/\?/g)?.length ?? 0;
  if (estimateTokens(prompt) > 400 || fencedLines(prompt) > 40) return 'high';
  if (HIGH_EFFORT.test(prompt) || listItems >= 3 || questions >= 3 || /\brequirements\s*:/i.test(prompt)) return 'high';
  const lines = prompt.trim().split('\n').length;
  if (words(prompt) <= 20 && lines <= 2 && !CODE_FENCE.test(prompt)) return 'low';
  return 'medium';
}

/** The task a text suggests, or undefined when nothing specific does (general or fast). */
function detect(text: string): { task: TaskType; why: string } | undefined {
  const codeRequest = firstHit(CODE_REQUEST, text);
  const summary = firstHit(SUMMARY, text);
  if (summary && !codeRequest) return { task: 'summarize', why: summary.why };
  const creative = firstHit(CREATIVE_REQUEST, text);
  if (creative) return { task: 'creative', why: creative.why };
  const error = firstHit(ERROR_OUTPUT, text);
  if (error) return { task: 'debugging', why: error.why };
  const fence = CODE_FENCE.test(text);
  const syntaxHits = CODE_SYNTAX.filter((re) => re.test(text)).length;
  const hasCode = fence || syntaxHits >= 2;
  if (DEBUG_WORDS.test(text) && (hasCode || CODE_CONTEXT.test(text))) {
    return { task: 'debugging', why: 'a request to fix failing code suggests debugging' };
  }
  if (hasCode) return { task: 'code', why: fence ? 'a code fence suggests code' : 'programming syntax suggests code' };
  if (codeRequest) return { task: 'code', why: codeRequest.why };
  const reasoning = firstHit(REASONING, text);
  if (reasoning) return { task: 'reasoning', why: reasoning.why };
  if ((text.match(MATH_EXPR)?.length ?? 0) >= 2) return { task: 'reasoning', why: 'math-heavy content suggests reasoning' };
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
  const fromSystem = system?.trim() ? (detect(system) ?? (role && { task: 'code' as const, why: role.why })) : undefined;
  if (fromSystem) return { task: fromSystem.task, complexity, why: `the system prompt: ${fromSystem.why}` };
  const simple = words(prompt) <= 12 && !prompt.trim().includes('\n') && (prompt.match(/\?/g)?.length ?? 0) <= 1;
  if (simple && complexity === 'low' && !NOT_QUICK.test(prompt)) {
    return { task: 'fast', complexity, why: 'a short, simple request suits a fast model' };
  }
  return { task: 'general', complexity, why: 'no specific signal, so general' };
}
