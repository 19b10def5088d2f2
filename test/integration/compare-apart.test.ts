// compare never waits on itself (issue 55, finding 10): on a 24 GB host, a prompt long enough that
// llama3.1:8b needs ~14 GB at its window and a second 8B model ~21 GB — each fits alone, not both.
// Before, they were grouped by their size at the base context, the group held both, and the second
// load waited "for a request on llama3.1:8b to finish, to make room": its own, waiting on that
// load — no answer until the client gave up. Now they are grouped by their size at the prompt's
// context, and a member that does not fit beside its group after all runs after it: both answer,
// one after the other. Each test has a time limit, so the old hang fails instead of hanging.
import { afterEach, describe, expect, it } from 'vitest';
import { compare } from '../../src/orchestrator/jobs/compare.js';
import type { PhaseBoard, PhaseReporter } from '../../src/orchestrator/progress/progress.js';
import type { Phase } from '../../src/orchestrator/progress/phases.js';
import { FakeOllama } from '../fake-ollama/server.js';
import type { FakeModel } from '../fake-ollama/models.js';
import { coreFor } from '../helpers/core.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const GB = 1e9;
const llama = (name: string, size: number, quantization: string): FakeModel => ({
  name,
  size,
  family: 'llama',
  parameterSize: '8.0B',
  quantization,
  architecture: 'llama',
  contextLength: 131072,
  capabilities: ['completion', 'tools'],
  blockCount: 32,
  embeddingLength: 4096,
  headCount: 32,
  headCountKv: 8,
});
const SMALL = 'llama3.1:8b';
const BIG = 'someuser/llama3.1:8b';
const HUGE = 'someuser/llama3.1:8b-f16';

async function machine() {
  const fake = await FakeOllama.start({
    memoryBytes: 24 * GB,
    tokenDelayMs: 1,
    models: [llama(SMALL, 4.9 * GB, 'Q4_K_M'), llama(BIG, 10.2 * GB, 'Q8_0'), llama(HUGE, 16 * GB, 'F16')],
  });
  fake.reply((ctx) => `answer of ${ctx.model}`);
  const core = await coreFor(fake, { totalBytes: 24 * GB, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  stops.push(
    () => core.shutdown(200),
    () => fake.stop(),
  );
  return { fake, core };
}

/** Every phase each model's lane went through. */
function board(): PhaseBoard & { phases: Phase[] } {
  const phases: Phase[] = [];
  const reporter: PhaseReporter = { enter: (p) => phases.push(p) };
  return { phases, ...reporter, note: () => undefined, lane: () => ({ ...reporter, end: () => undefined }) };
}

/** About 200,000 characters: ~50k tokens, a 64k window for each model. */
const PROMPT = `${'The quick brown fox jumps over the lazy dog. '.repeat(4500)}\nSummarise.`;

describe('compare of two models that cannot be resident together', () => {
  it('runs them one after the other, both answering, and never waits on its own request', async () => {
    const { fake, core } = await machine();
    const progress = board();
    const r = await compare(core, { prompt: PROMPT, models: [SMALL, BIG], progress });
    expect(r.results.map((e) => [e.model, e.error, e.text])).toEqual([
      [SMALL, undefined, `answer of ${SMALL}`],
      [BIG, undefined, `answer of ${BIG}`],
    ]);
    expect(r.groups).toEqual([[SMALL], [BIG]]);
    expect(r.summary).toContain('ran one at a time because they do not all fit in memory together');
    expect(fake.generations().map((g) => g.resolved)).toEqual([SMALL, BIG]);
    expect(progress.phases.filter((p) => p.kind === 'waiting' && p.for.includes('to make room'))).toEqual([]);
    // the first was unloaded for the second by the planner, not evicted by the engine
    expect(fake.stats().forcedEvictions).toEqual([]);
    expect(fake.loaded().map((m) => m.name)).toEqual([BIG]);
  }, 60_000);

  it(
    'when they were grouped together after all, the one that does not fit runs after the other, ' +
      'without waiting on it',
    async () => {
      const { fake, core } = await machine();
      const loader = core.fleet.hosts[0]!.loader;
      loader.footprints = async () => new Map(); // sizes at the base context only: both in one group, as before
      const progress = board();
      const r = await compare(core, { prompt: PROMPT, models: [SMALL, BIG], progress });
      expect(r.results.map((e) => [e.model, e.error])).toEqual([
        [SMALL, undefined],
        [BIG, undefined],
      ]);
      expect(r.groups).toEqual([[SMALL], [BIG]]);
      expect(fake.generations().map((g) => g.resolved)).toEqual([SMALL, BIG]);
      expect(progress.phases.filter((p) => p.kind === 'waiting' && p.for.includes('to make room'))).toEqual([]);
      expect(progress.phases).toContainEqual({
        kind: 'waiting',
        for: `${SMALL} to finish first: ${BIG} cannot be resident beside it`,
      });
      expect(fake.stats().forcedEvictions).toEqual([]);
    },
    60_000,
  );

  it('says up front of a model that cannot be loaded at that context at all, and runs the others', async () => {
    const { fake, core } = await machine();
    const r = await compare(core, { prompt: PROMPT, models: [SMALL, HUGE] });
    expect(r.results.find((e) => e.model === HUGE)?.error).toMatch(/window is too small for the prompt/);
    expect(r.results.find((e) => e.model === SMALL)?.error).toBeUndefined();
    expect(fake.generations().map((g) => g.resolved)).toEqual([SMALL]);
    expect(fake.loadCount(HUGE)).toBe(0);
  }, 60_000);
});
