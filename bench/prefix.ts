/**
 * What engines find already read (issue 64), as clients see it: the built server over stdio, its
 * clients sharing one shared server, fake llama-servers that keep one slot's last prompt and report
 * `timings.cache_n` (the share of a call's prompt tokens they did not read again is in each result's
 * metrics). Two cases:
 *  - one host: three questions over one 40 KB file, 80 facts remembered (the facts chosen change
 *    with each question) — the share of the 2nd and 3rd calls' prompt tokens read again (goal ≤ 10%);
 *  - two hosts: two agents (two clients) ask in turn, four questions each over their own 30 KB files —
 *    the share of prompt tokens found cached after their first calls (goal ≥ 80%), and how many
 *    requests each host got; with the model loaded on both, and (llama.cpp routers) with room on both
 *    and nothing loaded, the agents' first calls at once, or one after the other (issue 75, finding 10:
 *    the second agent's first call evicted the first's prompt from the only copy's slot);
 *  - the same as users meet it (issue 81, finding 2): fake Ollama, `ollama.host` and one `hosts:` entry
 *    with `capacity: {ram: 16GB}`, `ram.budget: 16GB`, the model named in each call, an engine reading
 *    300 ms per 1,000 prompt tokens, writing 5 ms a token, loading at 40 ms per GB (too quick for a load
 *    speed to be measured), one slot; first calls one after the other; the share cached counted on the
 *    fakes' runners (Ollama reports no cache figure).
 * OLLM_BENCH_BASE=<another build's dist/cli.js> (say 45e42e4's) runs the same beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { DEFAULT_REGISTRY, FakeOllama } from '../test/fake-ollama/server.js';
import { FakeLlamacpp } from '../test/fake-llamacpp/server.js';
import { STORIES } from '../test/helpers/llamacpp.js';
import { serverEnv, tempHome } from '../test/helpers/spawn.js';
import { runtimeDir, sharedPids, stopShared } from '../test/helpers/shared.js';
import { benchBuilds } from './builds.js';

const LOG = Array.from(
  { length: 520 },
  (_, i) =>
    `2026-11-25T10:${String(i % 60).padStart(2, '0')}:00Z worker-${i % 7} handled job ${i} in ` +
    `${(i * 37) % 900} ms status=${i % 13 === 0 ? 'error' : 'ok'}`,
).join('\n');
const fileOf = (who: string) =>
  Array.from({ length: 400 }, (_, i) => `${who}: record ${i} of the ${who} service, value ${(i * 31) % 977}`).join(
    '\n',
  );
const TOPICS = ['the worker', 'the deploy', 'the review', 'the queue', 'the error'];

interface Metrics {
  promptTokens: number;
  cachedPromptTokens?: number;
}
export type Call = (args: Record<string, unknown>) => Promise<{ metrics: Metrics; host?: string }>;

/** A client of `cli` named `name`, with its settings in `home`, opened in `home`/project (which holds its files), through the shared server of `runtime`. */
export async function clientOf(
  cli: string,
  name: string,
  home: string,
  runtime: string,
  host: string,
): Promise<{ call: Call; remember: (key: string, value: string) => Promise<void>; close: () => Promise<void> }> {
  const client = new Client({ name, version: '1' });
  const env = serverEnv({
    HOME: home,
    OLLM_HOME: home,
    OLLM_TEST_RUNTIME_DIR: runtime,
    OLLM_HOST: host,
    OLLM_LOG_LEVEL: 'error',
    OLLM_SHARED: '1',
  });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [cli],
      env,
      cwd: join(home, 'project'),
      stderr: process.env.OLLM_BENCH_STDERR ? 'inherit' : 'ignore',
    }),
  );
  const call: Call = async (args) => {
    const r = (await client.callTool({ name: 'route_and_generate', arguments: args }, { timeout: 120_000 })) as {
      isError?: boolean;
      content: unknown;
      structuredContent?: { metrics: Metrics; host?: string };
    };
    if (r.isError || !r.structuredContent)
      throw new Error(`route_and_generate failed: ${JSON.stringify(r.content).slice(0, 300)}`);
    return r.structuredContent;
  };
  const remember = async (key: string, value: string) => {
    const r = await client.callTool({ name: 'remember', arguments: { key, value } });
    if (r.isError) throw new Error(`remember failed: ${JSON.stringify(r.content).slice(0, 300)}`);
  };
  return { call, remember, close: () => client.close().catch(() => undefined) };
}

