/** The trace the loading benchmarks replay: bursts of one kind of work, and prompts of each kind. */
import type { TaskType } from '../src/orchestrator/index.js';

export const TASKS: TaskType[] = ['code', 'general', 'vision', 'fast', 'reasoning'];
export const MODELS = ['llama3.2:latest', 'qwen2.5-coder:7b', 'llava:7b', 'phi3:mini', 'qwen3:8b'];
/** Prompts of each kind, as an assistant would send them (their wording sets the inferred complexity). */
export const PROMPTS: Record<string, string[]> = {
  code: [
    'Write a Python function that parses ISO 8601 dates and returns datetime objects, with tests.',
    'Refactor this JavaScript to use async/await:\n```js\nfetch(url).then(r => r.json()).then(show)\n```',
    'Why does this fail?\n```python\nitems = [1, 2]\nprint(items[2])\n```\nIndexError: list index out of range',
  ],
  general: [
    'Explain how HTTP caching works and when to use ETag versus Cache-Control.',
    'What are the trade-offs between SQLite and PostgreSQL for a small web app?',
  ],
  vision: ['What is in this image?', 'Read the text in this screenshot.'],
  fast: ['Capital of France?', 'Translate "good morning" to German.'],
  reasoning: [
    'Prove step by step that the square root of 2 is irrational.',
    'A train leaves at 3pm at 60 km/h; another at 4pm at 80 km/h. When does the second catch up? Reason step by step.',
  ],
};

/** What a caller without ollm-mcp would pick: the obvious model for each kind of work. */
export const DIRECT: Record<string, string> = {
  code: 'qwen2.5-coder:7b',
  general: 'llama3.2:latest',
  vision: 'llava:7b',
  fast: 'phi3:mini',
  reasoning: 'qwen3:8b',
};

/**
 * Bursts of one kind of work, 3 to 9 requests long, from a fixed seed. Each round holds one burst
 * of every kind in a shuffled order, so every kind of work comes back again and again.
 */
export function makeTrace(rounds = 5, seed = 7): TaskType[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const trace: TaskType[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = [...TASKS];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const task of order) {
      const burst = 3 + Math.floor(next() * 7);
      for (let i = 0; i < burst; i++) trace.push(task);
    }
  }
  return trace;
}
