/**
 * A second fresh set for task inference, held out: written and labelled (by the definitions in
 * classify.ts and the README) after the rules were changed for classify-fresh.ts, and scored once
 * before any further change — so its first score says how the new rules do on prompts they were
 * not shaped by: 99 of 116 (85.3%) with the old rules, 112 of 116 (96.6%) with the new ones.
 * Same spirit as classify-fresh.ts: every kind of work, the usual misses and their near
 * neighbours, varied phrasing, a few prompts in other languages.
 */
import type { LabelledPrompt } from './classify-table.js';

const T = (task: LabelledPrompt['task'], prompt: string, extra: Partial<LabelledPrompt> = {}): LabelledPrompt => ({
  task,
  prompt,
  ...extra,
});
const I = (prompt: string, images = 1): LabelledPrompt => ({ task: 'vision', prompt, images });
const fence = '```';

const LIBRARY =
  'The town library will close for renovation from June to September. During that time a ' +
  'temporary branch will open in the old post office on Main Street, ' +
  'with a smaller collection and shorter hours: 10am to 4pm on weekdays and no weekend ' +
  'opening. Books on loan can be returned at either building, and late fees ' +
  'are waived for the whole period. The renovated library will have a new children’s wing, ' +
  'more study rooms and step-free access to every floor.';

const STANDUP =
  'Dev sync, Thursday\n- Nadia: payments retry logic merged, monitoring for a day\n- Chris: ' +
  'still chasing the flaky upload test, suspects the CI runner\n' +
  '- Ana: started the onboarding redesign, needs copy from marketing\n- Agreed: no deploys on ' +
  'Friday; Chris pairs with Nadia on the upload test Monday';

const OPINION =
  'Cities keep building wider roads to fix traffic, and traffic keeps coming back. The reason ' +
  'is induced demand: when driving becomes easier, more people drive, ' +
  'until the new lanes are as full as the old ones. The money would do more good in buses, ' +
  'safe bike lanes and housing near jobs, which take cars off the road ' +
  'instead of making room for more of them.';

const EMAIL_ES =
  'Hola equipo, a partir del lunes la oficina abrirá a las 8 en lugar de a las 9. El ' +
  'aparcamiento estará cerrado toda la semana por obras, así que os recomiendo ' +
  'venir en transporte público. La reunión mensual se mueve al jueves a las 11. Gracias, Marta';

const SCRIPT =
  '#!/usr/bin/env bash\nset -euo pipefail\nfor f in /var/log/app/*.log; do\n  gzip -9 "$f"\n  ' +
  'mv "$f.gz" /backup/logs/\ndone\nfind /backup/logs -mtime +30 -delete';

const RELEASE =
  '## 2.0.0\n- New plugin API (breaking)\n- Config moved from JSON to YAML\n- 40% faster cold ' +
  'start\n- Removed the legacy sync command';

const general: LabelledPrompt[] = [
  T('general', "what's the difference between a duvet and a comforter"),
  T('general', 'How does a 401(k) differ from an IRA?'),
  T('general', 'explain how socialism differs from communism, briefly'),
  T('general', 'Can you give me advice on how to talk to my teenage son about vaping?'),
  T('general', "Hello! I'm planning a trip to Japan in April, what cities should I visit?"),
  T('general', "What's the difference between a simile and a metaphor?"),
  T('general', 'How do I politely decline a wedding invitation?'),
  T('general', 'write an email to my team saying the office is closed friday for maintenance'),
  T('general', "what are some healthy breakfast ideas that aren't eggs"),
  T('general', 'Why did the Roman Empire fall?'),
  T('general', 'How is probability different from statistics?'),
  T('general', 'Explain the difference between a hypothesis and a theory in science.'),
  T('general', 'Is it safe to eat raw cookie dough?'),
  T('general', 'Tips for keeping houseplants alive in a dark apartment?'),
  T('general', "what's the best way to learn to play guitar as an adult"),
  T('general', 'Help me prepare talking points for a meeting with my landlord about the broken boiler.'),
];

