/**
 * The Claude Code plugin as Claude Code installs it (issue 54, finding 3): it copies the plugin's
 * folder alone into its cache and runs `node ${CLAUDE_PLUGIN_ROOT}/start.mjs` — the plugin used to
 * run `npx -y ollm-mcp`, a package no registry has, and its folder was the whole checkout
 * (node_modules included). Here plugin/ — staged by the build — is copied elsewhere, with nothing
 * beside it, and started as Claude Code starts it: it installs small (no node_modules, no test
 * fixtures), loads libsql from the plugin's data folder (where its first start installs it with
 * npm: that install, from the registry, is in plugin.slow.test.ts; here the folder is filled as
 * npm fills it), serves every tool, keeps state and serves its skill. The
 * other side: a plugin folder with no server built, and an npm that cannot get libsql, each stop
 * at once with a line that says what to do, and never write to stdout.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionPackages } from '../../scripts/runtime-deps.mjs';
import { FakeOllama } from '../fake-ollama/server.js';
import { serverEnv, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const ROOT = join(import.meta.dirname, '../..');
const PLUGIN = join(ROOT, 'plugin');
const manifest = JSON.parse(readFileSync(join(PLUGIN, '.claude-plugin', 'plugin.json'), 'utf8')) as {
  mcpServers: Record<string, { command: string; args: string[] }>;
};
const entry = Object.values(manifest.mcpServers)[0]!;

/** Every file under `dir`, relative, with its size. */
function files(dir: string): Array<{ path: string; bytes: number }> {
  const out: Array<{ path: string; bytes: number }> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push({ path: relative(dir, p), bytes: statSync(p).size });
    }
  };
  walk(dir);
  return out;
}

/** plugin/ copied as Claude Code copies it: the folder alone, somewhere else. */
function installed(): string {
  const cache = join(tempDir('ollm-plugin-cache-'), 'ollm-mcp', '0.1.0');
  cpSync(PLUGIN, cache, { recursive: true });
  return cache;
}

const WANTED = (JSON.parse(readFileSync(join(PLUGIN, 'package.json'), 'utf8')) as { dependencies: { libsql: string } })
  .dependencies.libsql;

/**
 * A data folder holding libsql as `npm install --prefix` leaves it: the packages this checkout
 * installed, each at its place — and, unless `finished` is false (an install cut off half-way, or
 * one made by hand), the marker start.mjs writes last.
 */
export function seededData(finished = true): string {
  const data = tempDir('ollm-plugin-data-');
  for (const p of productionPackages(ROOT) as Array<{ dir: string; rel: string }>)
    cpSync(p.dir, join(data, p.rel), { recursive: true });
  if (finished) writeFileSync(join(data, 'node_modules', '.ollm-mcp-installed'), WANTED);
  return data;
}

/** The plugin's server entry as Claude Code runs it: ${CLAUDE_PLUGIN_ROOT} replaced, the plugin's variables set. */
function command(root: string, data: string, extra: Record<string, string>) {
  const args = entry.args.map((a) => a.replaceAll('${CLAUDE_PLUGIN_ROOT}', root));
  return {
    command: entry.command === 'node' ? process.execPath : entry.command,
    args,
    env: serverEnv({ CLAUDE_PLUGIN_ROOT: root, CLAUDE_PLUGIN_DATA: data, ...extra }),
  };
}

describe('the plugin as installed', () => {
  it('is small: the built server and the skill, no node_modules, no tests, nothing from the checkout', () => {
    const all = files(PLUGIN);
    expect(all.some((f) => f.path.split('/').includes('node_modules'))).toBe(false);
    expect(all.some((f) => /^(test|src|docs|scripts|bench)\//.test(f.path) || f.path.endsWith('.gguf'))).toBe(false);
    expect(all.reduce((n, f) => n + f.bytes, 0)).toBeLessThan(8 * 2 ** 20);
    expect(existsSync(join(PLUGIN, 'dist', 'cli.js'))).toBe(true);
    // the skill Claude Code loads is the one the repository keeps
    expect(readFileSync(join(PLUGIN, 'skills', 'offloading', 'SKILL.md'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'skills', 'offloading', 'SKILL.md'), 'utf8'),
    );
    // only the current build: dist/ keeps earlier builds' chunks for running servers, the plugin does not
    const chunks = (d: string) => readdirSync(join(d, 'chunks')).filter((f) => f.endsWith('.js'));
    expect(chunks(join(PLUGIN, 'dist')).length).toBeLessThanOrEqual(chunks(join(ROOT, 'dist')).length);
    expect(readFileSync(join(PLUGIN, 'dist', 'build.json'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'dist', 'build.json'), 'utf8'),
    );
  });
});

describe('started as Claude Code starts it, from a copy with nothing beside it', () => {
  let fake: FakeOllama;
  let root: string;
  let data: string;
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    fake = await FakeOllama.start({ memoryBytes: 32e9, tokenDelayMs: 0 });
    root = installed();
    data = seededData();
    const {
      command: cmd,
      args,
      env,
    } = command(root, data, {
      OLLM_HOME: tempHome('ram:\n  budget: 20GB\n'),
      OLLAMA_HOST: fake.host,
      npm_config_offline: 'true',
      npm_config_cache: tempDir('ollm-npm-empty-'),
    });
    const transport = new StdioClientTransport({
      command: cmd,
      args,
      env,
      stderr: 'pipe',
      cwd: tempDir('ollm-plugin-cwd-'),
    });
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client({ name: 'claude-code', version: '2.1.0' });
    await client.connect(transport);
  }, 120_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await fake?.stop();
  });

  it('loads libsql from the plugin data folder, installing nothing, leaving its own folder as copied', () => {
    expect(stderr).not.toMatch(/installing libsql/);
    expect(existsSync(join(root, 'node_modules'))).toBe(false);
  });

  it('serves every tool, keeps state in its database, and serves the skill it carries', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['route_and_generate', 'list_models', 'remember', 'show_status']),
    );
    const saved = await client.callTool({
      name: 'remember',
      arguments: { key: 'plugin-check', value: 'kept in libsql' },
    });
    expect(saved.isError, JSON.stringify(saved.content)).not.toBe(true);
    const recalled = await client.callTool({ name: 'recall', arguments: { key: 'plugin-check' } });
    expect(JSON.stringify(recalled.structuredContent)).toMatch(/kept in libsql/);
    const skill = await client.readResource({ uri: 'skill://offloading/SKILL.md' });
    expect(JSON.stringify(skill.contents)).toMatch(/name: offloading/);
  });
});

