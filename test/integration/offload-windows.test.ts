/**
 * Work over long inputs is planned before anything is sent: the window each model can use is the
 * smallest of its trained window and what its host's memory holds for it now (after the unloads
 * the planner would make), and the job runs whole when it fits that, split to it otherwise. On a
 * 12 GB Ollama host, llama3.1:8b's 131,072-token training window needs ~17 GB of KV cache: the
 * product once asked for it and gave up ("needs 23.1 GB") instead of splitting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { compare } from '../../src/orchestrator/jobs/compare.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import type { InputDoc } from '../../src/orchestrator/generation/input-doc.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../fake-ollama/fixtures-extra.js';
import { coreFor } from '../helpers/core.js';

const GB = 1e9;
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
const llama31 = NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!;
const phi3 = DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!;

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

function gathered(docs: InputDoc[]): GatheredInputs {
  const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d.text), 0);
  return {
    docs,
    images: [],
    read: docs.map((d) => ({
      path: d.label,
      kind: 'text',
      bytes: Buffer.byteLength(d.text),
      tokens: estimateTokens(d.text),
      encoding: 'utf-8',
    })),
    skipped: [],
    bytes,
    tokens: docs.reduce((s, d) => s + estimateTokens(d.text), 0),
  };
}

/** 42 source files of ~10 KB, each with a marker on every 20th line. */
function folder(): InputDoc[] {
  return Array.from({ length: 42 }, (_, f) => ({
    label: `src/module-${f}.ts`,
    text: Array.from({ length: 260 }, (_, i) =>
      i % 20 === 0
        ? `// MARK-${f}-${i}`
        : `export function handler${f}_${i}(input: string): number { return input.length * ${i} + ${f}; }`,
    ).join('\n'),
  }));
}

/** A log of `bytes` with a numbered line marker on each line. */
function log(bytes: number): InputDoc {
  const lines: string[] = [];
  let n = 0;
  for (let size = 0; size < bytes; n++) {
    const line =
      `2026-11-22T10:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}Z ` +
      `worker-${n % 7} LINE-${n} handled job ${n * 31} status=${n % 13 === 0 ? 'error' : 'ok'}`;
    lines.push(line);
    size += line.length + 1;
  }
  return { label: 'logs/app.log', text: `${lines.join('\n')}\n` };
}

async function twelveGbHost(models = [llama31, phi3]) {
  fake = await FakeOllama.start({ memoryBytes: 12 * GB, models, tokenDelayMs: 0 });
  fake.reply((ctx) => (/Combine them into one answer/.test(ctx.prompt ?? '') ? 'FINAL' : 'partial'));
  return coreFor(fake, { totalBytes: 12 * GB, yaml: YAML });
}

/** Every request inside its num_ctx, nothing cut, nothing overcommitted. */
function expectHonest(f: FakeOllama) {
  const gens = f.generations();
  expect(gens.length).toBeGreaterThan(0);
  for (const g of gens) {
    expect(g.fits, `${g.promptTokens} tokens in num_ctx ${g.numCtx}`).toBe(true);
    expect(g.truncated).toBe(false);
  }
  expect(f.stats().overcommitBytesPeak).toBe(0);
  expect(f.stats().swapLoads).toEqual([]);
}

const seen = (f: FakeOllama) =>
  f
    .generations()
    .map((g) => g.prompt ?? '')
    .join('\n');
/** The numbered log lines that reached a request: one pass over what was sent. */
const linesIn = (sent: string) => new Set([...sent.matchAll(/LINE-(\d+) /g)].map((m) => Number(m[1])));
const missing = (sent: string, lines: number) => {
  const got = linesIn(sent);
  return Array.from({ length: lines }, (_, i) => i).filter((i) => !got.has(i));
};

