/**
 * Issue 64 on the real engine: three questions over one 40 KB file, with remembered facts chosen
 * per question, asked of a real llama.cpp llama-server (built by `npm run engine`) serving the stories
 * model — the 2nd and 3rd read at most 10% of their prompt tokens; the rest llama-server finds in
 * its slot's cache from the question before (`timings.cache_n`, reported by ollm-mcp as
 * metrics.cachedPromptTokens). test/integration/prefix-layout.test.ts is the same against the fake.
 *
 * The file is a story of 40,026 bytes, a line a day ("Day 7. …", 37 days), made of the words the
 * stories model's tokenizer (a vocabulary of 512; no token longer than 7 bytes) keeps whole: " little",
 * " friend", " named", " happy", " there", " Timmy", " Lily", " with", " said", " very", " the"…
 * It counts 8,149 tokens, 4.9 bytes each. Other text counts far more with this vocabulary: a log line
 * ~1.25 bytes a token (40 KB of log ~32,000 tokens), story prose in everyday words ~2.5 (40 KB
 * ~15,700) — and on CPU the engine's first read of a prompt grows with its square: measured on 2 busy
 * cores, 4,850 tokens 7.5 s, 6,200 tokens 13–15 s, 9,700 tokens 30 s, 15,700 tokens 91 s, 27,400
 * tokens over 5 minutes. With this story the 1st question (8,471 prompt tokens) is read in 21–22 s;
 * the 2nd and 3rd (8,480 each) find 8,277 and 8,280 in the cache and read 203 and 200 (2.4%), ~1.1 s
 * each; the whole file takes ~29 s. The model's own window is 2,048 tokens (llama-server caps a slot
 * at the trained context): `--override-kv llama.context_length` raises it; `-fa off` reads a long
 * prompt 2–3 times as fast as flash attention on this CPU build, and a KV cache of f32 (`-ctk f32
 * -ctv f32`) ~15% faster than one of f16 (8,360 tokens: 19–21 s against 23 s).
 *
 * The layout is what makes this so: sent by hand with the facts before the file instead, each
 * question's facts differing, llama-server (cache_prompt on, --cache-reuse off by default) found
 * only the ~50 tokens before the facts in its cache and read ~98% of every prompt again.
 *
 * A recording proxy in front of llama-server keeps every request's body: the prompt the engine was
 * sent shows the remembered facts, after the file and the question. Skipped when the engine is not
 * built, unless OLLM_REQUIRE_ENGINE=1 (CI builds it and sets that).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { PROMPT_HEADER } from '../../src/orchestrator/memory/memory-search.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { gatheredLog } from '../helpers/fair.js';
import { HAVE_ENGINE, STORIES, startEngine, stopEngines, toEngine } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';
import { recordingProxy } from '../helpers/recording-proxy.js';

const RUN = HAVE_ENGINE || process.env.OLLM_REQUIRE_ENGINE === '1';

/**
 * The slot's window: the file, the facts and the answer with room to spare (the KV cache of 16k tokens is 20
 * MiB in f32).
 */
const CTX = 16_384;

/**
 * The parts of the story's sentences: the words this vocabulary keeps whole (" little", " friend", " named",
 * " happy", " there", " Timmy", " Lily"…).
 */