describe('a plugin that cannot start says why, on stderr, at once', () => {
  it('a folder with no server built (copied from a checkout never built)', () => {
    const root = installed();
    const bare = join(tempDir('ollm-plugin-bare-'), 'plugin');
    cpSync(join(root, 'start.mjs'), join(bare, 'start.mjs'));
    cpSync(join(root, 'package.json'), join(bare, 'package.json'));
    const { command: cmd, args, env } = command(bare, tempDir('ollm-plugin-data-'), {});
    const run = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 30_000, input: '' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /the server is not built in .*\(no dist\/cli\.js\)\. Install the plugin from a built checkout: .*npm ci/,
    );
  });

  it('npm that cannot get libsql: the registry or a proxy to check, and the command to run by hand', () => {
    const root = installed();
    const data = tempDir('ollm-plugin-data-');
    // what starts killed mid-install left: a process that is gone (a pid past any pid_max) and one that runs
    // (this test's)
    const gone = 2 ** 22 + 7;
    for (const name of [`.install-${gone}`, `node_modules.old-${gone}`, `.install-${process.pid}`])
      mkdirSync(join(data, name));
    const {
      command: cmd,
      args,
      env,
    } = command(root, data, { npm_config_offline: 'true', npm_config_cache: tempDir('ollm-npm-empty-') });
    const run = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000, input: '' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /could not install libsql [\d.]+ with npm \(exit \d+\)\. Check that npm can reach its registry .* npm install --prefix ".*" libsql@/,
    );
    // nothing half-installed left behind, a dead start's leftovers swept, a running start's kept
    expect(readdirSync(data)).toEqual([`.install-${process.pid}`]);
  });

  it(
    'a data folder that cannot be made (a file where a folder should be): which folder, what to ' +
      'do, no stack trace',
    () => {
      const root = installed();
      const file = join(tempDir('ollm-plugin-data-'), 'a-file');
      writeFileSync(file, 'not a folder');
      const data = join(file, 'data');
      const { command: cmd, args, env } = command(root, data, {});
      const run = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 30_000, input: '' });
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        /^ollm-mcp plugin: cannot install libsql into the plugin's data folder .*a-file\/data: .*a part of the path is a file, not a folder \(ENOTDIR\)\. Make that folder writable by your user, or set CLAUDE_PLUGIN_DATA \(or OLLM_HOME\) to a folder you can write, and start again\.\n$/,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it(
    'a libsql tree cut off half-way (no marker written last, its native part missing) is not ' +
      'taken as installed: the start installs again',
    () => {
      const root = installed();
      const data = seededData(false);
      // npm stopped before the native binary
      rmSync(join(data, 'node_modules', '@libsql'), { recursive: true, force: true });
      const {
        command: cmd,
        args,
        env,
      } = command(root, data, { npm_config_offline: 'true', npm_config_cache: tempDir('ollm-npm-empty-') });
      const run = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000, input: '' });
      expect(run.stderr).toMatch(/installing libsql [\d.]+ .* once per version/);
      // offline here, so the new install fails, saying so; the old tree is still not taken as done
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/could not install libsql/);
      expect(existsSync(join(data, 'node_modules', '.ollm-mcp-installed'))).toBe(false);
    },
  );

  it(
    'the other side: a whole tree without the marker (installed by hand, as a failed start says ' +
      'to) is used and marked, installing nothing',
    () => {
      const root = installed();
      const data = seededData(false);
      const {
        command: cmd,
        args,
        env,
      } = command(root, data, { npm_config_offline: 'true', npm_config_cache: tempDir('ollm-npm-empty-') });
      const run = spawnSync(cmd, [...args, '--version'], { env, encoding: 'utf8', timeout: 60_000, input: '' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/installing libsql/);
      expect(readFileSync(join(data, 'node_modules', '.ollm-mcp-installed'), 'utf8')).toBe(WANTED);
    },
  );
});
