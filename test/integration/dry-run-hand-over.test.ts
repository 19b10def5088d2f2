/**
 * A split job's dry run (issue 62, item 4): one part's figures apart from the whole job's, each
 * labelled, and — for a client with a limit — whether the call would be answered within it or
 * handed over as a job, when, and when the whole result is expected. Against the fake Ollama;
 * nothing is generated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import type { GatheredInputs } from '../../src/orchestrator/inputs/types.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../fake-ollama/fixtures-extra.js';
import { coreFor } from '../helpers/core.js';

const GB = 1e9;
const llama31 = NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!;
const phi3 = DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!;

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

/** A ~300 KB log read by path: longer than llama3.1:8b's window on a 12 GB host, so split. */
function logInput(): GatheredInputs {
  const lines = Array.from(
    { length: 3000 },
    (_, n) =>
      `2026-11-22T10:00:00Z worker-${n % 7} LINE-${n} handled job ${n * 31} ` +
      `status=${n % 13 === 0 ? 'error' : 'ok'} after retries`,
  );
  const text = `${lines.join('\n')}\n`;
  const bytes = Buffer.byteLength(text);
  return {
    docs: [{ label: 'logs/app.log', text }],
    images: [],
    read: [{ path: 'logs/app.log', kind: 'text', bytes, tokens: estimateTokens(text), encoding: 'utf-8' }],
    skipped: [],
    bytes,
    tokens: estimateTokens(text),
  };
}

async function dryRun(clientLimitMs?: number) {
  fake = await FakeOllama.start({ memoryBytes: 12 * GB, models: [llama31, phi3], tokenDelayMs: 0 });
  const core = await coreFor(fake, { totalBytes: 12 * GB, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  const r = await offload(core, {
    prompt: 'List the errors in this log.',
    task: 'summarize',
    model: 'llama3.1:8b',
    dryRun: true,
    inputs: logInput(),
    ...(clientLimitMs !== undefined && { clientLimitMs }),
  });
  expect(r.split!.parts).toBeGreaterThan(1);
  expect(fake.generations()).toHaveLength(0);
  return r;
}

describe("a split job's dry run", () => {
  it("says a 60 s client's call would be handed over at ~54 s, and when the whole result is expected", async () => {
    const r = await dryRun(60_000);
    const whole = r.advice!.expectedSeconds;
    expect(whole).toBeGreaterThan(54); // the plan outlasts what the client waits less the margin
    expect(r.advice).toMatchObject({ clientLimitSeconds: 60, handOverSeconds: 54 });
    expect(r.text).toContain(
      `Your client waits 60 s: this call would be handed over as a job at ~54 s, the whole result ` +
        `expected at ~${whole < 10 ? whole.toFixed(1) : Math.round(whole)} s (show_status with the ` +
        `job's id collects it)`,
    );
    expect(r.text).not.toMatch(/Within what your client waits/);
  });

  it('says it fits, and nothing of a hand-over, for a client that waits longer than the whole job', async () => {
    const r = await dryRun(86_400_000);
    expect(r.advice!.expectedSeconds * 1000).toBeLessThan(86_400_000 * 0.9);
    expect(r.text).toContain('Within what your client waits (86400 s).');
    expect(r.text).not.toMatch(/handed over/);
    expect(r.advice!.clientLimitSeconds).toBe(86400);
    expect(r.advice!.handOverSeconds).toBeUndefined();
  });

  it('says nothing of a limit or a hand-over for a client without a limit', async () => {
    const r = await dryRun();
    expect(r.text).not.toMatch(/client waits|handed over/);
    expect(r.advice!.clientLimitSeconds).toBeUndefined();
    expect(r.advice!.handOverSeconds).toBeUndefined();
  });

  it("labels one part's figures apart from the whole job's", async () => {
    const r = await dryRun();
    const a = r.advice!;
    const part = a.part!;
    // the unlabelled line that mixed a part's prompt with the whole job's time
    expect(r.text).not.toMatch(/^Expected:/m);
    expect(r.text).toMatch(
      new RegExp(
        `^Each part: ~${a.answerTokens} tokens of answer, typical of [a-z]+ work \\(none seen here ` +
          `yet\\), up to ${part.maxTokens}, from ~${part.promptTokens} prompt tokens, about [\\d.]+ s\\.$`,
        'm',
      ),
    );
    expect(r.text).toMatch(
      new RegExp(
        `^Whole job: ${r.split!.parts} parts( \\(\\d+ at a time\\))? and ${r.split!.rounds} ` +
          `combining rounds?, about [\\d.]+ s \\((measured|assumed) speeds\\) in all \\(.*s reading ` +
          `prompts in all;`,
        'm',
      ),
    );
    // a part reads a share of the input and takes a share of the time; the whole job's figures are all of it
    expect(part.promptTokens).toBeLessThan(logInput().tokens);
    expect(part.seconds).toBeGreaterThan(0);
    expect(part.seconds).toBeLessThan(a.expectedSeconds);
    expect(a.promptSeconds!).toBeGreaterThan(part.seconds * (r.split!.parts - 1) * 0.5);
  });
});

describe('work sent whole: the dry run', () => {
  it("says it fits a 60 s client when it does, with no part's figures", async () => {
    fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
    const core = await coreFor(fake);
    await core.loader.ensureLoaded({ model: 'llama3.2:latest' });
    const r = await routeAndGenerate(core, {
      prompt: 'Say hi.',
      model: 'llama3.2',
      maxTokens: 16,
      dryRun: true,
      clientLimitMs: 60_000,
    });
    expect(r.advice!.expectedSeconds).toBeLessThan(54);
    expect(r.text).toMatch(/^Expected: about /m);
    expect(r.text).toContain('Within what your client waits (60 s).');
    expect(r.advice!.part).toBeUndefined();
    expect(r.advice!.handOverSeconds).toBeUndefined();
  });
});
