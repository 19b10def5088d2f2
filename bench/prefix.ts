/**
 * What engines find already read (issue 64), as clients see it: the built server over stdio, its
 * clients sharing one shared server, fake llama-servers that keep one slot's last prompt and report
 * `timings.cache_n` (the share of a call's prompt tokens they did not read again is in each result's
 * metrics). Two cases:
 *  - one host: three questions over one 40 KB file, 80 facts remembered (the facts chosen change
 *    with each question) — the share of the 2nd and 3rd calls' prompt tokens read again (goal ≤ 10%);
 *  - two hosts holding the model: two agents (two clients) ask in turn, four questions each over their
 *    own 30 KB files — the share of prompt tokens found cached after their first calls (goal ≥ 80%),
 *    and how many requests each host got.
 * OLLM_BENCH_BASE=<another build's dist/cli.js> (say 45e42e4's) runs the same beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { FakeLlamacpp } from '../test/fake-llamacpp/server.js';
import { STORIES } from '../test/helpers/llamacpp.js';
import { serverEnv, tempHome } from '../test/helpers/spawn.js';
import { runtimeDir, sharedPids, stopShared } from '../test/helpers/shared.js';
import { benchBuilds } from './builds.js';

const LOG = Array.from({ length: 520 }, (_, i) => `2026-11-25T10:${String(i % 60).padStart(2, '0')}:00Z worker-${i % 7} handled job ${i} in ${(i * 37) % 900} ms status=${i % 13 === 0 ? 'error' : 'ok'}`).join('\n');
const fileOf = (who: string) => Array.from({ length: 400 }, (_, i) => `${who}: record ${i} of the ${who} service, value ${(i * 31) % 977}`).join('\n');
const TOPICS = ['the worker', 'the deploy', 'the review', 'the queue', 'the error'];

interface Metrics {
  promptTokens: number;
  cachedPromptTokens?: number;
}
export type Call = (args: Record<string, unknown>) => Promise<{ metrics: Metrics; host?: string }>;

/** A client of `cli` named `name`, with its settings in `home`, opened in `home`/project (which holds its files), through the shared server of `runtime`. */
export async function clientOf(cli: string, name: string, home: string, runtime: string, host: string): Promise<{ call: Call; remember: (key: string, value: string) => Promise<void>; close: () => Promise<void> }> {
  const client = new Client({ name, version: '1' });
  const env = serverEnv({ HOME: home, OLLM_HOME: home, XDG_RUNTIME_DIR: runtime, OLLM_HOST: host, OLLM_LOG_LEVEL: 'error', OLLM_SHARED: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli], env, cwd: join(home, 'project'), stderr: process.env.OLLM_BENCH_STDERR ? 'inherit' : 'ignore' }));
  const call: Call = async (args) => {
    const r = (await client.callTool({ name: 'route_and_generate', arguments: args }, { timeout: 120_000 })) as { isError?: boolean; content: unknown; structuredContent?: { metrics: Metrics; host?: string } };
    if (r.isError || !r.structuredContent) throw new Error(`route_and_generate failed: ${JSON.stringify(r.content).slice(0, 300)}`);
    return r.structuredContent;
  };
  const remember = async (key: string, value: string) => {
    const r = await client.callTool({ name: 'remember', arguments: { key, value } });
    if (r.isError) throw new Error(`remember failed: ${JSON.stringify(r.content).slice(0, 300)}`);
  };
  return { call, remember, close: () => client.close().catch(() => undefined) };
}

async function engines(n: number) {
  const ollama = await FakeOllama.start({ models: [] });
  const list = await Promise.all(Array.from({ length: n }, () => FakeLlamacpp.start({ models: [{ id: 'reader', file: STORIES, ctxSize: 32768 }], router: false, tokenDelayMs: 0 })));
  const yaml = `hosts:\n${list.map((e, i) => `  - name: box${i}\n    kind: llamacpp\n    url: ${e.url}\n`).join('')}shared:\n  idleSeconds: 30\n`;
  return { ollama, list, yaml, stop: () => Promise.all([ollama.stop(), ...list.map((e) => e.stop())]) };
}

