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
 * Goal: PSS at most 0.6× the peer's (issues 55 and 82), judged on the median of three runs of fresh processes (the
 * peer's memory moves from run to run; OLLM_BENCH_MEMORY_RUNS for another count), when OLLM_BENCH_PEER names the
 * peer's entry file, e.g. after `npm install --prefix /tmp/peer ollama-mcp@2.1.0`:
 * OLLM_BENCH_PEER=/tmp/peer/node_modules/ollama-mcp/dist/index.js npm run bench -- clients-memory
 * Without it (CI's check) the peer is skipped and what needs no peer is judged: a launch that forwards
 * (the median of the four) holds at most LAUNCH_OVER_BARE_MB of private pages more than a bare Node
 * process idling beside it in the same run — forwarders that load the server's code fail.
 */
import { spawn } from 'node:child_process';
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
/** Runs against the peer (OLLM_BENCH_MEMORY_RUNS): its memory moves from run to run; without it, one. */
const RUNS_WITH_PEER = 3;
/**
 * A forwarding launch's private pages over a bare Node process's: 2–4 MB (its ~70 kB of code, the socket, the
 * client's stream); the first launch's 5–11 MB (it loaded the settings to make its plan, memo.ts, and a forwarder
 * allocates too little for a GC to free what that left), hence the median; the server's code (the SDK, the
 * core) adds 30–40 MB.
 */
const LAUNCH_OVER_BARE_MB = 10;

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

type Kind = 'ours' | 'peer';
type Sums = { rss: number[]; pss: number[]; uss: number[]; n: number };

/** What was sampled over the last rounds. */
interface Sampled {
  sums: Partial<Record<Kind, Sums>>;
  /** Each launch's RSS (for ollm-mcp: a forwarder's), and the rest of ollm-mcp's (the shared server). */
  launchRss: Record<Kind, number[]>;
  serverRss: number[];
  /** ollm-mcp's launches' private pages, by pid, and the bare Node process's. */
  launchUss: Map<number, number[]>;
  bareUss: number[];
}

/** Every round's calls, and the memory of each side (and of the bare process) over the last SAMPLES rounds. */
async function sample(sides: Partial<Record<Kind, Side>>, barePid: number): Promise<Sampled> {
  const s: Sampled = {
    sums: {},
    launchRss: { ours: [], peer: [] },
    serverRss: [],
    launchUss: new Map(),
    bareUss: [],
  };
  for (let i = 0; i < CALLS; i++) {
    for (const side of Object.values(sides)) await Promise.all(side.clients.map((c) => side.call(c)));
    if (i < CALLS - SAMPLES) continue;
    s.bareUss.push(memoryOf(barePid).uss);
    for (const [k, side] of Object.entries(sides) as Array<[Kind, Side]>) {
      const pids = side.pids();
      const m = pids.map(memoryOf);
      const sums = (s.sums[k] ??= { rss: [], pss: [], uss: [], n: 0 });
      sums.rss.push(m.reduce((a, x) => a + x.rss, 0));
      sums.pss.push(m.reduce((a, x) => a + x.pss, 0));
      sums.uss.push(m.reduce((a, x) => a + x.uss, 0));
      sums.n = pids.length;
      const launched = side.launches.map(memoryOf);
      s.launchRss[k].push(...launched.map((x) => x.rss));
      if (k !== 'ours') continue;
      s.serverRss.push(sums.rss.at(-1)! - launched.reduce((a, x) => a + x.rss, 0));
      side.launches.forEach((pid, j) => s.launchUss.set(pid, [...(s.launchUss.get(pid) ?? []), launched[j]!.uss]));
    }
  }
  return s;
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

/** The goal against the peer, and what else both sides' sums show. */
function againstPeer(ours: Sums, peer: Sums, s: Sampled): { ok: boolean; lines: string[] } {
  const [oR, pR, oP, pP] = [p50(ours.rss), p50(peer.rss), p50(ours.pss), p50(peer.pss)];
  const pssRatio = oP / pP;
  return {
    ok: pssRatio <= 0.6,
    lines: [
      `clients-memory: proportional set (PSS) of all that serves them: ollm-mcp ${mb(oP)} in ` +
        `${ours.n} processes (${CLIENTS} launches and the shared server, when apart), ` +
        `ollama-mcp ${mb(pP)} in ${peer.n} — ${pssRatio.toFixed(2)}× (goal ≤ 0.60) ` +
        `${pssRatio <= 0.6 ? 'OK' : 'MISSED'}`,
      `clients-memory:   resident sets (RSS) summed, the node binary counted once per process: ` +
        `ollm-mcp ${mb(oR)}, ollama-mcp ${mb(pR)} — ${(oR / pR).toFixed(2)}×`,
      // PSS splits each shared page among every process mapping it, those of other programs too (the bench's own
      // Node, the peer's): with more Node processes on the machine each side's share of the binary shrinks. USS is
      // what each side holds alone.
      `clients-memory:   private pages (USS, shared with no other process) summed: ollm-mcp ` +
        `${mb(p50(ours.uss))}, ollama-mcp ${mb(p50(peer.uss))} — ` +
        `${(p50(ours.uss) / p50(peer.uss)).toFixed(2)}×`,
      `clients-memory:   RSS of one process (median): an ollm-mcp launch that forwards ` +
        `${mb(p50(s.launchRss.ours))}, its shared server ${mb(p50(s.serverRss))}; an ollama-mcp ` +
        `process ${mb(p50(s.launchRss.peer))}`,
    ],
  };
}

/** The goal that needs no peer: a forwarding launch's private pages (the median launch's) over a bare Node process's. */
function launchesOverBare(s: Sampled): { ok: boolean; line: string } {
  const each = [...s.launchUss.values()].map(p50);
  const bare = p50(s.bareUss);
  const typical = p50(each) - bare;
  const ok = typical <= LAUNCH_OVER_BARE_MB * 2 ** 20;
  return {
    ok,
    line:
      `clients-memory: private pages of each ollm-mcp launch that forwards (median): ` +
      `${each.map(mb).join(', ')}; a bare Node process idling beside them ${mb(bare)} — the median launch ` +
      `${mb(typical)} over it (goal ≤ ${LAUNCH_OVER_BARE_MB} MB) ${ok ? 'OK' : 'MISSED'}`,
  };
}

/** One run: fresh processes of each side, each client's calls, what was sampled. */
async function oneRun(peerFile: string | undefined): Promise<Sampled> {
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, loadDelayMs: 0 });
  fake.reply('a b c d');
  // what any Node process holds before its own code: the forwarders' reference
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  const sides: Partial<Record<Kind, Side>> = {};
  try {
    sides.ours = await side(CLI, fake.host, true);
    if (peerFile) sides.peer = await side(peerFile, fake.host, false);
    return await sample(sides, bare.pid ?? 0);
  } finally {
    bare.kill();
    for (const side of Object.values(sides)) await side.stop();
    await fake.stop();
  }
}

