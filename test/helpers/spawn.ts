/** Spawns the built server (dist/cli.js) and connects the official MCP client to it over stdio. */
import { killAtEnd } from './left-open.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { tempDir } from './temp.js';

export const CLI = join(import.meta.dirname, '../../dist/cli.js');

/** A settings folder for a spawned server, removed when the test file ends (see temp.ts). */
export function tempHome(yaml?: string): string {
  const home = tempDir('ollm-e2e-');
  if (yaml !== undefined) writeFileSync(join(home, 'config.yaml'), yaml);
  return home;
}

/**
 * A clean environment: no settings leak in from the machine running the tests. Each test's server
 * serves on its own (OLLM_SHARED=0) unless the test asks for the shared server (`OLLM_SHARED: '1'`).
 */
export function serverEnv(extra: Record<string, string>): Record<string, string> {
  // the test run's temporary folder (test/global-setup.ts), so what a server makes there — an engine's claim
  // in its socket folder — goes with the run
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    OLLM_LOG_LEVEL: 'info',
    OLLM_SHARED: '0',
    ...(process.env.OLLM_TEST_TMPDIR && { TMPDIR: process.env.OLLM_TEST_TMPDIR }),
    // where the processes of a run meet (test/global-setup.ts), never the machine's runtime folder or /tmp
    ...(process.env.OLLM_TEST_RUNTIME_DIR && { OLLM_TEST_RUNTIME_DIR: process.env.OLLM_TEST_RUNTIME_DIR }),
    ...(process.env.OLLM_TEST_LAST_RESORT && { OLLM_TEST_LAST_RESORT: process.env.OLLM_TEST_LAST_RESORT }),
  };
  return { ...env, ...extra };
}

/**
 * Where the server runs: its settings folder, outside any project, so the project profile of the
 * repository running the tests does not apply (project tests pass --project or a cwd of their own).
 */
const cwdFor = (env: Record<string, string>, cwd?: string) => cwd ?? env.OLLM_HOME ?? tmpdir();

/**
 * The transport the end-to-end suite drives: stdio, or HTTP (the suite runs once per transport, see
 * vitest.config.ts).
 */
export const E2E_TRANSPORT: 'stdio' | 'http' | 'sse' =
  (process.env.OLLM_E2E_TRANSPORT as 'http' | 'sse' | undefined) ?? 'stdio';

export interface HttpServer {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/** Spawns `ollm-mcp --transport http --port 0` and resolves once it says where it listens. */
export function startHttp(
  env: Record<string, string>,
  args: string[] = [],
  cwd?: string,
  cli = CLI,
): Promise<HttpServer> {
  // the address is read from the start-up line, logged at info level
  const child = spawn(process.execPath, [cli, '--transport', 'http', '--port', '0', ...args], {
    env: { ...serverEnv(env), OLLM_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: cwdFor(env, cwd),
  });
  killAtEnd(child); // a test failing before its own stop leaves none running
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const url = /serving MCP at (http:\/\/\S+\/mcp)/.exec(stderr)?.[1];
      if (url) {
        resolve({
          url,
          child,
          stderr: () => stderr + (stdout ? `\n[stdout!] ${stdout}` : ''),
          async stop(signal = 'SIGTERM') {
            const t0 = performance.now();
            if (child.exitCode === null) child.kill(signal);
            const code = await exited;
            return { code, ms: performance.now() - t0 };
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
  });
}

export async function connect(
  env: Record<string, string>,
  args: string[] = [],
  cwd?: string,
  client = new Client({ name: 'ollm-e2e', version: '1.0.0' }),
) {
  if (E2E_TRANSPORT !== 'stdio') {
    const server = await startHttp(env, args, cwd);
    const transport =
      E2E_TRANSPORT === 'sse'
        ? new SSEClientTransport(new URL(server.url.replace(/\/mcp$/, '/sse')))
        : new StreamableHTTPClientTransport(new URL(server.url));
    await client.connect(transport);
    return {
      client,
      stderr: () => server.stderr(),
      /** The server's process id. */
      pid: (): number | undefined => server.child.pid,
      close: async () => {
        await client.close().catch(() => undefined);
        await server.stop();
      },
    };
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: serverEnv(env),
    stderr: 'pipe',
    cwd: cwdFor(env, cwd),
  });
  let stderr = '';
  let closing = false;
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // A server that ends on its own fails the test with "Connection closed": its log says why, and
  // a test's console output is shown when it fails.
  client.onclose = () => {
    if (!closing) console.error(`the server closed the connection; its log:\n${stderr}`);
  };
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    pid: (): number | undefined => transport.pid ?? undefined,
    close: () => {
      closing = true;
      return client.close();
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI to completion, writing `input` lines to stdin and closing it after `holdMs` — or,
 * with `until`, as soon as the output so far satisfies it (holdMs is then only the longest wait),
 * so a busy machine gets the time it needs and a quick one does not wait.
 */
export function run(
  args: string[],
  env: Record<string, string>,
  input: string[] = [],
  holdMs = 0,
  cwd?: string,
  until?: (stdout: string) => boolean,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: serverEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: cwdFor(env, cwd),
    });
    let stdout = '';
    let stderr = '';
    const end = () => {
      clearTimeout(timer);
      if (!child.stdin.writableEnded) child.stdin.end();
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (until?.(stdout)) end();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    for (const line of input) child.stdin.write(`${line}\n`);
    const timer = setTimeout(end, holdMs);
  });
}
