/**
 * Whether one agent's prompt can be guessed through the prompt cache (issue 72, finding 1), as
 * clients see it: the built server over stdio, two clients (alice, bob) sharing one shared server,
 * two fake llama-servers holding one model (one slot each, reading ~0.5 ms a prompt token not
 * cached). Alice asks about a memo with a vault code in it; then bob sends the same memo with a
 * guessed code (`maxTokens: 1`) — each guess on fresh engines and a fresh server, one right, one a
 * digit off, one far off. Printed: where each guess went, its reason, the cached tokens it was
 * told, and its time. Goal: the right guess placed and reported as the wrong ones are (same host,
 * same reason, 0 cached told) and not answered sooner than 0.7× the slowest wrong one. OLLM_BENCH_BASE=<another build's
 * dist/cli.js> runs the same beside it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { FakeLlamacpp } from '../test/fake-llamacpp/server.js';
import { STORIES } from '../test/helpers/llamacpp.js';
import { serverEnv, tempHome } from '../test/helpers/spawn.js';
import { runtimeDir, stopShared } from '../test/helpers/shared.js';
import { benchBuilds } from './builds.js';

const lines = (from: number, n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `Memo line ${from + i}: rota shift ${(from + i) % 7}, desk ${((from + i) * 13) % 41}, floor ${(from + i) % 5}.`,
  ).join('\n');
/** A form letter with a short secret in it: ~1.5 KB before it, ~2.5 KB after. */
const memo = (code: string) => `${lines(0, 30)}\nThe vault code for the east building is ${code}.\n${lines(30, 50)}\n`;
const GUESSES = ['4711', '4712', '9999'];

interface Told {
  host?: string;
  reason: string;
  metrics: { cachedPromptTokens?: number };
}

async function client(cli: string, name: string, home: string, runtime: string, ollama: string) {
  const c = new Client({ name, version: '1' });
  const env = serverEnv({
    HOME: home,
    OLLM_HOME: home,
    OLLM_TEST_RUNTIME_DIR: runtime,
    OLLM_HOST: ollama,
    OLLM_LOG_LEVEL: 'error',
    OLLM_SHARED: '1',
  });
  await c.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [cli],
      env,
      cwd: join(home, 'project'),
      stderr: 'ignore',
    }),
  );
  const call = async (prompt: string, maxTokens?: number) => {
    const started = performance.now();
    const r = (await c.callTool(
      {
        name: 'route_and_generate',
        arguments: { prompt, model: 'reader', useMemory: false, ...(maxTokens && { maxTokens }) },
      },
      { timeout: 120_000 },
    )) as { isError?: boolean; content: unknown; structuredContent?: Told };
    if (r.isError || !r.structuredContent)
      throw new Error(`route_and_generate failed: ${JSON.stringify(r.content).slice(0, 300)}`);
    return { ...r.structuredContent, ms: performance.now() - started };
  };
  return { call, close: () => c.close().catch(() => undefined) };
}

/** Alice's question, then bob's `guess`, on fresh engines and a fresh shared server. */
async function oneGuess(cli: string, guess: string) {
  const ollama = await FakeOllama.start({ models: [] });
  const boxes = await Promise.all(
    [0, 1].map(() =>
      FakeLlamacpp.start({
        models: [{ id: 'reader', file: STORIES, ctxSize: 32768 }],
        router: false,
        tokenDelayMs: 0,
        promptTokenDelayMs: 0.5,
      }),
    ),
  );
  const runtime = runtimeDir();
  const home = tempHome(
    `hosts:\n${boxes.map((e, i) => `  - name: box${i}\n    kind: llamacpp\n    url: ${e.url}\n`).join('')}shared:\n ` +
      ` idleSeconds: 30\n`,
  );
  mkdirSync(join(home, 'project'));
  const alice = await client(cli, 'alice', home, runtime, ollama.url);
  const bob = await client(cli, 'bob', home, runtime, ollama.url);
  try {
    const hers = await alice.call(`${memo('4711')}Question: who signs the rota?`);
    return { guess, aliceHost: hers.host, ...(await bob.call(`${memo(guess)}Question: who signs the rota?`, 1)) };
  } finally {
    await Promise.all([alice.close(), bob.close()]);
    await stopShared(runtime);
    await Promise.all([ollama.stop(), ...boxes.map((b) => b.stop())]);
  }
}

/** The reason without the model's name and the inferred work (the same for every guess). */
const placed = (reason: string) => reason.replace(/\(.*?\)\.?$/, '').trim();

export async function benchOracle(): Promise<{ ok: boolean; lines: string[] }> {
  mkdirSync(runtimeDir(), { recursive: true });
  const builds = benchBuilds();
  const lines: string[] = [];
  let ok = true;
  for (const [tag, cli] of builds) {
    const told = [];
    for (const g of GUESSES) told.push(await oneGuess(cli, g));
    const [right, ...wrong] = told as [(typeof told)[number], ...typeof told];
    const slowest = Math.max(...wrong.map((t) => t.ms));
    const sameHost = wrong.every((t) => t.host === right.host);
    const sameReason = wrong.every((t) => placed(t.reason) === placed(right.reason));
    const cachedTold = told.map((t) => t.metrics.cachedPromptTokens ?? 0);
    const ratio = right.ms / slowest;
    const mine = tag === 'this build';
    const good = sameHost && sameReason && cachedTold.every((n) => n === 0) && ratio >= 0.7;
    if (mine) ok = good;
    const each = told
      .map((t) => `${t.guess} → ${t.host}, ${t.metrics.cachedPromptTokens ?? 0} cached told, ${t.ms.toFixed(0)} ms`)
      .join('; ');
    lines.push(
      `oracle: ${tag}: alice's memo on ${right.aliceHost}; bob's guesses (the first right): ` +
        `${each}; same host ${sameHost ? 'yes' : 'no'}, same reason ${sameReason ? 'yes' : 'no'} ` +
        `("${placed(right.reason).slice(0, 100)}"), right/slowest wrong ${ratio.toFixed(2)}× (goal: ` +
        `same host and reason, 0 told, ≥ 0.7×)${mine ? (good ? ' OK' : ' TOLD') : ''}`,
    );
  }
  return { ok, lines };
}
