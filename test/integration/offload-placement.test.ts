/**
 * Every long input is placed (issue 42, item 2): the split planner chooses its model the way the
 * route does — the work's profile, its fallback chain, then (for work over inputs read by path)
 * any text model that fits — so "Which errors occurred in this log?" (debugging work, a code
 * profile) over a 48 KB log is split and answered on a host with general models only, on every
 * engine kind. A code model is still preferred when one is there. When no model can run it, whole
 * or split, the error names each model and host and why, never only a host that is down.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { FakeLlamacpp } from '../fake-llamacpp/server.js';
import { coreFor } from '../helpers/core.js';
import { STORIES } from '../helpers/llamacpp.js';
import { tempDir } from '../helpers/temp.js';
import { log48k } from '../helpers/log-fixture.js';

const QUESTION = 'Which errors occurred in this log?';
const YAML = 'ram:\n  budget: 20GB\n  bufferBytes: 0\n';
const byName = (n: string) => DEFAULT_MODELS.find((m) => m.name === n)!;
/** General models only, each with an 8,192-token window: the 48 KB log (~17k tokens) fits none whole. */
const GENERAL = [byName('llama3.2:latest'), byName('phi3:mini')].map((m) => ({ ...m, contextLength: 8192 }));

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

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

async function ollamaWith(models: typeof GENERAL, yaml = '') {
  const fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0, models });
  fake.reply((ctx) =>
    /Combine them into one answer/.test(ctx.prompt ?? '')
      ? 'FINAL: errors at LINE-0, LINE-13'
      : 'partial: LINE-13 status=error',
  );
  const core = await coreFor(fake, { totalBytes: 32e9, yaml: `${YAML}${yaml}` });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  return { fake, core };
}