/** `n` llama-servers: one model loaded in each (`router` false), or routers loading it on request (0.1 s). */
async function engines(n: number, router = false) {
  const ollama = await FakeOllama.start({ models: [] });
  const timing = router ? { loadDelayMs: 400, promptTokenDelayMs: 0.2 } : {};
  const model = { id: 'reader', file: STORIES, ctxSize: 32768 };
  const start = () => FakeLlamacpp.start({ models: [model], router, tokenDelayMs: 0, ...timing });
  const list = await Promise.all(Array.from({ length: n }, start));
  const yaml =
    `hosts:\n${list.map((e, i) => `  - name: box${i}\n    kind: llamacpp\n    url: ${e.url}\n`).join('')}shared:\n ` +
    ` idleSeconds: 30\n`;
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
    for (let i = 0; i < 80; i++)
      await c.remember(`rule-${i}`, `${TOPICS[i % 5]} rule number ${i} holds on ${['Mondays', 'Fridays'][i % 2]}`);
    const shares: number[] = [];
    for (const [i, q] of [
      'Which worker failed most often?',
      'When does the deploy happen, by the review rules?',
      'Summarize the queue errors.',
    ].entries()) {
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

/** How the two hosts start: the model loaded on both; or nothing loaded, the agents' first calls at once or in turn. */
type Start = 'loaded' | 'at once' | 'in turn';
type TwoHosts = { cached: number; perHost: Record<string, number>; servers: number };

/** Two hosts, two agents in turn over their own files: the share found cached after the first calls, and requests per host. */
async function twoHosts(cli: string, start: Start): Promise<TwoHosts> {
  const e = await engines(2, start !== 'loaded');
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
    const ask = async (round: number, i: number, who: string) => {
      const question = `Question ${round} of ${who}: which record is largest?`;
      const r = await clients[i]!.call({ prompt: question, model: 'reader', files: [`${who}.txt`], useMemory: false });
      perHost[r.host ?? '?'] = (perHost[r.host ?? '?'] ?? 0) + 1;
      if (round > 0) {
        prompt += r.metrics.promptTokens;
        cached += r.metrics.cachedPromptTokens ?? 0;
      }
    };
    if (start === 'at once') await Promise.all(['ann', 'bob'].map((who, i) => ask(0, i, who)));
    for (let round = start === 'at once' ? 1 : 0; round < 4; round++) {
      for (const [i, who] of ['ann', 'bob'].entries()) await ask(round, i, who);
    }
    const servers = sharedPids(runtime).length;
    return { cached: cached / prompt, perHost, servers };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stopShared(runtime);
    await e.stop();
  }
}

/** Finding 2's set-up: two agents in turn over their own files on two fake Ollama hosts, the model named. */
async function asUsersMeetIt(cli: string): Promise<Omit<TwoHosts, 'servers'>> {
  const engine = { tokenDelayMs: 5, promptTokenDelayMs: 0.3, loadMsPerGB: 40, numParallel: 1, memoryBytes: 16e9 };
  const models = DEFAULT_REGISTRY.filter((m) => m.name === 'llama3.2:latest');
  const fakes = await Promise.all([0, 1].map(() => FakeOllama.start({ models, ...engine })));
  const yaml = ['hosts:', `  - {name: second, kind: ollama, url: "${fakes[1]!.url}", capacity: {ram: 16GB}}`]
    .concat(['ram:', '  budget: 16GB', 'shared:', '  idleSeconds: 30'])
    .join('\n');
  const runtime = runtimeDir();
  const home = tempHome(yaml);
  mkdirSync(join(home, 'project'));
  for (const who of ['ann', 'bob']) writeFileSync(join(home, 'project', `${who}.txt`), fileOf(who));
  const clients = [await clientOf(cli, 'ann', home, runtime, fakes[0]!.url)];
  clients.push(await clientOf(cli, 'bob', home, runtime, fakes[0]!.url));
  try {
    const perHost: Record<string, number> = {};
    for (let round = 0; round < 4; round++)
      for (const [i, who] of ['ann', 'bob'].entries()) {
        const question = `Question ${round} of ${who}: which record is largest?`;
        const r = await clients[i]!.call({ prompt: question, model: 'llama3.2', files: [`${who}.txt`] });
        perHost[r.host ?? 'ollama'] = (perHost[r.host ?? 'ollama'] ?? 0) + 1;
      }
    // the runners' own count of what they found cached, after each agent's first call
    const later = fakes
      .flatMap((f) => f.generations())
      .filter((g) => g.evalTokens !== undefined)
      .sort((x, y) => x.at - y.at)
      .slice(2);
    const sum = (n: (g: (typeof later)[number]) => number) => later.reduce((t, g) => t + n(g), 0);
    return { cached: sum((g) => g.cachedTokens ?? 0) / sum((g) => g.evalTokens!), perHost };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stopShared(runtime);
    await Promise.all(fakes.map((f) => f.stop()));
  }
}

export async function benchPrefix(): Promise<{ ok: boolean; lines: string[] }> {
  mkdirSync(runtimeDir(), { recursive: true });
  const builds = benchBuilds();
  const lines: string[] = [];
  let ok = true;
  for (const [tag, cli] of builds) {
    const read = await oneHost(cli);
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    const mine = tag === 'this build';
    const oneOk = read.every((x) => x <= 0.1);
    if (mine) ok = oneOk;
    lines.push(
      `prefix: ${tag}: one host, 3 questions over one 40 KB file, 80 facts remembered: the 2nd ` +
        `and 3rd read ${read.map(pct).join(' and ')} of their prompt again (goal ≤ ` +
        `10%)${mine ? (oneOk ? ' OK' : ' OVER') : ''}`,
    );
    for (const start of ['loaded', 'at once', 'in turn'] as const) {
      const two = await twoHosts(cli, start);
      const twoOk = two.cached >= 0.8;
      if (mine) ok &&= twoOk;
      const first = start === 'at once' ? 'at once' : 'one after the other';
      const room = `two hosts with room, nothing loaded, first calls ${first}`;
      const how = start === 'loaded' ? 'two hosts holding the model' : room;
      const verdict = mine ? (twoOk ? ' OK' : ' UNDER') : '';
      const servers = `${two.servers} shared server${two.servers === 1 ? '' : 's'}`;
      const where = `requests per host ${JSON.stringify(two.perHost)}, through ${servers}`;
      const share = `${pct(two.cached)} of prompt tokens cached after their first calls (goal ≥ 80%)${verdict}`;
      const agents = 'two agents in turn over their own 30 KB files (4 questions each)';
      lines.push(`prefix: ${tag}: ${how}, ${agents}: ${share}; ${where}`);
    }
    const users = await asUsersMeetIt(cli);
    const usersOk = users.cached >= 0.8;
    if (mine) ok &&= usersOk;
    lines.push(
      `prefix: ${tag}: as users meet it (Ollama, ollama.host + one hosts: entry of 16 GB, ram.budget 16 GB, ` +
        `the model named, loads at 40 ms/GB, one slot), first calls one after the other: ${pct(users.cached)} of ` +
        `prompt tokens cached after their first calls (goal ≥ 80%)${mine ? (usersOk ? ' OK' : ' UNDER') : ''}; ` +
        `requests per host ${JSON.stringify(users.perHost)}`,
    );
  }
  return { ok, lines };
}
