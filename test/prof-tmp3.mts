import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '/work/main/test/fake-ollama/server.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
fake.reply('a b c d');
const port = Number(new URL(fake.url).port);
const raw = () => new Promise<void>((resolve, reject) => { const req = request({ host: '127.0.0.1', port, path: '/api/generate', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.on('data', () => undefined); res.on('end', () => resolve()); }); req.on('error', reject); req.end(JSON.stringify({ model: 'llama3.2:latest', prompt: 'hi', stream: false, options: { num_predict: 16 } })); });
async function mk(shared: string) {
  const home = mkdtempSync(join(tmpdir(), 'prof-'));
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(new StdioClientTransport({ command: process.execPath, args: ['/work/main/dist/cli.js'], env: { PATH: process.env.PATH!, HOME: home, OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_LOG_LEVEL: 'error', XDG_RUNTIME_DIR: home, OLLM_SHARED: shared }, cwd: home }));
  return c;
}
const calls: Record<string, () => Promise<unknown>> = { raw };
const sh = await mk('1'); const own = await mk('0');
calls.shared = () => sh.callTool({ name: 'route_and_generate', arguments: { prompt: 'hi', model: 'llama3.2', maxTokens: 16 } });
calls.own = () => own.callTool({ name: 'route_and_generate', arguments: { prompt: 'hi', model: 'llama3.2', maxTokens: 16 } });
calls.ping = () => sh.ping();
calls.ownping = () => own.ping();
const times: Record<string, number[]> = {};
for (let i = 0; i < 320; i++) for (const [k, f] of Object.entries(calls)) { const t = performance.now(); await f(); if (i >= 20) (times[k] ??= []).push(performance.now() - t); }
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const k of Object.keys(times)) console.log(k, p50(times[k]!).toFixed(2), 'ms');
process.exit(0);
