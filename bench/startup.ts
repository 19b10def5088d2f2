/**
 * Start-up benchmark: cold start (spawn → initialize → tools/list) of the built server against
 * a bare `node -e 0`, measured alternately in the same run; then the server's RSS after 100
 * list_models calls. Goals: cold start ≤ bare node + 80 ms; RSS ≤ 70 MB.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { CLI, serverEnv, tempHome } from '../test/helpers/spawn.js';

const RUNS = 9;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function bareNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - t0));
  });
}

async function serverColdStart(env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: serverEnv(env),
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  await client.listTools();
  const ms = performance.now() - t0;
  await client.close();
  return ms;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}

export async function benchStartup(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await FakeOllama.start();
  const env = { OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host, OLLM_LOG_LEVEL: 'warn' };
  try {
    await serverColdStart(env); // warm the file cache once
    await bareNode();
    const server: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(await bareNode());
      server.push(await serverColdStart(env));
    }
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI],
      env: serverEnv(env),
      stderr: 'ignore',
    });
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(transport);
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) {
      const r = await client.callTool({ name: 'list_models', arguments: { refresh: i % 10 === 0 } });
      if (r.isError) throw new Error(`list_models failed: ${JSON.stringify(r.content)}`);
    }
    const perCall = (performance.now() - t0) / 100;
    const rss = rssBytes(transport.pid!);
    await client.close();

    const sMed = median(server);
    const bMed = median(bare);
    const over = sMed - bMed;
    const startOk = over <= 80;
    const rssOk = rss <= 70 * 2 ** 20;
    return {
      ok: startOk && rssOk,
      lines: [
        `startup: bare node -e 0 median ${bMed.toFixed(1)} ms (runs: ${bare.map((x) => x.toFixed(0)).join(' ')})`,
        `startup: spawn → initialize → tools/list median ${sMed.toFixed(1)} ms (runs: ` +
          `${server.map((x) => x.toFixed(0)).join(' ')})`,
        `startup: overhead over bare node ${over.toFixed(1)} ms (goal ≤ 80 ms) ${startOk ? 'OK' : 'OVER'}`,
        `startup: list_models ×100 (every 10th refreshed) ${perCall.toFixed(2)} ms per call; RSS ` +
          `after ${(rss / 2 ** 20).toFixed(1)} MB (goal ≤ 70 MB) ${rssOk ? 'OK' : 'OVER'}`,
      ],
    };
  } finally {
    await fake.stop();
  }
}
