import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, FakeOllama } from '../fake-ollama/server.js';
import { rmSync } from 'node:fs';
import { CLI, connect, run, serverEnv, tempHome } from '../helpers/spawn.js';

let fake: FakeOllama;
let home: string;
let session: Awaited<ReturnType<typeof connect>>;

// A budget small enough that fits/fitsNow do not depend on the machine running the tests.
const YAML = 'ram:\n  budget: 8GB\n  bufferBytes: 0\n';

beforeAll(async () => {
  fake = await FakeOllama.start();
  home = tempHome(YAML);
  session = await connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host });
});
afterAll(async () => {
  await session?.close();
  await fake?.stop();
});

interface ListModels {
  host: string;
  models: Array<{
    name: string;
    contextWindow: number;
    capabilities: string[];
    profiles: string[];
    loaded: boolean;
    fits: boolean;
    fitsNow: boolean;
    requiredBytes: number;
    sizeBytes: number;
  }>;
  loaded: Array<{ name: string }>;
  ram: { budgetBytes: number; loadedBytes: number };
}

describe('the built server over stdio, driven by the official MCP client', () => {
  it('lists list_models with a title, all four annotations and both schemas', async () => {
    const { tools } = await session.client.listTools();
    const tool = tools.find((t) => t.name === 'list_models');
    expect(tool).toBeDefined();
    expect(tool!.title).toBeTruthy();
    expect(tool!.description).toMatch(/models/); // terse: the calling model reads every tool's description every turn
    expect(tool!.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(tool!.inputSchema.properties).toHaveProperty('refresh');
    expect(tool!.outputSchema?.properties).toHaveProperty('models');
  });

  it('list_models returns every model with its real context window, capabilities, loaded, fits and fitsNow', async () => {
    const load = await fetch(`${fake.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'phi3:mini' }),
    });
    await load.text();
    const res = await session.client.callTool({ name: 'list_models', arguments: { refresh: true } });
    expect(res.isError).toBeFalsy();
    const out = res.structuredContent as unknown as ListModels;
    expect(out.host).toBe(fake.host);
    expect(out.models).toHaveLength(fake.installed().length);
    for (const m of out.models) {
      const truth = fake.installed().find((f) => f.name === m.name)!;
      expect(m.contextWindow).toBe(truth.contextLength);
      expect(m.capabilities.length).toBeGreaterThan(0);
      expect(m.loaded).toBe(m.name === 'phi3:mini');
      expect(m.fits).toBe(m.requiredBytes <= 8e9);
      if (m.loaded) expect(m.fitsNow).toBe(true);
      else expect(m.fitsNow).toBe(m.fits && m.requiredBytes <= 8e9 - out.ram.loadedBytes);
    }
    expect(out.models.find((m) => m.name.startsWith('mixtral'))).toMatchObject({ fits: false, fitsNow: false });
    expect(out.loaded.map((l) => l.name)).toEqual(['phi3:mini']);
    const text = (res.content as Array<{ type: string; text: string }>)[0]!.text;
    expect(text).toContain(`Ollama at ${fake.host}`);
    expect(text).toContain('phi3:mini');
  });

  it('rejects bad input with a precise message', async () => {
    const res = await session.client.callTool({ name: 'list_models', arguments: { refresh: 'yes' } });
    expect(res.isError).toBe(true);
    expect(JSON.stringify(res.content)).toMatch(/refresh/);
  });

  it('offers the resources and templates, and each reads back valid JSON', async () => {
    const { resources } = await session.client.listResources();
    const uris = resources.map((r) => r.uri);
    for (const uri of ['ollm://system/ram', 'ollm://models/database', 'ollm://config']) expect(uris).toContain(uri);
    expect(uris).toContain('ollm://models/llama3.2:latest'); // one card per installed model
    const { resourceTemplates } = await session.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('ollm://models/{+name}');

    const read = async (uri: string) => {
      const r = await session.client.readResource({ uri });
      const c = r.contents[0] as { text: string; mimeType: string };
      expect(c.mimeType).toBe('application/json');
      return JSON.parse(c.text) as Record<string, unknown>;
    };
    const ram = await read('ollm://system/ram');
    expect(ram).toMatchObject({ budgetBytes: 8e9, bufferBytes: 0, ollama: { host: fake.host, reachable: true } });
    expect(ram.totalBytes).toBeGreaterThan(0);
    const db = await read('ollm://models/database');
    expect((db.patterns as unknown[]).length).toBeGreaterThan(30);
    expect((db.installed as unknown[]).length).toBe(fake.installed().length);
    const config = await read('ollm://config');
    expect(config).toMatchObject({
      home,
      fileFound: true,
      sources: { 'ram.budget': `${home}/config.yaml`, 'ollama.host': 'env OLLAMA_HOST' },
    });
    const card = await read('ollm://models/llama3.2:latest');
    expect(card).toMatchObject({ name: 'llama3.2:latest', contextWindow: 131072, contextSource: 'ollama' });
    await expect(session.client.readResource({ uri: 'ollm://models/nope:1b' })).rejects.toThrow(/ollama pull nope:1b/);
  });
});

describe('failures a new user meets', () => {
  it('with Ollama down, list_models is an isError naming the host and the fix, and the server keeps serving', async () => {
    const down = await FakeOllama.start();
    const host = down.host;
    await down.stop();
    const s = await connect({ OLLM_HOME: tempHome(), OLLAMA_HOST: host });
    try {
      const res = await s.client.callTool({ name: 'list_models', arguments: {} });
      expect(res.isError).toBe(true);
      const text = (res.content as Array<{ text: string }>)[0]!.text;
      expect(text).toContain(`Ollama is not reachable at ${host}`);
      expect(text).toContain('ollama serve');
      const again = await s.client.listTools(); // still alive
      expect(again.tools.length).toBeGreaterThan(0);
      expect(s.stderr()).toContain('not reachable');
    } finally {
      await s.close();
    }
  });

  it('a bad setting stops start-up with one stderr line naming the key, the source and what is allowed', async () => {
    const r = await run([], { OLLM_HOME: tempHome(), OLLM_TEMPERATURE: 'hot' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/options\.temperature.*env OLLM_TEMPERATURE.*number/);

    const yaml = await run([], { OLLM_HOME: tempHome('ram:\n  budget: [\n') });
    expect(yaml.code).toBe(1);
    expect(yaml.stderr.trim().split('\n')).toHaveLength(1);
    expect(yaml.stderr).toMatch(/config\.yaml:\d+ is not valid YAML/);

    const typo = await run([], { OLLM_HOME: tempHome('ram:\n  bugdet: 12GB\n') });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/Unknown setting "ram\.bugdet" \(from .*config\.yaml\)/);
  });

  it('doctor exits 0 when all is well and non-zero explaining an unreachable Ollama', async () => {
    // installed models that all fit the budget (mixtral:8x7b would be a warning): nothing to warn of
    const fitting = await FakeOllama.start({ models: DEFAULT_MODELS.filter((m) => !m.name.startsWith('mixtral')) });
    try {
      const ok = await run(['doctor'], { OLLM_HOME: tempHome(YAML), OLLAMA_HOST: fitting.host });
      expect(ok.stdout).toContain('All is well.');
      expect(ok.stdout).toContain(`answers at ${fitting.host}`);
      expect(ok.code).toBe(0);
      // where each value came from: the address from the environment, the budget from the file, the profile by default
      expect(ok.stdout).toMatch(/ollama\.host = \S+ \(from env OLLAMA_HOST\)/);
      expect(ok.stdout).toMatch(/ram\.budget = 8(\.0)? GB \(from \/\S+config\.yaml\)/);
      expect(ok.stdout).toMatch(/model\.routing\.defaultProfile = general \(from default\)/);
    } finally {
      await fitting.stop();
    }

    const down = await FakeOllama.start();
    await down.stop();
    const bad = await run(['doctor'], { OLLM_HOME: tempHome(), OLLAMA_HOST: down.host });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`not reachable at ${down.host}`);
    expect(bad.stdout).toContain('ollama serve');
  });

  it('doctor flags a configured model that is not installed', async () => {
    const r = await run(['doctor', '--json'], {
      OLLM_HOME: tempHome('model:\n  default: ghost:7b\nram:\n  budget: 8GB\n  bufferBytes: 0\n'),
      OLLAMA_HOST: fake.host,
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      checks: Array<{ level: string; detail: string; fix?: string }>;
    };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.level === 'fail')).toMatchObject({
      detail: expect.stringContaining('ghost:7b'),
      fix: expect.stringContaining('ollama pull ghost:7b'),
    });
  });

  it('--help and --version work', async () => {
    const help = await run(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: ollm-mcp/);
    const version = await run(['--version'], {});
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = await run(['--nope'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--nope.*--help/);
  });
});

describe('stdout carries only JSON-RPC', () => {
  it('every stdout line is a JSON-RPC message, with Ollama up and down', async () => {
    const down = await FakeOllama.start();
    await down.stop();
    const msgs = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_models', arguments: {} } },
      { jsonrpc: '2.0', id: 4, method: 'resources/read', params: { uri: 'ollm://system/ram' } },
      { jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: 'ollm://models/database' } },
      { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
    ].map((m) => JSON.stringify(m));
    for (const host of [fake.host, down.host]) {
      // stdin closes once the six answers are in (or after 30 s)
      const r = await run(
        [],
        { OLLM_HOME: tempHome(), OLLAMA_HOST: host },
        msgs,
        30_000,
        undefined,
        (out) => out.split('\n').filter((l) => l.length > 0).length >= 6,
      );
      const lines = r.stdout.split('\n').filter((l) => l.length > 0);
      expect(lines.length).toBe(6); // one answer per request
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
      expect(r.stderr).toContain('serving MCP on stdio');
    }
  });
});

describe('the bundle', () => {
  it('runs from a folder with dist/ and the production dependencies only: dist/ carries every other package', async () => {
    const { cpSync, existsSync } = await import('node:fs');
    const { tempDir } = await import('../helpers/temp.js');
    const { join, dirname } = await import('node:path');
    const { CLI } = await import('../helpers/spawn.js');
    const { Client } = await import('@modelcontextprotocol/client');
    const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
    const { copyPackage, productionPackages } = await import('../../scripts/runtime-deps.mjs');
    // what `npm install ollm-mcp` puts beside dist/: package.json's dependencies (libsql, with its
    // binary for this machine), laid out as npm installed them here; no dev dependency
    const repo = join(dirname(CLI), '..');
    const dir = tempDir('ollm-bundle-');
    cpSync(dirname(CLI), join(dir, 'dist'), { recursive: true });
    const packages = productionPackages(repo);
    for (const p of packages) copyPackage(p.dir, join(dir, p.rel));
    expect(packages.map((p) => p.name)).toContain('libsql');
    for (const dev of ['zod', '@modelcontextprotocol/server', 'ollama', 'yaml'])
      expect(existsSync(join(dir, 'node_modules', dev))).toBe(false);
    const home = tempHome(YAML);
    const env = serverEnv({ HOME: dir, OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_SHARED: '0' });
    const { spawn } = await import('node:child_process');
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [join(dir, 'dist/cli.js'), 'doctor', '--json'], { cwd: dir, env });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    const report = JSON.parse(out.stdout) as { ok: boolean; checks: Array<{ name: string; detail: string }> };
    expect(report.checks.find((c) => c.name === 'Models')?.detail).toMatch(/\d+ installed/);
    expect(report.checks.find((c) => c.name === 'RAM')?.detail).toMatch(/available of/);
    expect(out.code).toBe(0);
    // the state database (libsql, loaded from the folder's node_modules) works
    const client = new Client({ name: 'bundle', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [join(dir, 'dist/cli.js')],
        cwd: dir,
        env,
        stderr: 'ignore',
      }),
    );
    try {
      const saved = await client.callTool({
        name: 'remember',
        arguments: { key: 'folder check', value: 'dist plus production dependencies' },
      });
      expect(saved.isError, JSON.stringify(saved.content)).toBeFalsy();
      const found = await client.callTool({ name: 'recall', arguments: { key: 'folder check' } });
      expect(found.structuredContent).toMatchObject({
        entries: [{ key: 'folder check', value: 'dist plus production dependencies' }],
      });
      expect(existsSync(join(home, 'state.db'))).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('command-line manners', () => {
  it('output piped into a reader that stops early (like head) ends quietly, without a stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const home = tempHome();
    try {
      // `ollm-mcp template list | head -1`: the reader closes the pipe after the first line
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'template', 'list'], {
          env: serverEnv({ OLLM_HOME: home }),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdout.destroy(); // the reader is gone before the first line is written
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(result.code).toBe(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('npm start', () => {
  it('stops with the signal it is sent, leaving no server running', { timeout: 60_000 }, async () => {
    const { spawn, execFileSync } = await import('node:child_process');
    const home = tempHome();
    const repo = new URL('../..', import.meta.url).pathname;
    try {
      const npm = spawn('npm', ['start', '--silent'], {
        cwd: repo,
        env: { ...serverEnv({ OLLM_HOME: home }), OLLM_START_NO_BUILD: '1' },
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      let stderr = '';
      npm.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      for (let i = 0; i < 300 && !/serving MCP on stdio/.test(stderr); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toMatch(/serving MCP on stdio/);
      npm.kill('SIGTERM');
      await new Promise((r) => npm.once('exit', r));
      const running = () => {
        try {
          return execFileSync('pgrep', ['-f', 'scripts/start.mjs'], { stdio: 'pipe' })
            .toString()
            .trim()
            .split('\n')
            .filter(Boolean)
            .filter((pid) => {
              try {
                return execFileSync('cat', [`/proc/${pid}/environ`], { stdio: 'pipe' })
                  .toString()
                  .includes(home);
              } catch {
                return false;
              }
            });
        } catch {
          return [];
        }
      };
      for (let i = 0; i < 40 && running().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(running()).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
