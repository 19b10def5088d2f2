/**
 * Engines keep what they read and read again only what follows the part a new prompt shares with
 * it: llama-server keeps each slot's last prompt (`timings.cache_n`; the fake's slot does the
 * same), Ollama's runner too (it says nothing of it: the fake's own records, prompt-cache.ts),
 * vLLM holds blocks of every prompt keyed by their whole prefix (`prompt_tokens_details
 * .cached_tokens`; test/fake-openai/prefix-cache.ts), and another ollm-mcp relays what its engine
 * says. Questions over the same inputs must share everything up to the question: the system prompt
 * stays the same, the inputs come first, and what changes with the question — the question, the
 * remembered facts chosen for it — comes last (issue 64, Deliver 1). The same three questions run
 * on each engine kind ollm-mcp talks to.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { DEFAULT_MODELS } from '../fake-ollama/fixtures.js';
import { startHttp, tempHome } from '../helpers/spawn.js';
import { gatheredLog } from '../helpers/fair.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';

/** The token a team's box gives this server (its http.tokens entry "laptop"). */
const BOX_TOKEN = 'prefix-layout-laptop-token-0123456789';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** ~40 KB of a service's log. */
const LOG = Array.from(
  { length: 520 },
  (_, i) =>
    `2026-11-25T10:${String(i % 60).padStart(2, '0')}:00Z worker-${i % 7} handled job ${i} in ` +
    `${(i * 37) % 900} ms status=${i % 13 === 0 ? 'error' : 'ok'}`,
).join('\n');

/** ~12 KB of another service's log. */
const OTHER_LOG = Array.from(
  { length: 160 },
  (_, i) =>
    `2026-11-24T09:${String(i % 60).padStart(2, '0')}:30Z api-${i % 5} served request ${i * 3} ` +
    `in ${(i * 53) % 700} ms code=${i % 11 === 0 ? 500 : 200}`,
).join('\n');

/** 80 remembered facts; those sharing a word with the question come first (as memory-search ranks them). */
const FACTS = Array.from(
  { length: 80 },
  (_, i) =>
    `fact-${i}: ${['the worker', 'the deploy', 'the review', 'the queue', 'the error'][i % 5]} ` +
    `rule number ${i} holds on ${['Mondays', 'Fridays'][i % 2]}`,
);
const memory = {
  factsFor: async (prompt: string) => {
    const words = new Set(prompt.toLowerCase().split(/\W+/));
    const relevant = FACTS.filter((f) => f.split(/\W+/).some((w) => w.length > 3 && words.has(w)));
    return (
      `Remembered from earlier sessions (use when ` +
      `relevant):\n${[...relevant, ...FACTS.filter((f) => !relevant.includes(f))].slice(0, 20).join('\n')}`
    );
  },
};

/**
 * This server over `ollama` and the hosts of `hostsYaml` (a `hosts:` list, or nothing), with the remembered
 * facts above.
 */
async function orchestrator(ollama: FakeOllama, hostsYaml = '') {
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), hostsYaml);
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: ollama.url } }), {
    memorySource: {
      memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    },
  });
  orch.memory = memory;
  stops.push(() => orch.shutdown(200));
  return orch;
}

/** A llama-server of one model, "reader" (a 32k window), behind a fake Ollama of none. */
async function llamaServer() {
  const ollama = await FakeOllama.start({ models: [] });
  const engine = await FakeLlamacpp.start({
    models: [{ id: 'reader', file: STORIES, ctxSize: 32768 }],
    router: false,
    tokenDelayMs: 0,
  });
  stops.push(
    () => ollama.stop(),
    () => engine.stop(),
  );
  return { ollama, yaml: `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${engine.url}\n` };
}

async function setup() {
  const { ollama, yaml } = await llamaServer();
  return orchestrator(ollama, yaml);
}

/** The share of a call's prompt tokens its engine found already read. */
const cachedShare = (m: { promptTokens: number; cachedPromptTokens?: number }) =>
  (m.cachedPromptTokens ?? 0) / m.promptTokens;

const QUESTIONS = [
  'Which worker failed most often?',
  'When does the deploy happen, by the review rules?',
  'Summarize the queue errors.',
];

/**
 * The three questions over the log asked of `model`, one after the other, each in one request; the shares of
 * their prompts that `shareOf` says were cached.
 */
async function threeQuestions(
  orch: Orchestrator,
  model: string,
  shareOf: (r: Awaited<ReturnType<typeof offload>>, i: number) => number,
): Promise<number[]> {
  const shares: number[] = [];
  for (const [i, prompt] of QUESTIONS.entries()) {
    const r = await offload(orch, { prompt, model, inputs: gatheredLog(LOG) });
    expect(r.split).toBeUndefined(); // one request each: the whole file fits the window
    shares.push(shareOf(r, i));
  }
  return shares;
}