const NAMES = ['Lily', 'Timmy', 'Tim'] as const;
const CLAUSES: Array<(x: string, y: string, z: string) => string> = [
  (x, y, z) => `${x} and ${y} play there with the little friend named ${z}`,
  (x, _y, z) => `${x} said that the little friend named ${z} was very happy there`,
  (x, y, z) => `the little friend named ${z} was very happy that ${x} and ${y} want to play there`,
  (x, y) => `${x} said that ${y} was very happy there with the little friend`,
  (x, y, z) => `${x} saw that ${y} was very happy with the little friend named ${z}`,
  (_x, _y, z) => `they play there with the little friend named ${z} and the little friend was very happy`,
  (x, y, z) => `${x} had a little friend named ${y} and ${y} had a little friend named ${z}`,
  (x) => `her mom said that ${x} was very happy with the little friend`,
  (x, y) => `${x} was very happy that ${y} was there with the little friend`,
  (x, y, z) => `${x} and the little friend named ${z} play there with ${y}`,
];
/** What happens on the days the questions ask about. */
const EVENTS: Record<number, string> = {
  7: 'Lily had a little red ball and she lost the ball in the park',
  19: 'Mom had a big cake and Tim ate the cake',
  26: 'Timmy saw a big dog in the park',
  33: 'The dog had the ball and Lily was very happy',
};
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/**
 * A story of `bytes` bytes (ASCII), a line a day ("Day 7. …"): ~1,000 bytes of sentences a day, each of two
 * clauses.
 */
function story(bytes: number): string {
  const days: string[] = [];
  for (let n = 1, size = 0; size < bytes; n++) {
    const event = EVENTS[n];
    const sentences = [
      ...(n === 1 ? ['Once upon a time there was a little friend named Lily'] : []),
      ...(event ? [event] : []),
    ];
    const day = () => `Day ${n}. ${sentences.join('. ')}.`;
    for (let k = 0; day().length < 1000 && size + day().length < bytes; k++) {
      const [x, y, z] = [0, 1, 2].map((j) => NAMES[(n + k + j) % 3]!) as [string, string, string];
      sentences.push(
        cap(
          `${CLAUSES[(n * 7 + k * 3) % CLAUSES.length]!(x, y, z)} and ` +
            `${CLAUSES[(n * 5 + k * 7 + 1) % CLAUSES.length]!(y, z, x)}`,
        ),
      );
    }
    days.push(day());
    size += day().length + 1;
  }
  return days.join('\n');
}
/** The file the three questions are about: 40 KB of the story. */
const STORY = story(40_000);
const STORY_PATH = 'stories/lily.txt';

/** `text` as the inputs gathered for a call that named the story by path. */
function gatheredStory(text: string): GatheredInputs {
  const g = gatheredLog(text);
  return { ...g, docs: [{ label: STORY_PATH, text }], read: [{ ...g.read[0]!, path: STORY_PATH }] };
}

/** Remembered facts on four subjects; a question's words rank its subject's facts first (memory-search.ts). */
const SUBJECTS = ['ball', 'cake', 'park', 'dog'] as const;
const FACTS = Array.from({ length: 40 }, (_, i) => ({
  key: `${SUBJECTS[i % 4]} rule ${i}`,
  value: `the ${SUBJECTS[i % 4]} rule number ${i} holds on ${['Mondays', 'Fridays'][i % 2]}`,
}));

/** Each question, and the subject whose facts it must be sent with. */
const QUESTIONS = [
  { prompt: 'On which day did Lily lose the ball?', subject: 'ball' },
  { prompt: 'Who ate the cake?', subject: 'cake' },
  { prompt: 'What did Timmy see in the park?', subject: 'park' },
] as const;

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});
afterAll(stopEngines);

/** The user message of a chat completion's body. */
function userText(body: string): string {
  const { messages } = JSON.parse(body) as {
    messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }>;
  };
  const user = messages.filter((m) => m.role === 'user').at(-1)!;
  return typeof user.content === 'string' ? user.content : user.content.map((p) => p.text ?? '').join('');
}

