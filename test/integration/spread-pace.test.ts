/**
 * A busy copy's calls pass to another host's copy only when it answers sooner than waiting (fleet/copy-spread.ts
 * answersSooner): with the second host's speed measured twenty times slower (a laptop's CPU beside a GPU box),
 * three agents' calls at once wait their turns on the first host's copy, and no copy is loaded on the second; with
 * it measured alike, they spread as before. Counted on the fakes (generations per host, loads), never timed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_REGISTRY, FakeOllama } from '../fake-ollama/server.js';
import { coreFor } from '../helpers/core.js';
import { oneTokenWords } from '../fake-ollama/tokenize.js';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

const MODEL = 'llama3.2:latest';
const models = DEFAULT_REGISTRY.filter((m) => m.name === MODEL);

async function fleet() {
  const options = { models, memoryBytes: 16e9, tokenDelayMs: 10, loadDelayMs: 20 };
  const [a, b] = await Promise.all([0, 1].map(() => FakeOllama.start(options)));
  for (const f of [a!, b!]) f.reply(oneTokenWords(20, 'w'));
  const yaml = [
    'ollama:',
    '  capacity: {ram: 16GB}',
    'hosts:',
    `  - {name: second, kind: ollama, url: "${b!.url}", capacity: {ram: 16GB}}`,
    'ram:',
    '  budget: "100%"',
    '  bufferBytes: 0',
  ];
  const core = await coreFor(a!, { totalBytes: 16e9, yaml: yaml.join('\n') });
  stops.push(
    () => core.shutdown(200),
    () => a!.stop(),
    () => b!.stop(),
  );
  return { core, fakes: [a!, b!] };
}

const named = (prompt: string, agent: string) =>
  ({ prompt, model: 'llama3.2', only: true, maxTokens: 20, agent, client: agent, useMemory: false }) as const;

/**
 * A warm-up on the first host, the speeds recorded — the second's `slower` times the first's —, then three agents ×
 * two calls at once: the generations each fake answered, and the second's loads.
 */
async function rush(slower: number): Promise<{ ran: number[]; loads: number }> {
  const { core, fakes } = await fleet();
  await routeAndGenerate(core, named('warm up', 'w'));
  // 100 tokens a second, as the fake writes them, on the first host; `slower` times that on the second
  const sample = (times: number) => ({
    promptTokens: 1000,
    promptMs: 100 * times,
    outputTokens: 100,
    generationMs: 1000 * times,
    cut: false,
  });
  for (let i = 0; i < 3; i++) {
    await core.speeds.record('ollama', MODEL, sample(1), { defer: false });
    await core.speeds.record('second', MODEL, sample(slower), { defer: false });
  }
  await Promise.all(
    ['x', 'y', 'z'].map(async (agent) => {
      for (let i = 0; i < 2; i++) await routeAndGenerate(core, named(`question ${i} from ${agent}`, agent));
    }),
  );
  const ran = fakes.map((f) => f.generations().filter((g) => g.evalTokens !== undefined).length);
  return { ran, loads: fakes[1]!.loadCount(MODEL) };
}

describe("a busy copy's calls and another host's copy of other speed", () => {
  it('wait their turns on the busy copy when the other, twenty times slower, would answer later', async () => {
    expect(await rush(20)).toEqual({ ran: [7, 0], loads: 0 });
  });

  it('spread to the other copy when it is measured alike', async () => {
    const { ran, loads } = await rush(1);
    expect(ran[0]! + ran[1]!).toBe(7);
    expect(ran[1]).toBeGreaterThan(0);
    expect(loads).toBe(1);
  });
});
