/**
 * Prompts labelled with the kind of work they are, for measuring task inference (classify.ts):
 * test/unit/classify-accuracy.test.ts asserts the accuracy, `npm run bench -- classify` prints it
 * per task. Written as people write to an assistant — terse, polite, lower-case, with pasted
 * code, error output or documents — in every common programming language. Vision is decided by
 * attached images, so its rows carry `images`. More prompts of every kind are in
 * classify-table-extra.ts.
 */
import type { TaskType } from '../../src/orchestrator/config/profiles.js';
import { MORE_PROMPTS } from './classify-table-extra.js';

export interface LabelledPrompt {
  task: TaskType;
  prompt: string;
  system?: string;
  images?: number;
}

const fence = '```';

const ARTICLE =
  'City officials announced on Tuesday that the downtown bus network will be redesigned over the next two years. ' +
  'The plan replaces fourteen overlapping routes with six frequent lines running every ten ' +
  'minutes, adds bus lanes on ' +
  'three main avenues and moves several stops closer to the new hospital. Critics say riders in the northern suburbs ' +
  'will have to transfer more often, while supporters point to shorter average waits. The council will vote on the ' +
  'budget in March, and construction of the first bus lanes could begin in the autumn if the vote passes.';

const MEETING =
  'Priya: ok so the launch date — are we still on for the 14th?\n' +
  'Marco: design is done, but QA found two blockers in checkout yesterday.\n' +
  'Priya: can they be fixed by Friday?\n' +
  'Lena: one yes, the payment timeout needs the vendor, they said next week.\n' +
  'Priya: then we move the launch to the 21st and I tell marketing today.\n' +
  'Marco: I will update the release notes and the status page.';

const THREAD =
  'From: Dana\nHi all, the Q3 offsite venue fell through, the hotel double-booked us.\n\n' +
  'From: Sam\nI can ask the conference centre near the station, they had dates in late September.\n\n' +
  'From: Dana\nLate September works, but we need room for 40 and a budget under 8k.\n\n' +
  'From: Alex\nFinance approved up to 9k if we book before the end of the month.';

const REVIEW =
  'I bought these headphones for my commute. The noise cancelling is excellent on the train and the battery easily ' +
  'lasts a week, but the ear cushions get warm after an hour and the app keeps asking me to create an account. ' +
  'Sound is a bit bass-heavy out of the box; the equalizer fixes it. For the price I would still buy them again.';

const REPORT =
  'Revenue grew 12% year on year to 4.2 million, driven by the new subscription tier, while churn fell from 5.1% to ' +
  '3.8% after the onboarding changes in April. Support costs rose 20% because of the migration to the new ticketing ' +
  'system, which is now complete. Hiring is behind plan: four of the seven engineering roles remain open. The board ' +
  'approved expanding to two new regions next year, contingent on reaching 5 million in annual revenue by December.';

