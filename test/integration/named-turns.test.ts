// Turns between clients on a model the callers name (issue 55, finding 4): client B's quick call
// waited behind six long calls client A had queued on the same model, since the engine serves a
// model's slots first come first served. Now the requests beyond the slots wait in ollm-mcp, let
// in by turns: B's call reaches the engine before A's queue drains — and A alone still fills every
// slot. The order asserted is the order of the requests the fake engine received.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { fairModels } from '../helpers/fair.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const MODEL = 'qwen2.5:14b';
/** A's first answer: long enough that B's call comes while it runs; the others short. */
const LONG = oneTokenWords(150, 'w');
const SHORT = 'one two three four five six';

async function machine(slots: number) {
  const fake = await FakeOllama.start({
    memoryBytes: 32e9,
    tokenDelayMs: 2,
    numParallel: slots,
    models: fairModels(10),
  });
  fake.reply((ctx) =>
    /French/.test(ctx.prompt ?? '') ? 'Bonjour !' : /part 1\b/.test(ctx.prompt ?? '') ? LONG : SHORT,
  );
  const core = await coreFor(fake, {
    totalBytes: 32e9,
    yaml: `ollama:\n  numParallel: ${slots}\n  capacity:\n    ram: 32GB\nram:\n  budget: 28GB\n  bufferBytes: 0\n`,
  });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  const loader = core.fleet.hosts[0]!.loader;
  return { fake, core, loader };
}

const prompts = (fake: FakeOllama) => fake.generations().map((g) => g.prompt ?? '');
const longCall = (core: Awaited<ReturnType<typeof machine>>['core'], n: number) =>
  routeAndGenerate(core, {
    prompt: `Write part ${n} of the report.`,
    model: MODEL,
    client: 'A',
    useMemory: false,
    maxTokens: 200,
  });

describe('a call naming a model that another client keeps busy', () => {
  it("B's 3-token call reaches the engine right after A's running call, before A's five queued ones", async () => {
    const { fake, core, loader } = await machine(1);
    const a = [1, 2, 3, 4, 5, 6].map((n) => longCall(core, n));
    await vi.waitFor(() => expect(loader.waitingAhead(MODEL, 'A', 200).length).toBe(5), {
      timeout: 30_000,
      interval: 5,
    });
    // one at the engine, five waiting here
    await vi.waitFor(() => expect(prompts(fake)).toHaveLength(1), { timeout: 30_000, interval: 5 });
    const notes: string[] = [];
    const b = routeAndGenerate(core, {
      prompt: 'Say hello in French.',
      model: MODEL,
      client: 'B',
      useMemory: false,
      maxTokens: 3,
      progress: { enter: (p) => p.kind === 'waiting' && notes.push(p.for) },
    });
    const quick = await b;
    expect(quick.text).toBe('Bonjour !');
    const answers = await Promise.all(a);
    expect(answers.every((r) => r.model === MODEL)).toBe(true);
    const order = prompts(fake);
    expect(order).toHaveLength(7);
    expect(order.findIndex((p) => p.includes('French'))).toBe(1);
    // A's own calls went in the order A sent them
    expect(order.filter((p) => p.includes('Write part')).map((p) => p.match(/part (\d)/)![1])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
    ]);
    expect(notes).toContain(`a slot on ${MODEL}: 1 request ahead`);
  }, 60_000);

  it('A alone still fills every slot: two of its calls run at once on a two-slot model', async () => {
    const { fake, core, loader } = await machine(2);
    const a = [1, 2, 3, 4].map((n) => longCall(core, n));
    await vi.waitFor(() => expect(loader.requestsOn(MODEL)).toBe(2), { timeout: 30_000, interval: 5 });
    expect(loader.waitingAhead(MODEL, 'A', 200)).toHaveLength(2);
    await vi.waitFor(() => expect(prompts(fake)).toHaveLength(2), { timeout: 30_000, interval: 5 });
    await Promise.all(a);
    expect(prompts(fake)).toHaveLength(4);
  }, 60_000);

  it('a cancelled call waiting for a slot leaves at once and never reaches the engine', async () => {
    const { fake, core, loader } = await machine(1);
    const a = [1, 2].map((n) => longCall(core, n));
    await vi.waitFor(() => expect(loader.waitingAhead(MODEL, 'A', 200).length).toBe(1), {
      timeout: 30_000,
      interval: 5,
    });
    const stop = new AbortController();
    const b = routeAndGenerate(core, {
      prompt: 'Say hello in French.',
      model: MODEL,
      client: 'B',
      useMemory: false,
      maxTokens: 3,
      signal: stop.signal,
    });
    await vi.waitFor(() => expect(loader.waitingAhead(MODEL, 'A', 200).map((w) => w.client)).toEqual(['B', 'A']), {
      timeout: 30_000,
      interval: 5,
    });
    stop.abort();
    await expect(b).rejects.toThrow(/cancelled/);
    expect(loader.waitingAhead(MODEL, 'A', 200).map((w) => w.client)).toEqual(['A']);
    await Promise.all(a);
    expect(prompts(fake).some((p) => p.includes('French'))).toBe(false);
  }, 60_000);
});
