/**
 * A split job's estimate before any part is timed (issue 83, finding 4: "Handed over as job …, still
 * running …: 0 of 2 parts done" said nothing of when, though the dry run of the same job said ~115 s):
 * from its start the job carries the plan's estimate — the figure the dry run of the same call shows —
 * said as the plan's, and the hand-over says it; once a part is timed, the job's own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { offload } from '../../src/orchestrator/jobs/offload.js';
import type { JobStatusUpdate } from '../../src/orchestrator/jobs/job-types.js';
import { asJob, ownerOf } from '../../src/tools/long-call.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { gatheredLog, longLog } from '../helpers/fair.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

/** A 16k window: a 42 KB log in 2 parts; each part's answer takes a few seconds at 10 ms a token. */
const MODEL = {
  ...DEFAULT_MODELS.find((m) => m.name === 'phi3:mini')!,
  contextLength: 16384,
  tokenDelayMs: 10,
  promptTokenDelayMs: 0.01,
};
const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\nollama:\n  numParallel: 1\n';
const words = oneTokenWords;
const call = () => ({
  prompt: 'List the errors in this log.',
  model: MODEL.name,
  task: 'summarize' as const,
  useMemory: false,
  maxTokens: 1024,
  inputs: gatheredLog(longLog(42_000)),
});

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function setup() {
  const fake = await FakeOllama.start({ memoryBytes: 128e9, models: [MODEL], loadDelayMs: 0, numParallel: 1 });
  fake.reply((ctx) => (/Answer from this part only/.test(ctx.prompt ?? '') ? words(150, 'finding') : 'ok'));
  const core = await coreFor(fake, { totalBytes: 128e9, yaml: YAML });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  return core;
}

describe('a split job before its first part is timed', () => {
  it("carries the plan's estimate — the dry run's figure — said as the plan's, then its own once a part is timed", async () => {
    const core = await setup();
    const dry = await offload(core, { ...call(), dryRun: true });
    expect(dry.split?.parts).toBe(2);
    const planned = dry.advice!.expectedSeconds;
    expect(planned).toBeGreaterThan(0);

    const said: Array<JobStatusUpdate & { at: number }> = [];
    const started = Date.now();
    const r = await offload(core, { ...call(), onStatus: (u) => said.push({ ...u, at: Date.now() }) });
    expect(r.split?.parts).toBe(2);
    const estimates = said.filter((u) => u.expectedAt !== undefined);
    // the first, before any part ran: the plan's, within a second (or 5%) of the dry run's figure
    const first = estimates[0]!;
    expect(first.fromPlan).toBe(true);
    expect(first.at - started).toBeLessThan(planned * 1000);
    expect(Math.abs((first.expectedAt! - first.at) / 1000 - planned)).toBeLessThanOrEqual(Math.max(1, planned * 0.05));
    // the other side: once a part answered, timed — the plan's no longer
    expect(estimates.length).toBeGreaterThan(1);
    for (const later of estimates.slice(1)) expect(later.fromPlan).toBe(false);
  }, 60_000);

  it("a hand-over before the first part is done says when, as the plan's estimate", async () => {
    const core = await setup();
    const ctx = {
      orch: core,
      agent: 'claude-code',
      signal: new AbortController().signal,
      clientLimit: { seconds: 1, source: 'test' }, // answered at 1 s, while part 1 is being written
      scope: () => 'project A',
      rawArgs: { prompt: 'List the errors in this log.' },
      phases: undefined,
    } as never;
    const out = (await asJob(
      ctx,
      { tool: 'route_and_generate', key: 'split-plan-eta' },
      async (control) => {
        const result = await offload(core, { ...call(), onStatus: control.status, onPart: control.part });
        return { structured: { text: result.text }, text: result.text };
      },
      (job, text) => ({ job, text }),
    )) as unknown as { structured: { job: { id: string; partsDone: number; etaSeconds?: number } }; text: string };
    expect(out.structured.job.partsDone).toBe(0);
    expect(out.text).toMatch(
      /^Handed over as job job-[0-9a-f]+, still running .*: 0 of 2 parts done; .*whole result expected in ~\d+ (s|min) \(the plan's estimate; no part timed yet\)\./s,
    );
    expect(out.structured.job.etaSeconds).toBeGreaterThan(0);
    // the job ends, collected so nothing runs on after the test
    const owner = ownerOf({ agent: 'claude-code', orch: core });
    const ended = await core.longWork.wait(owner, out.structured.job.id, 30_000);
    expect(ended?.kind).toBe('result');
  }, 60_000);
});
