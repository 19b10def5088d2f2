/**
 * Fair between clients (issue 43, item 2): while client A offloads a long log in parts on
 * qwen2.5:14b (a token every 60 ms), client B makes quick calls ("say hello in French", fast
 * work). Two stdio launches, each serving on its own or both through the one shared server;
 * prints B's latency per call, the model that answered, and how long A's job took. On its own, B's
 * server cannot see A's requests, so B queues behind A's parts on the loaded 14B model; the shared
 * server sees them and sends B to phi3:mini, which fits beside it.
 * The goal: through the shared server every quick call is answered by phi3:mini, the slowest of
 * them faster than the fastest of B's calls with a server of its own.
 * Then the named-model case (issue 55, finding 4): A sends six calls naming qwen2.5:14b at once,
 * B one 3-token call naming it too; B's call must reach the engine right after the call of A's
 * running when it came, not after all six.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { CLI, serverEnv, tempHome } from '../test/helpers/spawn.js';
import { runtimeDir, stopShared } from '../test/helpers/shared.js';
import { tempDir } from '../test/helpers/temp.js';
import { FAIR_YAML, PART_ANSWER, fairModels, longLog } from '../test/helpers/fair.js';
import { benchBuilds } from './builds.js';

const QUICK = 4;

interface Figures {
  /** Each quick call: seconds, and the model that answered. */
  quick: Array<{ s: number; model: string }>;
  /** A's split job: seconds, parts. */
  jobSeconds: number;
  parts: number;
}

const structured = (r: Awaited<ReturnType<Client['callTool']>>) =>
  (r.structuredContent ?? {}) as { model?: string; split?: { parts: number } };

async function once(shared: boolean, cli = CLI, log = 96_000): Promise<Figures> {
  const fake = await FakeOllama.start({
    memoryBytes: 32e9,
    tokenDelayMs: 3,
    loadDelayMs: 200,
    loadMsPerGB: 100,
    models: fairModels(60),
  });
  fake.reply((ctx) =>
    /Combine them into one answer/.test(ctx.prompt ?? '')
      ? 'FINAL'
      : /French/.test(ctx.prompt ?? '')
        ? 'Bonjour !'
        : PART_ANSWER,
  );
  const home = tempHome(`${FAIR_YAML}shared:\n  idleSeconds: 5\n`);
  const folder = tempDir('ollm-bench-fair-');
  writeFileSync(join(folder, 'app.log'), longLog(log));
  const runtime = runtimeDir();
  const env = serverEnv({
    OLLM_HOME: home,
    OLLAMA_HOST: fake.host,
    OLLM_LOG_LEVEL: 'warn',
    OLLM_SHARED: shared ? '1' : '0',
    OLLM_TEST_RUNTIME_DIR: runtime,
  });
  const clients: Client[] = [];
  try {
    for (const name of ['bench-a', 'bench-b']) {
      const c = new Client({ name, version: '1' });
      await c.connect(
        new StdioClientTransport({ command: process.execPath, args: [cli], env, stderr: 'ignore', cwd: folder }),
      );
      clients.push(c);
    }
    const [a, b] = clients as [Client, Client];
    const t0 = performance.now();
    const job = a
      .callTool(
        {
          name: 'route_and_generate',
          arguments: {
            prompt: 'Which errors occurred in this log?',
            files: ['app.log'],
            model: 'qwen2.5:14b',
            useMemory: false,
          },
        },
        { timeout: 300_000 },
      )
      .then((r) => ({ r, s: (performance.now() - t0) / 1000 }));
    // B starts once A's first part is on the 14B model
    while (!fake.generations().some((g) => g.model === 'qwen2.5:14b')) await new Promise((r) => setTimeout(r, 10));
    const quick: Figures['quick'] = [];
    for (let k = 0; k < QUICK; k++) {
      const t = performance.now();
      const r = await b.callTool(
        {
          name: 'route_and_generate',
          arguments: { prompt: `Say hello in French (${k + 1}).`, task: 'fast', useMemory: false },
        },
        { timeout: 300_000 },
      );
      quick.push({ s: (performance.now() - t) / 1000, model: r.isError ? 'error' : (structured(r).model ?? '?') });
    }
    const done = await job;
    return { quick, jobSeconds: done.s, parts: structured(done.r).split?.parts ?? 0 };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    stopShared(runtime);
    await fake.stop();
  }
}

/** The named-model case (issue 55, finding 4): A's six calls queued on qwen2.5:14b (one slot), then B's 3-token call naming it too; two clients of one name. */
interface Named {
  /** B's call: seconds, and where it reached the engine among the 7 requests. */
  quickS: number;
  position: number;
  /** A's six calls: seconds until the last answered. */
  aS: number;
}

