/**
 * Choices that hold (issue 73, findings 1 and 3, Deliver 1 and 5), through the route on the fake
 * Ollama with a 60 s client (the MCP SDK's default): a model the user preferred — with prefer_model,
 * or a comparison's winner, after a restart too — answers the call though another model is loaded
 * and a guess said it would be slower; when it is measured slower than the client waits it is still
 * served, and the call handed over. Reasoning reaches the thinking model whose time was only a guess.
 * And on the other side: with no one's choice, a first model measured slower than the client waits
 * gives the call to a faster one of the work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import type { SpeedSample } from '../../src/orchestrator/generation/speed-learning.js';
import { DEFAULT_REGISTRY, FakeOllama, type FakeModel } from '../fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../fake-ollama/fixtures-extra.js';
import { coreFor, fakeMemory } from '../helpers/core.js';
import { fairModels } from '../helpers/fair.js';

const MEMORY = 32e9;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
const LISBON = 'What are three things to see in Lisbon in one day?';
const CLIENT = { clientLimitMs: 60_000 }; // the MCP SDK's default: answered within 54 s, else handed over

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const models = (...names: string[]): FakeModel[] =>
  [...DEFAULT_REGISTRY, ...NAMESPACED_MODELS, ...fairModels(1)].filter(
    (m, i, all) => names.includes(m.name) && all.findIndex((x) => x.name === m.name) === i,
  );
const thinker = (name: string, parameterSize: string, size: number): FakeModel => ({
  ...models('qwen3:8b')[0]!,
  name,
  parameterSize,
  size,
  digest: `${name.length}`.padStart(64, '7'),
});
const plain = (name: string, parameterSize: string, size: number): FakeModel => ({
  ...models('llama3.2:latest')[0]!,
  name,
  family: 'granite',
  parameterSize,
  size,
  digest: `${name.length}`.padStart(64, '3'),
});

async function engine(list: FakeModel[]) {
  const fake = await FakeOllama.start({ memoryBytes: MEMORY, tokenDelayMs: 1, models: list });
  stops.push(() => fake.stop());
  const core = await coreFor(fake, { totalBytes: MEMORY, yaml: YAML });
  stops.push(() => core.shutdown(200));
  return { fake, core };
}

type Core = Awaited<ReturnType<typeof engine>>['core'];

/** `model` as measured on this host: `tokensPerSecond` written, prompts read at 100/s, answers of 150 tokens. */
async function measured(core: Core, model: string, tokensPerSecond: number, task = 'general'): Promise<void> {
  const sample: SpeedSample = {
    promptTokens: 2000,
    promptMs: 20_000,
    outputTokens: 150,
    generationMs: (150 / tokensPerSecond) * 1000,
    cut: false,
    task,
  };
  await core.speeds.record(core.hosts[0]!.name, model, sample, { defer: false });
}

const prefer = (core: Core, model: string, comparisonId?: string) =>
  core.preferences.set('general', {
    model,
    task: 'general',
    at: new Date().toISOString(),
    ...(comparisonId && { comparisonId }),
  });

