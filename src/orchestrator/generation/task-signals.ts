/**
 * The wording that marks each kind of work, as named regex tables for classify.ts: summaries,
 * creative writing, error output and trouble reports, reasoning and maths, and what makes a
 * request quick or not.
 */

export interface Rule {
  re: RegExp;
  why: string;
}

export const firstHit = (rules: readonly Rule[], text: string): Rule | undefined => rules.find((r) => r.re.test(text));

const LEAD = String.raw`(?:^|[.!?:\n]\s*|\b(?:please|pls|can you|could you|would you|will you|help me|i need you to|i want you to|i'd like you to|now|then|and|you|always|only)\s+)`;

/** A CV's "professional summary" is no summary of a text. */
const NOT_CV = String.raw`(?<!\b(?:professional|career|personal|profile|cv|resume|linkedin) )`;
const NOT_CV_AFTER = String.raw`(?! (?:section )?(?:for|on|at) (?:the top of )?(?:my|a|an|the) (?:cv|resume|linkedin|profile|bio)\b| of my (?:work |professional )?(?:experience|skills|career|background|qualifications)\b)`;

/** "Start with a one-line summary, then explain…" shapes an answer: it asks for no summary of a text. */
const NOT_PART = String.raw`(?<!\b(?:start|begin|open|end|finish|conclude|close|starting|beginning|ending|followed by|then|plus|and) (?:with |by )?(?:an? |the |your )?)`;

