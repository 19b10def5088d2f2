/**
 * What can follow a call's answer follows it (issue 82, Deliver 3): the metrics, the track record, the
 * speeds learned and the savings ledger are made once the answer has gone out, in the same turn of the
 * event loop — never left out, and before anything that could follow the answer; a split job's part records
 * at once, as the job's pace reads what its parts ran at.
 */
import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { withLedgerLine } from '../../src/tools/offload-io.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { answerRecorded } from '../helpers/answer-records.js';

const MEMORY = 16e9;
const started: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of started.splice(0).reverse()) await stop();
});

async function setup() {
  const fake = await FakeOllama.start({
    memoryBytes: MEMORY,
    models: DEFAULT_REGISTRY.filter((m) => m.name === 'llama3.2:latest'),
    tokenDelayMs: 1,
  });
  started.push(() => fake.stop());
  fake.reply('Air scatters blue light more than red.');
  const core = await coreFor(fake, { totalBytes: MEMORY, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  started.push(async () => {
    await core.shutdown(200);
    rmSync(core.config.home, { recursive: true, force: true });
  });
  return core;
}

it("a call's records follow its answer, in the turn it was answered", async () => {
  const core = await setup();
  const r = await routeAndGenerate(core, { prompt: 'Why is the sky blue?', model: 'llama3.2', useMemory: false });
  expect(r.text).toBe('Air scatters blue light more than red.');
  expect(core.metrics.get('llama3.2:latest')?.successes ?? 0).toBe(0); // not before the answer is out
  await answerRecorded();
  expect(core.metrics.get('llama3.2:latest')).toMatchObject({ requests: 1, successes: 1 });
  // the speeds learned follow it too: test/integration/engine-timings.test.ts
});

it("a split job's part records at once: the job's pace reads it", async () => {
  const core = await setup();
  await routeAndGenerate(core, { prompt: 'Why is the sky blue?', model: 'llama3.2', useMemory: false, partOf: {} });
  expect(core.metrics.get('llama3.2:latest')).toMatchObject({ requests: 1, successes: 1 });
});

it('the savings ledger counts the call once its answer has gone out', async () => {
  const core = await setup();
  const calls = () => core.savings.summary().total.calls;
  const { entry, text } = withLedgerLine(
    { orch: core, rawArgs: { prompt: 'Why is the sky blue?' }, agent: 'claude-code' },
    { prompt: 'Why is the sky blue?' },
    undefined,
    'Air scatters blue light more than red.',
    {
      answer: 'Air scatters blue light more than red.',
      local: { promptTokens: 12, outputTokens: 9 },
      model: 'llama3.2:latest',
      task: 'general',
    },
  );
  expect(text).toContain('Air scatters blue light');
  expect(entry.local).toEqual({ in: 12, out: 9 });
  expect(calls()).toBe(0);
  await answerRecorded();
  expect(calls()).toBe(1);
  expect(core.savings.summary().byAgent).toEqual([expect.objectContaining({ agent: 'claude-code', calls: 1 })]);
});