const general: LabelledPrompt[] = [
  {
    task: 'general',
    prompt:
      'Write an email to my landlord asking him to fix the heating. Polite but firm, it has been broken for two weeks.',
  },
  { task: 'general', prompt: 'What are some good ways to stay productive when working from home?' },
  { task: 'general', prompt: 'Explain how vaccines train the immune system.' },
  {
    task: 'general',
    prompt: 'Can you help me plan a 5-day itinerary for Lisbon in October? I like food, museums and walking.',
  },
  {
    task: 'general',
    prompt:
      "I'm thinking about switching careers from accounting to UX design. What should I consider " +
      'before making the jump?',
  },
  { task: 'general', prompt: 'Give me a weekly meal plan for a vegetarian family of four on a budget.' },
  { task: 'general', prompt: "What's the difference between a Roth IRA and a traditional IRA?" },
  {
    task: 'general',
    prompt: 'Draft a polite message declining a meeting invitation because of a scheduling conflict.',
  },
  { task: 'general', prompt: 'How does inflation affect the price of groceries?' },
  { task: 'general', prompt: 'Tell me about the history of the Silk Road.' },
  { task: 'general', prompt: 'Compare electric cars and hybrids for someone who drives 50 km a day.' },
  { task: 'general', prompt: 'What should I pack for a week-long hiking trip in Scotland in May?' },
  {
    task: 'general',
    prompt:
      'Write a cover letter for a junior marketing position at a small agency. I have two years ' +
      'of social media experience.',
  },
  { task: 'general', prompt: 'Why do cats purr?' },
  { task: 'general', prompt: 'Give me tips for my first job interview at a bank.' },
  { task: 'general', prompt: 'How do I get red wine out of a carpet?' },
  {
    task: 'general',
    prompt:
      'Rewrite this so it sounds more professional: hey guys, the meeting got moved to thursday ' +
      'cuz the boss is out, lmk if that doesnt work',
  },
  { task: 'general', prompt: "Fix the grammar: 'Me and him goes to the store yesterday and buyed apples.'" },
  { task: 'general', prompt: 'What are the pros and cons of renting versus buying a house?' },
  { task: 'general', prompt: 'Describe the main features of Gothic architecture.' },
  {
    task: 'general',
    prompt: 'My team keeps missing deadlines. How can I address this as a new manager without seeming harsh?',
  },
  { task: 'general', prompt: 'Suggest five books for someone who loved Sapiens.' },
  { task: 'general', prompt: 'How should I prepare for a marathon in 16 weeks as a complete beginner?' },
  { task: 'general', prompt: 'Create a checklist for moving into a new apartment.' },
  { task: 'general', prompt: 'Write a LinkedIn post announcing that I got promoted to senior engineer.' },
  { task: 'general', prompt: 'What happened during the Cuban Missile Crisis?' },
  { task: 'general', prompt: 'Outline a presentation about renewable energy for high school students.' },
  {
    task: 'general',
    prompt: 'I have job offers from two companies: one pays more, the other has a better culture. How do I decide?',
  },
  { task: 'general', prompt: 'Explain the rules of cricket to an American.' },
  {
    task: 'general',
    prompt:
      'Translate this into French: Our office will be closed on Monday for the public holiday. ' +
      'Please contact us on Tuesday if you need anything.',
  },
  { task: 'general', prompt: 'Help me respond to a customer who says our product arrived broken.' },
  { task: 'general', prompt: 'What are the symptoms of burnout and how can I recover from it?' },
  { task: 'general', prompt: 'Is it better to pay off my student loans early or invest the money?' },
  {
    task: 'general',
    prompt:
      'Write a short bio for my website. I am a freelance photographer based in Leeds who shoots weddings and food.',
  },
  { task: 'general', prompt: 'What is the function of the liver?' },
  {
    task: 'general',
    prompt: 'Design a 12-week strength training program for a beginner who can train three days a week.',
  },
  { task: 'general', prompt: 'Write an email to the team about the new deployment schedule starting next Monday.' },
  { task: 'general', prompt: 'Tell me more about the second option.', system: 'You are a helpful travel planner.' },
  { task: 'general', prompt: 'how do vaccines work' },
  { task: 'general', prompt: 'Can you give me some advice on negotiating a higher salary?' },
];

