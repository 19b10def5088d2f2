/**
 * Memory over time (issue 61, finding 6): thousands of job calls — `route_and_generate`, which runs
 * as a job (tools/long-call.ts), every other one as an MCP task (server/tasks.ts) — against the
 * built server, each with a prompt of its own (so each is a new job), by the official SDK client:
 * over Streamable HTTP (one server, the client's own protocol era) and over stdio (a launch
 * forwarding to the shared server, a process of its own).
 * The fake Ollama answers at once, so what grows is the server's own. Printed: the resident set
 * (VmRSS) of each serving process every 1,000 calls, and the verdict.
 *
 * The level is the RSS at a fifth of the calls (2,000 of 10,000): by then the code has been
 * compiled, the caches are full and the bounded stores (the resumable streams' events, the jobs
 * kept) are at their bounds, so what still grows after it is kept per call. Goal: the last reading
 * within 50 MB of the level. `npm run bench -- soak [calls]` (or OLLM_BENCH_SOAK_CALLS) for fewer.
 */
import { readFileSync } from 'node:fs';
import { Client, specTypeSchemas, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { FakeOllama } from '../test/fake-ollama/server.js';
import { startHttp, tempHome } from '../test/helpers/spawn.js';
import { runtimeDir, sharedLaunch, sharedPids, stopShared } from '../test/helpers/shared.js';

const GOAL_MB = 50;
/** Calls in flight at once: a few agents' worth, so 10,000 calls take a minute or two. */
const AT_ONCE = 4;

/** A process's resident set in MB, from /proc (0 where there is none). */
export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface Reading {
  calls: number;
  mb: number[];
}

/** One job call: every other one as an MCP task (2025-era clients: answered at once, then its result fetched), the rest plain. */
async function jobCall(client: Client, i: number, tag: string): Promise<boolean> {
  const params = {
    name: 'route_and_generate',
    arguments: { prompt: `${tag} call ${i}: say ok`, model: 'llama3.2', maxTokens: 4, useMemory: false },
  };
  const asTask = i % 2 === 1 && client.getServerCapabilities()?.tasks !== undefined;
  const r = asTask
    ? await client.request(
        {
          method: 'tasks/result',
          params: {
            taskId: (
              await client.request(
                { method: 'tools/call', params: { ...params, task: { ttl: 60_000 } } },
                specTypeSchemas.CreateTaskResult,
                { timeout: 30_000 },
              )
            ).task.taskId,
          },
        },
        specTypeSchemas.CallToolResult,
        { timeout: 30_000 },
      )
    : await client.callTool(params, { timeout: 30_000 });
  if (r.isError)
    throw new Error(`call ${i} over ${tag}${asTask ? ' as a task' : ''}: ${JSON.stringify(r.content).slice(0, 300)}`);
  return asTask;
}

/** `calls` job calls through `client`, `AT_ONCE` at a time; `read` after every `step`. What it says of them: how many, how many as tasks, how long. */
async function drive(
  client: Client,
  calls: number,
  step: number,
  tag: string,
  read: (done: number) => void,
): Promise<string> {
  let next = 0;
  let done = 0;
  let tasks = 0;
  const t0 = performance.now();
  const one = async (): Promise<void> => {
    while (next < calls) {
      if (await jobCall(client, next++, tag)) tasks++;
      if (++done % step === 0) read(done);
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, one));
  return `${calls} job calls (${tasks} as MCP tasks) in ${((performance.now() - t0) / 1000).toFixed(0)} s`;
}

/** The verdict of one transport's readings: the level (at a fifth of the calls), the last, and whether it held. */
export function verdict(
  readings: readonly Reading[],
  calls: number,
  which = 0,
): { level: number; last: number; ok: boolean } {
  const at = readings.find((r) => r.calls >= calls / 5) ?? readings[0]!;
  const last = readings.at(-1)!;
  const level = at.mb[which]!;
  return { level, last: last.mb[which]!, ok: last.mb[which]! - level <= GOAL_MB };
}

const mb = (x: number) => `${x.toFixed(0)} MB`;

async function soakHttp(fake: FakeOllama, calls: number, step: number): Promise<{ ok: boolean; lines: string[] }> {
  const server = await startHttp({ OLLM_HOME: tempHome(), OLLAMA_HOST: fake.host, OLLM_LOG_LEVEL: 'warn' });
  const client = new Client({ name: 'soak-http', version: '1' });
  const readings: Reading[] = [];
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    const pid = server.child.pid!;
    readings.push({ calls: 0, mb: [rssMb(pid)] });
    const did = await drive(client, calls, step, 'http', (done) => readings.push({ calls: done, mb: [rssMb(pid)] }));
    const v = verdict(readings, calls);
    return {
      ok: v.ok,
      lines: [
        `soak: HTTP (protocol ${client.getNegotiatedProtocolVersion?.() ?? '?'}), ${did}, server ` +
          `RSS: ${readings.map((r) => `${r.calls}: ${mb(r.mb[0]!)}`).join(', ')}`,
        `soak: HTTP level ${mb(v.level)} (at ${calls / 5} calls), last ${mb(v.last)}: ` +
          `${v.last - v.level >= 0 ? '+' : ''}${(v.last - v.level).toFixed(0)} MB (goal ≤ +${GOAL_MB} ` +
          `MB) ${v.ok ? 'OK' : 'MISSED'}`,
      ],
    };
  } finally {
    await client.close().catch(() => undefined);
    await server.stop();
  }
}