export const SUMMARY: readonly Rule[] = [
  {
    re: new RegExp(
      String.raw`${LEAD}(?:briefly\s+|quickly\s+|just\s+)?(?:summari[sz]e|sum up|recap|condense|boil (?:it |this |that )?down|shorten|abridge)\b`,
      'i',
    ),
    why: 'an explicit request to summarize',
  },
  {
    re: /\b(?:summari[sz]e|sum up|condense|recap|shorten|boil down)\s+(?:the|this|these|that|it|my|our|following|below|above|what)\b/i,
    why: 'an explicit request to summarize',
  },
  {
    re: /\btl;?\s?dr\b|\bin a nutshell\b|\bthe gist\b|\bshort version\b/i,
    why: 'a tl;dr request suggests summarizing',
  },
  {
    re: new RegExp(
      String.raw`\b(?:give|write|provide|make|produce|create|need|want|prepare|draft)\b(?: me| us)? (?:an? |the )?(?:\w+[- ])?(?:\w+ )?(?:${NOT_CV}summary${NOT_CV_AFTER}|synopsis|recap|abstract|overview|rundown|run-down)\b|\b(?:summary|synopsis|recap|overview|rundown) of (?!my (?:work |professional )?(?:experience|skills|career|background|qualifications)\b)(?:this|the following|the above|the below|these|that|my|our|the (?:text|article|document|report|thread|transcript|email|meeting|chapter|book|paper|film|movie|plot))\b`,
      'i',
    ),
    why: 'asks for a summary',
  },
  {
    re: /\b(?:key (?:points?|takeaways?|findings?|facts?)|main (?:takeaways?|points?))\s+(?:of|from|in)\b|\b(?:key|main|important)\s+(?:points?|takeaways?|decisions?|ideas?|arguments?|findings?|facts?|messages?|themes?)\b[^.?!\n]{0,30}\b(?:this|these|that|the following|below|above|attached|here|transcript|article|text|document|thread|email|report|paper|study|book|meeting|call|chapter|video|episode|conversation|paragraph|passage|speech|podcast|lecture|notes)\b|\b(?:highlights|action items) (?:of|from|in)\b|\bsummari[sz]e the action items\b|\bonly the important parts\b|\bshorter\b[^.?!\n]{0,30}\b(?:keep|keeping)\b/i,
    why: 'asks for the key points',
  },
  {
    re: /^\s*(?:(?:please|pls|can you|could you)\s+)?(?:list|count|tally|enumerate|group)\b[^.?!\n]{0,60}\b(?:in|from|of|across) (?:this|these|that|those|the|my|our) (?:\w+ )?(?:logs?|files?|texts?|documents?|outputs?|transcripts?|reports?|data|emails?|notes|messages|records|entries)\b/i,
    why: 'asks to list or count what a text holds',
  },
  {
    re: /\b(?:what did we|who) (?:agree|agreed|decide|decided)\b|\bwhat (?:was|were) (?:decided|agreed)\b/i,
    why: 'asks what was decided',
  },
  {
    re: /\bwhat(?:'s| is| was) (?:this|the following|the above|the below) (?:\w+ )?about\b/i,
    why: 'asks what a text is about',
  },
  {
    re: /\bboil (?:(?!(?:sauce|stock|liquid|water|syrup|broth|soup|milk|juice|wine|vinegar|mixture|pot|pan)\b)\w+ ){0,3}?down\b(?! (?:until|by half|for \d))|\b(?:digest|distill?) (?:this|these|that|it|the (?:above|following|text|article|thread|email|notes|report|document))\b|\bupshot\b|\b(?:don'?t|do not) have (?:the )?time to read\b|\btoo long,? (?:didn'?t|did not) read\b/i,
    why: 'asks for the short of it',
  },
  {
    re: new RegExp(
      String.raw`${NOT_PART}\b(?:short|shorter|brief|quick|concise|one[- ](?:line|sentence|paragraph)|two[- ](?:line|sentence)|few[- ]sentence|bullet(?:ed)?(?:[- ]point)?|high[- ]level|plain[- ]english)\s+${NOT_CV}summary${NOT_CV_AFTER}|\binto (?:an? |one )?(?:summary|synopsis|recap)\b|\b(?:in|as) (?:an?|one) (?:summary|synopsis|recap)\b|(?<!github |a |secret |public |private )\bgist\b(?!\s*(?:file|url|link|id)s?\b)`,
      'i',
    ),
    why: 'asks for a summary',
  },
  {
    re: /(?:^|\n)[ \t]*(?:(?:key|main) (?:points|takeaways|ideas|facts)|(?:short |quick |brief )?summary|highlights|gist)(?: please| pls| plz)?[ \t]*[?:.!]*\s*$/i,
    why: 'asks for the key points',
  },
  {
    re: /(?:^|[\s¿¡"'(])(?:résume[rz]?|résumez-moi|resume[rz]? (?:ce|cet|cette|ces|le|les|moi)|resum(?:e|a|ir|elo|eme|en) (?:este|esta|estos|estas|el|la|los|las|en|lo|me)|res[uú]me(?:lo|me)|resumen de|zusammenfass\w*|fasse?\b[^.?!\n]{0,80}\bzusammen|riassum\w*|riassunto|samenvat\w*|resumo|resuma)(?![a-zà-ÿ])/i,
    why: 'an explicit request to summarize',
  },
];

const CREATIVE_NOUN = String.raw`(?:poems?|poetry|riddles?|(?:nursery )?rhymes?(?! with)|(?:comedy )?sketch|skit|short film|script for (?:an?|the|my|our)\s+(?:\S+\s+){0,2}(?:video|movie|film|play|sketch|skit|commercial|ad|trailer|episode|scene|podcast|short)|(?<!user |the )stor(?:y|ies)|haikus?|sonnets?|limericks?|lyrics|songs?|ballads?|fables?|fairy ?tale|fiction|screenplay|verse|rap|ode|villanelle|lullaby|monologue|dialogue|scene|novel(?!\s+(?:approach|idea|way|method|solution|algorithm|technique|feature|design|strategy|concept|treatment|therapy|use))|novella|fanfic|jokes?|puns?|slogans?|taglines?|jingles?|love letter|toast|roast|play about|tongue[- ]twisters?|acrostic|couplets?|quatrains?|epigrams?|parody|satire|pickup lines?|fortune cookie|(?:children'?s|kids'?|picture|bedtime) books?|stand-?up (?:comedy )?(?:bit|routine|set)|comedy (?:bit|routine|set))`;
/** Words between the verb and the creative noun that make it software ("a script that generates poems"). */
const NOT_SOFTWARE_GAP = String.raw`(?:(?!\b(?:script|function|program|class|app|bot|code|api|generator|component|endpoint|regex|query)\b)[^.?!\n]){0,40}?`;
const NOT_SOFTWARE = String.raw`(?!\s*(?:generator|app|api|endpoint|service|bot|class|function|component|model|table|schema|id|box|field|parser)\b)`;

/** Poems, tales and songs in French, Spanish, German and Italian (not "histoire", "Geschichte", "historia": also history). */
const FOREIGN_CREATIVE = String.raw`poema|po[èe]mes?|po[ée]sie|gedicht|cuento|conte|kurzgeschichte|m[äa]rchen|canci[oó]n|chanson|lied|f[áa]bula|fable|relato|poesia|racconto|canzone|filastrocca|sonett?[oe]?|witz|blague|chiste|comptine|rima|reim`;

export const CREATIVE_REQUEST: readonly Rule[] = [
  {
    re: new RegExp(
      String.raw`\b(?:write|compose|tell|create|make up|draft|pen|craft|give me|come up with|invent|continue|finish|generate|produce|dream up)\b${NOT_SOFTWARE_GAP}\b${CREATIVE_NOUN}\b${NOT_SOFTWARE}`,
      'i',
    ),
    why: 'asks for a poem, story or song',
  },
  {
    re: /\bwrite (?:a |an |something )?creative\b|\bonce upon a time\b|\bcontinue (?:this|the) (?:story|tale|poem)\b/i,
    why: 'asks for creative writing',
  },
  {
    re: /\b(?:imagine|pretend) (?:you(?:'re| are)|that you(?:'re| are)|being)\b|\bimagine (?:a|an) (?:world|future|society|day|city|universe|planet|place|time)\b|\bas if you (?:were|are)\b|\bpretend to be\b|\bsing (?:me )?(?:a|about)\b|\brole-?play\b|\bin the (?:voice|style) of\b/i,
    why: 'asks to imagine or play a role',
  },
  {
    re: /\b(?:creative|catchy|fun|funny|witty|clever|whimsical|poetic|vivid|imaginative|futuristic|magical|original|unique|cool)\b[^.?!\n]{0,40}\b(?:names?|titles?|slogans?|taglines?|descriptions?|language|captions?|words|city|world|creature|planet)\b|\b(?:names?|titles?) for (?:a|an|my|our) (?:bakery|cafe|shop|store|band|podcast|boat|cat|dog|pet|novel|book|startup|restaurant)\b/i,
    why: 'asks for inventive wording',
  },
  {
    re: /\b(?:fictional|imaginary|made-up|humorous|funny|silly|comic|satirical|mock|absurd|tongue-in-cheek)\s+(?:\w+\s+)?(?:diary|journal|entry|letter|interview|news|article|review|speech|conversation|dialogue|biography|history|myth|legend|recipe|horoscope|obituary|eulogy|advert|ad|commercial|press release|product description|manifesto|vows|wedding vows|memo|email|tweet)\b|\b(?:mythical|magical|fantasy|fictional|imaginary|alien|legendary|sci-fi|science fiction)\s+(?:\w+\s+)?(?:world|kingdom|planet|city|character|creature|beast|universe|land|realm|race|species|hero|villain|monster|spell|artifact|language)s?\b|\b(?:thriller|mystery|horror|romance|sci-fi|science fiction|fantasy|noir|western|detective|ghost|adventure|crime|spy)\s+(?:opening|story|scene|chapter|prologue|tale|novel|plot|short)\b|\b(?:write|draft|come up with|craft)\b[^.?!\n]{0,20}\bopening (?:line|lines|paragraph|scene|chapter) (?:of|for) (?:a|an|my)\b|\bletter from (?:(?:a|an|the) \w+|[A-Z][a-z]+) to (?:a|an|the|his|her|its|my|their)\b|\bnames? (?:ideas? )?for (?:a|an|my|our|the|this) (?!\s*(?:variable|function|class|method|column|table|file|branch|repo|package|module|field|parameter|endpoint|api)\b)|\b\w*fiction\b|\b(?:backstory|back story|lore|worldbuilding|d&d|dungeons (?:&|and) dragons|tabletop campaign)\b/i,
    why: 'asks for worldbuilding',
  },
  { re: /^\s*(?:please\s+)?(?:invent|dream up|make up)\b/i, why: 'asks to invent something' },
  {
    re: new RegExp(
      String.raw`\b(?:i|we)(?: really)? (?:need|want|would like|'d like)\s+(?:a|an|some|\d+|a few|new)\s+(?:\w+\s+){0,2}?${CREATIVE_NOUN}\b${NOT_SOFTWARE}`,
      'i',
    ),
    why: 'asks for a poem, story or song',
  },
  {
    re: new RegExp(
      String.raw`(?:^|[\s¿¡])(?:escr[ií]b[ea]\w*|[ée]cri[sv]\w*|schreib\w*|scrivi\w*|comp[oó]n(?:er|e|ga|gan|me|i|ete)?|dichte\w*)(?![a-zà-ÿ])[^.?!\n]{0,40}?(?:${FOREIGN_CREATIVE})`,
      'i',
    ),
    why: 'asks for a poem, story or song',
  },
];

export const CREATIVE_WORDS: readonly Rule[] = [
  {
    re: /\b(?:poem|poetry|haiku|sonnet|limerick|lyrics|short story|bedtime story|fairy ?tale|fiction|rhyming|poema|gedicht)\b|\bpo[èé]me\b/i,
    why: 'creative-writing words suggest creative work',
  },
];

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
  '(?:says|said|shows|showed|prints|printed|gives me|gave me|complains|reports|outputs|tells me|told me)\\s*:?\\s*(?=["\'“])',
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
  '(?<!\\b(?:handle|handling|handles|catch|catching|catches|log|logging|custom|throw an?|throws an?|raise an?|raises an?|return an?|returns an?|report|reporting)\\s)errors?(?!\\s+(?:handling|messages? for|boundar|codes? for))',
  '(?:get|getting|got|throws?|thrown|raised?|seeing|see) (?:an? |this |the )?exception',
  'throws? (?:an? |this |the )?\\w*(?:error|exception)',
  'cannot (?:find|open|connect|resolve|load|import|access|read|write|borrow|move|convert|assign|infer|call|use|be|start)',
  "can'?t (?:find|open|connect|resolve|load|import|access|read|write|get|seem|figure out why)",
  'not (?:working|updating|rendering|found|loading|saving|firing|triggering|showing|displaying|recogni[sz]ed|defined|allowed|responding|compiling|running|initiali[sz]ed|a function)',
  "(?:doesn'?t|does not|don'?t|do not|won'?t|will not|isn'?t|is not|aren'?t|didn'?t|did not) (?:work|load|update|show|render|compile|run|save|start|build|connect|exist|match|change|trigger|fire|return|print|respond|display|stop|finish|behave|exit|close|open|appear|disappear|submit|scroll|resize|align|fit|redirect|refresh|reload|persist|sync|live|install|deploy|pass)",
  'does nothing',
  "has(?:n'?t| not) been",
  'already (?:allocated|in use|exists|defined|declared|registered|borrowed)',
  'time(?:s|d)? out',
  'timeout',
  '(?:too|so|very|really|extremely|painfully|super|way|incredibly|insanely|terribly|unbearably|ridiculously|horribly) slow',
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
  '(?:get|getting|got|returns?|returning|gives?|giving|prints?|printing|shows?|showing|becomes?|stays?) (?:me |always |just |back |the )?(?:null|undefined|nan|none|nil|empty|nothing|blank|duplicates?|wrong|incorrect|unexpected)',
  "(?:don'?t|do not|can'?t) (?:know|understand|see|figure out) why",
  "why (?!(?:would|should|do) (?:i|you|we|one|anyone|people) (?:ever )?(?:use|want|need|choose|prefer|pick|care)\\b)(?:does|do|is|are|isn'?t|doesn'?t|won'?t|am i|do i|can'?t|did|would)\\b[^?\\n]{0,60}\\b(?:my|this|these|it|here)",
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

/** A request to make something, whose wording may describe failure as wanted behaviour ("a function that throws an error"). */
export const MAKE_REQUEST =
  /^\s*(?:(?:please|pls|can you|could you|would you|help me|i need(?: you)? to|i want(?: you)? to|let'?s)\s+)?(?:write|create|implement|add|generate|build|make|design|scaffold|set up|give me|code|refactor)\b/i;
/** A plain ask to fix, whatever else the request says. */
export const FIX_REQUEST = /\b(?:fix|debug|troubleshoot|bugs?|buggy)\b(?!\s+(?:fixes|releases?))/i;

export const REASONING: readonly Rule[] = [
  { re: /\b(?:prove|proof|disprove|show that|rigorous)\b/i, why: 'asks for a proof' },
  {
    re: /\b(?:think|reason|work|go|walk me)\b[^.?!\n]{0,20}\bstep[- ]by[- ]step\b|\bstep[- ]by[- ]step\b(?=[^\n]*\d[^\n]*\d)|\bstep[- ]by[- ]step\b[^.?!\n]{0,30}\b(?:solve|reason|calculate|work out|figure out|deduce)\b|\b(?:show|explain) (?:your|the) (?:reasoning|steps|work(?:ing)?|assumptions)\b|\bshow how (?:you|to) (?:get|got|reach|arrive|find|work)\b|\bshowing your (?:assumptions|reasoning|work)\b/i,
    why: 'asks for step-by-step reasoning',
  },
  {
    re: /\bderive\b|\bsolve\b(?=[^.?!\n]{0,30}(?:\d|\b(?:for [a-z]\b|equations?|system|puzzle|riddle|inequalit|integral|recurrence)))|\b(?:calculate|compute|evaluate|determine|estimate|simplify|factori[sz]e|work out)\b[^.?!\n]{0,60}(?:\d|\b(?:integral|derivative|limit|sum|product|probability|how many|whether)\b)/i,
    why: 'asks to derive or solve',
  },
  {
    re: /\b(?:theorem|lemma|corollary|integral (?:of|from)|integrate|derivative|eigen\w*|(?<!the )matri(?:x|ces)|probability|expected (?:value|number)|combinatorics|permutations?|combinations of|how many (?:\w+ )?ways|arrange(?:ments?)? (?:of )?the letters|arithmetic (?:sequence|series|progression)|geometric (?:sequence|series|progression)|nth term|\d+(?:st|nd|rd|th) term|standard deviation|variance of|modular arithmetic|prime (?:numbers?|factors?|factori[sz]ation)|primes|\d+ (?:is )?(?:a )?prime|irrational numbers?|is irrational|infinitely many|(?:next|nth|missing) (?:number|term) in|equations?|polynomial|logarithm)\b|\d+\s*%\s*(?:chance|probability|odds)|[∫∑√∀∃≤≥≠π]/i,
    why: 'mathematical content suggests reasoning',
  },
  {
    re: /\b(?:logic puzzle|riddle|knights and knaves|syllogism|deduce|paradox|brain ?teaser|argument valid|valid argument|logically follow|necessarily true)\b|\bif all \w+ are\b|\b(?:all|every|each|some|no)\s+\w+\s+(?:is|are)\s+(?:an?\s+)?\w+\b[^?.]*\b(?:all|every|each|some|no|any)\s+\w+\s+(?:is|are|be)\b|\b(?:work|think) (?:through|it through|carefully|hard)\b|\bday (?:before yesterday|after tomorrow)\b|\bmathematical(?:ly)? (?:explanation|proof|argument|reasoning|terms)\b|\bdivid(?:e|ing) by zero\b|\b(?:differentiate|integrate|factori[sz]e|expand|simplify)\b(?=[^.?!\n]{0,40}(?:\d|\b[a-z]\b|\^))|\beach (?:have|has|own|owns|likes?|chose|picked|wears?|drives?|lives? in) a different\b|\bsum of (?:the )?(?:first|all|every)\b|\bin which direction\b|\b(?:north|south|east|west) of\b[^?]*\b(?:north|south|east|west) of\b|\bargument (?:is )?(?:valid|sound)\b|\b(?:valid|sound|invalid) (?:argument|reasoning|inference|syllogism)\b|\b(?:vertices|complete graph|graph theory|bipartite)\b|\bcan (?:we|you|i|one) (?:conclude|infer|deduce)\b|\b(?:all|some|no) \w+ are \w+\b[^?.]*\b(?:all|some|no) \w+ are\b|\bdoes it (?:follow|mean) that\b|\bwhat comes next\b|\bnext (?:number|term|element|letter)\b|\bnext in (?:the|this) (?:sequence|series|pattern)\b|\bcomplete the (?:sequence|series|pattern)\b|\balways (?:tells? the truth|lies?)\b|\b(?:cross|crossing) (?:the|a) river\b|\bhow (?:do|can|would) you (?:figure out|determine|tell|know) which\b/i,
    why: 'a logic puzzle suggests reasoning',
  },
  {
    re: /\bexplain why\b[\s\S]*\breason|\breason(?:ing)? (?:through|about|carefully)\b|\bexplain your reasoning\b|\bwhy or why not\b|\bjustify your answer\b/i,
    why: 'asks for careful reasoning',
  },
  {
    re: /\b(?:is|are|was|were)\s+(?:\w+er|more \w+|less \w+)\s+than\b[^?]*\b(?:is|are|was|were)\s+(?:\w+er|more \w+|less \w+)\s+than\b|\bwhich (?:one )?(?:weighs|is|are|would be) (?:more|less|heavier|lighter|faster|slower)\b/i,
    why: 'comparing by logic suggests reasoning',
  },
  {
    re: /\b(?:angle between|area of|perimeter|hypotenuse|circumference|radius of|volume of|interior angles?|exterior angles?|diagonals|right triangle|greatest common (?:divisor|factor)|gcd|lowest common multiple|least common multiple|lcm|factorial|fibonacci|divisible by|remainder when)\b/i,
    why: 'geometry or number theory suggests reasoning',
  },
];

/** An operator between numbers or one-letter variables ("3x + 7", "a = 2b"); two or more is math-heavy. */
export const MATH_EXPR =
  /(?:\d|\b[a-z]\b|\))\s*(?:[+*^=×÷<>/]|\s-\s)\s*(?:\d|\b[a-z]\b|\(|\b(?:sin|cos|tan|log|ln|exp|sqrt)\b)/gi;
const NUMBER =
  /\b\d+(?:[.,]\d+)?\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|twice|thrice|half|third|quarter|once|double|triple)\b/gi;
const QUANTITY_QUESTION =
  /\bhow (?:many|much|long|far|fast|old|often|tall|thick|big|heavy|high|wide|deep|large|small|quickly)\b|\bhow (?:do|can|would|could) (?:you|i|we) (?:measure|get|find|figure|determine|know|split|divide|share|arrange|fit)\b|\bwhat (?:day|time|date|year|month) (?:will|would|was|is) it\b|\bthe (?:final|original|new|resulting|remaining) (?:price|amount|value|number|total|balance|cost)\b|\bfind (?:the|all|its|their|x|y|n|both)\b|\bwhat(?:'s| is| was| are| were)? (?:the |its |their |his |her )?(?:average|total|sum|product|probability|chance|odds|expected|original|speed|rate|ratio|distance|area|volume|remainder|minimum|maximum|value)\b|\b(?:on|by|at|after) (?:which|what) (?:day|time|hour|minute|year|step|turn|point|round|move)\b|\b(?:when|where|(?:on|by|at|in|after) (?:which|what) \w+) (?:do|does|will|did|would|is|are)\b[^?\n]{0,40}\b(?:meet|arrive|catch|overtake|reach|cross|finish|empty|fill)|\bhow many does each\b|\b(?:combien|cu[aá]nt[oa]s|wie (?:viele?|lange|weit|alt|schnell|hoch)|quant[oia]s?)(?![a-zà-ÿ])/i;

/** The last sentence asks something. */
const ASKS = /(?:^|[.!:\n])[^.!:\n]*\b(?:what|which|how|when|who|where|is|are|can|does|do|will|would)\b[^.!\n]*\?\s*$/i;
/** A hypothetical with a number in it: "If today is Wednesday, what day is it in 100 days?" */
const IF_THEN = /^\s*if\b[^?]*,\s*(?:what|how|which|when|who|will|would|is|are|does|can)\b/i;

/** A count over a whole setup: "how many games are played in total?" */
const IN_ALL = /\b(?:in total|altogether|in all)\b/i;

/** A word problem: quantities and a question about a quantity, or a puzzle full of numbers. */
export function wordProblem(text: string): boolean {
  const numbers = text.match(NUMBER)?.length ?? 0;
  if (numbers >= 1 && QUANTITY_QUESTION.test(text) && IN_ALL.test(text)) return true;
  return (
    (numbers >= 2 && QUANTITY_QUESTION.test(text)) ||
    (numbers >= 3 && ASKS.test(text)) ||
    (numbers >= 1 && IF_THEN.test(text))
  );
}

/** Requests that want a substantial answer even when worded briefly: never "fast". */
export const NOT_QUICK =
  /\b(?:essay|article|report|blog post|post|detailed|list|lists|examples?|steps|guide|healthy|safe|worth it|good idea|better|best|vs\.?|versus|opinion|pros|cons|risks?|teach me|improve|prepare|choose|decide|learn|write|draft|compose|create|make|give me (?:a|an|some)|in[- ]depth|comprehensive|thorough|analy[sz]e|compare|contrast|plan|planning|strategy|design|architect\w*|pros and cons|explain|describe|discuss|outline|checklist|itinerary|tips|advice|ideas|suggest(?:ions)?|recommend(?:ations)?|help me|should i|what should|differences? between|history of|the story of|(?:function|role|purpose|importance|impact|effects?|causes|benefits|meaning|risks|dangers|advantages|disadvantages|consequences|symptoms|signs|uses|types|features|principles|rules|basics) of|what are (?:the )?(?:main|key|most|best|biggest|common)|tell me (?:about|more)|why|how (?:do|does|did|can|could|should|would|to)\b(?! you (?:say|spell|pronounce|write))|what happened|what are some|ways to|write (?:an? |the |my )?(?:email|letter|message|cover letter|post|bio|speech|proposal|review|summary|report)|draft|rewrite|rephrase|reword|proofread|respond|reply)\b/i;

/** Asking for brevity, or for one short fact: fast whatever its wording. */
export const QUICK =
  /\b(?:in one word|one word|yes or no|just the|define|definition of|synonym|antonym|rhymes? with|plural of|spell|stand for|capital of|capital de|capitale de|hauptstadt|what(?:'s| is) the (?:\w+ )?word for)\b|\bquick(?: one| question)?:|^\s*(?:translate|say) (?:'[^']{1,30}'|"[^"]{1,30}"|\w+(?: \w+)?) (?:in|into|to) [A-Z]\w+\W*$|^\s*convert \d/i;

/** A lookup: a question with one short, settled answer (who, when, which, how many, what is the X of…). */
export const LOOKUP = new RegExp(
  [
    String.raw`^\s*(?:who|whom|when|where|which)\b`,
    String.raw`^\s*how (?:many|much|tall|far|old|long|big|heavy|high|deep|fast|hot|cold|large)\b`,
    String.raw`^\s*how do you (?:say|spell|pronounce|write)\b`,
    String.raw`^\s*name (?:the|a|an|one|two|three|four|five)\b`,
    String.raw`^\s*what(?:'?s| is| was| are| were)? (?:the |an? )?(?:\w+[- ]){0,2}?(?:capital|capital city|population|currency|language|area|height|length|width|depth|size|weight|mass|speed|age|distance|temperature|boiling point|freezing point|melting point|atomic (?:number|weight|mass)|symbol|formula|name|author|date|year|price|cost|square root|cube root|plural|singular|opposite|past tense|spelling|abbreviation|acronym|colou?r|number|value|answer|result|address|time zone|zip code|phone number|flag|motto|anthem|nickname|term|word|unit|founder|inventor|director|ceo|president|king|queen|leader|record|score|winner) (?:of|in|for|on|from|at)\b`,
    String.raw`^\s*(?:in|on|at) (?:what|which) (?:year|day|date|month|century|decade|country|city|continent)\b`,
    String.raw`^\s*what(?:'s| is| was)? the (?:\w+est|most \w+|least \w+|first|last|biggest)\b`,
    String.raw`^\s*what(?:'s| is)? (?:an? )?[\w.-]+\s*\??\s*$`,
    String.raw`^\s*what(?:'s| is)? [-\d]`,
    String.raw`^\s*what (?:time|day|year|date|month|colou?r|language|currency|country|city|planet|element|number|sound|animal)\b`,
    String.raw`^\s*what does \S+(?: \S+)? (?:stand for|mean)\b`,
    String.raw`^\s*(?:is|are|was|were|does|do|did|can|has|have) (?!it |there |this |that |i |you |we )`,
  ].join('|'),
  'i',
);

/** A judgement or opinion wanted, never a fact: not fast. */
export const OPEN_QUESTION =
  /\b(?:bad|good|healthy|healthier|healthiest|unhealthy|safe|safer|safest|way to|ways to|dangerous|harmful|worth|better|best|worse|worst|ok|okay|normal|ethical|fair|right|wrong|possible|think|thoughts|views?|feel|opinion|should|would happen|could happen|if)\b/i;