describe("the user's preference is served as chosen", () => {
  it('prefer_model llama3.1:8b: the travel question goes to it, not to phi3:mini that is loaded (finding 1)', async () => {
    const { core } = await engine(models('llama3.1:8b', 'phi3:mini', 'llama3.2:latest'));
    await core.loader.ensureLoaded({ model: 'phi3:mini' });
    await prefer(core, 'llama3.1:8b');
    const r = await routeAndGenerate(core, { prompt: LISBON, ...CLIENT });
    expect(r.model).toBe('llama3.1:8b');
    expect(r.reason).toMatch(/^llama3\.1:8b is the model you preferred for general work/);
    expect(r.reason).not.toMatch(/what your client waits/);
  });

  it("a comparison's winner, after a restart: qwen2.5:14b answers though llama3.1:8b is loaded", async () => {
    const { fake, core } = await engine(models('llama3.1:8b', 'qwen2.5:14b', 'phi3:mini'));
    await prefer(core, 'qwen2.5:14b', 'cmp-1');
    await core.shutdown(200);
    // the engine has llama3.1 loaded when the next server starts (another client's request loaded it)
    await (
      await fetch(`${fake.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.1:8b', prompt: 'hi', stream: false, options: { num_predict: 1 } }),
      })
    ).text();
    const next = new Orchestrator(await loadConfig({ env: { OLLM_HOME: core.config.home, OLLM_HOST: fake.url } }), {
      memorySource: fakeMemory(fake, MEMORY),
    });
    stops.push(() => next.shutdown(200));
    await next.stateRead; // as a tool call reads it first
    const r = await routeAndGenerate(next, { prompt: LISBON, ...CLIENT });
    expect(r.model).toBe('qwen2.5:14b');
    expect(r.reason).toMatch(/is the model you preferred for general work/);
  });

  it(
    'measured slower than the client waits, the preferred model is still the one: the call is ' +
      'handed over, not answered by another',
    async () => {
      const { core } = await engine(models('llama3.1:8b', 'phi3:mini'));
      await core.loader.ensureLoaded({ model: 'phi3:mini' });
      await prefer(core, 'llama3.1:8b');
      await measured(core, 'llama3.1:8b', 1); // 150 tokens at 1 a second
      await measured(core, 'phi3:mini', 500);
      const dry = await routeAndGenerate(core, { prompt: LISBON, ...CLIENT, dryRun: true });
      expect(dry.model).toBe('llama3.1:8b');
      expect(dry.advice).toMatchObject({ speedMeasured: true, handOverSeconds: 54 });
      expect(dry.text).toMatch(/this call would be handed over as a job at ~54 s/);
    },
  );
});

describe('the faster model, when no one chose and the time truly differs', () => {
  it(
    'a first model measured slower than the client waits gives the call to one that finishes in ' +
      'time; a guess moves nothing',
    async () => {
      const { core } = await engine(models('llama3.1:8b', 'phi3:mini'));
      const ask = { prompt: `${LISBON} Explain the history of each in depth.`, complexity: 'high' as const, ...CLIENT };
      const guessed = await routeAndGenerate(core, { ...ask, dryRun: true });
      expect(guessed.model).toBe('llama3.1:8b'); // the route's first for the work: nothing measured, it stays
      expect(guessed.reason).not.toMatch(/what your client waits/);
      await measured(core, 'llama3.1:8b', 1);
      await measured(core, 'phi3:mini', 500);
      const r = await routeAndGenerate(core, ask);
      expect(r.model).toBe('phi3:mini');
      expect(r.reason).toMatch(
        /it finishes within what your client waits \(54 s\): ~[\d.]+ s, where llama3\.1:8b, first for the work, would take ~\d+ s as measured here/,
      );
    },
  );
});

describe('reasoning reaches the thinking model (finding 3)', () => {
  const list = () => [thinker('magistral:24b', '23.6B', 14.1e9), plain('granite4:3b', '3.4B', 2.1e9)];

  it("magistral:24b answers: its time past the client's patience was only a guess", async () => {
    const { core } = await engine(list());
    await core.loader.ensureLoaded({ model: 'granite4:3b' });
    const r = await routeAndGenerate(core, {
      prompt: 'Prove that there are infinitely many primes.',
      task: 'reasoning',
      ...CLIENT,
    });
    expect(r.model).toBe('magistral:24b');
    expect(r.reason).not.toMatch(/no reasoning model could be used/);
  });

  it('measured slower than the client waits, it gives the call to a reasoning model measured faster', async () => {
    const { core } = await engine([...list(), ...models('qwen3:8b')]);
    await measured(core, 'magistral:24b', 1, 'reasoning');
    await measured(core, 'qwen3:8b', 500, 'reasoning');
    const r = await routeAndGenerate(core, {
      prompt: 'Prove that there are infinitely many primes.',
      task: 'reasoning',
      complexity: 'high',
      ...CLIENT,
    });
    expect(r.model).toBe('qwen3:8b');
    expect(r.reason).toMatch(/where magistral:24b, first for the work, would take ~\d+ s as measured here/);
  });
});