const code: LabelledPrompt[] = [
  { task: 'code', prompt: 'Write a Python function that checks whether a number is prime.' },
  { task: 'code', prompt: 'Sort a list in Go' },
  { task: 'code', prompt: 'How do I reverse a string in Rust?' },
  { task: 'code', prompt: 'def add(a, b): return a + b  # add type hints' },
  { task: 'code', prompt: "Convert this to TypeScript:\nfunction greet(name) {\n  return 'Hello, ' + name;\n}" },
  {
    task: 'code',
    prompt:
      'review this PR diff:\n--- a/app.js\n+++ b/app.js\n@@ -1,3 +1,4 @@\n+const cache = new ' +
      'Map();\n function load(id) {\n-  return fetch(`/items/${id}`);\n+  return cache.get(id) ?? ' +
      'fetch(`/items/${id}`);\n }',
  },
  {
    task: 'code',
    prompt:
      "Can you review my code? I want to know if it's idiomatic.\n\nfunc Sum(xs []int) int " +
      '{\n\ttotal := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}',
  },
  {
    task: 'code',
    prompt: 'SELECT name, COUNT(*) FROM orders GROUP BY name — how do I only show names with more than 5 orders?',
  },
  { task: 'code', prompt: 'bash one-liner to find all files larger than 100MB in my home directory' },
  { task: 'code', prompt: "What's the difference between == and === in JavaScript?" },
  { task: 'code', prompt: 'Implement a binary search tree in Java with insert, delete and search.' },
  { task: 'code', prompt: 'Write a regex to validate email addresses' },
  { task: 'code', prompt: 'How do I center a div with flexbox?' },
  { task: 'code', prompt: 'Generate a Dockerfile for a Node 20 Express app' },
  {
    task: 'code',
    prompt:
      'Write unit tests for this function:\n\nexport function slugify(s: string) {\n  return ' +
      "s.toLowerCase().replace(/[^a-z0-9]+/g, '-');\n}",
  },
  { task: 'code', prompt: "Explain what this does: `awk -F, '{sum += $3} END {print sum}' data.csv`" },
  {
    task: 'code',
    prompt:
      'public class Counter {\n  private int count;\n  public void increment() { count++; }\n}\nMake this thread-safe.',
  },
  { task: 'code', prompt: 'How can I read a JSON file in C#?' },
  { task: 'code', prompt: 'Write a Kotlin data class for a user with name, email and age.' },
  { task: 'code', prompt: 'In Swift, how do I make a network request with async/await?' },
  { task: 'code', prompt: 'Create a React component that shows a list of todos with a checkbox for each.' },
  {
    task: 'code',
    prompt:
      'Refactor this Ruby method to be more readable:\ndef total(items)\n  t = 0\n  items.each { ' +
      '|i| t = t + i.price * i.qty }\n  t\nend',
  },
  {
    task: 'code',
    prompt:
      "<?php\n$users = $db->query('SELECT * FROM users');\nforeach ($users as $u) echo " +
      "$u['name'];\n?>\nhow do i paginate this",
  },
  { task: 'code', prompt: 'Write a C program that reads a file line by line and counts the words.' },
  { task: 'code', prompt: "std::vector<int> v = {3, 1, 2};\nwhat's the cleanest way to sort this descending?" },
  { task: 'code', prompt: 'How do I undo my last git commit but keep the changes?' },
  { task: 'code', prompt: 'Give me a SQL query to find duplicate emails in the users table' },
  { task: 'code', prompt: "optimize this query: SELECT * FROM events WHERE DATE(created_at) = '2024-01-01'" },
  {
    task: 'code',
    prompt:
      'Add error handling to this function:\nasync function getUser(id) {\n  const res = await ' +
      'fetch(`/api/users/${id}`);\n  return res.json();\n}',
  },
  { task: 'code', prompt: 'Write a function that throws an error if the input is negative' },
  { task: 'code', prompt: 'Make a CLI in Python that takes a directory and prints the 10 largest files.' },
  { task: 'code', prompt: 'What does the `?` operator do in Rust?' },
  { task: 'code', prompt: 'Port this Python snippet to Go: [x*x for x in nums if x % 2 == 0]' },
  { task: 'code', prompt: 'Write a shell script that backs up /var/www to S3 every night.' },
  { task: 'code', prompt: 'let mut v = Vec::new(); v.push(1); // how do I make this a fixed-size array instead?' },
  { task: 'code', prompt: 'How do I use useEffect to fetch data only once?' },
  {
    task: 'code',
    prompt: "Code review please, focusing on security:\napp.get('/file', (req, res) => res.sendFile(req.query.path));",
  },
  { task: 'code', prompt: 'kubectl command to list all pods in every namespace' },
  { task: 'code', prompt: 'Write a GitHub Actions workflow that runs npm test on every push.' },
  { task: 'code', prompt: 'Explain this regex: ^(?=.*\\d)(?=.*[a-z]).{8,}$' },
  { task: 'code', prompt: 'Write a Python script that generates random haikus' },
  { task: 'code', prompt: 'Please review this pull request and point out anything that could be simplified.' },
  {
    task: 'code',
    prompt:
      'fn main() {\n    let names = vec!["a", "b"];\n    for n in names.iter() {\n        ' +
      'println!("{}", n);\n    }\n}\nis there a more idiomatic way to write this loop?',
  },
  { task: 'code', prompt: 'Write a stored procedure in PostgreSQL that archives orders older than a year.' },
  { task: 'code', prompt: 'Implement an LRU cache' },
  { task: 'code', prompt: 'x = [1, 2, 3]\ny = map(lambda n: n * 2, x)\nrewrite this with a list comprehension' },
  { task: 'code', prompt: 'how to make an http request in node' },
  {
    task: 'code',
    prompt: 'What is the time complexity of quicksort in the worst case, and how can the pivot choice avoid it?',
  },
  { task: 'code', prompt: 'Translate this Java to C#:\nList<String> names = new ArrayList<>();\nnames.add("Ada");' },
  {
    task: 'code',
    prompt:
      'Can you look over this function and tell me if the naming is clear?\n\nconst calc = (o) => ' +
      'o.items.reduce((s, i) => s + i.p * i.q, 0);',
  },
];

