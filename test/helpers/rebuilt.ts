/**
 * An earlier build of this checkout, for the tests of a rebuild: dist/ copied with another build
 * id and an earlier build time in its build.json (src/server/shared/build.ts) — what a running
 * server's code is once `git pull && npm ci` rebuilt dist/. The copy is under node_modules/.cache
 * (so the one package dist/ loads from node_modules, libsql, resolves from it) and removed by
 * `remove()`. Launches and a daemon of that build are made as test/helpers/shared.ts makes the
 * current build's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { commandLine, processesWhere } from './processes.js';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { SharedLaunch } from './shared.js';
import { CLI, serverEnv } from './spawn.js';

export interface EarlierBuild {
  /** Its cli.js. */
  cli: string;
  id: string;
  remove(): void;
}

/** dist/ copied as build `id`, built at `at` (ms; the current build's time is later). */
export function earlierBuild(id = 'aaaaaaaaaaaa', at = 1): EarlierBuild {
  const cache = join(import.meta.dirname, '../../node_modules/.cache/ollm-mcp');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'earlier-build-'));
  cpSync(join(CLI, '..'), dir, { recursive: true });
  writeFileSync(join(dir, 'build.json'), JSON.stringify({ ollm: 'build', id, at }));
  const cli = join(dir, 'cli.js');
  return {
    cli,
    id,
    remove: () => {
      stopRunning(cli);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Every process running `cli` stopped (SIGTERM; Linux's /proc): a daemon of that build that retired
 * waits out its idle limit at a socket of its own, which the test's runtime folder no longer lists.
 */
function stopRunning(cli: string): void {
  for (const pid of processesWhere((p) => commandLine(p).includes(cli))) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
}

/** The environment of a shared launch or daemon of the tests (as helpers/shared.ts gives it). */
export const sharedEnv = (o: { home: string; ollamaHost: string; runtime: string }): Record<string, string> =>
  serverEnv({ OLLM_HOME: o.home, OLLAMA_HOST: o.ollamaHost, OLLM_SHARED: '1', OLLM_TEST_RUNTIME_DIR: o.runtime });

/**
 * A stdio launch of `cli` with the shared server on, named `name` to the server; resolved once it forwards or
 * hosts.
 */
export async function launchOf(
  cli: string,
  o: { home: string; ollamaHost: string; runtime: string; name: string },
): Promise<SharedLaunch> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli],
    env: sharedEnv(o),
    stderr: 'pipe',
    cwd: o.home,
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: o.name, version: '1.0.0' });
  await client.connect(transport);
  for (
    const until = Date.now() + 20_000;
    !/forwarding stdio to the shared server|serving MCP on stdio/.test(stderr) && Date.now() < until;
  )
    await new Promise((r) => setTimeout(r, 20));
  return { client, pid: transport.pid!, stderr: () => stderr, close: () => client.close().catch(() => undefined) };
}

/** `ollm-mcp daemon` of `cli`; its stderr collected. */
export function daemonOf(
  cli: string,
  o: { home: string; ollamaHost: string; runtime: string },
): { child: ChildProcess; stderr(): string } {
  const child = spawn(process.execPath, [cli, 'daemon'], {
    env: sharedEnv(o),
    cwd: o.home,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}
