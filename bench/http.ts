/**
 * Transport benchmark: the same tool calls over stdio and over Streamable HTTP, measured in one
 * run against one fake Ollama — list_models (answered from the catalog cache) and a short
 * route_and_generate. Prints p50/p90 per transport and what HTTP adds.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { CLI, serverEnv, startHttp, tempHome } from '../test/helpers/spawn.js';

const RUNS = 200;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

export async function benchHttp(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
  fake.reply('ok');
  const env = { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host, OLLM_LOG_LEVEL: 'warn' };
  const stdio = new Client({ name: 'bench-stdio', version: '1' });
  await stdio.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: serverEnv(env),
      stderr: 'ignore',
      cwd: env.OLLM_HOME,
    }),
  );
  const server = await startHttp(env);
  const http = new Client({ name: 'bench-http', version: '1' });
  await http.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  const lines: string[] = [];
  try {
    for (const [tool, args] of [
      ['list_models', {}],
      ['route_and_generate', { prompt: 'hi', task: 'fast', useMemory: false }],
    ] as const) {
      const times = { stdio: [] as number[], http: [] as number[] };
      for (let i = 0; i < 10; i++) for (const c of [stdio, http]) await c.callTool({ name: tool, arguments: args }); // warm
      for (let i = 0; i < RUNS; i++) {
        for (const [name, c] of [
          ['stdio', stdio],
          ['http', http],
        ] as const) {
          const t = performance.now();
          const r = await c.callTool({ name: tool, arguments: args }, { timeout: 10_000 });
          times[name].push(performance.now() - t);
          if (r.isError) throw new Error(`${tool} over ${name}: ${JSON.stringify(r.content)}`);
        }
      }
      const s = pct(times.stdio, 0.5);
      const h = pct(times.http, 0.5);
      lines.push(
        `http: ${tool} p50 stdio ${s.toFixed(2)} ms, HTTP ${h.toFixed(2)} ms ` +
          `(+${(h - s).toFixed(2)} ms, ${(h / s).toFixed(2)}×); p90 stdio ` +
          `${pct(times.stdio, 0.9).toFixed(2)} ms, HTTP ${pct(times.http, 0.9).toFixed(2)} ms ` +
          `(${RUNS} calls each, alternating)`,
      );
    }
  } finally {
    await stdio.close().catch(() => undefined);
    await http.close().catch(() => undefined);
    await server.stop();
    await fake.stop();
  }
  return { ok: true, lines };
}