const debugging: LabelledPrompt[] = [
  { task: 'debugging', prompt: 'def add(a, b): return a - b  # fix this bug' },
  {
    task: 'debugging',
    prompt:
      'Traceback (most recent call last):\n  File "main.py", line 8, in <module>\n    ' +
      "print(data['name'])\nKeyError: 'name'",
  },
  {
    task: 'debugging',
    prompt:
      'My React app shows a blank page after I deployed it to Netlify, but it works locally. What could be wrong?',
  },
  { task: 'debugging', prompt: 'Why does this loop never end?\nwhile i < 10:\n    print(i)' },
  { task: 'debugging', prompt: "I'm getting 'undefined is not a function' when I call map on my state. help" },
  { task: 'debugging', prompt: 'segfault when I free a pointer twice in C, how do I find where it happens?' },
  { task: 'debugging', prompt: 'npm install fails with ERESOLVE unable to resolve dependency tree' },
  { task: 'debugging', prompt: 'My Docker container exits immediately with code 137' },
  { task: 'debugging', prompt: 'error[E0502]: cannot borrow `v` as mutable because it is also borrowed as immutable' },
  {
    task: 'debugging',
    prompt:
      "This SQL query returns duplicate rows and I don't know why:\nSELECT u.name, o.total FROM " +
      'users u JOIN orders o ON u.id = o.user_id',
  },
  {
    task: 'debugging',
    prompt:
      'The function returns None instead of the list, what am I doing wrong?\ndef evens(xs):\n    ' +
      'result = [x for x in xs if x % 2 == 0]',
  },
  { task: 'debugging', prompt: 'fatal error: all goroutines are asleep - deadlock!' },
  {
    task: 'debugging',
    prompt:
      'Exception in thread "main" java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds ' +
      'for length 5\n\tat Main.main(Main.java:7)',
  },
  {
    task: 'debugging',
    prompt:
      "CORS error when my frontend calls the API: No 'Access-Control-Allow-Origin' header is " +
      'present on the requested resource.',
  },
  {
    task: 'debugging',
    prompt: 'Why am I getting a NullPointerException here?\nString s = map.get(key);\nreturn s.length();',
  },
  { task: 'debugging', prompt: 'The unit tests pass locally but fail in CI with a timeout' },
  { task: 'debugging', prompt: "TypeError: Cannot read properties of null (reading 'addEventListener')" },
  { task: 'debugging', prompt: 'My CSS grid items overlap on mobile, how do I fix it?' },
  {
    task: 'debugging',
    prompt: 'fatal: refusing to merge unrelated histories — what does this mean and how do I fix it?',
  },
  { task: 'debugging', prompt: "After upgrading to Django 5 my migrations crash with 'no such column'" },
  { task: 'debugging', prompt: "My Rust program panics with 'called `Option::unwrap()` on a `None` value'" },
  { task: 'debugging', prompt: "ModuleNotFoundError: No module named 'numpy' even though I installed it with pip" },
  { task: 'debugging', prompt: 'gcc says undefined reference to `main` when I compile my project' },
  {
    task: 'debugging',
    prompt: "The build is broken since yesterday's merge, webpack throws 'Module parse failed: Unexpected token'",
  },
  { task: 'debugging', prompt: 'memory leak in my Node server — the heap keeps growing until it gets OOM killed' },
  { task: 'debugging', prompt: 'for (int i = 0; i <= arr.length; i++) sum += arr[i];  // why does this crash?' },
  { task: 'debugging', prompt: 'Why does my useEffect run twice on mount?' },
  { task: 'debugging', prompt: 'Getting a 502 Bad Gateway from nginx in front of my Flask app' },
  {
    task: 'debugging',
    prompt:
      'Here is my code and the error, please help:\n\nimport pandas as pd\ndf = ' +
      "pd.read_csv('a.csv')\ndf['total'] = df['price'] * df['qty']\n\nValueError: could not " +
      "convert string to float: 'N/A'",
  },
  { task: 'debugging', prompt: 'ld: symbol(s) not found for architecture arm64' },
  { task: 'debugging', prompt: 'my python async code hangs forever at await asyncio.gather(...), no error at all' },
  { task: 'debugging', prompt: 'Uncaught (in promise) SyntaxError: Unexpected token < in JSON at position 0' },
  {
    task: 'debugging',
    prompt:
      'The login button does nothing when I click it, no errors in the console. Here is the ' +
      'handler:\nbutton.addEventListener("click", login())',
  },
  { task: 'debugging', prompt: 'Debug this:\nint *p = malloc(10);\nstrcpy(p, "hello world, how are you");' },
  { task: 'debugging', prompt: 'Cargo build error: the trait bound `Foo: Serialize` is not satisfied' },
  {
    task: 'debugging',
    prompt:
      'my kotlin app keeps crashing on rotation, logcat says IllegalStateException: Fragment not attached to a context',
  },
];

