/**
 * The wording that marks debugging, as named regex tables for classify.ts: error output, trouble
 * reports, and the requests to make or to fix something.
 */

import type { Rule } from './task-signals.js';

const ERROR_NAME = String.raw`\b[A-Z][A-Za-z]*(?:Error|Exception|Warning|BackOff|Failure|Fault)\b`;

/** Output a program printed when it failed. */
export const ERROR_OUTPUT: readonly Rule[] = [
  {
    re: /Traceback \(most recent call last\)|^\s*File "[^"]+", line \d+/m,
    why: 'a Python traceback suggests debugging',
  },
  { re: /^\s+at \S.*[:(]\d+(?::\d+)?\)?\s*$/m, why: 'a stack trace suggests debugging' },
  {
    re: new RegExp(
      String.raw`Exception in thread "|(?<!\b(?:except|raise|raises|throw|throws|new|catch|class|extends|instanceof|import|from)\s+(?:an?\s+)?)${ERROR_NAME}(?::\s+\S|\s*[,?]|\s+(?:when|while|on|at|in|if|after|even|because)\b)|\b(?:Uncaught|Unhandled)\b|(?:getting|got|get|throws?|throwing|raises?|raising|seeing|see)\s+(?:an?\s+|this\s+|the\s+)?${ERROR_NAME}`,
    ),
    why: 'an exception suggests debugging',
  },
  {
    re: /\bpanic:|\bpanicked at\b|\berror\[E\d{4}\]|\bfatal(?: error)?:|\bdeadlock!/i,
    why: 'a Go/Rust error suggests debugging',
  },
  {
    re: /segmentation fault|core dumped|\bSIGSEGV\b|\bsegfaults?\b|\bOOM[- ]killed\b/i,
    why: 'a crash suggests debugging',
  },
  {
    re: /\b(?:ImagePullBackOff|CrashLoopBackOff|ErrImagePull|OOMKilled)\b|#(?:N\/A|VALUE!|REF!|DIV\/0!|NAME\?|NULL!|NUM!|SPILL!)|\b(?:incompatible types|lossy conversion|cannot be resolved|undefined (?:variable|index|method|symbol)|unresolved (?:reference|import)|mismatched types|type mismatch|unreachable code|declared and not used|not assignable|no such (?:column|table|method))\b|\b(?:TS|CS|C|E)\d{4}\b|\bis not assignable to\b|\bERR!|\bERR_[A-Z_]{3,}\b|\bE(?:NOENT|ACCES|CONNREFUSED|ADDRINUSE|PERM|CONNRESET|TIMEDOUT|EXIST|NOTFOUND|RESOLVE)\b/,
    why: 'an error code suggests debugging',
  },
  {
    re: /\b(?:permission denied|no such file(?: or directory)?|connection refused|operation not permitted|command not found)\b/i,
    why: 'an error message suggests debugging',
  },
  {
    re: /^\s*(?:fatal )?error(?: TS\d+)?:\s|\bundefined reference to\b|\bcannot find module\b|\bno module named\b|\bis not (?:a function|defined)\b|\bcannot read propert(?:y|ies) of\b|\bexit(?:ed|s)? (?:\w+ )?(?:with )?(?:code|status) [1-9]|\bsymbol\(s\) not found\b|\b(?:4\d\d|5\d\d) (?:bad gateway|not found|internal server error|forbidden|unauthorized|bad request|service unavailable)\b/im,
    why: 'error output suggests debugging',
  },
];

