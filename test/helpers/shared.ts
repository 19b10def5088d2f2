/**
 * Launches of the built server with the shared server on (OLLM_SHARED=1), its socket folder in a
 * runtime folder of the test's own (OLLM_TEST_RUNTIME_DIR), so tests never meet the machine's shared
 * servers nor each other's; and what a test needs to see of the shared server: its socket, its pid
 * (the lock file holds it), and a way to stop it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { FakeOllama, type FakeOllamaOptions } from '../fake-ollama/server.js';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, serverEnv, tempHome } from './spawn.js';
import { shortTempDir } from './temp.js';

/**
 * A runtime folder for a test file's shared servers, in /tmp: short whatever $TMPDIR is (a socket path must stay under
 * ~100 bytes).
 */
export const runtimeDir = (): string => shortTempDir('ollm-rt-');

/** The folder the shared servers of this user make in `runtime`. */
export const socketDir = (runtime: string): string => join(runtime, `ollm-mcp-${process.getuid!()}`);

/** The files in the socket folder (sockets and locks), sorted. */
export function socketFiles(runtime: string): string[] {
  try {
    return readdirSync(socketDir(runtime)).sort();
  } catch {
    return [];
  }
}

/**
 * A file of the socket folder's text, or '' when it went between the listing and the read (a server retiring
 * removes its lock and log).
 */
export function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The pids of the shared servers running in `runtime` (from their lock files). */
export function sharedPids(runtime: string): number[] {
  return socketFiles(runtime)
    .filter((f) => f.endsWith('.lock'))
    .map((f) => Number(readIfThere(join(socketDir(runtime), f)).trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

export const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every shared server in `runtime` stopped (SIGTERM), for a test's clean-up. */
export function stopShared(runtime: string): void {
  for (const pid of sharedPids(runtime)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
}

export interface SharedLaunch {
  client: Client;
  /** The launch's (the forwarder's) pid. */
  pid: number;
  stderr(): string;
  close(): Promise<void>;
}

/**
 * A stdio launch with the shared server on, in `cwd`, named `name` to the server (or by the `client` given,
 * made with options of its own).
 */
export async function sharedLaunch(o: {
  home: string;
  ollamaHost: string;
  runtime: string;
  cwd: string;
  name: string;
  args?: string[];
  env?: Record<string, string>;
  /** The entry's whole environment instead (the SDK adds its defaults: HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  entryEnv?: Record<string, string>;
  client?: Client;
}): Promise<SharedLaunch> {
  const env =
    o.entryEnv ??
    serverEnv({
      OLLM_HOME: o.home,
      OLLAMA_HOST: o.ollamaHost,
      OLLM_SHARED: '1',
      OLLM_TEST_RUNTIME_DIR: o.runtime,
      ...o.env,
    });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...(o.args ?? [])],
    env,
    stderr: 'pipe',
    cwd: o.cwd,
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = o.client ?? new Client({ name: o.name, version: '1.0.0' });
  await client.connect(transport);
  // the handshake may be answered from the build's record before the shared server is reached: wait until the
  // launch forwards (or serves on its own)
  for (
    const until = Date.now() + 20_000;
    !/forwarding stdio to the shared server|serving MCP on stdio/.test(stderr) && Date.now() < until;
  )
    await new Promise((r) => setTimeout(r, 20));
  return { client, pid: transport.pid!, stderr: () => stderr, close: () => client.close().catch(() => undefined) };
}

/** The pid of the shared server a launch forwards to, from its stderr (0 when it serves on its own). */
export function servedBy(l: SharedLaunch): number {
  return Number(/forwarding stdio to the shared server (\d+)/.exec(l.stderr())?.[1] ?? 0);
}

/**
 * What a shared server started by a launch wrote to its log (spawn.ts), found by its pid in `runtime`: its
 * place's log, or its retiring place's.
 */
export function serverLog(runtime: string, pid: number): string {
  const dir = socketDir(runtime);
  for (const f of socketFiles(runtime).filter((n) => n.endsWith('.log'))) {
    const text = readIfThere(join(dir, f));
    if (f === `retiring-${pid}.log` || text.includes(`shared server ${pid} listening`)) return text;
  }
  return '';
}

/**
 * A test file's fake Ollama (24 GB, no token delay, unless `fakeOptions` say otherwise) and its shared-server
 * launches: the fake started before the tests, each test's launches closed and its runtime folders' servers stopped
 * after it, the fake stopped at the end.
 */
export function sharedFixture(fakeOptions: FakeOllamaOptions = {}): {
  fake: FakeOllama;
  launches: SharedLaunch[];
  runtimes: string[];
} {
  const state = { fake: undefined as unknown as FakeOllama, launches: [] as SharedLaunch[], runtimes: [] as string[] };
  beforeAll(async () => {
    state.fake = await FakeOllama.start({ memoryBytes: 24e9, tokenDelayMs: 0, ...fakeOptions });
  });
  afterEach(async () => {
    await Promise.all(state.launches.splice(0).map((l) => l.close()));
    for (const r of state.runtimes.splice(0)) stopShared(r);
  });
  afterAll(async () => {
    await state.fake?.stop();
  });
  return state;
}

/**
 * Launches on one machine (`runtime`) and the fixture's fake, each with a home of its own (settings `yaml`):
 * servers of other settings side by side.
 */
export function launcherIn(
  state: ReturnType<typeof sharedFixture>,
  runtime: string,
  env?: Record<string, string>,
): (name: string, yaml: string) => Promise<SharedLaunch> {
  state.runtimes.push(runtime);
  return async (name, yaml) => {
    const home = tempHome(yaml);
    const l = await sharedLaunch({ home, ollamaHost: state.fake.host, runtime, cwd: home, name, ...(env && { env }) });
    state.launches.push(l);
    return l;
  };
}