const code: LabelledPrompt[] = [
  T('code', 'how to drop rows with NaN in a pandas dataframe'),
  T('code', 'sed one liner to delete blank lines'),
  T('code', "what's the difference between Java and Kotlin?"),
  T('code', 'Explain how a Python generator differs from a list.'),
  T('code', 'bash: loop over all .jpg files and rename them with a date prefix'),
  T('code', 'How do I squash my last 3 commits?'),
  T('code', 'write a jq query that sums the price field'),
  T('code', 'groupby two columns and count in pandas'),
  T('code', 'Give me an nginx config that redirects http to https'),
  T('code', 'ok so how do I write a for loop in Ruby?'),
  T('code', 'how to use xargs with find to delete files'),
  T('code', 'Write a function in C that reverses a linked list in place.'),
  T('code', "What's the best way to structure a large Flask project?"),
  T('code', 'Can you explain what a closure is in JavaScript with an example?'),
  T('code', 'numpy broadcast a 1d array across the rows of a 2d array'),
  T('code', 'convert a list of dicts to a csv file in python'),
];

const debugging: LabelledPrompt[] = [
  T(
    'debugging',
    'explain this stack trace please\nReferenceError: foo is not defined\n    at ' +
      'Object.<anonymous> (/app/index.js:12:15)\n    at Module._compile ' +
      '(node:internal/modules/cjs/loader:1256:14)',
  ),
  T('debugging', 'my pandas read_csv gives weird characters instead of accents'),
  T('debugging', "git says 'detached HEAD' and my commits disappeared, help"),
  T('debugging', 'python script runs fine in pycharm but crashes from the terminal with ImportError'),
  T('debugging', "My SQL join returns duplicates and I don't know why"),
  T('debugging', 'docker: Error response from daemon: port is already allocated'),
  T('debugging', "my for loop in javascript only runs once, what's wrong"),
  T('debugging', 'app works locally but on heroku it shows Application error'),
  T('debugging', "sed -i gives 'invalid command code' on my mac"),
  T('debugging', 'The API returns 401 Unauthorized even with a valid token'),
  T('debugging', "useState doesn't update immediately after setState, why?"),
  T('debugging', 'our cron job ran twice last night and sent duplicate emails'),
  T('debugging', 'Hi, my Excel SUMIF formula keeps returning 0, any idea?'),
  T('debugging', 'segmentation fault (core dumped) in my C program when reading a file'),
  T('debugging', 'Kubernetes pod stuck in Pending state forever'),
];

const reasoning: LabelledPrompt[] = [
  T('reasoning', 'Riddle: I have cities but no houses, forests but no trees, and water but no fish. What am I?'),
  T('reasoning', 'The boy or girl paradox — why is the answer 1/3 and not 1/2?'),
  T(
    'reasoning',
    "A doctor and a boy are fishing. The boy is the doctor's son but the doctor is not the " +
      "boy's father. How is this possible?",
  ),
  T('reasoning', 'If I roll three dice, what are the odds that all show the same number?'),
  T('reasoning', "What's heavier, a kilo of bricks or a kilo of feathers?"),
  T('reasoning', "Is this argument valid? If it's a dog it has four legs. My cat has four legs. So my cat is a dog."),
  T(
    'reasoning',
    '5 pirates divide 100 gold coins by voting on the senior pirate’s proposal. How does the ' +
      'most senior pirate maximise his share?',
  ),
  T(
    'reasoning',
    "Here's a brain teaser for you: how can you drop a raw egg onto a concrete floor without cracking it?",
  ),
  T('reasoning', 'What is the smallest positive integer divisible by every number from 1 to 10?'),
  T('reasoning', "Explain the Monty Hall problem to me like I'm five."),
  T('reasoning', 'You have a 3 liter jug and a 5 liter jug. How do you get exactly 4 liters?'),
  T(
    'reasoning',
    'Two trains are 100 miles apart, heading toward each other at 50 mph each. A fly goes back ' +
      'and forth between them at 75 mph. How far does the fly travel?',
  ),
  T('reasoning', 'Why does the St. Petersburg paradox suggest expected value is not everything?'),
  T(
    'reasoning',
    "Logic puzzle: Anna, Ben and Cleo wear red, green and blue hats. Anna doesn't wear red, Ben " +
      'wears green. Who wears the red hat?',
  ),
  T('reasoning', 'How many handshakes if 12 people each shake hands once with everyone?'),
  T('reasoning', "what's the next number: 3, 9, 27, 81, ?"),
];

