/**
 * Overhead benchmark: route_and_generate (routing, RAM check, loader, streaming, metrics) against
 * the `ollama` client's own streamed generate, on a fake Ollama at zero latency with the model
 * already loaded, alternating in one run. Goal: p50 overhead ≤ 1 ms.
 */
import { Ollama } from 'ollama';
import { routeAndGenerate } from '../src/orchestrator/generation/route.js';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';

const RUNS = 300;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

export async function benchOverhead(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start({ tokenDelayMs: 0, loadDelayMs: 0, memoryBytes: 16e9 });
  fake.reply('one two three four five six seven eight');
  const core = await coreFor(fake, { totalBytes: 16e9, yaml: 'ram:\n  budget: "100%"\n  bufferBytes: 0\n' });
  const client = new Ollama({ host: fake.url });
  const model = 'llama3.2:latest';
  const direct = async () => {
    let text = '';
    for await (const c of await client.generate({ model, prompt: 'hi', stream: true, keep_alive: 300, options: { num_ctx: 4096, num_predict: 64 } })) text += c.response;
    return text;
  };
  const routed = async () => (await routeAndGenerate(core, { prompt: 'hi', model, maxTokens: 64 })).text;
  try {
    await routed(); // loads the model and warms both paths
    await direct();
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await direct();
      a.push(performance.now() - t);
      t = performance.now();
      await routed();
      b.push(performance.now() - t);
    }
    const over = percentile(b, 0.5) - percentile(a, 0.5);
    const ok = over <= 1;
    return {
      ok,
      lines: [
        `overhead: ollama client generate (streamed) p50 ${percentile(a, 0.5).toFixed(2)} ms, p90 ${percentile(a, 0.9).toFixed(2)} ms (${RUNS} runs)`,
        `overhead: route_and_generate p50 ${percentile(b, 0.5).toFixed(2)} ms, p90 ${percentile(b, 0.9).toFixed(2)} ms`,
        `overhead: p50 difference ${over.toFixed(2)} ms (goal ≤ 1 ms) ${ok ? 'OK' : 'OVER'}; loads during the run ${fake.loadCount(model)}`,
      ],
    };
  } finally {
    await core.metrics.close();
    await fake.stop();
  }
}
