/**
 * What serves four stdio clients at once (issue 55): four launches of ollm-mcp and the shared server
 * they forward to, against four processes of the npm peer `ollama-mcp`, in one run on one fake
 * Ollama, each client making CALLS generations. Sampled over the last 21 rounds, the median:
 * the resident set (RSS: every page a process maps, the node binary's shared pages counted once
 * per process) and the proportional set (PSS, Linux smaps_rollup: a page shared by n processes
 * counts 1/n — what the machine gives up, the node binary counted once across all processes).
 * Then the RSS of one process of each kind: a launch that forwards, the shared
 * server, a process of the peer; and the private pages (USS) summed, which no other process on the
 * machine changes, as it changes PSS (a page shared with the bench's own Node counts part to it).
 * Goal: PSS at most 0.6× the peer's. Runs when OLLM_BENCH_PEER names the peer's entry file, e.g.
 * after `npm install --prefix /tmp/peer ollama-mcp@2.1.0`:
 * OLLM_BENCH_PEER=/tmp/peer/node_modules/ollama-mcp/dist/index.js npm run bench -- clients-memory
 */
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { runtimeDir, sharedPids, stopShared } from '../test/helpers/shared.js';
import { CLI } from '../test/helpers/spawn.js';
import { tempDir } from '../test/helpers/temp.js';

const CLIENTS = 4;
const CALLS = 120;
const SAMPLES = 21;

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A process's RSS, PSS and USS (its private pages: Private_Clean + Private_Dirty) in bytes (Linux /proc; 0 elsewhere or when gone). */
function memoryOf(pid: number): { rss: number; pss: number; uss: number } {
  const kb = (file: string, re: RegExp) => {
    try {
      return Number(re.exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  return {
    rss: kb('status', /VmRSS:\s+(\d+) kB/),
    pss: kb('smaps_rollup', /^Pss:\s+(\d+) kB/m),
    uss: kb('smaps_rollup', /^Private_Clean:\s+(\d+) kB/m) + kb('smaps_rollup', /^Private_Dirty:\s+(\d+) kB/m),
  };
}

interface Side {
  clients: Client[];
  pids: () => number[];
  /** The processes the clients launched (for ollm-mcp: the forwarders; the shared server is apart). */
  launches: number[];
  call: (c: Client) => Promise<unknown>;
  stop: () => Promise<void>;
}

async function side(file: string, host: string, ours: boolean): Promise<Side> {
  const home = tempDir('ollm-bench-cm-');
  const runtime = runtimeDir();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    OLLM_HOME: home,
    OLLM_TEST_RUNTIME_DIR: runtime,
    OLLAMA_HOST: host,
    OLLM_LOG_LEVEL: 'error',
  };
  const clients: Client[] = [];
  const launches: number[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const c = new Client({ name: `bench-${i}`, version: '1' });
    const t = new StdioClientTransport({ command: process.execPath, args: [file], env, cwd: home, stderr: 'ignore' });
    await c.connect(t);
    launches.push(t.pid ?? 0);
    clients.push(c);
  }
  return {
    clients,
    launches,
    pids: () => [...new Set([...launches, ...(ours ? sharedPids(runtime) : [])])],
    call: ours
      ? (c) => c.callTool({ name: 'route_and_generate', arguments: { prompt: 'hi', model: 'llama3.2', maxTokens: 16 } })
      : (c) =>
          c.callTool({
            name: 'ollama_generate',
            arguments: { model: 'llama3.2:latest', prompt: 'hi', options: JSON.stringify({ num_predict: 16 }) },
          }),
    stop: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      if (ours) stopShared(runtime);
    },
  };
}

export async function benchClientsMemory(): Promise<{ ok: boolean; lines: string[] }> {
  const peerFile = process.env.OLLM_BENCH_PEER;
  if (!peerFile)
    return {
      ok: true,
      lines: [
        'clients-memory: skipped — set OLLM_BENCH_PEER to the entry file of `ollama-mcp` (npm ' +
          'install --prefix /tmp/peer ollama-mcp)',
      ],
    };
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
  fake.reply('a b c d');
  const sides = { ours: await side(CLI, fake.host, true), peer: await side(peerFile, fake.host, false) };
  const samples = {
    ours: { rss: [] as number[], pss: [] as number[], uss: [] as number[], n: 0 },
    peer: { rss: [] as number[], pss: [] as number[], uss: [] as number[], n: 0 },
  };
  /** Each launch's RSS (for ollm-mcp: a forwarder's), and the rest (the shared server). */
  const parts = { launch: { ours: [] as number[], peer: [] as number[] }, server: [] as number[] };
  try {
    for (let i = 0; i < CALLS; i++) {
      for (const s of Object.values(sides)) await Promise.all(s.clients.map((c) => s.call(c)));
      if (i < CALLS - SAMPLES) continue;
      for (const [k, s] of Object.entries(sides) as Array<[keyof typeof sides, Side]>) {
        const pids = s.pids();
        const m = pids.map(memoryOf);
        samples[k].rss.push(m.reduce((a, x) => a + x.rss, 0));
        samples[k].pss.push(m.reduce((a, x) => a + x.pss, 0));
        samples[k].uss.push(m.reduce((a, x) => a + x.uss, 0));
        samples[k].n = pids.length;
        const launched = s.launches.map((pid) => memoryOf(pid).rss);
        parts.launch[k].push(...launched);
        if (k === 'ours') parts.server.push(m.reduce((a, x) => a + x.rss, 0) - launched.reduce((a, x) => a + x, 0));
      }
    }
  } finally {
    await sides.ours.stop();
    await sides.peer.stop();
    await fake.stop();
  }
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  const [oR, pR, oP, pP] = [p50(samples.ours.rss), p50(samples.peer.rss), p50(samples.ours.pss), p50(samples.peer.pss)];
  const pssRatio = oP / pP;
  return {
    ok: pssRatio <= 0.6,
    lines: [
      `clients-memory: ${CLIENTS} stdio clients × ${CALLS} generations each, the median of the last ${SAMPLES} rounds`,
      `clients-memory: proportional set (PSS) of all that serves them: ollm-mcp ${mb(oP)} in ` +
        `${samples.ours.n} processes (${CLIENTS} launches and the shared server, when apart), ` +
        `ollama-mcp ${mb(pP)} in ${samples.peer.n} — ${pssRatio.toFixed(2)}× (goal ≤ 0.60) ` +
        `${pssRatio <= 0.6 ? 'OK' : 'MISSED'}`,
      `clients-memory:   resident sets (RSS) summed, the node binary counted once per process: ` +
        `ollm-mcp ${mb(oR)}, ollama-mcp ${mb(pR)} — ${(oR / pR).toFixed(2)}×`,
      // PSS splits each shared page among every process mapping it, those of other programs too (the bench's own Node, the peer's): with more Node processes on the machine each side's share of the binary shrinks. USS is what each side holds alone.
      `clients-memory:   private pages (USS, shared with no other process) summed: ollm-mcp ` +
        `${mb(p50(samples.ours.uss))}, ollama-mcp ${mb(p50(samples.peer.uss))} — ` +
        `${(p50(samples.ours.uss) / p50(samples.peer.uss)).toFixed(2)}×`,
      `clients-memory:   RSS of one process (median): an ollm-mcp launch that forwards ` +
        `${mb(p50(parts.launch.ours))}, its shared server ${mb(p50(parts.server))}; an ollama-mcp ` +
        `process ${mb(p50(parts.launch.peer))}`,
    ],
  };
}