const reasoning: LabelledPrompt[] = [
  { task: 'reasoning', prompt: 'Prove that the sum of two even numbers is even.' },
  {
    task: 'reasoning',
    prompt:
      'If it takes 5 machines 5 minutes to make 5 widgets, how long would it take 100 machines to make 100 widgets?',
  },
  {
    task: 'reasoning',
    prompt:
      'A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball. How much does the ball cost?',
  },
  { task: 'reasoning', prompt: 'Solve the system: 2x + 3y = 12 and x - y = 1' },
  { task: 'reasoning', prompt: 'What is the probability of getting at least one six in four rolls of a fair die?' },
  {
    task: 'reasoning',
    prompt: 'Think step by step: Alice is older than Bob, and Bob is older than Carol. Who is the youngest?',
  },
  { task: 'reasoning', prompt: 'How many ways can 8 people be seated around a round table?' },
  { task: 'reasoning', prompt: 'Find the derivative of x^3 * sin(x).' },
  {
    task: 'reasoning',
    prompt: 'Is the following argument valid? All birds can fly. Penguins are birds. Therefore penguins can fly.',
  },
  {
    task: 'reasoning',
    prompt:
      'There are three switches outside a room, and one of them controls a bulb inside. You can ' +
      'enter the room only once. How do you figure out which switch it is?',
  },
  { task: 'reasoning', prompt: 'Calculate the compound interest on $5,000 at 4% per year for 10 years.' },
  {
    task: 'reasoning',
    prompt: 'If all bloops are razzies and all razzies are lazzies, are all bloops definitely lazzies?',
  },
  {
    task: 'reasoning',
    prompt: "A train travels 120 km in 1.5 hours, then 80 km in 1 hour. What's its average speed for the whole trip?",
  },
  { task: 'reasoning', prompt: 'Evaluate the integral of 1/(1+x^2) from 0 to 1.' },
  { task: 'reasoning', prompt: 'Show that there are infinitely many prime numbers.' },
  {
    task: 'reasoning',
    prompt:
      'I have 3 red, 4 blue and 5 green marbles in a bag. If I draw two without replacement, ' +
      "what's the chance both are blue?",
  },
  { task: 'reasoning', prompt: 'Which is bigger, 2^100 or 10^30? Explain your reasoning.' },
  {
    task: 'reasoning',
    prompt:
      'A farmer needs to cross a river with a wolf, a goat and a cabbage. The boat only holds him ' +
      'and one item. How does he get everything across?',
  },
  { task: 'reasoning', prompt: 'What is the next number in the sequence 2, 6, 12, 20, 30, ...?' },
  { task: 'reasoning', prompt: 'Estimate how many piano tuners there are in Chicago, showing your assumptions.' },
  { task: 'reasoning', prompt: 'Five people shake hands with each other exactly once. How many handshakes are there?' },
  { task: 'reasoning', prompt: 'Work out the eigenvalues of the matrix [[2, 1], [1, 2]].' },
  { task: 'reasoning', prompt: 'If a shirt costs $40 after a 20% discount, what was the original price?' },
  { task: 'reasoning', prompt: "Reason carefully: if the statement 'this sentence is false' is true, what follows?" },
  { task: 'reasoning', prompt: 'Two trains 300 km apart head toward each other at 70 and 80 km/h. When do they meet?' },
  { task: 'reasoning', prompt: 'Determine whether 221 is prime, and show the steps.' },
  { task: 'reasoning', prompt: 'In a room of 23 people, why is there about a 50% chance that two share a birthday?' },
  { task: 'reasoning', prompt: 'Use modular arithmetic to find the last digit of 7^222.' },
  {
    task: 'reasoning',
    prompt:
      "Knights always tell the truth and knaves always lie. A says 'B is a knave.' B says 'A and " +
      "I are the same type.' What are they?",
  },
  {
    task: 'reasoning',
    prompt:
      'A snail climbs 3 m up a 10 m well each day and slips back 2 m each night. On which day does it reach the top?',
  },
  { task: 'reasoning', prompt: 'Is 0.999... equal to 1? Give a rigorous argument.' },
  { task: 'reasoning', prompt: 'Let f(x) = 3x^2 - 12x + 7. Find the minimum value of f and where it occurs.' },
  {
    task: 'reasoning',
    prompt: 'Mary has twice as many apples as John. Together they have 18. How many does each have?',
  },
];

