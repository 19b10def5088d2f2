// Each agent tuned (issue 43, item 4), for every job of that agent, not route_and_generate's alone:
// compare, smart_load and a split offload run with the agent's `agents.NAME` entry — its options,
// routing and system prompt — as route_and_generate does (route/agent-parts.ts), and another agent's
// calls with the settings every client gets.
import { afterEach, describe, expect, it } from 'vitest';
import { compare } from '../../src/orchestrator/jobs/compare.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import type { InputDoc } from '../../src/orchestrator/generation/input-doc.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';

const SYSTEM = 'You answer for the tuned agent only.';
const YAML = `agents:
  tuned:
    model:
      routing:
        overrides: { general: 'llama3.2' }
    options: { temperature: 0.15, topP: 0.5, maxTokens: 77 }
    system: "${SYSTEM}"
`;

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

type Generate = {
  model: string;
  system?: string;
  prompt: string;
  options?: { temperature?: number; top_p?: number; num_predict?: number };
};
const sentFor = (f: FakeOllama, prompt: string) =>
  f.requests
    .filter((r) => r.path === '/api/generate' && (r.body as Generate).prompt === prompt)
    .map((r) => r.body as Generate);

describe("an agent's settings in every job", () => {
  it(
    "compare runs every model with the agent's options and system prompt; another agent's with " + 'the settings',
    async () => {
      fake = await FakeOllama.start({ memoryBytes: 48e9 });
      const core = await coreFor(fake, { yaml: YAML, totalBytes: 48e9 });
      const models = ['llama3.2', 'phi3:mini'];
      const tuned = await compare(core, {
        prompt: 'Compare for the tuned agent',
        models,
        system: 'Be brief.',
        agent: 'tuned',
      });
      expect(tuned.answered).toHaveLength(2);
      const sent = sentFor(fake, 'Compare for the tuned agent');
      expect(sent.map((s) => s.model).sort()).toEqual(['llama3.2:latest', 'phi3:mini']);
      for (const s of sent) {
        expect(s.options).toMatchObject({ temperature: 0.15, top_p: 0.5, num_predict: 77 });
        expect(s.system).toContain(SYSTEM);
        expect(s.system).toContain('Be brief.');
      }
      await compare(core, { prompt: 'Compare for the plain agent', models, agent: 'plain' });
      for (const s of sentFor(fake, 'Compare for the plain agent')) {
        expect(s.options).not.toHaveProperty('temperature'); // nobody set one: the model's own applies
        expect(s.options?.num_predict).not.toBe(77);
        expect(s.system ?? '').not.toContain(SYSTEM);
      }
    },
  );

  it("compare and smart_load choose by the agent's routing; another agent's by the settings", async () => {
    fake = await FakeOllama.start({ memoryBytes: 48e9 });
    const core = await coreFor(fake, { yaml: YAML, totalBytes: 48e9 });
    // dry runs, nothing loaded yet: only the agent's routing can choose it
    expect((await smartLoad(core, { task: 'general', dryRun: true, agent: 'plain' })).model).not.toBe(
      'llama3.2:latest',
    );
    expect((await smartLoad(core, { task: 'general', dryRun: true })).model).not.toBe('llama3.2:latest');
    const load = await smartLoad(core, { task: 'general', dryRun: true, agent: 'tuned' });
    expect(load).toMatchObject({
      model: 'llama3.2:latest',
      choice: expect.stringMatching(/configured for general work/),
    });
    // the plain agent first: once the tuned agent's model is loaded, routing would prefer it for anyone
    const plain = await compare(core, {
      prompt: 'Write a short poem about rain',
      task: 'general',
      agent: 'plain',
      maxTokens: 16,
    });
    expect(plain.results.map((r) => r.model)).not.toContain('llama3.2:latest');
    const chosen = await compare(core, {
      prompt: 'Write a short poem about rain',
      task: 'general',
      agent: 'tuned',
      maxTokens: 16,
    });
    expect(chosen.results[0]?.model).toBe('llama3.2:latest');
  });

  it("a split offload counts the agent's system prompt in every part: each request fits its window", async () => {
    const tiny = { ...DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!, name: 'tiny:1b', contextLength: 4096 };
    fake = await FakeOllama.start({ memoryBytes: 48e9, models: [tiny], tokenDelayMs: 0 });
    fake.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial'));
    // ~1,500 tokens
    const long = `${SYSTEM} ${'Mind every rule of the house style, and say which rule each finding breaks. '.repeat(80)}`;
    const core = await coreFor(fake, { totalBytes: 48e9, yaml: `agents:\n  tuned:\n    system: "${long}"\n` });
    const lines = Array.from(
      { length: 700 },
      (_, i) => `LINE-${i} worker handled job ${i * 31} with status ok and no retries`,
    );
    const doc: InputDoc = { label: 'logs/app.log', text: `${lines.join('\n')}\n` };
    const inputs: GatheredInputs = {
      docs: [doc],
      images: [],
      read: [
        { path: doc.label, kind: 'text', bytes: doc.text.length, tokens: estimateTokens(doc.text), encoding: 'utf-8' },
      ],
      skipped: [],
      bytes: doc.text.length,
      tokens: estimateTokens(doc.text),
    };
    const r = await offload(core, {
      prompt: 'Which jobs failed?',
      model: 'tiny:1b',
      inputs,
      agent: 'tuned',
      useMemory: false,
    });
    expect(r.split?.parts).toBeGreaterThan(1);
    const gens = fake.generations();
    expect(gens.length).toBeGreaterThan(r.split!.parts);
    for (const g of gens) {
      expect(g.system ?? '').toContain(SYSTEM);
      expect(g.fits, `${g.promptTokens} tokens in num_ctx ${g.numCtx}`).toBe(true);
    }
  });
});

describe("an agent's context size", () => {
  const CTX_YAML = 'agents:\n  roomy:\n    options: { contextSize: 16384 }\n';
  type Sent = { prompt: string; options?: { num_ctx?: number } };
  const numCtxFor = (f: FakeOllama, prompt: string) =>
    f.requests
      .filter((r) => r.path === '/api/generate' && (r.body as Sent).prompt === prompt)
      .map((r) => (r.body as Sent).options?.num_ctx);

  it(
    "loads the model with the agent's options.contextSize for its calls (route and compare); " +
      "another agent's with the host's default",
    async () => {
      fake = await FakeOllama.start({ memoryBytes: 96e9 });
      const core = await coreFor(fake, { yaml: CTX_YAML, totalBytes: 96e9 });
      await routeAndGenerate(core, { prompt: 'plain call', model: 'llama3.2', agent: 'plain', useMemory: false });
      expect(numCtxFor(fake, 'plain call')).toEqual([4096]);
      await routeAndGenerate(core, { prompt: 'roomy call', model: 'phi3:mini', agent: 'roomy', useMemory: false });
      expect(numCtxFor(fake, 'roomy call')).toEqual([16384]);
      const c = await compare(core, {
        prompt: 'roomy compare',
        models: ['qwen2.5-coder:7b', 'mixtral:8x7b'],
        agent: 'roomy',
      });
      expect(c.results.map((r) => r.error ?? 'ok')).toEqual(['ok', 'ok']);
      expect(numCtxFor(fake, 'roomy compare')).toEqual([16384, 16384]);
    },
  );
});
