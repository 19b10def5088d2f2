/**
 * ollm-mcp against a peer MCP server for Ollama (the npm package `ollama-mcp`), in one run on one
 * fake Ollama, as a client sees them: the cost of a generation call over stdio above a raw HTTP
 * generate (p50 of 300, interleaved) and the CPU time all that serves the client spends per call
 * (steadier than a wall-clock difference on a busy machine), the cold start from spawn to `initialize` and `tools/list`
 * answered (raw JSON-RPC), and the resident memory of everything serving the client — the process
 * it spawned (with the shared server on, the default, the first launch hosts it) and any
 * `ollm-mcp daemon` serving it. Runs only
 * when OLLM_BENCH_PEER names the peer's entry file, e.g. after
 * `npm install --prefix /tmp/peer ollama-mcp@2.1.0`:
 * OLLM_BENCH_PEER=/tmp/peer/node_modules/ollama-mcp/dist/index.js npm run bench -- peer
 * Goals (issue 46): per call at or under the peer's and at most +1.5 ms over raw HTTP — the peer
 * only forwards the prompt, while route_and_generate also infers the task, adds remembered facts,
 * routes, checks the answer, and records metrics and the ledger — cold start at most 0.6× the
 * peer's and resident memory at most 0.75×, the memory taken as the median of 21 samples over
 * calls 300 to 320 (one sample lands before or after a collection). The figures of earlier
 * versions (start-up over a bare `node`, the spawned process's memory alone) follow each as a
 * second line. Beside them, the floor: the official SDK with a tool that only relays the prompt
 * (bench/relay-server.mjs), what the protocol and a process hop cost here whatever a server does.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { CLI } from '../test/helpers/spawn.js';
import { commandLine, environment, processesWhere } from '../test/helpers/processes.js';
import { tempDir } from '../test/helpers/temp.js';

/** The floor: an MCP server that only relays the prompt (bench/relay-server.mjs). */
const RELAY = fileURLToPath(new URL('./relay-server.mjs', import.meta.url));

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Each server's environment: its home, which also holds the shared server's socket folder (nothing of the machine's is used or left). */
function env(home: string, host: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    OLLM_HOME: home,
    OLLM_TEST_RUNTIME_DIR: home,
    OLLAMA_HOST: host,
    OLLM_LOG_LEVEL: 'error',
  };
}

/** The homes of the cold starts: the shared servers their launches started are stopped at the end. */
const coldHomes: string[] = [];

