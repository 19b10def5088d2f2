/**
 * Verdicts move routes again (issue 73, finding 2, Deliver 4): 80 code calls from a client that
 * waits 60 s (the MCP SDK's default), each answer judged by a hidden quality — A 0.2 (the table's
 * first: the smallest code model, loaded first), B 0.5, C 0.9 (the largest, never tried at first).
 * On b47b5a7 a guess of C's time (CPU speeds assumed, never measured) put it past the client's
 * patience, so the limit gave every call to the loaded A: C never got a call, and after a restart
 * neither. Now a guess moves nothing: C is tried, measured, judged, and keeps the calls — ≥ 70% of
 * the last 30 and at most 3 on A — and a restart on the same home keeps it. Exploration draws
 * from a seeded source (Math.random stubbed), and the verdicts from another: the same run each time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, Orchestrator } from '../../src/orchestrator/index.js';
import { routeAndGenerate } from '../../src/orchestrator/jobs/route.js';
import { DEFAULT_MODELS, FakeOllama, type FakeModel } from '../fake-ollama/server.js';
import { coreFor, fakeMemory } from '../helpers/core.js';
import { random } from '../helpers/random.js';

const MEMORY = 32e9;
const coder = DEFAULT_MODELS.find((m) => m.name === 'qwen2.5-coder:7b')!;
const A: FakeModel = { ...coder, name: 'codellama:7b', family: 'llama', digest: 'a'.repeat(64), size: 3.8e9 };
const B: FakeModel = { ...coder };
const C: FakeModel = {
  ...coder,
  name: 'deepseek-coder-v2:16b',
  family: 'deepseek2',
  parameterSize: '15.7B',
  digest: 'c'.repeat(64),
  size: 8.9e9,
};
const QUALITY: Record<string, number> = { [A.name]: 0.2, [B.name]: 0.5, [C.name]: 0.9 };
const PROMPT = 'Write a TypeScript function that parses an ISO date string and returns a Date.';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const stop of stops.splice(0).reverse()) await stop();
});

type Core = Awaited<ReturnType<typeof coreFor>>;

/** `n` code calls, each answer judged good with its model's hidden quality; the models that answered. */
async function judged(core: Core, n: number, judge: () => number): Promise<string[]> {
  const served: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await routeAndGenerate(core, { prompt: PROMPT, task: 'code', clientLimitMs: 60_000 });
    served.push(r.model);
    await core.outcomes.verdict(r.answerId!, judge() < QUALITY[r.model]!);
  }
  return served;
}

const count = (served: readonly string[], model: string) => served.filter((m) => m === model).length;

describe('verdicts move routes', () => {
  it(
    '80 judged code calls put the last 30 on the best model, and a restart keeps it',
    { timeout: 60_000 },
    async () => {
      vi.spyOn(Math, 'random').mockImplementation(random(7));
      const judge = random(3);
      const fake = await FakeOllama.start({ memoryBytes: MEMORY, tokenDelayMs: 1, models: [A, B, C] });
      stops.push(() => fake.stop());
      const core = await coreFor(fake, { totalBytes: MEMORY, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
      stops.push(() => core.shutdown(200));
      const served = await judged(core, 80, judge);
      expect(served[0]).toBe(A.name); // the premise: the table's first for the work, loaded by the first call
      const last = served.slice(-30);
      expect(count(last, C.name)).toBeGreaterThanOrEqual(21);
      expect(count(last, A.name)).toBeLessThanOrEqual(3);

      // a restart on the same home, the engine holding A (and not C) as the new server starts
      await core.shutdown(200);
      await fetch(`${fake.url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: C.name, keep_alive: 0 }),
      });
      await (
        await fetch(`${fake.url}/api/generate`, {
          method: 'POST',
          body: JSON.stringify({ model: A.name, prompt: 'hi', stream: false, options: { num_predict: 1 } }),
        })
      ).text();
      const next = new Orchestrator(await loadConfig({ env: { OLLM_HOME: core.config.home, OLLM_HOST: fake.url } }), {
        memorySource: fakeMemory(fake, MEMORY),
      });
      stops.push(() => next.shutdown(200));
      await next.stateRead;
      const after = await judged(next, 10, judge);
      expect(count(after, C.name)).toBeGreaterThanOrEqual(7);
    },
  );
});
