/**
 * Issue 54, finding 8, on every engine kind: a small window (Ollama's num_ctx bound by a model's
 * 1,536-token window, an OpenAI-compatible engine running its model with 1,536) and a 48 KB log
 * with remembered facts on. The plan sits above the adapters: remembered facts are left out of the
 * parts (not the task, not the citation guide: they fit), the final combination takes them back
 * where it has room, and the result and a dry run say what was left out. A window with room keeps
 * them in every part and says nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { CITE_INSTRUCTION } from '../../src/orchestrator/inputs/citations.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI } from '../fake-openai/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { STORIES } from '../helpers/llamacpp.js';
import { coreFor } from '../helpers/core.js';
import { tempDir } from '../helpers/temp.js';
import { log48k } from '../helpers/log-fixture.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const PROMPT = 'Summarize the errors in this log.';
/** ~300 tokens of remembered facts: within the 500-token budget the plan reserves for them. */
const FACTS = Array.from(
  { length: 20 },
  (_, i) => `FACT-${i}: the team deploys the worker on Fridays after the review.`,
).join('\n');
const memory = { factsFor: async () => FACTS };
const combining = (text: string) => /Combine them into one answer/.test(text);

function gathered(text: string): GatheredInputs {
  const tokens = estimateTokens(text);
  return {
    docs: [{ label: 'logs/app.log', text }],
    images: [],
    read: [{ path: 'logs/app.log', kind: 'text', bytes: text.length, tokens, encoding: 'utf-8' }],
    skipped: [],
    bytes: text.length,
    tokens,
  };
}

/** The core, and every request its one model was sent as (system prompt, prompt). */
type Setup = () => Promise<{ orch: Orchestrator; sent: () => Array<{ system: string; prompt: string }> }>;

async function ollama(window: number): ReturnType<Setup> {
  const fake = await FakeOllama.start({
    memoryBytes: 32e9,
    tokenDelayMs: 0,
    models: [{ ...DEFAULT_MODELS.find((m) => m.name === 'llama3.2:latest')!, contextLength: window }],
  });
  fake.reply((ctx) => (combining(ctx.prompt ?? '') ? 'FINAL' : 'partial: LINE-13 status=error'));
  const orch = await coreFor(fake, { totalBytes: 32e9, yaml: 'ram:\n  budget: 20GB\n  bufferBytes: 0\n' });
  stops.push(
    () => orch.shutdown(200),
    () => fake.stop(),
  );
  return { orch, sent: () => fake.generations().map((g) => ({ system: g.system ?? '', prompt: g.prompt ?? '' })) };
}

async function openai(window: number): ReturnType<Setup> {
  const box = await FakeOllama.start({ models: [] });
  const lab = await FakeOpenAI.start({
    models: [{ id: 'mistral:7b', nCtxTrain: 32768, nCtx: window, saysNCtx: 'meta' }],
    tokenDelayMs: 0,
  });
  lab.reply((c) => (combining(JSON.stringify(c.messages)) ? 'FINAL' : 'partial: LINE-13 status=error'));
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), `hosts:\n  - { name: lab, kind: openai, url: "${lab.url}" }\n`);
  const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: box.url } }), {
    memorySource: {
      memory: async () => ({ totalBytes: 32e9, availableBytes: 28e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    },
  });
  stops.push(
    () => orch.shutdown(200),
    () => box.stop(),
    () => lab.stop(),
  );
  const sent = () =>
    lab.requestsTo('/v1/chat/completions').map((r) => {
      const messages = (r.body as { messages: Array<{ role: string; content: string }> }).messages;
      return {
        system: messages
          .filter((m) => m.role === 'system')
          .map((m) => m.content)
          .join('\n'),
        prompt: messages
          .filter((m) => m.role !== 'system')
          .map((m) => m.content)
          .join('\n'),
      };
    });
  return { orch, sent };
}

