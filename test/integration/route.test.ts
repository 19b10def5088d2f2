import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProjectProfile } from '../../src/orchestrator/project/project.js';
import { routeAndGenerate, RouteError } from '../../src/orchestrator/jobs/route.js';
import { smartLoad } from '../../src/orchestrator/jobs/smart-load.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { answerRecorded } from '../helpers/answer-records.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const MEMORY = 16e9;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\nollama:\n  stallTimeoutMs: 1000\n';
const CODE = 'Fix this function:\n```python\ndef add(a, b):\n    return a - b\n```';

let fake: FakeOllama;
afterEach(async () => {
  await fake?.stop();
});

async function setup(
  opts: { yaml?: string; withQwen3?: boolean; tokenDelayMs?: number; only?: string[]; project?: ProjectProfile } = {},
) {
  const models = DEFAULT_REGISTRY.filter((m) =>
    opts.only
      ? opts.only.includes(m.name)
      : m.name !== 'gemma3:4b' && m.name !== 'all-minilm:latest' && (opts.withQwen3 || m.name !== 'qwen3:8b'),
  );
  fake = await FakeOllama.start({ memoryBytes: MEMORY, models, tokenDelayMs: opts.tokenDelayMs ?? 1 });
  return coreFor(fake, { totalBytes: MEMORY, yaml: opts.yaml ?? YAML, ...(opts.project && { project: opts.project }) });
}