describe.runIf(RUN)('a real llama-server reading one file for three questions', () => {
  it('with remembered facts chosen per question, the 2nd and 3rd read at most 10% of their prompt tokens', async () => {
    const engine = await startEngine({ model: STORIES, alias: 'reader', ctx: CTX }, [
      '--override-kv',
      `llama.context_length=int:${CTX}`,
      '-fa',
      'off',
      '-ctk',
      'f32',
      '-ctv',
      'f32',
    ]);
    const proxy = await recordingProxy(engine.url);
    const ollama = await FakeOllama.start({ models: [] }); // the default host, with no models
    stops.push(
      () => engine.kill(),
      () => new Promise((r) => proxy.server.close(r)),
      () => ollama.stop(),
    );
    const home = tempDir('ollm-home-');
    // a small budget of facts (the stories tokenizer counts ~2.5 tokens where the estimate counts one): a few
    // lines each question
    writeFileSync(
      join(home, 'config.yaml'),
      `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${proxy.url}\nmemory:\n  promptBudgetTokens: 100\n`,
    );
    const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } });
    const orch = new Orchestrator(config, {
      memorySource: {
        memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
        gpus: async () => [],
      },
    });
    stops.push(() => orch.shutdown(200));
    for (const f of FACTS) await orch.memoryStore.remember(f.key, f.value);

    // the engine's own count of the file: what the 2nd and 3rd must find in the cache at least
    const fileTokens = (
      (await (
        await toEngine(`${engine.url}/tokenize`, { method: 'POST', body: JSON.stringify({ content: STORY }) })
      ).json()) as { tokens: number[] }
    ).tokens.length;
    expect(Buffer.byteLength(STORY)).toBeGreaterThanOrEqual(40_000);
    expect(fileTokens).toBeGreaterThan(7000);

    const figures: Array<{ prompt: number; cached: number; read: number; ms: number }> = [];
    const factBlocks: string[] = [];
    for (const q of QUESTIONS) {
      const from = proxy.seen.length;
      const started = Date.now();
      const r = await offload(orch, {
        prompt: q.prompt,
        model: 'reader',
        inputs: gatheredStory(STORY),
        maxTokens: 16,
        temperature: 0,
      });
      const ms = Date.now() - started;
      expect(r).toMatchObject({ provider: 'llamacpp', host: 'llama' });
      expect(r.split).toBeUndefined(); // one request: the whole file fits the window
      expect(r.fallbacks).toEqual([]);
      // the request the engine answered: one generation, the file, the question, then this question's facts
      const chats = proxy.seen.slice(from).filter((s) => s.path.startsWith('/v1/chat/completions'));
      expect(chats).toHaveLength(1);
      const sent = userText(chats[0]!.body);
      const fileAt = sent.indexOf(STORY);
      const questionAt = sent.indexOf(q.prompt);
      const factsAt = sent.indexOf(PROMPT_HEADER);
      expect(fileAt).toBeGreaterThanOrEqual(0);
      expect(questionAt).toBeGreaterThan(fileAt);
      expect(factsAt).toBeGreaterThan(questionAt);
      const facts = sent
        .slice(factsAt + PROMPT_HEADER.length)
        .trim()
        .split('\n');
      expect(facts.length).toBeGreaterThanOrEqual(3);
      expect(facts[0]).toContain(`${q.subject} rule`); // chosen by the question: its subject's facts first
      factBlocks.push(facts.join('\n'));
      const prompt = r.metrics.promptTokens;
      const cached = r.metrics.cachedPromptTokens ?? -1;
      figures.push({ prompt, cached, read: prompt - cached, ms });
    }
    // each question was sent other facts
    expect(new Set(factBlocks).size).toBe(3);
    console.log(
      `the file: ${Buffer.byteLength(STORY)} bytes, ${fileTokens} tokens; prompt tokens, cached, ` +
        `read, ms per question:`,
      JSON.stringify(figures),
    );

    const [first, second, third] = figures as [(typeof figures)[0], (typeof figures)[0], (typeof figures)[0]];
    // the engine's figures mean something: the first question found nothing of its prompt cached
    expect(first.cached).toBeGreaterThanOrEqual(0);
    expect(first.read / first.prompt).toBeGreaterThan(0.9);
    for (const later of [second, third]) {
      expect(later.cached).toBeGreaterThanOrEqual(fileTokens); // the whole file came from the cache
      expect(later.read / later.prompt).toBeLessThanOrEqual(0.1);
    }
  }, 180_000);
});