describe.each([
  ['Ollama (num_ctx bound by a 1,536-token model)', ollama],
  ['an OpenAI-compatible engine running its model with 1,536', openai],
] as const)('a 48 KB log in a 1,536-token window with remembered facts on: %s', (_name, make) => {
  it('is split and answered: facts left out of the parts, taken back by the final combination, and said', async () => {
    const { orch, sent } = await make(1536);
    orch.memory = memory;
    const r = await offload(orch, { prompt: PROMPT, inputs: gathered(log48k()) });
    expect(r.text).toBe('FINAL');
    expect(r.split).toMatchObject({ contextTokens: 1536 });
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(r.notes).toContain(
      'remembered facts left out of parts: 1536-token window (remembered facts kept in the final combination).',
    );
    const requests = sent();
    const parts = requests.filter((q) => !combining(q.prompt));
    expect(parts).toHaveLength(r.split!.parts);
    for (const q of parts) {
      expect(`${q.system}${q.prompt}`).not.toContain('FACT-');
      expect(q.system).toContain(CITE_INSTRUCTION); // the guide fits: it stays
    }
    const last = requests.filter((q) => combining(q.prompt)).at(-1)!;
    // the facts follow the prompt (what varies last: engines-cache prefixes), never in the system prompt
    expect(last.prompt.endsWith(FACTS)).toBe(true);
    expect(last.system).not.toContain('FACT-');
  }, 60_000);

  it('a dry run says the same before anything is sent', async () => {
    const { orch, sent } = await make(1536);
    orch.memory = memory;
    const r = await offload(orch, { prompt: PROMPT, inputs: gathered(log48k()), dryRun: true });
    expect(r.text).toMatch(/split into \d+ parts .* Remembered facts left out of parts: 1536-token window\.$/);
    expect(r.notes).toContain('remembered facts left out of parts: 1536-token window.');
    expect(sent()).toHaveLength(0);
  }, 60_000);

  it('a window with room keeps the facts in every part and says nothing of them', async () => {
    const { orch, sent } = await make(8192);
    orch.memory = memory;
    const r = await offload(orch, { prompt: PROMPT, inputs: gathered(log48k()) });
    expect(r.text).toBe('FINAL');
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(r.notes ?? []).not.toContainEqual(expect.stringMatching(/left out of parts/));
    for (const q of sent()) {
      expect(q.prompt.endsWith(FACTS)).toBe(true);
      expect(q.system).not.toContain('FACT-');
    }
  }, 60_000);
});

describe('a window too small even for the task beside the smallest part: refused, naming what would make it fit', () => {
  it('a llama.cpp router at -c 512: the window it takes, as --ctx-size; nothing sent', async () => {
    const router = await FakeLlamacpp.start({
      models: [{ id: 'stories', file: STORIES, ctxSize: 512 }],
      modelsMax: 1,
    });
    const home = tempDir('ollm-home-');
    writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
    const orch = new Orchestrator(await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: 'http://127.0.0.1:9' } }), {
      memorySource: {
        memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
        gpus: async () => [],
      },
    });
    stops.push(
      () => orch.shutdown(200),
      () => router.stop(),
    );
    const err = (await offload(orch, { prompt: PROMPT, inputs: gathered(log48k()) }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /stories:latest on llama: even split it cannot fit: its 512-token window leaves too little room beside the task and system prompts \(~\d+ tokens\) for even the smallest part \(129 tokens\) and its answer \(64\), with remembered facts and the citation guide left out: it takes a window of at least (\d+) tokens \(restart llama-server with -c\/--ctx-size \1 or more for stories:latest/,
    );
    expect(router.requests.filter((q) => q.path.startsWith('/v1/chat/completions'))).toHaveLength(0);
  });

  it('Ollama with a model trained for 512: a model with that window', async () => {
    const { orch, sent } = await ollama(512);
    const err = (await offload(orch, { prompt: PROMPT, inputs: gathered(log48k()) }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /llama3\.2:latest on ollama: even split it cannot fit: .*it takes a window of at least (\d+) tokens \(llama3\.2:latest was trained for 512 tokens only: use a model with a window of at least \1\)/,
    );
    expect(sent()).toHaveLength(0);
  });
});