async function namedOnce(): Promise<Named> {
  const fake = await FakeOllama.start({
    memoryBytes: 32e9,
    tokenDelayMs: 3,
    loadDelayMs: 200,
    loadMsPerGB: 100,
    models: fairModels(40),
  });
  fake.reply((ctx) => (/French/.test(ctx.prompt ?? '') ? 'Bonjour !' : PART_ANSWER));
  const home = tempHome(`${FAIR_YAML}shared:\n  idleSeconds: 5\n`);
  const runtime = runtimeDir();
  const env = serverEnv({
    OLLM_HOME: home,
    OLLAMA_HOST: fake.host,
    OLLM_LOG_LEVEL: 'warn',
    OLLM_SHARED: '1',
    OLLM_TEST_RUNTIME_DIR: runtime,
  });
  const clients: Client[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const c = new Client({ name: 'bench-claude', version: '1' }); // two windows of one client: turns go by connection
      await c.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [CLI],
          env,
          stderr: 'ignore',
          cwd: tempDir('ollm-bench-named-'),
        }),
      );
      clients.push(c);
    }
    const [a, b] = clients as [Client, Client];
    const call = (c: Client, prompt: string, maxTokens?: number) =>
      c.callTool(
        {
          name: 'route_and_generate',
          arguments: { prompt, model: 'qwen2.5:14b', useMemory: false, ...(maxTokens && { maxTokens }) },
        },
        { timeout: 300_000 },
      );
    await call(a, 'Warm up.', 3); // loaded before the race, so both wait on generations only
    const before = fake.generations().length;
    const t0 = performance.now();
    const six = Promise.all([1, 2, 3, 4, 5, 6].map((n) => call(a, `Write part ${n} of the report.`))).then(
      () => (performance.now() - t0) / 1000,
    );
    while (fake.generations().length === before) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200)); // A's other five are sent by now
    const t = performance.now();
    await call(b, 'Say hello in French.', 3);
    const quickS = (performance.now() - t) / 1000;
    const aS = await six;
    const order = fake
      .generations()
      .slice(before)
      .map((g) => g.prompt ?? '');
    return { quickS, position: order.findIndex((p) => p.includes('French')) + 1, aS };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    stopShared(runtime);
    await fake.stop();
  }
}

const line = (label: string, f: Figures) => {
  const times = f.quick.map((q) => q.s.toFixed(2)).join(', ');
  const models = [...new Set(f.quick.map((q) => q.model))].join(', ');
  return (
    `  ${label.padEnd(20)} ${times.padEnd(28)} ${models.padEnd(14)} ` +
    `${f.jobSeconds.toFixed(1).padStart(6)} s (${f.parts} parts)`
  );
};

export async function benchFair(): Promise<{ ok: boolean; lines: string[] }> {
  const own = await once(false);
  const shared = await once(true);
  const lines = [
    `fair: client B's ${QUICK} quick calls while client A's split job runs on qwen2.5:14b (fake ` +
      `Ollama, 32 GB, phi3:mini fits beside it)`,
    `  ${''.padEnd(20)} ${"B's calls (s)".padEnd(28)} ${'answered by'.padEnd(14)} A's job`,
    line('each its own server', own),
    line('one shared server', shared),
  ];
  const allSmall = shared.quick.every((q) => q.model === 'phi3:mini');
  const faster = Math.max(...shared.quick.map((q) => q.s)) < Math.min(...own.quick.map((q) => q.s));
  lines.push(
    `  shared: every quick call on phi3:mini ${allSmall ? 'yes' : 'no'}, its slowest faster ` +
      `than the fastest with a server of its own ` +
      `${faster ? 'yes' : 'no'}${allSmall && faster ? '' : ' — MISSED'}`,
  );
  const named = await namedOnce();
  const turn = named.position <= 2; // right after A's call running when it came
  lines.push(
    `fair, named model: B's 3-token call naming qwen2.5:14b while A's six calls wait on it (one ` +
      `slot; two clients of one name, one shared server)`,
    `  B's call ${named.quickS.toFixed(2)} s, reaching the engine ` +
      `${named.position}${['th', 'st', 'nd', 'rd'][named.position] ?? 'th'} of 7; A's six ` +
      `${named.aS.toFixed(1)} s — B between A's calls ${turn ? 'yes' : 'no — MISSED'}`,
  );
  return { ok: allSmall && faster && turn, lines };
}

/**
 * Issue 64, finding 5: quick work beside another client's split job of a 150 KB log, through the
 * shared server — each quick call within 2.5 s, in each of OLLM_BENCH_RUNS runs (3 by default);
 * with OLLM_BENCH_BASE=<another build's dist/cli.js>, the same beside it.
 */
export async function benchBeside(): Promise<{ ok: boolean; lines: string[] }> {
  const n = Math.max(1, Number(process.env.OLLM_BENCH_RUNS) || 3);
  const builds = benchBuilds();
  const lines = [
    `beside a split job: client B's ${QUICK} task "fast" calls while client A's 150 KB log is ` +
      `read in parts (one shared server, ${n} runs; goal: each call ≤ 2.5 s)`,
  ];
  let ok = true;
  for (const [tag, cli] of builds) {
    const runs: Figures[] = [];
    for (let i = 0; i < n; i++) runs.push(await once(true, cli, 150_000));
    const slowest = Math.max(...runs.flatMap((r) => r.quick.map((q) => q.s)));
    const models = [...new Set(runs.flatMap((r) => r.quick.map((q) => q.model)))].join(', ');
    const met = slowest <= 2.5;
    if (tag === 'this build') ok = met;
    lines.push(
      `  ${tag}: B's calls ` +
        `${runs.map((r) => r.quick.map((q) => q.s.toFixed(2)).join('/')).join(' · ')} s, answered ` +
        `by ${models}; A's job ${runs.map((r) => r.jobSeconds.toFixed(1)).join(', ')} s — slowest ` +
        `${slowest.toFixed(2)} s${met ? '' : ' — over 2.5 s'}`,
    );
  }
  return { ok, lines };
}