describe('routing without a model name', () => {
  it('a code prompt goes to a coder model, streamed, with metrics', async () => {
    const core = await setup();
    fake.reply('Use a plus sign: return a + b');
    const r = await routeAndGenerate(core, { prompt: CODE });
    expect(r).toMatchObject({
      model: 'qwen2.5-coder:7b',
      provider: 'ollama',
      profile: 'code',
      fallbacks: [],
      text: 'Use a plus sign: return a + b',
      doneReason: 'stop',
    });
    expect(['code', 'debugging']).toContain(r.task);
    expect(r.reason).toMatch(/qwen2\.5-coder:7b .*inferred/);
    expect(r.metrics.outputTokens).toBe(9); // Use, ' a', ' plus', ' sign', ':', ' return', ' a', ' +', ' b'
    expect(r.metrics.loadMs).toBeGreaterThan(0);
    expect(r.metrics.tokensPerSecond).toBeGreaterThan(0);
    const gen = fake.requests.filter(
      (q) => q.path === '/api/generate' && (q.body as { prompt?: string }).prompt === CODE,
    );
    expect(gen).toHaveLength(1);
    expect(gen[0]!.body).toMatchObject({ stream: true, model: 'qwen2.5-coder:7b', options: { num_ctx: 4096 } });
    // recorded once the answer has gone out, before anything can follow it
    expect(core.metrics.get('qwen2.5-coder:7b')?.successes ?? 0).toBe(0);
    await answerRecorded();
    expect(core.metrics.get('qwen2.5-coder:7b')).toMatchObject({ requests: 1, successes: 1 });
  });

  it('an image goes to a vision model', async () => {
    const core = await setup();
    const r = await routeAndGenerate(core, { prompt: 'What is in this picture?', images: ['aGVsbG8='] });
    expect(r).toMatchObject({ model: 'llava:7b', task: 'vision' });
    expect(
      fake.requests.some((q) => q.path === '/api/generate' && Array.isArray((q.body as { images?: unknown }).images)),
    ).toBe(true);
  });

  it('an explicit model is honoured, the work still inferred from the prompt (worked out while the answer streams)', async () => {
    const core = await setup();
    const r = await routeAndGenerate(core, { prompt: CODE, model: 'phi3:mini' });
    expect(r).toMatchObject({ model: 'phi3:mini', profile: 'code' });
    expect(['code', 'debugging']).toContain(r.task);
    expect(r.reason).toMatch(/^phi3:mini was named by the caller \((code|debugging) inferred: /);
    // a named model that fails before its first token: the ranking, which needs the work, goes on from it
    fake.failNext('/api/generate', 500, 'llama runner process has terminated');
    const next = await routeAndGenerate(core, {
      prompt: 'Summarize the following meeting notes: we chose Rust.',
      model: 'phi3:mini',
    });
    expect(next).toMatchObject({ task: 'summarize', fallbacks: [{ model: 'phi3:mini' }] });
    expect(next.model).not.toBe('phi3:mini');
    expect(next.reason).toMatch(/summarize inferred/);
  });

  it('a missing explicit model falls back, with the attempt recorded', async () => {
    const core = await setup();
    const r = await routeAndGenerate(core, { prompt: CODE, model: 'ghost:7b' });
    expect(r.model).toBe('qwen2.5-coder:7b');
    expect(r.fallbacks).toEqual([{ model: 'ghost:7b', error: expect.stringContaining('ollama pull ghost:7b') }]);
    expect(r.reason).toMatch(/after 1 failed attempt/);
  });

  it("a thinking model's reasoning comes back apart from the answer", async () => {
    const core = await setup({ withQwen3: true });
    const r = await routeAndGenerate(core, {
      prompt: 'Prove step by step that the square root of 2 is irrational.',
      model: 'qwen3:8b',
    });
    expect(r.thinking).toBe('Let me think. ');
    expect(r.text).not.toContain('Let me think');
  });
});

describe('fallbacks', () => {
  it('a 500 before streaming moves on to the next candidate', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'qwen2.5-coder:7b' });
    fake.failNext('/api/generate', 500, 'llama runner process has terminated');
    const r = await routeAndGenerate(core, { prompt: 'Write a haiku about autumn', task: 'general' });
    expect(r.fallbacks).toHaveLength(1);
    expect(r.fallbacks[0]!.error).toMatch(/llama runner process has terminated/);
    expect(r.model).not.toBe(r.fallbacks[0]!.model);
    expect(core.metrics.get(r.fallbacks[0]!.model)).toMatchObject({ failures: 1 });
  });

  it('an error during the stream moves on too, and the partial answer is not returned', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'llama3.2' });
    fake.failNext('/api/generate', 500, 'out of memory', { afterChunks: 2 });
    fake.reply('alpha beta gamma delta');
    const r = await routeAndGenerate(core, {
      prompt: 'tell me a story about a fox',
      task: 'general',
      model: 'llama3.2',
    });
    expect(r.fallbacks).toEqual([{ model: 'llama3.2:latest', error: expect.stringMatching(/out of memory/) }]);
    expect(r.text).toBe('alpha beta gamma delta');
  });

  it('no first token within ollama.firstTokenTimeoutMs stops the model and tries the next', async () => {
    const core = await setup({ yaml: `${YAML}  firstTokenTimeoutMs: 1000\n` });
    await smartLoad(core, { model: 'llama3.2' });
    await smartLoad(core, { model: 'phi3:mini' });
    fake.setLatency('/api/generate', 1600);
    setTimeout(() => fake.setLatency('/api/generate', 0), 900); // the first request already waits 1.6 s
    const r = await routeAndGenerate(core, { prompt: 'Hello there, how are you?', task: 'fast' });
    expect(r.fallbacks).toHaveLength(1);
    expect(r.fallbacks[0]!.error).toMatch(
      /sent no first token within 1 s .*raise ollama\.firstTokenTimeoutMs \(1000 ms\)/,
    );
  });

  it('an empty answer is not a success', async () => {
    const core = await setup();
    fake.reply((ctx) => (ctx.model.startsWith('llama3.2') ? '' : 'fine'));
    const r = await routeAndGenerate(core, { prompt: 'Tell me about the moon.', task: 'general' });
    expect(r.fallbacks[0]).toMatchObject({ model: 'llama3.2:latest', error: expect.stringMatching(/empty answer/) });
    expect(r.text).toBe('fine');
  });

  it('with Ollama down: a clear error telling the assistant to do it itself; the next call works once it is back', async () => {
    const core = await setup();
    await core.catalog.list(); // the last good list is kept
    fake.setOffline(true);
    const err = (await routeAndGenerate(core, { prompt: 'hi', task: 'general' }).catch(
      (e: unknown) => e,
    )) as RouteError;
    expect(err).toBeInstanceOf(RouteError);
    expect(err.message).toMatch(/not reachable at .*Do the task yourself/);
    expect(err.attempts, JSON.stringify(err.attempts)).toHaveLength(1); // one host: no point trying every model
    fake.setOffline(false);
    expect((await routeAndGenerate(core, { prompt: 'hi', task: 'general' })).text.length).toBeGreaterThan(0);
  });

  it('a connection that drops after Ollama began answering is said as such, and the next model is tried', async () => {
    const core = await setup({ tokenDelayMs: 30 });
    let cut = false;
    const r = routeAndGenerate(core, {
      prompt: 'Tell me about rivers in three sentences',
      task: 'general',
      onProgress: (n) => {
        if (n >= 1 && !cut) {
          cut = true;
          fake.setOffline(true); // the connection breaks mid-answer
          setTimeout(() => fake.setOffline(false), 50);
        }
      },
    });
    const out = await r.catch((e: unknown) => e as RouteError);
    const attempts =
      out instanceof RouteError
        ? out.attempts
        : (out as { fallbacks: Array<{ model: string; error: string }> }).fallbacks;
    expect(attempts[0]!.error).toMatch(
      /^The connection to Ollama at .* dropped while .* was answering \(after \d+ tokens\) — the next model is tried\.$/,
    );
    expect(attempts[0]!.error).not.toMatch(/ollama serve/);
    expect(out instanceof RouteError ? out.attempts.length : 2).toBeGreaterThanOrEqual(2); // another model was tried
  });

  it('a generation stopped by shutdown says the server is stopping', async () => {
    const core = await setup({ tokenDelayMs: 50 });
    const r = routeAndGenerate(core, {
      prompt: 'Tell me about lakes',
      task: 'general',
      signal: core.signalFor(new AbortController().signal).signal,
    });
    setTimeout(() => void core.shutdown(200), 150);
    await expect(r).rejects.toThrow(/stopped: the server is stopping\./);
  });

  it('when every local model fails, a configured OpenAI-compatible provider answers, and says so', async () => {
    let seen: { auth?: string; body?: { model: string; messages: unknown[] } } = {};
    const cloud: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        seen = { auth: req.headers.authorization, body: JSON.parse(raw) as { model: string; messages: unknown[] } };
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            choices: [{ message: { content: 'from the cloud' } }],
            usage: { prompt_tokens: 5, completion_tokens: 3 },
          }),
        );
      });
    });
    await new Promise<void>((r) => cloud.listen(0, '127.0.0.1', r));
    const port = (cloud.address() as { port: number }).port;
    try {
      process.env.OLLM_TEST_CLOUD_KEY = 'sk-test';
      const core = await setup({
        yaml:
          `${YAML}fallback:\n  baseURL: http://127.0.0.1:${port}/v1\n  model: cloud-mini\n  ` +
          `apiKeyEnv: OLLM_TEST_CLOUD_KEY\n`,
      });
      fake.reply('');
      const r = await routeAndGenerate(core, { prompt: CODE });
      expect(r).toMatchObject({ provider: 'fallback', model: 'cloud-mini', text: 'from the cloud' });
      expect(r.fallbacks.length).toBeGreaterThan(0);
      expect(r.reason).toMatch(/cloud fallback 127\.0\.0\.1:\d+ \(cloud-mini\)/);
      expect(seen.auth).toBe('Bearer sk-test');
      expect(seen.body?.model).toBe('cloud-mini');
    } finally {
      delete process.env.OLLM_TEST_CLOUD_KEY;
      await new Promise((r) => cloud.close(r));
    }
  });
});