/** One host, three questions over one file with 80 remembered facts: the share read again by the 2nd and 3rd. */
async function oneHost(cli: string): Promise<number[]> {
  const e = await engines(1);
  const runtime = runtimeDir();
  const home = tempHome(e.yaml);
  mkdirSync(join(home, 'project'));
  writeFileSync(join(home, 'project', 'app.log'), LOG);
  const c = await clientOf(cli, 'agent', home, runtime, e.ollama.url);
  try {
    for (let i = 0; i < 80; i++) await c.remember(`rule-${i}`, `${TOPICS[i % 5]} rule number ${i} holds on ${['Mondays', 'Fridays'][i % 2]}`);
    const shares: number[] = [];
    for (const [i, q] of ['Which worker failed most often?', 'When does the deploy happen, by the review rules?', 'Summarize the queue errors.'].entries()) {
      const r = await c.call({ prompt: q, model: 'reader', files: ['app.log'] });
      if (i > 0) shares.push(1 - (r.metrics.cachedPromptTokens ?? 0) / r.metrics.promptTokens);
    }
    return shares;
  } finally {
    await c.close();
    await stopShared(runtime);
    await e.stop();
  }
}

/** Two hosts, two agents in turn over their own files: the share found cached after the first calls, and requests per host. */
async function twoHosts(cli: string): Promise<{ cached: number; perHost: Record<string, number>; servers: number }> {
  const e = await engines(2);
  const runtime = runtimeDir();
  const home = tempHome(e.yaml); // one user's settings: both clients share one server
  mkdirSync(join(home, 'project'));
  for (const who of ['ann', 'bob']) writeFileSync(join(home, 'project', `${who}.txt`), fileOf(who));
  const clients = [await clientOf(cli, 'ann', home, runtime, e.ollama.url)]; // one after the other: the second joins the shared server the first started
  clients.push(await clientOf(cli, 'bob', home, runtime, e.ollama.url));
  try {
    let prompt = 0;
    let cached = 0;
    const perHost: Record<string, number> = {};
    for (let round = 0; round < 4; round++) {
      for (const [i, who] of ['ann', 'bob'].entries()) {
        const r = await clients[i]!.call({ prompt: `Question ${round} of ${who}: which record is largest?`, model: 'reader', files: [`${who}.txt`], useMemory: false });
        perHost[r.host ?? "?"] = (perHost[r.host ?? "?"] ?? 0) + 1;
        if (round > 0) {
          prompt += r.metrics.promptTokens;
          cached += r.metrics.cachedPromptTokens ?? 0;
        }
      }
    }
    const servers = sharedPids(runtime).length;
    return { cached: cached / prompt, perHost, servers };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stopShared(runtime);
    await e.stop();
  }
}

export async function benchPrefix(): Promise<{ ok: boolean; lines: string[] }> {
  mkdirSync(runtimeDir(), { recursive: true });
  const builds = benchBuilds();
  const lines: string[] = [];
  let ok = true;
  for (const [tag, cli] of builds) {
    const read = await oneHost(cli);
    const two = await twoHosts(cli);
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    const mine = tag === 'this build';
    const oneOk = read.every((x) => x <= 0.1);
    const twoOk = two.cached >= 0.8;
    if (mine) ok = oneOk && twoOk;
    lines.push(`prefix: ${tag}: one host, 3 questions over one 40 KB file, 80 facts remembered: the 2nd and 3rd read ${read.map(pct).join(' and ')} of their prompt again (goal ≤ 10%)${mine ? (oneOk ? ' OK' : ' OVER') : ''}`);
    lines.push(`prefix: ${tag}: two hosts, two agents in turn over their own 30 KB files (4 questions each): ${pct(two.cached)} of prompt tokens cached after their first calls (goal ≥ 80%)${mine ? (twoOk ? ' OK' : ' UNDER') : ''}; requests per host ${JSON.stringify(two.perHost)}, through ${two.servers} shared server${two.servers === 1 ? '' : 's'}`);
  }
  return { ok, lines };
}