describe('on a 12 GB Ollama host, the window is what memory holds', () => {
  it(
    "a 420 KB folder of 42 files is split to llama3.1:8b's memory-bound window and every file " + 'reaches a request',
    async () => {
      const core = await twelveGbHost();
      const docs = folder();
      expect(docs.reduce((s, d) => s + d.text.length, 0)).toBeGreaterThan(400_000);
      const r = await offload(core, {
        prompt: 'Summarise what these modules do.',
        task: 'summarize',
        model: 'llama3.1:8b',
        inputs: gathered(docs),
      });
      expect(r.text).toBe('FINAL');
      // memory-bound, not the trained 131,072: 4.9 GB + 20% + 4 GiB of KV cache fits 12 GB at 32,768; 8 GiB at
      // 65,536 does not
      expect(r.split!.contextTokens).toBe(32768);
      expect(r.reason).toMatch(/usable window \(\d+ tokens\), so it was split into \d+ parts/);
      expect(r.reason).toMatch(/^llama3\.1:8b was named by the caller/); // the caller named it: the reason says so
      expectHonest(fake!);
      for (const g of fake!.generations()) expect(g.numCtx).toBeLessThanOrEqual(r.split!.contextTokens);
      const marks = new Set([...seen(fake!).matchAll(/MARK-\d+-\d+\b/g)].map((m) => m[0]));
      for (let f = 0; f < 42; f++)
        for (let i = 0; i < 260; i += 20) expect(marks.has(`MARK-${f}-${i}`), `MARK-${f}-${i}`).toBe(true);
    },
    60_000,
  );

  it('a 1 MB log is split without a model named, every line reaches a request, and nothing is overcommitted', async () => {
    const core = await twelveGbHost();
    const doc = log(1_000_000);
    const r = await offload(core, {
      prompt: 'List the errors in this log.',
      task: 'summarize',
      inputs: gathered([doc]),
    });
    expect(r.text).toBe('FINAL');
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(r.split!.calls).toBe(fake!.generations().length);
    expectHonest(fake!);
    expect(missing(seen(fake!), doc.text.trimEnd().split('\n').length)).toEqual([]);
  }, 60_000);

  it('a dry run says it would split, into how many parts and rounds, and how long — and sends nothing', async () => {
    const core = await twelveGbHost();
    const r = await offload(core, {
      prompt: 'List the errors in this log.',
      task: 'summarize',
      dryRun: true,
      inputs: gathered([log(1_000_000)]),
    });
    expect(r.advice).toBeDefined();
    expect(r.split!.parts).toBeGreaterThan(1);
    expect(r.split!.rounds).toBeGreaterThanOrEqual(1);
    expect(r.split!.calls).toBeGreaterThan(r.split!.parts);
    expect(r.text).toMatch(
      new RegExp(
        `would be split into ${r.split!.parts} parts .* combined in ${r.split!.rounds} rounds? — ` +
          `${r.split!.calls} generations, about [\\d.]+ s in all`,
      ),
    );
    expect(fake!.generations()).toHaveLength(0);
    expect(fake!.stats().loads).toBe(0);
  });

  it('an input that fits the window whole is not split', async () => {
    const core = await twelveGbHost();
    const r = await offload(core, { prompt: 'Summarise.', task: 'summarize', inputs: gathered([log(20_000)]) });
    expect(r.split).toBeUndefined();
    expect(fake!.generations()).toHaveLength(1);
    expectHonest(fake!);
  });

  it('more parts than inputs.maxParts is refused before anything is sent, naming the setting', async () => {
    fake = await FakeOllama.start({
      memoryBytes: 12 * GB,
      models: [{ ...phi3, contextLength: 4096 }],
      tokenDelayMs: 0,
    });
    const core = await coreFor(fake, { totalBytes: 12 * GB, yaml: `${YAML}inputs:\n  maxParts: 3\n` });
    const err = (await offload(core, {
      prompt: 'Summarise.',
      task: 'summarize',
      inputs: gathered([log(200_000)]),
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/would need \d+ parts .* more than inputs\.maxParts \(3\)/);
    expect(fake.generations()).toHaveLength(0);
  });

  it('cancelling stops every part in flight and starts no other', async () => {
    fake = await FakeOllama.start({
      memoryBytes: 12 * GB,
      models: [{ ...phi3, contextLength: 4096 }],
      tokenDelayMs: 20,
      numParallel: 2,
    });
    const core = await coreFor(fake, { totalBytes: 12 * GB, yaml: `${YAML}ollama:\n  numParallel: 2\n` });
    const ac = new AbortController();
    const started = offload(core, {
      prompt: 'Summarise.',
      task: 'summarize',
      signal: ac.signal,
      inputs: gathered([log(60_000)]),
    });
    while (fake.generations().length < 3) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await expect(started).rejects.toThrow(/cancel/i);
    // a part sent just before the cancel may still reach the engine a moment after it; after that, nothing more
    const generate = () => fake!.requests.filter((q) => q.path === '/api/generate').length;
    await new Promise((r) => setTimeout(r, 150));
    const settled = generate();
    await new Promise((r) => setTimeout(r, 400));
    expect(generate()).toBe(settled);
    expect(fake.requests.filter((q) => q.path === '/api/generate').length).toBeLessThan(10);
  });
});

describe('compare splits per model', () => {
  it('two models with 8k windows each read the whole of a 40 KB file', async () => {
    const eightK = [
      { ...llama31, contextLength: 8192 },
      { ...phi3, contextLength: 8192 },
    ];
    fake = await FakeOllama.start({ memoryBytes: 32 * GB, models: eightK, tokenDelayMs: 0 });
    fake.reply((ctx) =>
      /Combine them into one answer/.test(ctx.prompt ?? '') ? `FINAL from ${ctx.model}` : 'partial',
    );
    const core = await coreFor(fake, { totalBytes: 32 * GB, yaml: YAML });
    const doc = log(40_000);
    const r = await compare(core, {
      prompt: 'List the errors in this log.',
      models: ['llama3.1:8b', 'phi3:mini'],
      docs: [doc],
    });
    expect(r.results.map((e) => e.error)).toEqual([undefined, undefined]);
    const lines = doc.text.trimEnd().split('\n').length;
    for (const e of r.results) {
      expect(e.text).toBe(`FINAL from ${e.model}`);
      expect(e.split!.parts).toBeGreaterThan(1);
      const mine = fake
        .generations()
        .filter((g) => g.model === e.model)
        .map((g) => g.prompt ?? '')
        .join('\n');
      expect(missing(mine, lines)).toEqual([]);
    }
    expectHonest(fake);
  }, 60_000);
});