describe('streaming control', () => {
  it('reports progress while it runs', async () => {
    const core = await setup({ tokenDelayMs: 2 });
    fake.reply('one two three four five six');
    const seen: number[] = [];
    await routeAndGenerate(core, { prompt: 'count', task: 'general', onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('cancelling stops generation on the fake at once and tries nothing else', async () => {
    const core = await setup({ tokenDelayMs: 10 });
    fake.reply(oneTokenWords(3000, 'w')); // 30 s if not stopped: its end within the wait below is the cancel's doing
    const ac = new AbortController();
    const pending = routeAndGenerate(core, {
      prompt: 'a long story',
      task: 'general',
      signal: ac.signal,
      onProgress: (n) => {
        if (n === 5) ac.abort();
      },
    });
    await expect(pending).rejects.toThrow(/cancelled/);
    await vi.waitFor(() => expect(fake.loaded().every((m) => m.inFlight === 0)).toBe(true), { timeout: 5000 });
    const streams = fake.requests.filter(
      (q) => q.path === '/api/generate' && (q.body as { prompt?: string }).prompt === 'a long story',
    );
    expect(streams).toHaveLength(1); // no fallback after a cancel
  });
});

describe('memory hook', () => {
  it(
    'remembered facts follow the prompt within the budget (the system prompt stays the same for ' +
      'every question), unless useMemory is false',
    async () => {
      const core = await setup();
      const budgets: number[] = [];
      core.memory = {
        factsFor: async (_prompt, budget) => {
          budgets.push(budget);
          return 'The user prefers TypeScript.';
        },
      };
      await routeAndGenerate(core, { prompt: 'hello memory', system: 'Be brief.', task: 'general' });
      await routeAndGenerate(core, { prompt: 'hello without', task: 'general', useMemory: false });
      const sent = (p: string) =>
        fake.requests.find((q) => q.path === '/api/generate' && (q.body as { prompt?: string }).prompt?.startsWith(p))!
          .body as { system?: string; prompt: string };
      expect(sent('hello memory')).toMatchObject({
        system: 'Be brief.',
        prompt: 'hello memory\n\nThe user prefers TypeScript.',
      });
      expect(sent('hello without').system).toBeUndefined();
      expect(sent('hello without').prompt).toBe('hello without');
      expect(budgets).toEqual([500]); // memory.promptBudgetTokens
    },
  );
});

describe('a project profile', () => {
  const project: ProjectProfile = {
    name: 'typescript',
    base: 'typescript',
    root: '/srv/app',
    explicit: false,
    systemPrompt: 'This is a strict TypeScript project.',
    defaultProfile: 'code',
    tools: { disabled: [] },
    description: 'TypeScript / JavaScript project',
  };
  const GENERAL = 'Tell me what you think about the way our team names its branches and tags';
  const systemOf = (p: string) =>
    (
      fake.requests.find((q) => q.path === '/api/generate' && (q.body as { prompt?: string }).prompt === p)!.body as {
        system?: string;
      }
    ).system;

  it('sends unspecific work to its default profile, with its system prompt first', async () => {
    const core = await setup({ project });
    const r = await routeAndGenerate(core, { prompt: GENERAL, system: 'Be brief.', useMemory: false });
    expect(r.task).toBe('general');
    expect(r.profile).toBe('code');
    expect(r.model).toBe('qwen2.5-coder:7b');
    expect(r.reason).toMatch(/the code profile by default for the typescript project/);
    expect(systemOf(GENERAL)).toBe('This is a strict TypeScript project.\n\nBe brief.');
  });

  it('keeps work whose kind is given, or inferred as something else, where it belongs', async () => {
    const core = await setup({ project });
    expect((await routeAndGenerate(core, { prompt: GENERAL, task: 'general', useMemory: false })).profile).toBe(
      'general',
    );
    expect(
      (
        await routeAndGenerate(core, {
          prompt: 'Write a short poem about the sea and the wind at night',
          useMemory: false,
        })
      ).profile,
    ).toBe('creative');
  });

  it('applies only to work of its own kind: a question about Lisbon stays general work', async () => {
    const core = await setup({ project });
    const r = await routeAndGenerate(core, { prompt: 'What are some good things to see in Lisbon?', useMemory: false });
    expect(r.profile).toBe('general');
    expect(r.model).not.toBe('qwen2.5-coder:7b');
    expect(r.reason).not.toMatch(/by default/);
  });

  it("lets the user's preference for general work win over the project's default", async () => {
    const core = await setup({ project });
    await core.preferences.set('general', { model: 'llama3.2:latest', task: 'general', at: new Date().toISOString() });
    for (const prompt of [GENERAL, 'What are some good things to see in Lisbon?']) {
      const r = await routeAndGenerate(core, { prompt, useMemory: false });
      expect(r.profile, prompt).toBe('general');
      expect(r.model, prompt).toBe('llama3.2:latest');
      expect(r.reason).toMatch(/you preferred for general work/);
    }
  });

  it('falls back to general when no installed model serves the default profile', async () => {
    const core = await setup({ project, only: ['llama3.2:latest', 'llava:7b'] });
    const r = await routeAndGenerate(core, { prompt: GENERAL, useMemory: false });
    expect(r).toMatchObject({ profile: 'general', model: 'llama3.2:latest' });
    expect(r.reason).toMatch(/no installed model serves it, so general/);
  });
});

describe('context limits', () => {
  it('raises num_ctx when the prompt needs it, and says so', async () => {
    const core = await setup();
    await smartLoad(core, { model: 'llama3.2' });
    const long = 'word '.repeat(6000);
    const r = await routeAndGenerate(core, { prompt: long, model: 'llama3.2', maxTokens: 512 });
    expect(r.contextLength).toBeGreaterThan(4096);
    expect(fake.loaded().find((m) => m.name === 'llama3.2:latest')?.numCtx).toBe(r.contextLength);
    expect(fake.loadCount('llama3.2:latest')).toBe(2);
    expect(r.reason).toMatch(
      new RegExp(`reloaded llama3\\.2:latest with a ${r.contextLength! / 1024}k window \\(it was loaded with 4k\\)`),
    );
  });

  it('keeps the loaded context when it suffices: no reload', async () => {
    const core = await setup();
    await routeAndGenerate(core, { prompt: 'hi', model: 'llama3.2' });
    await routeAndGenerate(core, { prompt: 'hello again', model: 'llama3.2' });
    expect(fake.loadCount('llama3.2:latest')).toBe(1);
  });

  it('never truncates: a prompt too long for every model is a clear error', async () => {
    const core = await setup();
    const err = await routeAndGenerate(core, { prompt: 'x', task: 'general', maxTokens: 900_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RouteError);
    // the fake machine's memory holds less than the 131072 tokens llama3.1 was trained for
    expect((err as Error).message).toMatch(
      /largest context window a model can use here now is \d+ \(trained for up to 131072; memory holds less\).*not truncated/,
    );
  });
});

describe('an answer cut in its first sentence', () => {
  const LONG = 'The reason the sky looks blue during the day has to do with how sunlight meets the air and';

  it('is set aside when the length limit was the default, and the next model answers', async () => {
    const core = await setup({ yaml: `${YAML}options:\n  maxTokens: 8\n` });
    fake.reply((ctx) => (ctx.model.startsWith('llama3.2') ? LONG : 'Air scatters blue light.'));
    const r = await routeAndGenerate(core, { prompt: 'Why is the sky blue?', model: 'llama3.2' });
    expect(r.model).not.toMatch(/llama3\.2/);
    expect(r.fallbacks[0]).toMatchObject({
      model: 'llama3.2:latest',
      error: expect.stringMatching(/set aside: .*first sentence/),
    });
  });

  it('is the answer when the caller set maxTokens: a cut at their own limit is what they asked for', async () => {
    const core = await setup();
    fake.reply(LONG);
    const r = await routeAndGenerate(core, { prompt: 'Why is the sky blue?', model: 'llama3.2', maxTokens: 8 });
    expect(r).toMatchObject({ model: 'llama3.2:latest', doneReason: 'length', fallbacks: [] });
  });
});
