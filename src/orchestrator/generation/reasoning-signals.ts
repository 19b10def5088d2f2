/**
 * The wording that marks reasoning and maths, and what makes a request quick or not, as named regex
 * tables for classify.ts.
 */

import type { Rule } from './task-signals.js';

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