const creative: LabelledPrompt[] = [
  { task: 'creative', prompt: 'Write a short story about a lighthouse keeper who finds a message in a bottle.' },
  { task: 'creative', prompt: 'Compose a haiku about morning coffee.' },
  { task: 'creative', prompt: 'Write a poem about Python' },
  { task: 'creative', prompt: 'Give me a funny limerick about a cat who hates Mondays.' },
  { task: 'creative', prompt: 'Can you write song lyrics about leaving your hometown?' },
  { task: 'creative', prompt: 'Write a bedtime story for a 5-year-old about a brave little turtle.' },
  { task: 'creative', prompt: 'Come up with a catchy slogan for an eco-friendly coffee shop.' },
  { task: 'creative', prompt: 'Write a sonnet about the ocean at night.' },
  { task: 'creative', prompt: 'Tell me a joke about programmers.' },
  { task: 'creative', prompt: 'Write the opening paragraph of a mystery novel set in 1920s Cairo.' },
  {
    task: 'creative',
    prompt: 'Create a fantasy world with three kingdoms, their rulers and the conflict between them.',
  },
  { task: 'creative', prompt: 'Write a rap verse about climate change.' },
  {
    task: 'creative',
    prompt: 'Imagine you are a dragon who has just woken up after 1000 years. Describe what you see.',
  },
  { task: 'creative', prompt: 'Write a dialogue between Sherlock Holmes and a modern AI assistant.' },
  { task: 'creative', prompt: "Write a poem for my mom's 60th birthday, warm and a bit funny." },
  { task: 'creative', prompt: 'Give me 10 creative names for a bakery that specializes in sourdough.' },
  { task: 'creative', prompt: 'Write a scene where two old friends meet again at a train station after 20 years.' },
  { task: 'creative', prompt: 'Compose a lullaby about the stars.' },
  { task: 'creative', prompt: 'Write a villanelle about losing something small.' },
  { task: 'creative', prompt: 'Write a fairy tale where the wolf is the hero.' },
  { task: 'creative', prompt: 'Write a piece of flash fiction, under 100 words, about time travel.' },
  { task: 'creative', prompt: 'Make up a story about a robot who learns to paint.' },
  { task: 'creative', prompt: 'write a short horror story set in an abandoned hospital' },
  { task: 'creative', prompt: 'Write a love letter from the moon to the sun.' },
  { task: 'creative', prompt: 'Write a limerick about TypeError: undefined is not a function' },
  { task: 'creative', prompt: 'Describe a sunset over Mars in vivid, poetic language.' },
  { task: 'creative', prompt: 'Write a monologue for a villain who believes he is saving the world.' },
  { task: 'creative', prompt: 'Pen a short ballad about a sailor lost at sea.' },
  { task: 'creative', prompt: 'Write a funny product description for a self-aware toaster.' },
  {
    task: 'creative',
    prompt:
      'Continue this story: The door creaked open, and for the first time in ten years, Mara saw ' +
      'her brother standing in the rain.',
  },
  { task: 'creative', prompt: 'Write an ode to my old bicycle.' },
  { task: 'creative', prompt: 'Can you write a short poem about debugging code at 3am?' },
  {
    task: 'creative',
    prompt: 'Pretend you are a pirate captain and give a rousing speech to your crew before a storm.',
  },
];