/** What every engine kind must show: the first question read whole, the 2nd and 3rd at most 10% of their prompt. */
function expectLaidOutForTheCache(shares: number[]): void {
  expect(shares[0]).toBeLessThan(0.1); // nothing read before
  expect(shares[1]).toBeGreaterThanOrEqual(0.9);
  expect(shares[2]).toBeGreaterThanOrEqual(0.9);
}

describe('a request laid out for the prefix cache', () => {
  it(
    'three questions over one 40 KB file, remembered facts chosen per question: the 2nd and 3rd ' +
      'read at most 10% of their prompt',
    async () => {
      const orch = await setup();
      const questions = [
        'Which worker failed most often?',
        'When does the deploy happen, by the review rules?',
        'Summarize the queue errors.',
      ];
      const shares: number[] = [];
      for (const prompt of questions) {
        const r = await offload(orch, { prompt, model: 'reader', inputs: gatheredLog(LOG) });
        expect(r.split).toBeUndefined(); // one request each: the whole file fits the window
        shares.push(cachedShare(r.metrics));
      }
      expect(shares[0]).toBeLessThan(0.1); // nothing read before
      expect(shares[1]).toBeGreaterThanOrEqual(0.9);
      expect(shares[2]).toBeGreaterThanOrEqual(0.9);
    },
    30_000,
  );

  it(
    "on Ollama: its runner reads again only what follows what its slot held (the fake's own " +
      'records: Ollama says nothing of its cache)',
    async () => {
      const llama = DEFAULT_MODELS.find((m) => m.name === 'llama3.2:latest')!;
      const ollama = await FakeOllama.start({ models: [llama], memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
      stops.push(() => ollama.stop());
      const orch = await orchestrator(ollama);
      // A model read with before: Ollama has no tokenizer to ask, so its first call is sized by the
      // estimate (a log counts ~1.6× it) and the next by the learned ratio, a larger window — a reload
      // that empties the slots. Once learned, the window stays from call to call.
      await offload(orch, {
        prompt: 'Any failures?',
        model: llama.name,
        inputs: gatheredLog(OTHER_LOG),
        useMemory: false,
      });
      const before = ollama.generations().length;
      const shares = await threeQuestions(orch, llama.name, (_, i) => {
        const gens = ollama.generations().slice(before);
        expect(gens).toHaveLength(i + 1); // one generation per question
        const g = gens[i]!;
        return (g.cachedTokens ?? 0) / g.promptTokens;
      });
      expectLaidOutForTheCache(shares);
    },
    30_000,
  );

  it(
    'on an OpenAI-compatible engine (vLLM: blocks of every prompt held by their whole prefix, ' +
      'prompt_tokens_details.cached_tokens)',
    async () => {
      const ollama = await FakeOllama.start({ models: [] });
      const vllm = await FakeOpenAI.start({
        models: [{ id: 'reader', ownedBy: 'vllm', maxModelLen: 32768 }],
        prefixCache: true,
        promptTokensDetails: true,
        tokenDelayMs: 0,
        publishes: 'vllm',
      });
      stops.push(
        () => ollama.stop(),
        () => vllm.stop(),
      );
      const orch = await orchestrator(ollama, `hosts:\n  - name: vllm\n    kind: openai\n    url: ${vllm.url}\n`);
      const shares = await threeQuestions(orch, 'reader', (r) => cachedShare(r.metrics));
      expectLaidOutForTheCache(shares);
      // what ollm-mcp read is what the engine did
      expect(vllm.prefixReads().map((p) => p.cachedTokens / p.promptTokens)).toEqual(shares);
    },
    30_000,
  );

  it(
    "through another ollm-mcp (kind ollm, a team's box in front of a llama-server): the box " +
      'relays what its engine held',
    async () => {
      const { ollama, yaml } = await llamaServer();
      const box = await startHttp({
        OLLM_HOME: tempHome(`http:\n  tokens:\n    laptop: { tokenEnv: OLLM_BOX_TOKEN }\n${yaml}`),
        OLLAMA_HOST: ollama.url,
        OLLM_BOX_TOKEN: BOX_TOKEN,
      });
      stops.push(() => box.stop());
      process.env.PREFIX_LAYOUT_BOX_TOKEN = BOX_TOKEN;
      stops.push(async () => delete process.env.PREFIX_LAYOUT_BOX_TOKEN);
      const orch = await orchestrator(
        ollama,
        `hosts:\n  - name: box\n    kind: ollm\n    url: ${box.url}\n    tokenEnv: PREFIX_LAYOUT_BOX_TOKEN\n`,
      );
      const shares = await threeQuestions(orch, 'reader', (r) => cachedShare(r.metrics));
      expectLaidOutForTheCache(shares);
    },
    30_000,
  );
});