async function soakStdio(fake: FakeOllama, calls: number, step: number): Promise<{ ok: boolean; lines: string[] }> {
  const runtime = runtimeDir();
  const home = tempHome();
  const launch = await sharedLaunch({
    home,
    ollamaHost: fake.host,
    runtime,
    cwd: home,
    name: 'soak-stdio',
    env: { OLLM_LOG_LEVEL: 'warn' },
  });
  const readings: Reading[] = [];
  try {
    const shared = sharedPids(runtime)[0]; // its lock file names it
    if (shared === undefined) throw new Error(`no shared server serves the launch: ${launch.stderr().slice(-500)}`);
    const read = (done: number) => readings.push({ calls: done, mb: [rssMb(shared), rssMb(launch.pid)] });
    read(0);
    const did = await drive(launch.client, calls, step, 'stdio', read);
    const server = verdict(readings, calls, 0);
    const forwarder = verdict(readings, calls, 1);
    return {
      ok: server.ok && forwarder.ok,
      lines: [
        `soak: stdio (protocol ${launch.client.getNegotiatedProtocolVersion?.() ?? '?'}), ${did}, ` +
          `shared server / launch RSS: ` +
          `${readings.map((r) => `${r.calls}: ${r.mb.map((x) => x.toFixed(0)).join('/')}`).join(', ')} MB`,
        `soak: stdio shared server level ${mb(server.level)}, last ${mb(server.last)}: ` +
          `${(server.last - server.level).toFixed(0)} MB; the launch level ${mb(forwarder.level)}, ` +
          `last ${mb(forwarder.last)}: ${(forwarder.last - forwarder.level).toFixed(0)} MB (goal ≤ ` +
          `+${GOAL_MB} MB each) ${server.ok && forwarder.ok ? 'OK' : 'MISSED'}`,
      ],
    };
  } finally {
    await launch.close();
    stopShared(runtime);
  }
}

export async function benchSoak(): Promise<{ ok: boolean; lines: string[] }> {
  // the check (npm run bench -- check) soaks 5,000 calls: the level at 1,000, the same goal
  const given = process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? process.env.OLLM_BENCH_SOAK_CALLS;
  const calls = Number(given ?? (process.env.OLLM_BENCH_CHECK === '1' ? 5000 : 10_000));
  if (!Number.isInteger(calls) || calls < 10)
    throw new Error(`soak: the number of calls must be a whole number of 10 or more, not ` + `${given}`);
  const step = Math.max(1, Math.floor(Math.min(1000, calls / 10)));
  const fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0 });
  fake.reply('ok');
  try {
    const http = await soakHttp(fake, calls, step);
    const stdio = await soakStdio(fake, calls, step);
    return { ok: http.ok && stdio.ok, lines: [...http.lines, ...stdio.lines] };
  } finally {
    await fake.stop();
  }
}
