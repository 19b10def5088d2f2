import { describe, expect, it } from 'vitest';
import { random } from '../helpers/random.js';
import {
  classify,
  estimateTokens,
  inferComplexity,
  type Complexity,
} from '../../src/orchestrator/generation/classify.js';
import type { TaskType } from '../../src/orchestrator/config/profiles.js';
import { BUILTIN_TEMPLATES, renderTemplate } from '../../src/orchestrator/templates/index.js';

const fence = '```';
const prose =
  'The history of the city stretches back over two thousand years, from a small river settlement to a busy ' +
  'trading port. Merchants arrived from distant lands, bringing spices, cloth and new ideas, and the town grew ' +
  'around its markets and harbours. Over the centuries it survived floods, fires and wars, each time rebuilding ' +
  'itself with a little more ambition than before. ';

const cases: Array<[string, { prompt: string; system?: string; images?: number }, TaskType]> = [
  // vision: images always win
  ['image description', { prompt: 'What is in this picture?', images: 1 }, 'vision'],
  [
    'images beat a stack trace',
    { prompt: 'Traceback (most recent call last):\n  File "a.py", line 3', images: 2 },
    'vision',
  ],
  // debugging
  [
    'python traceback',
    {
      prompt:
        'Traceback (most recent call last):\n  File "app.py", line 12, in <module>\n    main()\nKeyError: \'user\'',
    },
    'debugging',
  ],
  [
    'node stack trace',
    {
      prompt:
        'Getting this:\n    at handler (/srv/app/index.js:41:13)\n    at ' +
        'process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    },
    'debugging',
  ],
  [
    'java exception',
    { prompt: 'Exception in thread "main" java.lang.NullPointerException\n\tat com.acme.Main.main(Main.java:5)' },
    'debugging',
  ],
  ['go panic', { prompt: 'panic: runtime error: index out of range [3] with length 3' }, 'debugging'],
  ['rust borrow error', { prompt: 'error[E0382]: borrow of moved value: `v`' }, 'debugging'],
  ['segfault', { prompt: 'My C program prints Segmentation fault (core dumped) when I run it' }, 'debugging'],
  ['TypeError', { prompt: "TypeError: Cannot read properties of undefined (reading 'map')" }, 'debugging'],
  [
    'compiler output on a later line',
    {
      prompt:
        'npm run build gives me\nerror TS2345: Argument of type string is not assignable to parameter of type number.',
    },
    'debugging',
  ],
  [
    'fix with code fence',
    { prompt: `Why does this fail?\n${fence}js\nconst total = items.reduce((a, b) => a + b);\n${fence}` },
    'debugging',
  ],
  [
    'script does not work',
    { prompt: "My Python script doesn't work when the input file is empty, can you help me fix it?" },
    'debugging',
  ],
  // code
  ['write a function', { prompt: 'Write a function that checks whether a string is a palindrome.' }, 'code'],
  ['regex request', { prompt: 'Give me a regex that matches UK postcodes' }, 'code'],
  ['SQL request', { prompt: 'Write a SQL query returning the ten customers with the most orders last month' }, 'code'],
  ['refactor', { prompt: 'Refactor this to use async/await instead of callbacks' }, 'code'],
  [
    'code fence, no question',
    { prompt: `${fence}python\ndef add(a, b):\n    return a + b\n${fence}\nAdd type hints and a docstring.` },
    'code',
  ],
  [
    'bare syntax',
    { prompt: 'import React from "react";\nconst App = () => <div>Hello</div>;\nexport default App;' },
    'code',
  ],
  [
    'C include',
    { prompt: '#include <stdio.h>\nint main(void) { printf("hi\\n"); return 0; }\nadd argc/argv handling' },
    'code',
  ],
  ['language named', { prompt: 'How do I read a CSV file in Python?' }, 'code'],
  // reasoning
  ['proof', { prompt: 'Prove that the square root of 2 is irrational.' }, 'reasoning'],
  [
    'step by step',
    {
      prompt:
        'A train leaves at 3pm going 60 mph; another at 4pm going 80 mph. Walk me through it step ' +
        'by step: when does the second catch up?',
    },
    'reasoning',
  ],
  ['solve for', { prompt: 'Solve for x: 3x + 7 = 22' }, 'reasoning'],
  [
    'logic puzzle',
    {
      prompt:
        'Here is a logic puzzle: three boxes are all mislabelled, and you may draw one fruit. How do you relabel them?',
    },
    'reasoning',
  ],
  ['math heavy', { prompt: 'If a = 2b + 3 and b = 4 - a, what are a and b?' }, 'reasoning'],
  // creative
  ['poem about Python', { prompt: 'Write a poem about Python' }, 'creative'],
  ['bedtime story', { prompt: 'Tell me a bedtime story about a dragon who is afraid of the dark' }, 'creative'],
  ['haiku', { prompt: 'Compose a haiku about autumn rain' }, 'creative'],
  [
    'song lyrics',
    { prompt: 'Can you write song lyrics for a breakup ballad in the style of country music?' },
    'creative',
  ],
  ['poem about an error', { prompt: 'Write a limerick about TypeError: undefined is not a function' }, 'creative'],
  // summarize
  ['summarize article', { prompt: `Summarize the following article in three bullet points:\n\n${prose}` }, 'summarize'],
  [
    'summarise code',
    { prompt: `Summarise this code:\n${fence}ts\nexport const add = (a: number, b: number) => a + b;\n${fence}` },
    'summarize',
  ],
  ['tl;dr', { prompt: `${prose}\n\ntl;dr?` }, 'summarize'],
  [
    'summary via system prompt',
    { prompt: prose, system: 'Summarize the text the user sends in two sentences.' },
    'summarize',
  ],
  // fast
  ['capital of France', { prompt: 'What is the capital of France?' }, 'fast'],
  ['translate', { prompt: "Translate 'hello' to German" }, 'fast'],
  ['unit conversion', { prompt: 'How many centimetres are in an inch?' }, 'fast'],
  // general
  [
    'essay question',
    {
      prompt:
        'Discuss how the printing press changed European politics, religion and science, and ' +
        'whether its effects were mostly positive. I would like a balanced view with examples from ' +
        'several countries.',
    },
    'general',
  ],
  ['short but wants depth', { prompt: 'Explain the causes of the French Revolution' }, 'general'],
  [
    'user story is not fiction',
    {
      prompt:
        'Draft a user story for the password reset feature of our web application, including ' +
        'acceptance criteria for the team',
    },
    'general',
  ],
  ['history is not fiction', { prompt: 'Tell me the story of the Roman Empire' }, 'general'],
  [
    'a line of prose mentioning an error',
    { prompt: 'I got an error: the printer says it is offline, what should I check first?' },
    'general',
  ],
  ['CSS question', { prompt: 'How do I center a div in CSS?' }, 'code'],
  ['story generator is code', { prompt: 'Create a story generator function in TypeScript' }, 'code'],
  [
    'code system prompt',
    { prompt: 'What does this do?', system: 'You are an expert Rust engineer. Answer with code.' },
    'code',
  ],
];

describe('classify', () => {
  it.each(cases)('%s → %s', (_name, input, task) => {
    const result = classify(input);
    expect(result.task).toBe(task);
    expect(result.why.length).toBeGreaterThan(0);
    expect(result.why).not.toMatch(/\n/);
  });

  it('covers every task type', () => {
    expect(new Set(cases.map(([, , task]) => task)).size).toBe(8);
  });

  it('explains itself in a short clause', () => {
    expect(classify({ prompt: '    at foo (file.js:1:2)\n    at bar (file.js:3:4)' }).why).toMatch(/stack trace/);
    expect(classify({ prompt: 'hi', images: 1 }).why).toMatch(/image/);
  });
});

const complexityCases: Array<[string, string, Complexity]> = [
  ['short question', 'What is the capital of France?', 'low'],
  ['one-liner request', 'Write a function that reverses a string', 'low'],
  [
    'medium paragraph',
    'I have a list of orders with dates and amounts. Write a Python script that groups them by ' +
      'month, sums the amounts for each month and prints a small table sorted by month.',
    'medium',
  ],
  ['small code', `${fence}js\nconst x = 1;\n${fence}\nWhat does this print?`, 'medium'],
  ['design', 'Design a rate limiter for our API', 'high'],
  ['optimize', 'Optimize this query for speed', 'high'],
  ['prove', 'Prove that there are infinitely many primes', 'high'],
  [
    'multi-part',
    'Build a todo app:\n1. user accounts\n2. shared lists\n3. reminders by email\n4. offline mode',
    'high',
  ],
  ['long prompt', prose.repeat(6), 'high'],
  ['large code', `${fence}py\n${'x = compute(x)\n'.repeat(60)}${fence}\nWhat is wrong?`, 'high'],
];

describe('inferComplexity', () => {
  it.each(complexityCases)('%s → %s', (_name, prompt, level) => {
    expect(inferComplexity(prompt)).toBe(level);
  });

  it('is what classify reports', () => {
    expect(classify({ prompt: 'Design a distributed cache' }).complexity).toBe('high');
    expect(classify({ prompt: 'What is 2 plus 2?' }).complexity).toBe('low');
  });
});

describe('estimateTokens', () => {
  it('is 0 for empty text and at least 1 otherwise', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('a')).toBe(1);
    expect(Number.isInteger(estimateTokens('hello world.'))).toBe(true);
  });

  it('is about four characters per token for prose', () => {
    const text = prose.repeat(4);
    const ratio = text.length / estimateTokens(text);
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThanOrEqual(4.2);
  });

  it('counts code denser than prose', () => {
    const code =
      'const total = items.filter((i) => i.ok).map((i) => i.price * i.qty).reduce((a, b) => a + b, 0);\n'.repeat(20);
    const text = prose.slice(0, code.length);
    expect(estimateTokens(code)).toBeGreaterThan(estimateTokens(text));
    expect(code.length / estimateTokens(code)).toBeLessThan(3.6);
  });

  it('never falls as text grows', () => {
    const text = `${prose}${fence}js\nconst a = [1, 2, 3].map((n) => n * 2);\n${fence} 日本語のテキスト 🎉`;
    let previous = 0;
    for (let i = 1; i <= text.length; i++) {
      const n = estimateTokens(text.slice(0, i));
      expect(n).toBeGreaterThanOrEqual(previous);
      previous = n;
    }
    expect(estimateTokens(prose + prose)).toBeGreaterThan(estimateTokens(prose));
  });

  it('weighs each character as written: a surrogate pair once, a lone half, every kind of character', () => {
    // the weights by code point, as the doc comment gives them
    const byCodePoint = (text: string) => {
      let weight = 0;
      let afterDigit = false;
      for (const ch of text) {
        const code = ch.codePointAt(0)!;
        const digit = /[0-9]/.test(ch);
        if (code < 0x80) weight += /[A-Za-z\s]/.test(ch) ? 0.25 : digit ? 0.6 : afterDigit ? 1 : 0.5;
        else weight += code > 0x2e7f ? 1 : /[\p{L}\p{N}\s]/u.test(ch) ? 0.25 : 0.5;
        afterDigit = code < 0x80 && digit;
      }
      return Math.ceil(weight);
    };
    expect(estimateTokens('😀')).toBe(1);
    expect(estimateTokens('😀😀😀😀')).toBe(4);
    expect(estimateTokens('\ud83d')).toBe(1); // a lone high half
    expect(estimateTokens('\ude00\ud83d')).toBe(2); // halves in the wrong order: two characters
    expect(estimateTokens('aaaa')).toBe(1);
    expect(estimateTokens('éééé')).toBe(1);
    expect(estimateTokens('1:2')).toBe(3); // 0.6 + 1 (right after a digit) + 0.6
    const rand = random(82);
    const alphabet = [
      'a',
      'Z',
      ' ',
      '\n',
      '7',
      ':',
      '.',
      '{',
      'é',
      'ß',
      '—',
      '\u00a0',
      '日',
      '😀',
      '\ud83d',
      '\ude00',
      '\u2e7f',
      '\u2e80',
    ];
    for (let k = 0; k < 300; k++) {
      const text = Array.from(
        { length: Math.floor(rand() * 60) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join('');
      expect(estimateTokens(text), JSON.stringify(text)).toBe(byCodePoint(text));
    }
  });
});

describe('code without fences', () => {
  // one snippet per common language, each with a request that is not a fix
  const snippets: Array<[string, string]> = [
    ['Python', 'def add(a, b): return a + b  # add type hints'],
    ['Go', 'func Add(a, b int) int { return a + b }  // make this generic'],
    ['JavaScript', 'const add = (a, b) => a + b;  // add JSDoc'],
    ['TypeScript', 'type Point = { x: number; y?: number }  make y required'],
    ['Rust', 'fn add(a: i32, b: i32) -> i32 { a + b }  add a doc comment'],
    ['Java', 'public int add(int a, int b) { return a + b; }  make it static'],
    ['C', 'int add(int a, int b) { return a + b; }  make it inline'],
    ['C++', 'std::vector<int> v{3, 1, 2};  sort it descending'],
    ['C#', 'Console.WriteLine(items.Where(i => i.Active).Count());  explain this'],
    ['Ruby', 'def add(a, b)\n  a + b\nend\nadd a default for b'],
    ['PHP', '<?php echo $user->name; ?>  escape this for HTML'],
    ['Kotlin', 'fun add(a: Int, b: Int) = a + b  // make it an extension'],
    ['Swift', 'let names = people.map { $0.name }  what does $0 mean?'],
    ['SQL', 'SELECT name, COUNT(*) FROM orders GROUP BY name  only names with more than 5 orders'],
    ['shell', 'for f in *.log; do gzip "$f"; done  skip files that are already compressed'],
  ];
  it.each(snippets)('%s → code', (_language, prompt) => {
    expect(classify({ prompt }).task).toBe('code');
  });

  it('the same one-liner asking for a fix is debugging, not fast', () => {
    expect(classify({ prompt: 'def add(a, b): return a - b  # fix this bug' }).task).toBe('debugging');
    expect(classify({ prompt: 'for (int i = 0; i <= n; i++) sum += a[i];  // why does this crash?' }).task).toBe(
      'debugging',
    );
  });

  it('asking for code in a named language is code: "in Go", "in Rust", "in Python"', () => {
    for (const prompt of [
      'Sort a list in Go',
      'Reverse a string in Rust',
      'Read a CSV file in Python',
      'quick sort in rust please',
      'switch statement in java',
    ]) {
      expect(classify({ prompt }).task, prompt).toBe('code');
    }
  });

  it('a request to review code, a PR or a diff is code, whatever the review looks for', () => {
    for (const prompt of [
      'Review this code for bugs and security issues.',
      'Please review this PR',
      'review this diff:\n-  if user:\n+  if user is not None:',
      'Code review please, focusing on crashes',
    ]) {
      expect(classify({ prompt }).task, prompt).toBe('code');
    }
  });

  it('describing wanted failure behaviour is not debugging', () => {
    expect(classify({ prompt: 'Write a function that throws an error if the input is negative' }).task).toBe('code');
    expect(classify({ prompt: 'Add error handling to this fetch call' }).task).toBe('code');
  });
});

describe('the kinds of prompt an outside check missed', () => {
  const missed: Array<[string, TaskType]> = [
    // greetings and thanks alone are fast; a greeting in front of a request does not change it
    ['hey, how are you?', 'fast'],
    ['ok cool, thank you so much!', 'fast'],
    ['Good afternoon 🙂 hope you are well', 'fast'],
    ['hi! who wrote Hamlet?', 'fast'],
    ['hi! can you help me plan a birthday party for 15 kids on a tight budget?', 'general'],
    ['hey! quick question — how do I rename a column in pandas?', 'code'],
    // riddles, paradoxes and puzzles are reasoning; writing one is creative
    ['Riddle: what gets wetter the more it dries?', 'reasoning'],
    ['What has a head and a tail but no body?', 'reasoning'],
    ['explain the birthday paradox', 'reasoning'],
    ['The Monty Hall problem: why is switching doors better?', 'reasoning'],
    ['Invent a riddle whose answer is "shadow".', 'creative'],
    // how two things differ is general, or code when they are programming things
    ["What's the difference between a riddle and a puzzle?", 'general'],
    ['explain how mitosis differs from meiosis', 'general'],
    ['whats the difference between a list and a set in python', 'code'],
    // a library or a tool named with a programming task is code
    ['how do i do a left join in pandas on two columns', 'code'],
    ['awk one-liner to print the second column of a csv', 'code'],
    ['jq filter to get the name field of every object in an array', 'code'],
    // summary wording
    [`boil this down for me: ${prose}`, 'summarize'],
    [`${prose}\n\nin a short summary, what is the author saying?`, 'summarize'],
    [`Résume ce texte en trois phrases : ${prose}`, 'summarize'],
    ['Write a professional summary for the top of my CV: 8 years in logistics.', 'general'],
    // near neighbours
    ['write a poem about sorting algorithms', 'creative'],
    [
      'explain this stack trace:\nException in thread "main" java.lang.NullPointerException\n\tat ' +
        'Main.main(Main.java:9)',
      'debugging',
    ],
  ];
  it.each(missed)('%s → %s', (prompt, task) => {
    expect(classify({ prompt }).task).toBe(task);
  });

  it('looks at a long prompt only where it needs to, and still finds the request', () => {
    expect(classify({ prompt: `${prose.repeat(1500)}\n\ntl;dr?` }).task).toBe('summarize');
    expect(classify({ prompt: 'hi '.repeat(100_000) }).task).toBe('general');
    expect(classify({ prompt: `hello! ${'what is the capital of France? '.repeat(10_000)}` }).task).not.toBe('fast');
  });
});

describe('built-in templates', () => {
  const fill: Record<string, Record<string, string>> = {
    code_review: {
      language: 'Python',
      code: 'def parse(s):\n    """Raises:\n        ValueError: if s is empty\n    """\n    return int(s)',
    },
    write_tests: { language: 'Go', code: 'func Add(a, b int) int { return a + b }' },
    commit_message: { diff: '-  retries = 3\n+  retries = 5' },
    summarize: { text: prose },
    explain: { topic: 'How the printing press changed Europe' },
    translate: { text: 'Good morning, the shop opens at nine.', to: 'German' },
  };
  const expected: Record<string, TaskType> = {
    code_review: 'code',
    write_tests: 'code',
    commit_message: 'code',
    summarize: 'summarize',
    explain: 'general',
    translate: 'general',
  };

  it.each(Object.keys(expected))('%s renders to a prompt classified as its work', (name) => {
    const template = BUILTIN_TEMPLATES.find((t) => t.name === name)!;
    const { prompt, missing } = renderTemplate(template, fill[name]);
    expect(missing).toEqual([]);
    expect(classify({ prompt }).task).toBe(expected[name]);
  });
});
