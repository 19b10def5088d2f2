/**
 * Two kinds of prompt for classify.ts that the word tables of task-signals.ts miss.
 *
 * Puzzles, riddles and paradoxes: named problems ("the Monty Hall problem", "Zeno's paradox"),
 * the shapes riddles and trick questions take ("What has a head and a tail but no body?", "… What
 * am I?", "what position are you in?"), questions about whether an argument holds, and probability
 * over dice, coins and cards. The other way round, a question about how two things differ is an
 * explanation (general) rather than reasoning, unless it asks for a proof or a calculation.
 *
 * Small talk: a message made only of greetings, thanks, pleasantries and acknowledgements ("hey,
 * how are you?", "ok cool, thank you so much!", "bonjour") wants a short friendly reply, so a fast
 * model; a greeting in front of a real request ("hi! who wrote Hamlet?") is taken off before the
 * request is judged. Only short texts are looked at.
 */
import type { Rule } from './task-signals.js';

/** Problems, paradoxes and fallacies known by name. */
const NAMED =
  /\b(?:monty hall|birthday (?:problem|paradox)|two[- ]child(?:ren)? (?:problem|paradox)|boy or girl (?:problem|paradox)|bertrand(?:'s)? (?:box|paradox)|st\.? petersburg (?:paradox|game|lottery)|newcomb(?:'s)? (?:problem|paradox)|simpson(?:'s)? paradox|base[- ]rate fallacy|gambler(?:'s)? (?:fallacy|ruin)|hot[- ]hand fallacy|sleeping beauty (?:problem|paradox)|two[- ]envelopes?|three prisoners|prisoner(?:'s|s')? dilemma|(?:100|hundred) prisoners|unexpected hanging|surprise (?:exam|test) paradox|liar(?:'s)? paradox|barber paradox|sorites|zeno(?:'s)?|achilles and the tortoise|towers? of hanoi|einstein(?:'s)? (?:riddle|puzzle)|zebra puzzle|knights? and knaves|river[- ]crossing|bridge and torch|missionaries and cannibals|blue[- ]eyed islanders|muddy children|secretary problem|coupon collector|buffon(?:'s)? needle|hilbert(?:'s)? (?:hotel|paradox)|russell(?:'s)? paradox|fermi (?:problem|estimate|question)|pigeonhole principle|seven bridges|k[öo]nigsberg|n[- ]queens|(?:eight|8) queens|knight(?:'s)? tour|magic square|cryptarithm|sudoku|kakuro|nonogram)\b/i;

/** The shapes riddles, lateral-thinking puzzles and trick questions take. */
const RIDDLE = new RegExp(
  [
    String.raw`^\s*(?:riddle\W*)?what (?:has|have)\b[^?\n]{0,100}\bbut (?:no|never|can'?t|cannot|doesn'?t|does not|only)\b`,
    String.raw`^\s*(?:riddle\W*)?what (?:can you|gets|goes|comes|runs|flies|belongs|travels|stays)\b[^?\n]{0,100}\bbut (?:never|can'?t|cannot|doesn'?t|does not|don'?t|do not|you can'?t|you cannot)\b`,
    String.raw`^\s*(?:riddle\W*)?what (?:gets|goes|has|can|comes|is|grows)\b[^?\n]{0,60}\bthe (?:more|less)\b`,
    String.raw`\bwhat am i\s*[?!.]*\s*$|^\s*what am i\s*\?`,
    // told of others, not of oneself: "My bill doubled, how is that possible?" is no riddle
    String.raw`^(?![\s\S]*\b(?:i|i'm|my|me|we|our|us)\b)[\s\S]*?\b(?:how (?:is|was|could) (?:this|that|it) (?:be )?possible|how can (?:this|that) be)\b`,
    String.raw`^\s*(?:an?|one|two|three) (?:man|woman|boy|girl|person|child|farmer|doctor|surgeon|prisoner|father|mother|couple|driver|pilot|king|queen|cowboy|hunter|detective)\b[^\n]{10,300}[.!]\s*(?:why|how|what happened|explain)\s*\??\s*$`,
    String.raw`\bwhat (?:place|position) (?:are you|am i|would you be|do you (?:finish|end up|come)|is (?:he|she|it|they))\b`,
    String.raw`\b(?:puzzle|riddle|brain ?teaser|teaser|conundrum|trick question)\s*:|\b(?:this|the following|here'?s an?|here is an?|try this|a fun|a little|a quick|a tricky|a classic|an? (?:logic|math|maths|number|word|lateral[- ]thinking)) (?:puzzle|riddle|brain ?teaser|teaser|conundrum)\b`,
    String.raw`\btrick question\b|\blateral thinking\b|\b(?:figure|work) out this one\b|\bcan you (?:crack|guess) (?:this|it|the answer)\b|\briddle me\b`,
    String.raw`\b(?:which|what)(?:'s| is)?(?: one)? (?:weighs (?:more|less)|(?:is )?(?:heavier|lighter))\b`,
  ].join('|'),
  'i',
);

/** Whether an argument holds, what is wrong with it. */
const ARGUMENT =
  /\b(?:is|was) (?:this|that|the|his|her|their|my|your) (?:reasoning|argument|logic|inference|deduction|conclusion|syllogism) (?:sound|valid|correct|flawed|right|logical|fallacious|true)\b|\bwhat(?:'s| is) wrong with (?:this|that|the|his|her|their|my) (?:argument|reasoning|logic|proof|deduction)\b|\bwhat(?:'s| is) the (?:flaw|fallacy|error|mistake|catch) in (?:this|that|the|his|her|their|my) (?:argument|reasoning|logic|proof)\b|\bwhich fallacy\b/i;

/** Chance over dice, coins, cards and urns. */
const DEVICE = String.raw`(?:dice|(?:a|the|fair|one|two|loaded|\d+-sided|six-sided) die|coins?|(?:playing )?cards? (?:from|out of)|deck(?: of cards)?|urn|marbles?|roulette|lottery|raffle|heads|tails)`;
const CHANCE = new RegExp(
  String.raw`\b(?:probability|chances?|odds|likel(?:y|ihood)|expected)\b[^?\n]{0,80}\b${DEVICE}\b|\b${DEVICE}\b[^?\n]{0,80}\b(?:probability|chances?|odds|likel(?:y|ihood)|expected)\b`,
  'i',
);

/** Number work that has no operator in it: digits of a number, consecutive numbers, "whose sum is". */
const NUMBER_WORK =
  /\b\d+(?:st|nd|rd|th) (?:digit|decimal|prime|term)\b|\bdigits? (?:after the decimal|of (?:pi|e|\d))|\bdecimal (?:expansion|places?) of\b|\bconsecutive (?:(?:odd|even|positive|negative|whole) )?(?:numbers|integers)\b|\bwhose (?:sum|product|difference|quotient|average|mean) is\b|\bin how many (?:moves|steps|weighings|turns|days|ways)\b|\b(?:minimum|maximum|fewest|smallest|largest|least) (?:possible )?number of (?:moves|steps|weighings|turns|tries|guesses|cuts|colou?rs|people|socks|coins)\b/i;

export const PUZZLE: readonly Rule[] = [
  { re: NAMED, why: 'a known puzzle or paradox suggests reasoning' },
  { re: RIDDLE, why: 'a riddle or trick question suggests reasoning' },
  { re: ARGUMENT, why: 'judging an argument suggests reasoning' },
  { re: CHANCE, why: 'chance with dice, coins or cards suggests reasoning' },
  { re: NUMBER_WORK, why: 'number work suggests reasoning' },
];

/** How two things differ: an explanation (general), not reasoning. */
export const DIFFERENCE =
  /\b(?:what(?:'s| is| are|s)?|explain|describe|tell me|know) (?:the )?(?:main |key |real |big |biggest |major |practical |actual |exact )?(?:diff(?:erence)?s?|distinctions?) (?:between|of)\b|\bhow (?:is|are|does|do|did)\b[^?.\n]{0,60}\bdiffer(?:ent)?\b|\bdiffers? (?:from|between)\b|\bdistinguish between\b|\bhow (?:does|do)\b[^?.\n]{0,60}\bcompare (?:to|with)\b/i;

/** Asked to prove, calculate or solve, or numbers to work on: reasoning, even about a difference. */
export const WORKED =
  /\b(?:prove|proof|calculate|compute|solve|derive|evaluate|simplify)\b|\d\s*[-+*/^×÷]\s*\d|\d[^\d\n]{1,40}\d/i;

/** Greetings, in a few languages. */
const GREETINGS = [
  'h+i+(?:y+a+)?',
  'he+y+(?:a+|o+)?',
  'hel+o+',
  'hal+o+',
  'hul+o+',
  'howdy',
  'yo+',
  'sup',
  'wass?up',
  'greetings',
  'ahoy',
  'aloha',
  'salut',
  'coucou',
  'bonjour',
  'bonsoir',
  'hola',
  'buen[oa]s(?: d[ií]as| tardes| noches)?',
  'guten (?:morgen|tag|abend)',
  'servus',
  'moin',
  'ciao',
  'buongiorno',
  'buonasera',
  'ol[aá]',
  'namaste',
  'hej',
  'konnichiwa',
  'salaam',
  'salam',
  'shalom',
  "g'?day",
  '(?:good )?(?:morning|afternoon|evening)',
  'good day',
  'gm',
];

/** Pleasantries, thanks and acknowledgements: what may follow a greeting, or stand alone. */
const PLEASANTRIES = [
  'there',
  'everyone',
  'everybody',
  'all',
  'guys',
  'folks',
  '(?:my )?friend',
  'buddy',
  'mate',
  'pal',
  'again',
  'bot',
  'assistant',
  '(?:how (?:are|r) (?:you|u|ya)|how (?:have|ve) you been|how you been)(?: doing| going)?(?: ' +
    'today| tonight| this (?:morning|afternoon|evening))?',
  "how(?:'?s| is) (?:it going|everything|life|things|(?:your|ur) day(?: going| been)?)",
  'how was (?:your|ur) (?:day|weekend|week)',
  'how do you do',
  'how are things',
  "what(?:'?s| is) (?:up|new|good|happening)",
  "(?:i )?hope (?:you(?:'?re| are)|all is|everything is|all(?:'?s| is)) " +
    '(?:well|good|fine|ok|okay|doing (?:well|good|great|fine)|having an? ' +
    '(?:good|great|nice|lovely) (?:day|week|weekend))',
  '(?:nice|pleased|good|great) to (?:meet|see) you',
  'long time no see',
  "(?:i'?m|i am) (?:back|fine|good|great|ok|okay|doing (?:well|good|great|fine))",
  'qu[eé] tal',
  'comment [cç]a va',
  '[cç]a va',
  "wie geht(?:'?s| es dir| es ihnen)?",
  'come stai',
  'c[oó]mo est[aá]s',
  'thank (?:you|u)(?: (?:so|very) much| a lot| again| kindly)?',
  'thanks?(?: (?:so|very) much| a lot| a ton| a bunch| again| heaps| man| mate)?',
  'thx',
  'tysm',
  'ty',
  'tnx',
  'cheers',
  'much appreciated',
  '(?:i )?appreciate (?:it|that|you)',
  'merci(?: beaucoup)?',
  'gracias',
  'danke(?: sch[oö]n| sehr)?',
  'grazie',
  'obrigad[oa]',
  'ok(?:ay)?',
  'k+',
  'cool',
  'nice',
  'great',
  'awesome',
  'perfect',
  'lovely',
  'excellent',
  'amazing',
  'brilliant',
  'sweet',
  'neat',
  'got it',
  'gotcha',
  'sounds good',
  'all ?right',
  'sure',
  'yes',
  'yeah',
  'yep',
  'yup',
  'no',
  'nope',
  'nah',
  'lol',
  'ha(?:ha)+',
  'wow',
  'oh',
  'ah',
  'hmm+',
  'i see',
  'fair enough',
  'makes sense',
  'that (?:worked|works|helped|helps|did it|did the trick|fixed it)(?: (?:a lot|perfectly|great|now))?',
  'it (?:worked|works)(?: now)?',
  '(?:that was|this is|very|super|really|so) (?:helpful|useful)',
  "you(?:'?re| are) (?:the best|awesome|a star|great|welcome)",
  'good (?:job|bot|work)',
  'well done',
  'bye(?: bye)?',
  'goodbye',
  'see (?:you|ya)(?: later| tomorrow| soon)?',
  'later',
  'cya',
  'good ?night',
  'gn',
  'take care',
  'have an? (?:good|nice|great|lovely) (?:one|day|night|evening|weekend)',
  'so much',
  'a lot',
  'and',
  'too',
  'you',
  'u',
];

/** Punctuation, symbols and emoji between the phrases. */
const GAP = String.raw`[\s\p{P}\p{S}\p{M}\p{Extended_Pictographic}]*`;
const END = String.raw`(?![\p{L}\p{N}])`;
const GREETING = new RegExp(String.raw`${GAP}(?:${GREETINGS.join('|')})${END}${GAP}`, 'iuy');
const PLEASANT = new RegExp(String.raw`${GAP}(?:${[...GREETINGS, ...PLEASANTRIES].join('|')})${END}${GAP}`, 'iuy');

/** Longer texts are never only small talk (and are not scanned). */
const MAX_CHARS = 120;

/** How far a run of phrases reaches from `at`, one phrase after another (no backtracking across phrases). */
function reach(re: RegExp, text: string, at = 0): number {
  for (;;) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m || m[0].length === 0) return at;
    at += m[0].length;
  }
}

/** Only greetings, thanks and pleasantries: "hey, how are you?", "ok thanks, bye", "bonjour". */
export function isSmallTalk(prompt: string): boolean {
  const text = prompt.trim();
  return text.length > 0 && text.length <= MAX_CHARS && reach(PLEASANT, text.replace(/[’`]/g, "'")) === text.length;
}

/**
 * The prompt without a greeting in front ("hi there! who wrote Hamlet?" → "who wrote Hamlet?"); unchanged
 * when there is none.
 */
export function withoutGreeting(prompt: string): string {
  const text = prompt.trimStart();
  const head = text.slice(0, MAX_CHARS).replace(/[’`]/g, "'");
  GREETING.lastIndex = 0;
  if (!GREETING.test(head)) return prompt;
  const end = reach(PLEASANT, head);
  return end >= head.length ? prompt : text.slice(end);
}