const summarize: LabelledPrompt[] = [
  { task: 'summarize', prompt: `Summarize this article in three bullet points:\n\n${ARTICLE}` },
  { task: 'summarize', prompt: `tl;dr please:\n${ARTICLE}` },
  { task: 'summarize', prompt: 'List the distinct errors in this log with counts' },
  { task: 'summarize', prompt: 'Count the failed logins across these files, by user' },
  { task: 'summarize', prompt: `Can you give me the key points of this meeting transcript?\n\n${MEETING}` },
  { task: 'summarize', prompt: `Condense the following into one paragraph for an executive audience:\n\n${REPORT}` },
  { task: 'summarize', prompt: `What are the main takeaways from this email thread?\n\n${THREAD}` },
  { task: 'summarize', prompt: `Give me a one-sentence summary of this: ${REVIEW}` },
  { task: 'summarize', prompt: `${ARTICLE}\n\nSummarize the above.` },
  { task: 'summarize', prompt: `sum up this review for me: ${REVIEW}` },
  { task: 'summarize', prompt: `Boil this down to the essentials:\n${REPORT}` },
  { task: 'summarize', prompt: `Recap what was decided in this chat log:\n${MEETING}` },
  {
    task: 'summarize',
    prompt:
      'Summarize this pull request description:\nThis PR moves session storage from memory to ' +
      'Redis so that sessions survive restarts. It adds a RedisStore class, a config flag ' +
      'SESSION_BACKEND, and migrates the tests. Rollback: set SESSION_BACKEND=memory.',
  },
  { task: 'summarize', prompt: `Give me the gist of this article: ${ARTICLE}` },
  { task: 'summarize', prompt: `In a nutshell, what is this text saying?\n\n${REPORT}` },
  { task: 'summarize', prompt: 'Summarise the plot of Hamlet in 5 sentences.' },
  { task: 'summarize', prompt: `Create an executive summary of this report:\n${REPORT}` },
  { task: 'summarize', prompt: `What's the TL;DR of this thread?\n${THREAD}` },
  {
    task: 'summarize',
    prompt: `Please provide a brief overview of the following document, highlighting the key decisions:\n\n${REPORT}`,
  },
  {
    task: 'summarize',
    prompt:
      `Summarize this code:\n${fence}ts\nexport const add = (a: number, b: number) => a + ` +
      `b;\nexport const sub = (a: number, b: number) => a - b;\n${fence}`,
  },
  { task: 'summarize', prompt: `Extract the key points from this customer feedback: ${REVIEW}` },
  { task: 'summarize', prompt: `Highlight the main arguments of this piece in bullet points:\n${ARTICLE}` },
  { task: 'summarize', prompt: `Summarize chapter 3 for me, I didn't have time to read it: ${ARTICLE} ${REPORT}` },
  { task: 'summarize', prompt: 'Give a short synopsis of the movie Inception.' },
  { task: 'summarize', prompt: `Here's a long Slack thread, can you summarize who agreed to do what?\n${MEETING}` },
  { task: 'summarize', prompt: ARTICLE, system: "Summarize the user's text in two sentences." },
  { task: 'summarize', prompt: `Make this shorter and keep only the important parts:\n\n${REVIEW}` },
  { task: 'summarize', prompt: `Can you write a brief summary of the report below for our newsletter?\n\n${REPORT}` },
  { task: 'summarize', prompt: `Shorten this to two sentences:\n${ARTICLE}` },
  { task: 'summarize', prompt: `${MEETING}\n\nwhat did we agree on? short version pls` },
];

