/**
 * The wording that marks a request for a summary or for creative writing, as named regex tables for
 * classify.ts; the Rule shape the other signal tables share. Error output and trouble reports are in
 * debug-signals.ts, reasoning, maths and what makes a request quick or not in reasoning-signals.ts.
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

/**
 * Poems, tales and songs in French, Spanish, German and Italian (not "histoire", "Geschichte", "historia":
 * also history).
 */
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