/** spawn → initialize → tools/list, in ms. */
function coldStart(file: string, host: string): Promise<number> {
  return new Promise((resolve) => {
    const home = tempDir('ollm-bench-peer-');
    coldHomes.push(home);
    const t0 = performance.now();
    const child = spawn(process.execPath, [file], {
      env: env(home, host),
      stdio: ['pipe', 'pipe', 'ignore'],
      cwd: home,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"id":1') && !out.includes('"id":2'))
        child.stdin.write(
          `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`,
        );
      if (out.includes('"id":2')) {
        resolve(performance.now() - t0);
        child.kill();
      }
    });
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })}\n`,
    );
  });
}

/** A process's resident set (Linux /proc; 0 elsewhere). */
function residentBytes(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time a process has used, user and system, in ms (Linux /proc; 0 elsewhere). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** The processes of `ollm-mcp daemon` run for `home`, if any (found by their OLLM_HOME; Linux /proc). */
function sharedServers(home: string): number[] {
  return processesWhere((pid) => commandLine(pid).includes('daemon') && environment(pid).includes(`OLLM_HOME=${home}`));
}

/** The shared servers run for `home` stopped (SIGTERM). */
function stopShared(home: string): void {
  for (const pid of sharedServers(home)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
}

const bareNode = () =>
  new Promise<number>((resolve) => {
    const t0 = performance.now();
    spawn(process.execPath, ['-e', '0']).on('exit', () => resolve(performance.now() - t0));
  });

export async function benchPeer(): Promise<{ ok: boolean; lines: string[] }> {
  const peerFile = process.env.OLLM_BENCH_PEER;
  if (!peerFile)
    return {
      ok: true,
      lines: [
        'peer: skipped — set OLLM_BENCH_PEER to the entry file of `ollama-mcp` (npm install ' +
          '--prefix /tmp/peer ollama-mcp)',
      ],
    };
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
  fake.reply('a b c d');
  const port = Number(new URL(fake.url).port);
  const raw = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/generate',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'llama3.2:latest', prompt: 'hi', stream: false, options: { num_predict: 16 } }));
    });
  const pids: Record<string, number> = {};
  const homes: Record<string, string> = {};
  const connect = async (file: string, name: string) => {
    const home = tempDir('ollm-bench-peer-');
    homes[name] = home;
    const c = new Client({ name: 'bench', version: '1' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [file],
      env: env(home, fake.host),
      cwd: home,
    });
    await c.connect(transport);
    pids[name] = transport.pid ?? 0;
    return c;
  };
  const ours = await connect(CLI, 'ours');
  const peer = await connect(join(peerFile), 'peer');
  const floor = await connect(RELAY, 'floor');
  const rss: Record<string, number> = {};
  const whole: Record<string, number> = {};
  const servers: Record<string, number> = {};
  const cpuPerCall: Record<string, number> = {};
  const calls: Record<string, () => Promise<unknown>> = {
    raw,
    ours: () =>
      ours.callTool({ name: 'route_and_generate', arguments: { prompt: 'hi', model: 'llama3.2', maxTokens: 16 } }),
    peer: () =>
      peer.callTool({
        name: 'ollama_generate',
        arguments: { model: 'llama3.2:latest', prompt: 'hi', options: JSON.stringify({ num_predict: 16 }) },
      }),
    floor: () => floor.callTool({ name: 'generate', arguments: { model: 'llama3.2:latest', prompt: 'hi' } }),
  };
  const times: Record<string, number[]> = { raw: [], ours: [], peer: [], floor: [] };
  try {
    for (let i = 0; i < 20; i++) for (const f of Object.values(calls)) await f();
    const rssSamples: Record<string, number[]> = { ours: [], peer: [] };
    const wholeSamples: Record<string, number[]> = { ours: [], peer: [] };
    delete pids.floor; // measured for its time only
    const serving = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, [pid, ...sharedServers(homes[k]!)]]));
    const cpuOf = (k: string) => serving[k]!.reduce((sum, pid) => sum + cpuMs(pid), 0);
    const cpuBefore = { ours: cpuOf('ours'), peer: cpuOf('peer') };
    for (let i = 0; i < 300; i++) {
      for (const [k, f] of Object.entries(calls)) {
        const t = performance.now();
        await f();
        times[k]!.push(performance.now() - t);
      }
      // resident memory over the last 21 rounds (calls 300 to 320 each): what the process holds
      // while serving, the median of the samples (one sample lands before or after a collection)
      if (i >= 279) {
        for (const [k, pid] of Object.entries(pids)) rssSamples[k]!.push(residentBytes(pid));
        for (const [k, all] of Object.entries(serving))
          wholeSamples[k]!.push(all!.reduce((sum, pid) => sum + residentBytes(pid), 0));
      }
    }
    for (const k of Object.keys(pids)) cpuPerCall[k] = (cpuOf(k) - cpuBefore[k as 'ours' | 'peer']) / 300;
    for (const k of Object.keys(pids)) {
      rss[k] = p50(rssSamples[k]!);
      whole[k] = p50(wholeSamples[k]!);
      servers[k] = serving[k]!.length - 1;
    }
  } finally {
    await ours.close();
    await peer.close();
    await floor.close();
    stopShared(homes.ours!);
  }
  const starts: Record<string, number[]> = { bare: [], ours: [], peer: [] };
  for (let i = 0; i < 9; i++) {
    starts.bare!.push(await bareNode());
    starts.ours!.push(await coldStart(CLI, fake.host));
    starts.peer!.push(await coldStart(peerFile, fake.host));
  }
  // the shared servers the cold starts' launches started (one may still be starting as its launch was killed): not left to wait out their idle limit
  await new Promise((r) => setTimeout(r, 1000));
  for (const home of coldHomes.splice(0)) stopShared(home);
  await fake.stop();
  const over = (k: string) => p50(times[k]!) - p50(times.raw!);
  const callOk = over('ours') <= over('peer') && over('ours') <= 1.5;
  const start = (k: string) => p50(starts[k]!) - p50(starts.bare!);
  const total = (k: string) => p50(starts[k]!);
  const startRatio = total('ours') / total('peer');
  const rssRatio = whole.peer ? (whole.ours ?? 0) / whole.peer : NaN;
  const mb = (b: number | undefined) => `${((b ?? 0) / 2 ** 20).toFixed(0)} MB`;
  const shared = servers.ours
    ? ` (the process spawned ${mb(rss.ours)} and the daemon serving it)`
    : ' (one process: the launch hosts the shared server)';
  return {
    ok: callOk && startRatio <= 0.6 && rssRatio <= 0.75,
    lines: [
      `peer: a generation over stdio above raw HTTP (p50 of 300, interleaved): ollm-mcp ` +
        `route_and_generate +${over('ours').toFixed(2)} ms, ollama-mcp ollama_generate ` +
        `+${over('peer').toFixed(2)} ms (goal: ≤ the peer's and ≤ +1.50 ms) ` +
        `${callOk ? 'OK' : 'OVER'}`,
      `peer:   the floor, the official SDK relaying the prompt and nothing more ` +
        `(bench/relay-server.mjs): +${over('floor').toFixed(2)} ms — what any MCP server over stdio ` +
        `pays on this machine`,
      `peer:   the CPU time of all that serves the client, per call (user + system over the 300 ` +
        `calls): ollm-mcp ${cpuPerCall.ours?.toFixed(2)} ms, ollama-mcp ` +
        `${cpuPerCall.peer?.toFixed(2)} ms`,
      `peer: cold start, spawn → initialize → tools/list answered (median of 9): ollm-mcp ` +
        `${total('ours').toFixed(0)} ms, ollama-mcp ${total('peer').toFixed(0)} ms — ` +
        `${startRatio.toFixed(2)}× (goal ≤ 0.60) ${startRatio <= 0.6 ? 'OK' : 'MISSED'}`,
      `peer:   as before, over bare node (${total('bare').toFixed(0)} ms): ollm-mcp ` +
        `${start('ours').toFixed(0)} ms, ollama-mcp ${start('peer').toFixed(0)} ms — ` +
        `${(start('ours') / start('peer')).toFixed(2)}×`,
      `peer: resident memory of all that serves the client, over calls 300 to 320 (median of 21 ` +
        `samples): ollm-mcp ${mb(whole.ours)}${shared}, ollama-mcp ${mb(whole.peer)} — ` +
        `${rssRatio.toFixed(2)}× (goal ≤ 0.75) ${rssRatio <= 0.75 ? 'OK' : 'MISSED'}`,
      `peer:   as before, the spawned process alone: ollm-mcp ${mb(rss.ours)}, ollama-mcp ` +
        `${mb(rss.peer)} — ${(rss.peer ? (rss.ours ?? 0) / rss.peer : NaN).toFixed(2)}×`,
    ],
  };
}
