// compare as a client sees it (issue 21, points 4 and 6): honest annotations, sensible default
// models, an honest account of what ran, and a comparisonId that prefer_model takes after the
// server that ran the comparison has stopped and another has started on the same $OLLM_HOME.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama, NAMESPACED_MODELS, type FakeModel } from '../fake-ollama/server.js';
import { connect, tempHome } from '../helpers/spawn.js';

const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
const byName = (name: string): FakeModel => [...DEFAULT_MODELS, ...NAMESPACED_MODELS].find((m) => m.name === name)!;
const llama31 = byName('llama3.1:8b');
/** The same weights as llama3.1:8b, uploaded under a stranger's namespace (same digest). */
const copy: FakeModel = { ...llama31, name: 'someuser/llama3.1:8b' };
const MODELS = [copy, llama31, byName('llama3.2:latest'), byName('phi3:mini'), byName('qwen2.5-coder:7b')];

let fake: FakeOllama;
let home: string;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 32e9, models: MODELS, tokenDelayMs: 1 });
  home = tempHome(YAML);
});
afterAll(async () => {
  await fake?.stop();
});

const text = (res: { content: unknown }) => (res.content as Array<{ text: string }>)[0]!.text;
interface Compared {
  comparisonId: string;
  task: string;
  results: Array<{ model: string; error?: string }>;
  fastest?: string;
  parallel: boolean;
}

describe('compare across a restart', () => {
  let first: Compared;
  let failing: Compared;

  it(
    'the first server compares different models by default: the same weights once, the official ' +
      "name, not a stranger's copy",
    { timeout: 60_000 },
    async () => {
      const session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
      try {
        const res = await session.client.callTool({
          name: 'compare',
          arguments: { prompt: 'Write a haiku about autumn leaves.', maxTokens: 16 },
        });
        expect(res.isError, text(res)).toBeFalsy();
        first = res.structuredContent as unknown as Compared;
        const models = first.results.map((r) => r.model);
        expect(models).toContain('llama3.1:8b');
        expect(models).not.toContain('someuser/llama3.1:8b');
        const digests = models.map((m) => MODELS.find((f) => f.name === m)!.digest);
        expect(new Set(digests).size).toBe(models.length);
      } finally {
        await session.close();
      }
    },
  );

  it(
    'with two of three models failing it names no fastest and says what really happened',
    { timeout: 60_000 },
    async () => {
      const session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
      try {
        const two = await session.client.callTool({
          name: 'compare',
          arguments: { prompt: 'Say hi', models: ['llama3.2', 'ghost:7b', 'phantom:3b'], maxTokens: 16 },
        });
        expect(two.isError, text(two)).toBeFalsy();
        failing = two.structuredContent as unknown as Compared;
        expect(failing.fastest).toBeUndefined();
        expect(text(two)).toMatch(/Only llama3\.2:latest answered; ghost:7b and phantom:3b failed/);
        expect(text(two)).not.toMatch(/fastest|one at a time|do not (all )?fit/i);
      } finally {
        await session.close();
      }
    },
  );

  it(
    'the next server on the same home takes the first comparisonId in prefer_model, its task included',
    { timeout: 60_000 },
    async () => {
      expect(first?.comparisonId).toBeDefined();
      const session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
      try {
        const winner = first.results.find((r) => !r.error)!.model;
        const pref = await session.client.callTool({
          name: 'prefer_model',
          arguments: { comparisonId: first.comparisonId, model: winner },
        });
        expect(pref.isError, text(pref)).toBeFalsy();
        expect(pref.structuredContent).toMatchObject({ model: winner, task: first.task });
        // a model that was not in that comparison is still refused, by the remembered list
        const other = await session.client.callTool({
          name: 'prefer_model',
          arguments: { comparisonId: failing.comparisonId, model: 'phi3:mini' },
        });
        expect(other.isError).toBe(true);
        expect(text(other)).toMatch(/phi3:mini was not part of comparison .*llama3\.2:latest, ghost:7b, phantom:3b/);
        const unknown = await session.client.callTool({
          name: 'prefer_model',
          arguments: { comparisonId: 'no-such-id', model: winner },
        });
        expect(text(unknown)).toMatch(/No comparison has id "no-such-id" \(the last 100 are kept/);
      } finally {
        await session.close();
      }
    },
  );

  it('the tools that load models do not call themselves read-only', { timeout: 60_000 }, async () => {
    const session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
    try {
      const { tools } = await session.client.listTools();
      for (const name of ['route_and_generate', 'compare', 'render_template']) {
        expect(tools.find((t) => t.name === name)!.annotations, name).toMatchObject({
          readOnlyHint: false,
          destructiveHint: false,
          idempotentHint: false,
          openWorldHint: true,
        });
      }
    } finally {
      await session.close();
    }
  });
});
