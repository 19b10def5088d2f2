/**
 * A loaded model keeps its window (issue 82, finding 3, Deliver 2): against the fake Ollama, which
 * reloads a runner asked for another num_ctx as Ollama does (server/sched.go needsReload), a quick
 * question, a question over a 150 KB file and a comparison in turn reload nothing — the file is
 * split to the window the model was loaded with — and a prompt that fits no window it is loaded
 * with and does not split is the one reload, said in the result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { compare } from '../../src/orchestrator/jobs/compare.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { runSplit } from '../../src/orchestrator/jobs/split-run.js';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../fake-ollama/fixtures-extra.js';
import { coreFor } from '../helpers/core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
// the models with 8k windows
const llama = { ...NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!, contextLength: 8192 };
const coder = { ...DEFAULT_MODELS.find((m) => m.name === 'qwen2.5-coder:7b')!, contextLength: 8192 };

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

/** One file of `bytes`, read by reference. */
function file(bytes: number): GatheredInputs {
  const lines = Array.from({ length: Math.ceil(bytes / 56) }, (_, i) => `LINE-${i} worker-${i % 7} status=ok job ${i}`);
  const text = `${lines.join('\n')}\n`;
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

/** A long answer, for a request that holds the model while another is planned (at `slowLlama`'s 5 ms a token). */
const LONG = oneTokenWords(400, 'word');

async function host(opts: { loadDelayMs?: number; slowLlama?: boolean; memoryBytes?: number } = {}) {
  const { slowLlama, memoryBytes = 16e9, ...rest } = opts;
  const models = [slowLlama ? { ...llama, tokenDelayMs: 5 } : llama, coder];
  fake = await FakeOllama.start({ memoryBytes, models, tokenDelayMs: 0, ...rest });
  fake.reply((ctx) => {
    const prompt = ctx.prompt ?? '';
    return /Combine them into one answer/.test(prompt) ? 'FINAL' : /at length/.test(prompt) ? LONG : 'partial';
  });
  return coreFor(fake, { totalBytes: memoryBytes, yaml: YAML });
}

const loadsOf = (f: FakeOllama, model: string) => f.loadCount(model);

/** A question over a 150 KB log of llama3.1:8b, asked by `agent` when said. */
const fileQuestion = (core: Awaited<ReturnType<typeof host>>, prompt: string, agent?: string) =>
  offload(core, { prompt, task: 'summarize', model: 'llama3.1:8b', ...(agent && { agent }), inputs: file(150_000) });

describe('a loaded model keeps its window', () => {
  it('a quick question, a question over a 150 KB file and a comparison: 0 reloads, every request at the loaded window', async () => {
    const core = await host({ slowLlama: true });
    const quick = await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b' });
    const loadedWith = quick.contextLength;
    expect(loadedWith).toBeLessThan(8192); // loaded with the host's default, below the 8k it could take
    // another request holds the model as the file question is planned: a model in use is never reloaded (an idle
    // one is, when the reload costs less than the split: the next test)
    const busy = routeAndGenerate(core, { prompt: 'Explain closures at length.', model: 'llama3.1:8b' });
    while (core.loader.requestsOn('llama3.1:8b') === 0) await new Promise((r) => setTimeout(r, 2));
    const asked = await fileQuestion(core, 'List the errors in this log.');
    expect(asked.text).toBe('FINAL');
    // split to the window it is loaded with, not to the 8k window a reload would give
    expect(asked.split!.contextTokens).toBe(loadedWith);
    expect(asked.reason).toMatch(/split into \d+ parts/);
    expect((await busy).text).toBe(LONG);
    const c = await compare(core, { prompt: 'Say hi', models: ['llama3.1:8b', 'qwen2.5-coder:7b'] });
    expect(c.results.every((r) => !r.error)).toBe(true);
    expect(fake!.stats().reloads).toEqual([]);
    expect(loadsOf(fake!, 'llama3.1:8b')).toBe(1);
    for (const g of fake!.generations().filter((x) => x.model === 'llama3.1:8b')) expect(g.numCtx).toBe(loadedWith);
    for (const g of fake!.generations()) expect(g.fits).toBe(true);
  }, 60_000);

  it('an idle model whose reload costs less than splitting to its window: reloaded once, both figures said', async () => {
    const core = await host(); // loads of a few ms, measured
    const quick = await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b' });
    expect(quick.contextLength).toBe(4096);
    const asked = await fileQuestion(core, 'List the errors in this log.');
    expect(asked.text).toBe('FINAL');
    expect(asked.split!.contextTokens).toBe(8192); // fewer, larger parts at the window a reload gives
    expect(fake!.stats().reloads).toHaveLength(1);
    // the reason says the reload and both estimates
    expect(asked.reason).toMatch(
      /It reloaded llama3\.1:8b with an 8k window \(it was loaded with 4k\): split to 4k the work would take ~\d+ s, reloaded ~\d+ s with the load, and nothing else was using it/,
    );
  }, 60_000);

  it('an idle model another agent used within the minute keeps its window: split to it, no reload', async () => {
    const core = await host();
    const quick = await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b', agent: 'alice' });
    expect(quick.contextLength).toBe(4096);
    // nothing runs on it now, but alice is using it between her calls: bob's file question is split to 4k
    const asked = await fileQuestion(core, 'List the errors in this log.', 'bob');
    expect(asked.text).toBe('FINAL');
    expect(asked.split!.contextTokens).toBe(4096);
    expect(fake!.stats().reloads).toEqual([]);
    // alice's own file question on the model only she used before bob: still bob's within the minute, no reload
    const hers = await fileQuestion(core, 'List the warnings in this log.', 'alice');
    expect(hers.split!.contextTokens).toBe(4096);
    expect(fake!.stats().reloads).toEqual([]);
  }, 60_000);

  it("a reload that would unload another agent's model to make room is not paid: split to the loaded window", async () => {
    // 10.8 GB: the two at 4k fit together (~5.5 + ~4.9 GB, as loaded), llama3.1:8b at 8k beside qwen does not
    const sizes = async (agentOfCoder: string) => {
      const core = await host({ memoryBytes: 10.8e9 });
      const ask = (model: string, agent: string) =>
        routeAndGenerate(core, { prompt: 'Hi', model, agent, useMemory: false });
      // loaded once each on its own first, so the host knows their sizes; then side by side at 4k
      await ask('qwen2.5-coder:7b', agentOfCoder);
      await ask('llama3.1:8b', 'bob');
      await ask('qwen2.5-coder:7b', agentOfCoder);
      expect(
        fake!
          .loaded()
          .map((m) => [m.name, m.contextLength])
          .sort(),
      ).toEqual([
        ['llama3.1:8b', 4096],
        ['qwen2.5-coder:7b', 4096],
      ]);
      return core;
    };
    // qwen2.5-coder:7b is alice's, used a moment ago: bob's file question splits to the 4k llama3.1:8b has
    const core = await sizes('alice');
    const reloadsBefore = fake!.stats().reloads.length;
    const asked = await fileQuestion(core, 'List the errors in this log.', 'bob');
    expect(asked.text).toBe('FINAL');
    expect(asked.split!.contextTokens).toBe(4096);
    expect(fake!.stats().reloads).toHaveLength(reloadsBefore);
    expect(fake!.loaded().map((m) => m.name)).toContain('qwen2.5-coder:7b');
    await fake!.stop();
    // the same, qwen2.5-coder:7b bob's own: the reload is paid, and qwen2.5-coder:7b unloaded for it
    const own = await sizes('bob');
    const wider = await fileQuestion(own, 'List the errors in this log.', 'bob');
    expect(wider.split!.contextTokens).toBe(8192);
    expect(fake!.loaded().map((m) => m.name)).not.toContain('qwen2.5-coder:7b');
  }, 60_000);

  it('an idle model another agent compared on within the minute keeps its window: a comparison serves its agent', async () => {
    const core = await host();
    const c = await compare(core, { prompt: 'Say hi', models: ['llama3.1:8b'], agent: 'alice' });
    expect(c.results.every((r) => !r.error)).toBe(true);
    // nothing runs on llama3.1:8b now; alice compared on it: bob's file question is split to the 4k it was loaded with
    const asked = await fileQuestion(core, 'List the errors in this log.', 'bob');
    expect(asked.text).toBe('FINAL');
    expect(asked.split!.contextTokens).toBe(4096);
    expect(fake!.stats().reloads).toEqual([]);
  }, 60_000);

  it('a file question planned while the model is being loaded is split to the window that load gives it', async () => {
    const core = await host({ loadDelayMs: 1500 });
    const quick = routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b' });
    // the quick question's load under way, its window planned
    for (let i = 0; i < 100 && !fake!.requests.some((r) => r.path === '/api/generate'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const asked = offload(core, {
      prompt: 'List the errors in this log.',
      task: 'summarize',
      model: 'llama3.1:8b',
      inputs: file(60_000),
    });
    const [q, a] = await Promise.all([quick, asked]);
    expect(a.split!.contextTokens).toBe(q.contextLength);
    expect(fake!.stats().reloads).toEqual([]);
    expect(loadsOf(fake!, 'llama3.1:8b')).toBe(1);
  }, 60_000);

  it("a file question planned before anything loads the model: the quick question loading it first takes the parts' window", async () => {
    const core = await host();
    const req = { prompt: 'List the errors in this log.', task: 'summarize' as const, model: 'llama3.1:8b' };
    const { docs } = file(60_000);
    const plan = await planOffload(core, req, docs); // planned, nothing loaded yet
    if (plan.kind !== 'split') throw new Error(`expected a split plan, got ${plan.kind}`);
    expect(plan.plan.window).toBe(8192);
    // a quick question beside it loads the model first: with the window the parts were sized to, not its own 4096
    const quick = await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b' });
    expect(quick.contextLength).toBe(8192);
    const r = await runSplit(core, req, plan.plan);
    expect(r.text).toBe('FINAL');
    expect(fake!.stats().reloads).toEqual([]);
    expect(loadsOf(fake!, 'llama3.1:8b')).toBe(1);
    // once loaded, the expectation is spent: the next load of another model takes its own window
    await routeAndGenerate(core, { prompt: 'Write a loop.', model: 'qwen2.5-coder:7b' });
    expect(fake!.loaded().find((m) => m.name === 'qwen2.5-coder:7b')!.contextLength).toBe(4096);
  }, 60_000);

  it('a window expected of the next load that memory cannot hold is not taken: the load asked for goes ahead', async () => {
    fake = await FakeOllama.start({ memoryBytes: 6.7e9, models: [llama, coder], tokenDelayMs: 0 });
    const core = await coreFor(fake, { totalBytes: 6.7e9, yaml: YAML });
    core.loader.expectWindow('llama3.1:8b', 8192); // ~7.0 GB at 8192; ~6.4 GB at 4096
    const quick = await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b' });
    expect(quick.contextLength).toBe(4096);
    expect(fake.stats().refusedLoads).toEqual([]);
    // with the room, the same expectation is taken
    await fake.stop();
    fake = await FakeOllama.start({ memoryBytes: 16e9, models: [llama, coder], tokenDelayMs: 0 });
    const roomy = await coreFor(fake, { totalBytes: 16e9, yaml: YAML });
    roomy.loader.expectWindow('llama3.1:8b', 8192);
    expect((await routeAndGenerate(roomy, { prompt: 'What is a closure?', model: 'llama3.1:8b' })).contextLength).toBe(
      8192,
    );
  }, 60_000);

  it("the user's own window outranks the loaded one: an agent's options.contextSize is sent, the reload said", async () => {
    fake = await FakeOllama.start({ memoryBytes: 16e9, models: [llama, coder], tokenDelayMs: 0 });
    const yaml = `${YAML}agents:\n  roomy:\n    options: { contextSize: 8192 }\n`;
    const core = await coreFor(fake, { totalBytes: 16e9, yaml });
    const plain = await routeAndGenerate(core, {
      prompt: 'Hi',
      model: 'llama3.1:8b',
      agent: 'plain',
      useMemory: false,
    });
    expect(plain.contextLength).toBe(4096);
    const roomy = await routeAndGenerate(core, {
      prompt: 'Hey',
      model: 'llama3.1:8b',
      agent: 'roomy',
      useMemory: false,
    });
    expect(roomy.contextLength).toBe(8192);
    expect(roomy.reason).toMatch(
      /reloaded llama3\.1:8b with the 8k window options\.contextSize sets \(it was loaded with 4k\)/,
    );
    // the other agent's quick question keeps the window it is loaded with now: no reload back
    await routeAndGenerate(core, { prompt: 'Hi again', model: 'llama3.1:8b', agent: 'plain', useMemory: false });
    expect(fake.generations().map((g) => g.numCtx)).toEqual([4096, 8192, 8192]);
    expect(fake.stats().reloads).toHaveLength(1);
  }, 60_000);

  it('a prompt no loaded window holds, which does not split: the one reload, and the result says why', async () => {
    const core = await host();
    const quick = await routeAndGenerate(core, { prompt: 'What is a closure?', model: 'llama3.1:8b' });
    expect(quick.contextLength).toBe(4096);
    const long = Array.from({ length: 400 }, (_, i) => `step ${i}: add the numbers and carry the rest`).join('\n');
    const r = await routeAndGenerate(core, { prompt: `${long}\nWhat is the last step?`, model: 'llama3.1:8b' });
    expect(r.contextLength).toBe(8192);
    expect(fake!.stats().reloads).toMatchObject([{ model: 'llama3.1:8b', changed: ['num_ctx'] }]);
    expect(r.reason).toMatch(
      /reloaded llama3\.1:8b with an 8k window \(it was loaded with 4k\): the prompt needs ~\d+k and does not split/,
    );
    // a quick question after it keeps the wider window: no reload back
    await routeAndGenerate(core, { prompt: 'And a short one?', model: 'llama3.1:8b' });
    expect(fake!.stats().reloads).toHaveLength(1);
    expect(fake!.generations().at(-1)!.numCtx).toBe(8192);
  }, 60_000);
});