export async function benchClientsMemory(): Promise<{ ok: boolean; lines: string[] }> {
  const peerFile = process.env.OLLM_BENCH_PEER;
  // the peer's own memory moves from run to run (its private pages 150–180 MB, by when its collector ran): against
  // it, the run of the median ratio is judged, every run's ratio printed
  const runs = Number(process.env.OLLM_BENCH_MEMORY_RUNS ?? (peerFile ? RUNS_WITH_PEER : 1));
  const all: Sampled[] = [];
  for (let i = 0; i < runs; i++) all.push(await oneRun(peerFile));
  const ratio = (s: Sampled) => (s.sums.peer ? p50(s.sums.ours!.pss) / p50(s.sums.peer.pss) : 0);
  const s = [...all].sort((a, b) => ratio(a) - ratio(b))[Math.floor(all.length / 2)]!;
  const ours = s.sums.ours!;
  const peer = s.sums.peer && againstPeer(ours, s.sums.peer, s);
  const launches = launchesOverBare(s);
  return {
    ok: (peer?.ok ?? true) && launches.ok,
    lines: [
      `clients-memory: ${CLIENTS} stdio clients × ${CALLS} generations each, the median of the last ${SAMPLES} rounds` +
        (runs > 1 ? `; ${runs} runs, the one of the median ratio shown` : ''),
      ...(peer
        ? [
            ...peer.lines,
            `clients-memory:   every run's PSS: ${all
              .map((r) => `${mb(p50(r.sums.ours!.pss))} vs ${mb(p50(r.sums.peer!.pss))} (${ratio(r).toFixed(2)}×)`)
              .join(', ')}`,
          ]
        : [
            `clients-memory: the peer skipped — set OLLM_BENCH_PEER to the entry file of \`ollama-mcp\` (npm install ` +
              `--prefix /tmp/peer ollama-mcp) for the goal against it (PSS ≤ 0.6×); ollm-mcp's PSS ${mb(p50(ours.pss))}, ` +
              `RSS ${mb(p50(ours.rss))}, USS ${mb(p50(ours.uss))} in ${ours.n} processes`,
          ]),
      launches.line,
    ],
  };
}