/** Asking to fix something, or saying it misbehaves: debugging when the subject is software. */
const TROUBLE = [
  'fix(?:ing|es)?',
  'debug(?:ging)?',
  'troubleshoot(?:ing)?',
  'diagnose',
  'bugs?',
  'buggy',
  'broken',
  'crash(?:es|ed|ing)?',
  'panic(?:s|ked)?',
  'hangs?',
  'hanging',
  'stuck',
  'freez(?:es|ing)',
  'froze',
  'infinite(?:ly)? loop',
  'never (?:ends?|stops?|finish(?:es)?|returns?|terminates?)',
  'deadlock(?:s|ed)?',
  'memory leak',
  'leak(?:s|ing)',
  'race condition',
  'fail(?:s|ed|ing|ure)?',
  'reject(?:s|ed)',
  'denied',
  'refused',
  'fatal',
  'warnings?',
  'invalid',
  'even after',
  'the old version',
  'off[- ]by[- ]one',
  '(?:says|said|shows|showed|prints|printed|gives me|gave me|complains|reports|outputs|tells ' +
    'me|told me)\\s*:?\\s*(?=["\'“])',
  'undefined behaviou?r',
  'garbage(?! collect)',
  'gibberish',
  String.raw`\w+ed\b[^.?!\n]{0,40}\binstead of`,
  'even though',
  '(?:returns?|gives?|shows?|prints?|finds?) (?:no|zero|0) (?:rows|results|records|output|data|items|matches)',
  String.raw`(?<=(?://|#|--)\s*)(?:prints?|returns?|outputs?|gives?|shows?|logs?|throws?|crashes|hangs|fails|always|never|sometimes)\b`,
  'different (?:result|results|output|value|values|answer)',
  String.raw`(?:upgrad|updat|migrat|switch|chang)\w*\b[^.?!\n]{0,40}\b(?:and now|now it|since then)`,
  '(?:latency|memory|cpu|load time|response time)\\s+(?:jumped|spiked?|went up|increased|doubled|grew)',
  '(?:performance |perf )?regression (?:since|after|in (?:the )?(?:latest|last|new))',
  'slowdown',
  'not (?:being|getting) \\w+ed',
  'slow(?:ly|ing (?:it |this |things |everything )?down)',
  String.raw`(?:works?|runs?|passes|compiles?|loads?)\b[^.?!\n]{0,30}\bbut not`,
  'out of memory',
  'runs? out of (?:memory|heap|stack)',
  'stack overflow(?:error)?',
  'stop(?:s|ped)? (?:responding|working|running|loading)',
  'not equal',
  'why (?:does|do|is|are|did) [^?\\n]{0,60}\\bnot\\b',
  'flak(?:y|ey)',
  'breaks?',
  'too (?:much|many|little|few|long|early|late|often)',
  String.raw`(?:returns?|returning|prints?|printing|gives?|giving|shows?|showing|outputs?|gets?|getting|got)\b[^.?!\n]{0,40}\binstead of`,
  'supposed to',
  'expected \\S+ but',
  'but (?:it )?(?:gets?|got|returns?|returned|shows?|prints?|gives?)',
  'unexpected(?:ly)?',
  'unable to',
  'complains?',
  'skips',
  'skipping',
  'skipped',
  'ignor(?:es|ed|ing)',
  'wrong',
  'incorrect',
  '(?<!\\b(?:handle|handling|handles|catch|catching|catches|log|logging|custom|throw ' +
    'an?|throws an?|raise an?|raises an?|return an?|returns ' +
    'an?|report|reporting)\\s)errors?(?!\\s+(?:handling|messages? for|boundar|codes? for))',
  '(?:get|getting|got|throws?|thrown|raised?|seeing|see) (?:an? |this |the )?exception',
  'throws? (?:an? |this |the )?\\w*(?:error|exception)',
  'cannot ' +
    '(?:find|open|connect|resolve|load|import|access|read|write|borrow|move|convert|assign|infer|call|use|be|start)',
  "can'?t (?:find|open|connect|resolve|load|import|access|read|write|get|seem|figure out why)",
  'not ' +
    '(?:working|updating|rendering|found|loading|saving|firing|triggering|showing|displaying|recogni[sz]ed|defined|allowed|responding|compiling|running|initiali[sz]ed|a ' +
    'function)',
  "(?:doesn'?t|does not|don'?t|do not|won'?t|will not|isn'?t|is not|aren'?t|didn'?t|did not) " +
    '(?:work|load|update|show|render|compile|run|save|start|build|connect|exist|match|change|trigger|fire|return|print|respond|display|stop|finish|behave|exit|close|open|appear|disappear|submit|scroll|resize|align|fit|redirect|refresh|reload|persist|sync|live|install|deploy|pass)',
  'does nothing',
  "has(?:n'?t| not) been",
  'already (?:allocated|in use|exists|defined|declared|registered|borrowed)',
  'time(?:s|d)? out',
  'timeout',
  '(?:too|so|very|really|extremely|painfully|super|way|incredibly|insanely|terribly|unbearably|ridiculously|horribly) ' +
    'slow',
  'keeps? (?:on )?\\w+ing',
  'still (?:shows?|returns?|prints?|gets?|has|uses?|fails?)',
  'the same value',
  'twice',
  "what'?s wrong",
  'what is wrong',
  'what am i doing wrong',
  'blank (?:page|screen)',
  'white screen',
  String.raw`(?<!\b(?:where|if|when|whether|unless)\b[^.?!\n]{0,30})(?:is|are) (?:always |just |still )?(?:null|undefined|nan|none|nil|empty|blank)\b`,
  String.raw`[45]\d\d (?:[A-Z][\w-]*\s?){1,5}`,
  '(?:get|getting|got|returns?|returning|gives?|giving|prints?|printing|shows?|showing|becomes?|stays?) ' +
    '(?:me |always |just |back |the ' +
    ')?(?:null|undefined|nan|none|nil|empty|nothing|blank|duplicates?|wrong|incorrect|unexpected)',
  "(?:don'?t|do not|can'?t) (?:know|understand|see|figure out) why",
  'why (?!(?:would|should|do) (?:i|you|we|one|anyone|people) (?:ever ' +
    ")?(?:use|want|need|choose|prefer|pick|care)\\b)(?:does|do|is|are|isn'?t|doesn'?t|won'?t|am " +
    "i|do i|can'?t|did|would)\\b[^?\\n]{0,60}\\b(?:my|this|these|it|here)",
  ',\\s*why\\??\\s*$',
  'any idea why',
  'why (?:is )?(?:that|this) happening',
  'what (?:causes|could cause|is causing|could be causing) (?:this|it)',
  "what(?:'s| is) going on",
  'what gives',
  'used to (?:work|run|take|return|pass|load|compile|build|show|print)',
  '(?:way|far|many|much) (?:more|fewer|less) (?:rows|records|results|lines|entries|items|duplicates)',
  // the same in French, Spanish and German
  'erreurs?',
  'plante',
  'ne (?:marche|fonctionne) (?:pas|plus)',
  'corriger',
  'no funciona',
  'falla',
  'arreglar',
  'fehler(?:meldung)?',
  'funktioniert nicht',
  'beheben',
  'st(?:ü|ue)rzt',
];
export const DEBUG_WORDS = new RegExp(String.raw`\b(?:${TROUBLE.join('|')})(?!\w)`, 'im');

/**
 * A request to make something, whose wording may describe failure as wanted behaviour ("a function that
 * throws an error").
 */
export const MAKE_REQUEST =
  /^\s*(?:(?:please|pls|can you|could you|would you|help me|i need(?: you)? to|i want(?: you)? to|let'?s)\s+)?(?:write|create|implement|add|generate|build|make|design|scaffold|set up|give me|code|refactor)\b/i;
/** A plain ask to fix, whatever else the request says. */
export const FIX_REQUEST = /\b(?:fix|debug|troubleshoot|bugs?|buggy)\b(?!\s+(?:fixes|releases?))/i;