const creative: LabelledPrompt[] = [
  T('creative', 'write a haiku about a failing unit test'),
  T('creative', 'Compose a limerick about a programmer who loves coffee'),
  T('creative', 'Write a short poem about binary search.'),
  T('creative', 'Make up a riddle about the moon for my kids'),
  T('creative', 'tell me a story about a dragon who learns to code'),
  T('creative', 'Write a funny best-man toast for my friend Jake'),
  T('creative', 'Écris un poème sur la pluie'),
  T('creative', 'I want a catchy slogan for my bakery'),
  T('creative', 'write a rap about the French Revolution'),
  T('creative', 'Write a scene where two old friends meet at a train station after 20 years'),
  T('creative', 'Come up with a fantasy name for a dwarf blacksmith and a short backstory'),
  T('creative', 'Write song lyrics about missing home'),
  T('creative', 'Write a bedtime story involving a sleepy owl and a lost star'),
  T('creative', 'Write a funny product description for a self-aware toaster'),
  T('creative', 'Escribe una canción sobre la amistad'),
];

const fast: LabelledPrompt[] = [
  T('fast', 'hello'),
  T('fast', "hi, how's it going?"),
  T('fast', 'thank you!!'),
  T('fast', 'Good morning 🙂'),
  T('fast', 'sup'),
  T('fast', 'cheers, that helped'),
  T('fast', "hey there, what's new?"),
  T('fast', 'bye, have a good one'),
  T('fast', 'hi! who discovered oxygen?'),
  T('fast', "what's the capital of Chile"),
  T('fast', 'How many minutes in 3 hours?'),
  T('fast', "Define 'ubiquitous'"),
  T('fast', 'How do you say goodbye in Italian?'),
  T('fast', 'Is a strawberry a berry?'),
  T('fast', 'who wrote 1984'),
];

const summarize: LabelledPrompt[] = [
  T('summarize', `Boil this down into 3 bullets: ${LIBRARY}`),
  T('summarize', `can you give me a short summary of this: ${OPINION}`),
  T('summarize', `tldr: ${LIBRARY}`),
  T('summarize', `what's the gist here?\n\n${OPINION}`),
  T('summarize', `Recap this meeting in a few lines:\n${STANDUP}`),
  T('summarize', `Condense this: ${OPINION}`),
  T('summarize', `${LIBRARY}\n\nsummary?`),
  T('summarize', `Summarize what this script does:\n${fence}bash\n${SCRIPT}\n${fence}`),
  T('summarize', `key points from this pls\n${STANDUP}`),
  T('summarize', 'Give me a brief recap of the last season of Game of Thrones'),
  T('summarize', `Sum up the argument of this piece in one sentence: ${OPINION}`),
  T('summarize', `Hola! Resume este correo en dos frases: ${EMAIL_ES}`),
  T('summarize', `Extract the main points of the following meeting notes:\n${STANDUP}`),
  T('summarize', `Shorten this paragraph without losing the facts: ${LIBRARY}`),
  T('summarize', `Give me the highlights from this changelog:\n${RELEASE}`),
];

const vision: LabelledPrompt[] = [
  I('what bird is this'),
  I('Explain the stack trace in this screenshot.'),
  I('Turn this whiteboard photo into meeting notes.'),
  I('Is this mushroom edible?'),
  I('hello! can you read this receipt?'),
  I('Which of these logos is more readable?', 2),
  I('Write a haiku about this sunset.'),
  I('What does the graph in this image show?'),
];

export const HOLDOUT_PROMPTS: readonly LabelledPrompt[] = [
  ...general,
  ...code,
  ...debugging,
  ...reasoning,
  ...creative,
  ...fast,
  ...summarize,
  ...vision,
];
