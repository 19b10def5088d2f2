/** Spawns the built server (dist/cli.js) and connects the official MCP client to it over stdio. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export const CLI = join(import.meta.dirname, '../../dist/cli.js');

export function tempHome(yaml?: string): string {
  const home = mkdtempSync(join(tmpdir(), 'ollm-e2e-'));
  if (yaml !== undefined) writeFileSync(join(home, 'config.yaml'), yaml);
  return home;
}

/** A clean environment: no settings leak in from the machine running the tests. */
export function serverEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), OLLM_LOG_LEVEL: 'info' };
  return { ...env, ...extra };
}

/**
 * Where the server runs: its settings folder, outside any project, so the project profile of the
 * repository running the tests does not apply (project tests pass --project or a cwd of their own).
 */
const cwdFor = (env: Record<string, string>, cwd?: string) => cwd ?? env.OLLM_HOME ?? tmpdir();

export async function connect(env: Record<string, string>, args: string[] = [], cwd?: string) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env: serverEnv(env), stderr: 'pipe', cwd: cwdFor(env, cwd) });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'ollm-e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion, writing `input` lines to stdin and closing it after `holdMs`. */
export function run(args: string[], env: Record<string, string>, input: string[] = [], holdMs = 0, cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: serverEnv(env), stdio: ['pipe', 'pipe', 'pipe'], cwd: cwdFor(env, cwd) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    for (const line of input) child.stdin.write(`${line}\n`);
    setTimeout(() => child.stdin.end(), holdMs);
  });
}
