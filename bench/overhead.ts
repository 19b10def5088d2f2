/**
 * Overhead benchmark, on fake Ollamas at zero latency with the model already loaded, alternating
 * in one run: raw HTTP generate (stream:false, the floor), the `ollama` client's streamed
 * generate, and route_and_generate (routing, memory check, loader, streaming, metrics) with one
 * Ollama host and with three. Goal: route_and_generate ≤ 1.5 ms p50 over raw HTTP, with 1 host and
 * with 3 — the cost of a call must not grow with the hosts.
 */
import { request } from 'node:http';
import { Ollama } from 'ollama';
import { routeAndGenerate } from '../src/orchestrator/jobs/route.js';
import { DEFAULT_MODELS, FakeOllama } from '../test/fake-ollama/server.js';
import { coreFor } from '../test/helpers/core.js';

const RUNS = 300;
const MODEL = 'llama3.2:latest';
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

/** One POST with a kept-alive connection, the body read whole: nothing between the caller and Ollama. */
function rawGenerate(port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/generate', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function benchOverhead(): Promise<{ ok: boolean; lines: string[] }> {
  const main = await FakeOllama.start({ tokenDelayMs: 0, loadDelayMs: 0, memoryBytes: 16e9 });
  // Two more hosts that do not have the model: their lists are still consulted on every call.
  const others = await Promise.all([0, 1].map(() => FakeOllama.start({ tokenDelayMs: 0, loadDelayMs: 0, memoryBytes: 16e9, models: DEFAULT_MODELS.filter((m) => m.name !== MODEL) })));
  main.reply('one two three four five six seven eight');
  const base = 'ram:\n  budget: "100%"\n  bufferBytes: 0\n';
  const one = await coreFor(main, { totalBytes: 16e9, yaml: base });
  const hostsYaml = others.map((o, i) => `  - name: box${i + 1}\n    kind: ollama\n    url: ${o.url}\n    capacity: {ram: 16GB}\n`).join('');
  const three = await coreFor(main, { totalBytes: 16e9, yaml: `${base}hosts:\n${hostsYaml}` });
  const client = new Ollama({ host: main.url });
  const body = JSON.stringify({ model: MODEL, prompt: 'hi', stream: false, keep_alive: 300, options: { num_ctx: 4096, num_predict: 64 } });
  const paths: Record<string, () => Promise<unknown>> = {
    'raw HTTP generate (stream:false)': () => rawGenerate(main.port, body),
    'ollama client generate (streamed)': async () => {
      for await (const _ of await client.generate({ model: MODEL, prompt: 'hi', stream: true, keep_alive: 300, options: { num_ctx: 4096, num_predict: 64 } }));
    },
    'route_and_generate, 1 host': () => routeAndGenerate(one, { prompt: 'hi', model: MODEL, maxTokens: 64 }),
    'route_and_generate, 3 hosts': () => routeAndGenerate(three, { prompt: 'hi', model: MODEL, maxTokens: 64 }),
  };
  try {
    for (const run of Object.values(paths)) await run(); // loads the model and warms every path
    const times = new Map(Object.keys(paths).map((k) => [k, [] as number[]]));
    for (let i = 0; i < RUNS; i++) {
      for (const [name, run] of Object.entries(paths)) {
        const t = performance.now();
        await run();
        times.get(name)!.push(performance.now() - t);
        // each answer's own records are written just after it (off its path, storage/writes.ts):
        // let them land before the next path is timed, or they are billed to whichever runs next
        await new Promise((r) => setTimeout(r, 3));
      }
    }
    const p50 = (name: string) => percentile(times.get(name)!, 0.5);
    const raw = p50('raw HTTP generate (stream:false)');
    const over1 = p50('route_and_generate, 1 host') - raw;
    const over3 = p50('route_and_generate, 3 hosts') - raw;
    const ok = over1 <= 1.0 && over3 <= 1.0;
    return {
      ok,
      lines: [
        ...[...times].map(([name, xs]) => `overhead: ${name} p50 ${percentile(xs, 0.5).toFixed(2)} ms, p90 ${percentile(xs, 0.9).toFixed(2)} ms (${RUNS} runs)`),
        `overhead: route_and_generate over raw HTTP p50: 1 host +${over1.toFixed(2)} ms, 3 hosts +${over3.toFixed(2)} ms (goal ≤ 1.0 ms with 3 hosts) ${ok ? 'OK' : 'OVER'}; loads during the run ${main.loadCount(MODEL)}`,
      ],
    };
  } finally {
    await Promise.all([one.metrics.close(), three.metrics.close()]);
    await Promise.all([main, ...others].map((f) => f.stop()));
  }
}
