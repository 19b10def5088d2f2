/**
 * The box's load, seen (issue 57): two OpenAI-compatible hosts hold the same model; the first
 * one's engine publishes its own figures. Other clients' requests filling its slots send a call to
 * the other host, the reason saying why; with the figures at zero, or an engine that publishes
 * nothing or garbage, the usual order stands. The figures are read at most once a second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { FakeOpenAI, type FakeOpenAIOptions } from '../fake-openai/server.js';
import { coreFor } from '../helpers/core.js';

const MODEL = 'meta-llama/Llama-3.2-3B-Instruct';
const fakes: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function twoHosts(publishes: FakeOpenAIOptions['publishes'], slots = 1, model = MODEL) {
  const box = await FakeOllama.start({ models: [] });
  const first = await FakeOpenAI.start({
    models: [model],
    reply: 'from first',
    tokenDelayMs: 1,
    ...(publishes && { publishes }),
    slots,
  });
  const second = await FakeOpenAI.start({ models: [model], reply: 'from second', tokenDelayMs: 1 });
  fakes.push(box, first, second);
  const yaml = [
    'hosts:',
    `  - { name: first, kind: openai, url: "${first.url}", numParallel: ${slots} }`,
    `  - { name: second, kind: openai, url: "${second.url}", numParallel: ${slots} }`,
  ].join('\n');
  const core = await coreFor(box, { yaml });
  return { first, second, core };
}

const ask = { prompt: 'Write two sentences about rivers' };

describe("placement weighs an engine's own load", () => {
  it(
    "vLLM: others' requests fill the first host's slot → a routed call goes to the second, the " + 'reason says why',
    async () => {
      const { first, second, core } = await twoHosts('vllm');
      first.setLoad({ running: 1, waiting: 2 });
      const r = await routeAndGenerate(core, ask);
      expect(r).toMatchObject({ host: 'second', model: MODEL, text: 'from second' });
      expect(r.reason).toMatch(/the copy on first is busy with 3 requests of other clients on its engine/);
      expect(first.requestsTo('/v1/chat/completions')).toHaveLength(0);
      expect(second.requestsTo('/v1/chat/completions')).toHaveLength(1);
    },
  );

  it('a named model moves too', async () => {
    const { first, core } = await twoHosts('vllm');
    first.setLoad({ running: 1, waiting: 0 });
    const r = await routeAndGenerate(core, { ...ask, model: MODEL });
    expect(r.host).toBe('second');
  });

  it('the figures at zero: the usual order (the first host), and no word of others', async () => {
    const { first, core } = await twoHosts('vllm');
    first.setLoad({ running: 0, waiting: 0 });
    const r = await routeAndGenerate(core, ask);
    expect(r).toMatchObject({ host: 'first', text: 'from first' });
    expect(r.reason).not.toMatch(/other clients/);
  });

  it('SGLang: requests in its queue mean no free slot, even below the slots configured', async () => {
    const { first, core } = await twoHosts('sglang', 4);
    first.setLoad({ running: 0, waiting: 1 });
    expect((await routeAndGenerate(core, ask)).host).toBe('second');
  });

  it("llama-server: its own /slots count stands for the slots; others' requests in them move the call", async () => {
    const { first, core } = await twoHosts('llama-server', 2);
    first.setLoad({ running: 1, waiting: 0 });
    expect((await routeAndGenerate(core, ask)).host).toBe('first'); // one of its two slots is free
    await new Promise((r) => setTimeout(r, 1050)); // the next reading
    first.setLoad({ running: 2, waiting: 0 });
    expect((await routeAndGenerate(core, ask)).host).toBe('second');
  });

  it("llama-swap: each running model's llama-server figures, through /upstream", async () => {
    const { first, core } = await twoHosts('llama-swap', 1, 'llama-3.2-3b');
    first.setLoad({ running: 1, waiting: 1 });
    const r = await routeAndGenerate(core, ask);
    expect(r.host).toBe('second');
    expect(first.requestsTo('/running')).toHaveLength(1);
    expect(first.requestsTo('/upstream/llama-3.2-3b/metrics')).toHaveLength(1);
  });

  it('llama-swap: an id that is not a plain name is not put in a path (the usual order)', async () => {
    const { first, core } = await twoHosts('llama-swap');
    first.setLoad({ running: 1, waiting: 1 });
    expect((await routeAndGenerate(core, ask)).host).toBe('first');
    expect(first.requests.filter((q) => q.path.startsWith('/upstream/'))).toEqual([]);
  });

  it('an engine whose /metrics is absent or garbage: the route works as before', async () => {
    for (const publishes of [undefined, 'garbage'] as const) {
      const { first, core } = await twoHosts(publishes);
      first.setLoad({ running: 5, waiting: 5 }); // said nowhere
      const r = await routeAndGenerate(core, ask);
      expect(r).toMatchObject({ host: 'first', text: 'from first' });
      expect(first.requestsTo('/metrics')).toHaveLength(1);
      // not asked again for a while
      await routeAndGenerate(core, ask);
      expect(first.requestsTo('/metrics')).toHaveLength(1);
    }
  });

  it('read at most once a second, however many calls', async () => {
    const { first, core } = await twoHosts('vllm');
    const started = Date.now();
    for (let i = 0; i < 4; i++) await routeAndGenerate(core, ask);
    // four calls in well under a second: one reading (more only if this machine made them slower than that)
    expect(first.requestsTo('/metrics').length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000));
  });
});
