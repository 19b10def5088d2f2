/**
 * Compare benchmark: three models that fit together, each run alone and then compared, in one
 * run. Goal: compare's wall time at most 1.2× the slowest single run (they run in parallel).
 */
import { compare } from '../src/orchestrator/jobs/compare.js';
import { routeAndGenerate } from '../src/orchestrator/jobs/route.js';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';
import { oneTokenWords } from '../test/fake-ollama/tokenize.js';

const MODELS = ['llama3.2:latest', 'qwen2.5-coder:7b', 'llava:7b'];
const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchCompare(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 5, loadDelayMs: 0 });
  fake.reply(oneTokenWords(60, 'w')); // 60 tokens × 5 ms
  const core = await coreFor(fake, { totalBytes: 24e9, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  try {
    const prompt = 'Describe a lighthouse.';
    // warm: load all three once
    await compare(core, { prompt, models: MODELS, maxTokens: 64 });
    const singles: number[] = [];
    const compares: number[] = [];
    let parallel = true;
    for (let r = 0; r < ROUNDS; r++) {
      const times: number[] = [];
      for (const model of MODELS) {
        const t = performance.now();
        await routeAndGenerate(core, { prompt, model, maxTokens: 64 });
        times.push(performance.now() - t);
      }
      singles.push(Math.max(...times));
      const t = performance.now();
      const out = await compare(core, { prompt, models: MODELS, maxTokens: 64 });
      compares.push(performance.now() - t);
      parallel &&= out.parallel && out.results.every((e) => !e.error);
    }
    const ratio = median(compares) / median(singles);
    const ok =
      ratio <= 1.2 && parallel && fake.stats().forcedEvictions.length === 0 && fake.stats().refusedLoads.length === 0;
    return {
      ok,
      lines: [
        `compare: slowest single run median ${median(singles).toFixed(1)} ms (${ROUNDS} rounds of ` +
          `${MODELS.join(', ')}, 60 tokens at 5 ms each)`,
        `compare: compare of the three median ${median(compares).toFixed(1)} ms, parallel ` +
          `${parallel}; forced evictions ${fake.stats().forcedEvictions.length}, overcommits ` +
          `${fake.stats().refusedLoads.length}`,
        `compare: ratio ${ratio.toFixed(2)} (goal ≤ 1.20) ${ok ? 'OK' : 'MISSED'}`,
      ],
    };
  } finally {
    await core.metrics.close();
    await fake.stop();
  }
}