describe('a long log with a debugging question, on general models only', () => {
  it('on Ollama: is split to a general model and answered, every line sent', async () => {
    const { fake, core } = await ollamaWith(GENERAL);
    const text = log48k();
    const r = await offload(core, { prompt: QUESTION, useMemory: false, inputs: gathered(text) });
    expect(r.task).toBe('debugging'); // the work is still what the words say
    expect(r.text).toBe('FINAL: errors at LINE-0, LINE-13');
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(['llama3.2:latest', 'phi3:mini']).toContain(r.model);
    // the planner chose the model, the caller named none: the reason says why the route chose it
    expect(r.reason).not.toContain('named by the caller');
    expect(r.reason).toMatch(
      /^(llama3\.2:latest|phi3:mini) is the best remaining text model that fits \(no code model could be used; the work reads inputs given by path\).* so it was split into \d+ parts/,
    );
    const gens = fake.generations();
    expect(gens).toHaveLength(r.split!.calls);
    for (const g of gens) expect(g.fits, `${g.promptTokens} tokens in num_ctx ${g.numCtx}`).toBe(true);
    const sent = gens.map((g) => g.prompt ?? '').join('\n');
    const lines = text.trimEnd().split('\n').length;
    const got = new Set([...sent.matchAll(/LINE-(\d+) /g)].map((m) => Number(m[1])));
    expect(Array.from({ length: lines }, (_, i) => i).filter((i) => !got.has(i))).toEqual([]);
  }, 60_000);

  it('a code model, when one is there, still takes the parts', async () => {
    const { core } = await ollamaWith([...GENERAL, { ...byName('qwen2.5-coder:7b'), contextLength: 8192 }]);
    const r = await offload(core, { prompt: QUESTION, useMemory: false, inputs: gathered(log48k()) });
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(r.model).toBe('qwen2.5-coder:7b');
    expect(r.reason).toMatch(/^qwen2\.5-coder:7b serves code work and (fits now|is already loaded)/);
    expect(r.reason).not.toContain('named by the caller');
  }, 60_000);

  it('a short log by path runs whole on a general model, which says why it took debugging work', async () => {
    const { fake, core } = await ollamaWith(GENERAL);
    const r = await offload(core, { prompt: QUESTION, useMemory: false, inputs: gathered(log48k().slice(0, 2000)) });
    expect(r.split).toBeUndefined();
    expect(r.reason).toMatch(
      /best remaining text model that fits \(no code model could be used; the work reads inputs given by path\)/,
    );
    expect(fake.generations()).toHaveLength(1);
  });

  it('a prompt alone keeps code work with code models: no general model takes it', async () => {
    const { fake, core } = await ollamaWith(GENERAL);
    const err = (await offload(core, { prompt: `${QUESTION}\n${log48k().slice(0, 2000)}`, useMemory: false }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(/can take code work/);
    expect(fake.generations()).toHaveLength(0);
  });

  it('on a llama.cpp router with one general model as the only host (Ollama down): split and answered', async () => {
    const { router, orch } = await routerAlone(2048);
    const r = await offload(orch, { prompt: QUESTION, useMemory: false, maxTokens: 64, inputs: gathered(log48k()) });
    expect(r.provider).toBe('llamacpp');
    expect(r.model).toBe('stories:latest');
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(r.split!.contextTokens).toBe(2048);
    const chats = router.requests.filter((q) => q.path.startsWith('/v1/chat/completions'));
    expect(chats.length).toBe(r.split!.calls);
  }, 60_000);
});

async function routerAlone(ctxSize: number) {
  const router = await FakeLlamacpp.start({ models: [{ id: 'stories', file: STORIES, ctxSize }], modelsMax: 1 });
  stops.push(() => router.stop());
  const home = tempDir('ollm-home-');
  writeFileSync(join(home, 'config.yaml'), `hosts:\n  - name: llama\n    kind: llamacpp\n    url: ${router.url}\n`);
  const config = await loadConfig({ env: { OLLM_HOME: home, OLLM_HOST: 'http://127.0.0.1:9' } });
  const orch = new Orchestrator(config, {
    memorySource: {
      memory: async () => ({ totalBytes: 16e9, availableBytes: 12e9, swapTotalBytes: 0, swapUsedBytes: 0 }),
      gpus: async () => [],
    },
  });
  stops.push(() => orch.shutdown(200));
  return { router, orch };
}

describe('when no model can run it, the error names each model and host and why', () => {
  it('split or whole: window too small even split, too many parts, memory, no text work, and the host that is down', async () => {
    const models = [
      { ...byName('llama3.2:latest'), contextLength: 8192 },
      { ...byName('phi3:mini'), contextLength: 512 },
      byName('mixtral:8x7b'),
      byName('nomic-embed-text:latest'),
    ];
    const fake = await FakeOllama.start({ memoryBytes: 12e9, tokenDelayMs: 0, models });
    const core = await coreFor(fake, {
      totalBytes: 12e9,
      yaml:
        `ram:\n  budget: "100%"\n  bufferBytes: 0\ninputs:\n  maxParts: 3\nhosts:\n  - {name: ` +
        `gpubox, kind: ollama, url: "http://127.0.0.1:9"}\n`,
    });
    stops.push(
      () => core.shutdown(200),
      () => fake.stop(),
    );
    const err = (await offload(core, { prompt: QUESTION, useMemory: false, inputs: gathered(log48k()) }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(/^No local model can run this input \(~\d+ tokens, estimated\), whole or split — /);
    expect(err.message).toMatch(
      /llama3\.2:latest on ollama: it would need \d+ parts of ~\d+ tokens, more than inputs\.maxParts \(3\)/,
    );
    expect(err.message).toMatch(
      /phi3:mini on ollama: even split it cannot fit: its 512-token window leaves too little room/,
    );
    expect(err.message).toMatch(/mixtral:8x7b on ollama: does not fit in its host's memory/);
    expect(err.message).toMatch(/nomic-embed-text:latest on ollama: serves embeddings only/);
    expect(err.message).toMatch(/Ollama gpubox: .*127\.0\.0\.1:9/);
    expect(err.message).toMatch(/Next: .*raise inputs\.maxParts/);
    expect(fake.generations()).toHaveLength(0);
  });

  it('the same models with room for the parts: the job is split, not refused', async () => {
    const fake = await FakeOllama.start({
      memoryBytes: 12e9,
      tokenDelayMs: 0,
      models: [
        { ...byName('llama3.2:latest'), contextLength: 8192 },
        { ...byName('phi3:mini'), contextLength: 512 },
      ],
    });
    fake.reply('partial');
    const core = await coreFor(fake, {
      totalBytes: 12e9,
      yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\ninputs:\n  maxParts: 8\n',
    });
    stops.push(
      () => core.shutdown(200),
      () => fake.stop(),
    );
    const r = await offload(core, { prompt: QUESTION, useMemory: false, inputs: gathered(log48k()) });
    expect(r.model).toBe('llama3.2:latest'); // phi3's 512-token window cannot take it even split
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(r.split!.parts).toBeLessThanOrEqual(8);
  }, 60_000);

  it(
    "a prompt no model here may take, with Ollama down: the router's model is named with why, " + 'not only the host',
    async () => {
      const { router, orch } = await routerAlone(2048);
      const err = (await routeAndGenerate(orch, { prompt: 'Fix this failing test: expected 1, got 2 in sum()' }).catch(
        (e: unknown) => e,
      )) as Error;
      expect(err.message).toMatch(/can take code work/);
      expect(err.message).toMatch(/stories:latest on llama: does not suit code work \(code goes only to code models\)/);
      expect(err.message).toMatch(/Ollama ollama: /);
      expect(router.requests.filter((q) => q.path.startsWith('/v1/chat/completions'))).toHaveLength(0);
    },
  );
});
