/**
 * The README's commands work from a checkout: `npx ollm-mcp …` runs the checkout's own build (no
 * install, no registry), serving MCP on a clean stdout, and each subcommand the README names
 * exists.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_TRANSPORT, serverEnv, tempHome } from '../helpers/spawn.js';

const ROOT = join(import.meta.dirname, '../..');
const npx = (args: string[], env: Record<string, string>) =>
  spawnSync('npx', ['--offline', 'ollm-mcp', ...args], {
    cwd: ROOT,
    env: serverEnv(env),
    encoding: 'utf8',
    timeout: 60_000,
  });

describe.skipIf(E2E_TRANSPORT !== 'stdio')('from a checkout', () => {
  it('npx ollm-mcp runs the commands the README names', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const subcommands = new Set([...readme.matchAll(/npx ollm-mcp ([a-z][a-z-]*)/g)].map((m) => m[1]!));
    expect([...subcommands]).toEqual(expect.arrayContaining(['memory', 'doctor', 'template', 'project']));
    const home = tempHome();
    const list = npx(['memory', 'list'], { OLLM_HOME: home });
    expect(list.status, list.stderr).toBe(0);
    const help = npx(['--help'], { OLLM_HOME: home });
    expect(help.status).toBe(0);
    for (const sub of subcommands) expect(help.stdout, `--help names ${sub}`).toContain(sub);
  }, 90_000);

  it('npx ollm-mcp serves MCP with nothing but JSON-RPC on stdout', async () => {
    const child = spawn('npx', ['--offline', 'ollm-mcp'], {
      cwd: ROOT,
      env: serverEnv({ OLLM_HOME: tempHome(), OLLAMA_HOST: '127.0.0.1:9' }),
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`,
    );
    for (let i = 0; i < 300 && !out.includes('"id":1'); i++) await new Promise((r) => setTimeout(r, 100));
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  }, 60_000);
});
