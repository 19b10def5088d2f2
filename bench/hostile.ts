/**
 * Hostile-host benchmark: the built server against the hostile host (test/fake-hostile, in a
 * process of its own, as Ollama and as an OpenAI-compatible engine at once). For each
 * misbehaviour (and first while it behaves, for the floor on this machine), route_and_generate calls run one after another (and list_models between them)
 * while MCP ping is sent every 10 ms; prints ping p50/p99/max while it misbehaves, and the
 * server's RSS after and peak (VmHWM). Goals: ping p99 under 100 ms in every mode; peak RSS
 * under 250 MB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { MODES, type HostileMode } from '../test/fake-hostile/modes.js';
import { CLI, serverEnv, tempHome } from '../test/helpers/spawn.js';

const CALLS = 20;
const PING_GOAL_MS = 100;
const RSS_GOAL = 250e6;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))] ?? NaN;
const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function startFake(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fake-hostile/main.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the hostile fake exited (${code})`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

export async function benchHostile(): Promise<{ ok: boolean; lines: string[] }> {
  const fake = await startFake();
  const setMode = (mode: HostileMode) =>
    fetch(`${fake.url}/_mode`, { method: 'POST', body: JSON.stringify({ mode }) }).then((r) => r.text());
  const yaml = [
    'ram:',
    '  budget: 12GB',
    '  bufferBytes: 0',
    'hosts:',
    `  - {name: engine, kind: openai, url: "${fake.url}/v1", model: "hostile:latest"}`,
    '',
  ].join('\n');
  const env = { OLLM_HOME: tempHome(yaml), OLLAMA_HOST: fake.url.replace('http://', ''), OLLM_LOG_LEVEL: 'warn' };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: serverEnv(env),
    stderr: 'ignore',
    cwd: env.OLLM_HOME,
  });
  const client = new Client({ name: 'bench-hostile', version: '1' });
  await client.connect(transport);
  const pid = transport.pid!;
  const lines: string[] = [];
  let ok = true;
  try {
    const args = { prompt: 'hi', maxTokens: 50, useMemory: false };
    await client.callTool({ name: 'route_and_generate', arguments: args }); // load the model while the host behaves
    const base = memory(pid);
    lines.push(`hostile: server RSS ${mb(base.rss)} (peak ${mb(base.peak)}) before any misbehaviour`);
    for (const mode of ['ok', ...MODES] as HostileMode[]) {
      await setMode(mode);
      const pings: number[] = [];
      let running = true;
      const pinger = (async () => {
        while (running) {
          const t = performance.now();
          await client.ping();
          pings.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const t0 = performance.now();
      let errors = 0;
      let bugs = 0;
      let firstError = '';
      for (let i = 0; i < CALLS; i++) {
        const tool =
          i % 4 === 3
            ? { name: 'list_models', arguments: { refresh: true } }
            : { name: 'route_and_generate', arguments: args };
        const res = await client.callTool(tool, { timeout: 60_000 });
        const text = ((res.content as Array<{ text?: string }>) ?? []).map((c) => c.text ?? '').join('');
        if (res.isError && !errors++) firstError = text;
        if (/bug in ollm-mcp|Cannot read|\n\s+at /.test(text)) bugs++;
      }
      const seconds = (performance.now() - t0) / 1000;
      running = false;
      await pinger;
      await setMode('ok');
      const m = memory(pid);
      const p99 = pct(pings, 0.99);
      const good = p99 < PING_GOAL_MS && bugs === 0;
      ok &&= good;
      lines.push(
        `hostile: ${mode.padEnd(12)} ping p50 ${pct(pings, 0.5).toFixed(1)} ms, p99 ` +
          `${p99.toFixed(1)} ms, max ${Math.max(...pings).toFixed(1)} ms (${pings.length} pings, ` +
          `${CALLS} calls in ${seconds.toFixed(1)} s, ${errors} isError, ${bugs} "bug"); RSS ` +
          `${mb(m.rss)}${good ? '' : '  ← goal missed'}`,
      );
      if (process.env.HOSTILE_SHOW_ERRORS && firstError) lines.push(`  first isError: ${firstError.slice(0, 400)}`);
    }
    const end = memory(pid);
    ok &&= end.peak < RSS_GOAL;
    lines.push(
      `hostile: server peak RSS ${mb(end.peak)} over the run (goal < ${mb(RSS_GOAL)}), RSS now ` +
        `${mb(end.rss)}; ping goal p99 < ${PING_GOAL_MS} ms`,
    );
  } finally {
    await client.close().catch(() => undefined);
    fake.child.kill('SIGTERM');
  }
  return { ok, lines };
}