const fast: LabelledPrompt[] = [
  { task: 'fast', prompt: 'What is the capital of Australia?' },
  { task: 'fast', prompt: "Translate 'good morning' into Spanish." },
  { task: 'fast', prompt: 'How many ounces are in a pound?' },
  { task: 'fast', prompt: "Who wrote 'One Hundred Years of Solitude'?" },
  { task: 'fast', prompt: 'What year did the Berlin Wall fall?' },
  { task: 'fast', prompt: "synonym for 'happy'?" },
  { task: 'fast', prompt: 'Convert 72 Fahrenheit to Celsius.' },
  { task: 'fast', prompt: 'What does NASA stand for?' },
  { task: 'fast', prompt: 'Is a tomato a fruit or a vegetable?' },
  { task: 'fast', prompt: "How do you spell 'accommodate'?" },
  { task: 'fast', prompt: "What's 15% of 80?" },
  { task: 'fast', prompt: "What's the boiling point of water in Fahrenheit?" },
  { task: 'fast', prompt: "Define 'ephemeral'." },
  { task: 'fast', prompt: 'hi' },
  { task: 'fast', prompt: 'thanks!' },
  { task: 'fast', prompt: 'What time zone is Tokyo in?' },
  { task: 'fast', prompt: 'How many continents are there?' },
  { task: 'fast', prompt: "What's the plural of 'cactus'?" },
  { task: 'fast', prompt: 'Who painted the Mona Lisa?' },
  { task: 'fast', prompt: "quick one: what's the chemical symbol for gold?" },
  { task: 'fast', prompt: 'What is the square root of 144?' },
  { task: 'fast', prompt: 'What is the tallest mountain in the world?' },
  { task: 'fast', prompt: "Give me a word that rhymes with 'orange'." },
  { task: 'fast', prompt: 'Yes or no: is Pluto a planet?' },
  { task: 'fast', prompt: 'How many days are in a leap year?' },
  { task: 'fast', prompt: 'capital of canada' },
  { task: 'fast', prompt: "What's the French word for 'cheese'?" },
  { task: 'fast', prompt: 'Which planet is closest to the sun?' },
  { task: 'fast', prompt: "What does 'RSVP' mean?" },
  { task: 'fast', prompt: 'Answer in one word: what color is a clear daytime sky?' },
  { task: 'fast', prompt: "what's 12 times 12" },
  { task: 'fast', prompt: 'When is Christmas in 2025? Just the weekday.' },
  { task: 'fast', prompt: 'How do you say thank you in Japanese?' },
];

const vision: LabelledPrompt[] = [
  { task: 'vision', prompt: "What's in this picture?", images: 1 },
  { task: 'vision', prompt: 'Describe this image in detail.', images: 1 },
  { task: 'vision', prompt: 'Read the text in this screenshot.', images: 1 },
  { task: 'vision', prompt: 'What error is shown in this screenshot and how do I fix it?', images: 1 },
  {
    task: 'vision',
    prompt: 'Here is a photo of my handwritten maths homework. Check my answer to question 3.',
    images: 1,
  },
  { task: 'vision', prompt: 'Which of these two photos has the better composition?', images: 2 },
  { task: 'vision', prompt: 'Convert this whiteboard sketch into HTML and CSS.', images: 1 },
  { task: 'vision', prompt: 'Is this mushroom safe to eat?', images: 1 },
  { task: 'vision', prompt: 'Write a poem inspired by this photo.', images: 1 },
  { task: 'vision', prompt: 'Summarize the chart in this image.', images: 1 },
  { task: 'vision', prompt: 'What breed is this dog?', images: 1 },
  { task: 'vision', prompt: 'Extract the table from this receipt as CSV.', images: 1 },
  { task: 'vision', prompt: 'Traceback (most recent call last): see the screenshot — what does it mean?', images: 1 },
  {
    task: 'vision',
    prompt: 'Compare these three logo drafts and pick the one that reads best at small sizes.',
    images: 3,
  },
];

export const CLASSIFY_TABLE: readonly LabelledPrompt[] = [
  ...general,
  ...code,
  ...debugging,
  ...reasoning,
  ...creative,
  ...summarize,
  ...fast,
  ...vision,
  ...MORE_PROMPTS,
];
