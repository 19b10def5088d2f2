/**
 * A split job's model is never loaded over another agent's (issue 82: a summary's parts planned for a copy of
 * llama3.1:8b whose load needed the room of the qwen2.5-coder:7b other agents were splitting their logs over waited
 * 10 s of a 12 s limit for it, then ran on that copy's two slots). The route's first for the work, not loaded,
 * whose load would unload a model another agent used within the minute, is passed over — saying so — for a model
 * that can take the parts as it is; the same load over the asking agent's own model goes ahead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { planOffload } from '../../src/orchestrator/route/offload-plan.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { estimateTokens } from '../../src/orchestrator/generation/classify.js';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { NAMESPACED_MODELS } from '../fake-ollama/fixtures-extra.js';
import { coreFor } from '../helpers/core.js';

const YAML = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
const llama = { ...NAMESPACED_MODELS.find((m) => m.name === 'llama3.1:8b')!, contextLength: 8192 };
const coder = { ...DEFAULT_MODELS.find((m) => m.name === 'qwen2.5-coder:7b')!, contextLength: 8192 };

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

/** A 150 KB log, read by reference. */
function log(bytes = 150_000) {
  const lines = Array.from({ length: Math.ceil(bytes / 56) }, (_, i) => `LINE-${i} worker-${i % 7} status=ok job ${i}`);
  const text = `${lines.join('\n')}\n`;
  expect(estimateTokens(text)).toBeGreaterThan(8192); // split on any model here
  return [{ label: 'logs/app.log', text }];
}

/** A 10.8 GB host where qwen2.5-coder:7b, loaded by `owner`'s request, leaves no room for llama3.1:8b at 8k. */
async function hostWithCoderOf(owner: string) {
  fake = await FakeOllama.start({ memoryBytes: 10.8e9, models: [llama, coder], tokenDelayMs: 0 });
  const core = await coreFor(fake, { totalBytes: 10.8e9, yaml: YAML });
  await routeAndGenerate(core, { prompt: 'Hi', model: 'qwen2.5-coder:7b', agent: owner, useMemory: false });
  expect(fake.loaded().map((m) => m.name)).toEqual(['qwen2.5-coder:7b']);
  return core;
}

const summary = (agent: string) => ({ prompt: 'Summarise this log.', task: 'summarize' as const, agent });

describe("a split job's model and another agent's", () => {
  it("passes over the route's first when its load would unload a model another agent is using: split on that model", async () => {
    const core = await hostWithCoderOf('alice');
    const plan = await planOffload(core, summary('bob'), log());
    if (plan.kind !== 'split') throw new Error(`expected a split plan, got ${plan.kind}`);
    expect(plan.plan.model).toBe('qwen2.5-coder:7b');
    expect(plan.plan.why).toMatch(
      /llama3\.1:8b, ranked before it, was passed over: its load there would unload qwen2\.5-coder:7b, which other work is using/,
    );
    // nothing was unloaded for it
    expect(fake!.loaded().map((m) => m.name)).toEqual(['qwen2.5-coder:7b']);
  }, 60_000);

  it("loads the route's first over the asking agent's own model, as before", async () => {
    const core = await hostWithCoderOf('bob');
    const plan = await planOffload(core, summary('bob'), log());
    if (plan.kind !== 'split') throw new Error(`expected a split plan, got ${plan.kind}`);
    expect(plan.plan.model).toBe('llama3.1:8b');
    expect(plan.plan.why ?? '').not.toMatch(/other work is using/);
  }, 60_000);
});
