/**
 * The Claude Desktop bundle: `scripts/bundle.mjs` packs it with the official tool
 * (@anthropic-ai/mcpb); the tool's own `validate` accepts its manifest; it carries libsql (SQLite)
 * with the native binary of every platform Claude Desktop runs on; and the server inside, unpacked
 * where no other node_modules is reachable and started the way Claude Desktop starts it (the
 * tool's own getMcpConfigForManifest, which the app uses), keeps what it is told in its SQLite
 * database with the bundled binary, offers exactly the tools and prompts the manifest lists and
 * reads the user's answers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse as parsePath } from 'node:path';
import { getMcpConfigForManifest, type McpbManifestAny } from '@anthropic-ai/mcpb';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/orchestrator/config/index.js';
import { BUILTIN_TEMPLATES } from '../../src/orchestrator/templates/builtin.js';
import { TOOLS } from '../../src/tools/index.js';
import { serverEnv } from '../helpers/spawn.js';
import { commandLine, processesWhere } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp.js';

const root = join(import.meta.dirname, '../..');
const MCPB_CLI = join(dirname(createRequire(import.meta.url).resolve('@anthropic-ai/mcpb')), 'cli', 'cli.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  description: string;
  engines: { node: string };
};
const libsql = JSON.parse(readFileSync(join(root, 'node_modules/libsql/package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

/**
 * The libsql binary packages the bundle must carry, each with a check that its index.node is a
 * library for that platform: Mach-O for the CPU (cputype: arm64 0x0100000c, x86-64 0x01000007),
 * a PE DLL for x86-64 (machine 0x8664), an ELF shared object for x86-64 linked against glibc.
 */
const BINARIES: Record<string, (lib: Buffer) => boolean> = {
  'darwin-arm64': (b) => b.readUInt32LE(0) === 0xfeedfacf && b.readUInt32LE(4) === 0x0100000c,
  'darwin-x64': (b) => b.readUInt32LE(0) === 0xfeedfacf && b.readUInt32LE(4) === 0x01000007,
  'win32-x64-msvc': (b) => {
    if (b.toString('latin1', 0, 2) !== 'MZ') return false;
    const pe = b.readUInt32LE(0x3c);
    return (
      b.toString('latin1', pe, pe + 4) === 'PE\0\0' &&
      b.readUInt16LE(pe + 4) === 0x8664 &&
      (b.readUInt16LE(pe + 22) & 0x2000) !== 0
    );
  },
  'linux-x64-gnu': (b) =>
    b.toString('latin1', 0, 4) === '\x7fELF' &&
    b[4] === 2 &&
    b.readUInt16LE(16) === 3 &&
    b.readUInt16LE(18) === 0x3e &&
    b.includes('libc.so.6'),
};

/** libsql's name for the machine running the tests, as its index.js picks the binary. */
function hostTarget(): string {
  if (process.platform === 'win32') return `win32-${process.arch}-msvc`;
  if (process.platform !== 'linux') return `${process.platform}-${process.arch}`;
  const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime;
  return `linux-${process.arch}-${glibc ? 'gnu' : 'musl'}`;
}
const HOST = hostTarget();
const hostBinary = () => join(unpacked, 'node_modules', '@libsql', HOST, 'index.node');

interface Manifest {
  manifest_version: string;
  name: string;
  version: string;
  description: string;
  author: { name: string };
  server: {
    type: string;
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  tools: Array<{ name: string; description?: string }>;
  prompts: Array<{ name: string; description?: string; arguments?: string[]; text: string }>;
  compatibility: { platforms: string[]; runtimes: { node: string } };
  user_config: Record<
    string,
    { type: string; title: string; description: string; required?: boolean; default?: unknown; sensitive?: boolean }
  >;
}

/** The names of a zip archive's entries, from its central directory. */
function zipEntries(zip: Buffer): string[] {
  let end = -1;
  for (let i = zip.length - 22; i >= 0; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('no zip end-of-central-directory record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return names;
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** Environment variables the server reads: the settings' (ENV_VARS) and any `env.NAME` in its source. */
function variablesRead(): Set<string> {
  const names = new Set<string>(ENV_VARS);
  for (const file of filesUnder(join(root, 'src')).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(join(root, 'src', file), 'utf8').matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b/g))
      names.add(m[1]!);
  }
  return names;
}

let work: string;
let bundle: string;
let unpacked: string;
let manifest: Manifest;

/** Starts the unpacked bundle's server as Claude Desktop would, with the user's answers `userConfig`. */
async function startAsClaudeDesktop(
  userConfig: Record<string, string>,
  settingsYaml?: string,
  home = tempDir('ollm-mcpb-home-'),
) {
  const config = await getMcpConfigForManifest({
    manifest: manifest as unknown as McpbManifestAny,
    extensionPath: unpacked,
    systemDirs: {},
    userConfig,
    pathSeparator: '/',
  });
  if (!config) throw new Error('Claude Desktop would not start the server: required settings are missing');
  expect(config.command).toBe('node');
  if (settingsYaml !== undefined) writeFileSync(join(home, 'config.yaml'), settingsYaml);
  const client = new Client({ name: 'bundle-test', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: config.args ?? [],
    env: { ...serverEnv({ OLLM_HOME: home }), ...config.env },
    cwd: home,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`the bundled server did not start: ${(err as Error).message}\n${stderr}`);
  }
  return { client, config, home, pid: transport.pid, stderr: () => stderr };
}

beforeAll(() => {
  // in the temporary directory, outside the checkout: no node_modules but the bundle's is reachable
  work = tempDir('ollm-mcpb-');
  bundle = join(work, 'ollm-mcp.mcpb');
  execFileSync(process.execPath, ['scripts/bundle.mjs', '--out', bundle, '--stage', join(work, 'stage')], {
    cwd: root,
    stdio: 'pipe',
  });
  unpacked = join(work, 'unpacked');
  execFileSync(process.execPath, [MCPB_CLI, 'unpack', bundle, unpacked], { stdio: 'pipe' });
  manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as Manifest;
  // the first run on a machine fetches the other platforms' binaries from the npm registry
}, 120_000);

describe('the Claude Desktop bundle', () => {
  it('is packed by a server of its own that it ends: no shared server of the staged build outlives the packing', async () => {
    // the manifest lists what the staged server offers: that server ran alone (no daemon started for it in the
    // user's /tmp, which would wait out its idle limit); a few seconds for the listing's own process to be gone
    await expect
      .poll(() => processesWhere((pid) => commandLine(pid).some((arg) => arg.startsWith(`${join(work, 'stage')}/`))), {
        timeout: 5000,
        interval: 100,
      })
      .toEqual([]);
  });

  it('is a zip of the built server, its manifest and documents, and libsql with what it requires: no other package', () => {
    const zip = readFileSync(bundle);
    expect(zip.subarray(0, 4).toString('binary')).toBe('PK\u0003\u0004');
    const entries = zipEntries(zip);
    expect(entries).toContain('manifest.json');
    expect(entries).toContain('dist/cli.js');
    for (const f of ['package.json', 'README.md', 'LICENSE', 'schemas/settings.schema.json'])
      expect(entries).toContain(f);
    // every file of the build, and nothing from outside the staged files
    for (const f of filesUnder(join(root, 'dist'))) expect(entries).toContain(`dist/${f}`);
    expect(entries).toContain('skills/offloading/SKILL.md'); // served over MCP, found beside dist/
    for (const e of entries)
      expect(e).toMatch(/^(manifest\.json|package\.json|README\.md|LICENSE|dist\/|schemas\/|skills\/|node_modules\/)/);
    // the packages in node_modules: libsql, what it requires, and its binaries (each its own package)
    const shipped = entries
      .filter((e) => /^node_modules\/.*\/package\.json$/.test(e))
      .map((e) => (JSON.parse(readFileSync(join(unpacked, e), 'utf8')) as { name: string }).name);
    const required = [
      'libsql',
      ...Object.keys(libsql.dependencies),
      ...Object.keys(BINARIES).map((t) => `@libsql/${t}`),
    ];
    expect(shipped.sort()).toEqual(required.sort());
    for (const f of ['node_modules/libsql/package.json', 'node_modules/libsql/index.js']) expect(entries).toContain(f);
    // the shipped package.json makes Node read dist/ as ES modules
    expect(JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'))).toMatchObject({
      name: pkg.name,
      version: pkg.version,
      type: 'module',
    });
  });

  it(
    "carries libsql's binary for macOS (Apple silicon, Intel), Windows and Linux, at the " +
      'version of the libsql it ships',
    () => {
      const entries = zipEntries(readFileSync(bundle));
      expect(JSON.parse(readFileSync(join(unpacked, 'node_modules/libsql/package.json'), 'utf8'))).toMatchObject({
        name: 'libsql',
        version: libsql.version,
      });
      for (const [target, isLibraryFor] of Object.entries(BINARIES)) {
        expect(entries).toContain(`node_modules/@libsql/${target}/index.node`);
        const dir = join(unpacked, 'node_modules/@libsql', target);
        expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({
          name: `@libsql/${target}`,
          version: libsql.version,
        });
        expect(
          isLibraryFor(readFileSync(join(dir, 'index.node'))),
          `${target}/index.node is not a library for ${target}`,
        ).toBe(true);
      }
      // Claude Desktop installs it on the systems it has binaries for
      expect(manifest.compatibility.platforms.sort()).toEqual(['darwin', 'linux', 'win32']);
    },
  );

  it.runIf(HOST in BINARIES)(
    "loads this machine's binary from the unpacked bundle alone, with no other node_modules reachable",
    () => {
      for (let dir = dirname(unpacked); ; dir = dirname(dir)) {
        expect(existsSync(join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);
        if (dir === parsePath(dir).root) break;
      }
      const script = [
        "const Database = require('./node_modules/libsql');",
        "const db = new Database(':memory:');",
        "const { v } = db.prepare('select sqlite_version() as v').get();",
        'db.close();',
        "console.log(JSON.stringify({ v, natives: Object.keys(require.cache).filter((f) => f.endsWith('.node')) }));",
      ].join('\n');
      const out = JSON.parse(
        execFileSync(process.execPath, ['-e', script], {
          cwd: unpacked,
          env: { PATH: process.env.PATH ?? '' },
          encoding: 'utf8',
        }),
      ) as { v: string; natives: string[] };
      expect(out.v).toMatch(/^3\.\d+\.\d+$/);
      expect(out.natives).toEqual([hostBinary()]);
    },
  );

  it.runIf(HOST in BINARIES)(
    'remembers and recalls through the bundled server started as Claude Desktop would, in ' +
      'SQLite through the bundled binary',
    async () => {
      const first = await startAsClaudeDesktop({});
      try {
        const saved = await first.client.callTool({
          name: 'remember',
          arguments: { key: 'bundle check', value: 'the .mcpb stores state with its own libsql' },
        });
        expect(saved.isError, JSON.stringify(saved.content)).toBeFalsy();
        expect(saved.structuredContent).toMatchObject({ key: 'bundle check', action: 'created' });
        expect(existsSync(join(first.home, 'state.db'))).toBe(true);
        // the server process mapped the unpacked bundle's binary, not any other libsql
        if (process.platform === 'linux')
          expect(readFileSync(`/proc/${first.pid}/maps`, 'utf8')).toContain(hostBinary());
      } finally {
        await first.client.close();
      }
      // a later session (a new process, as after restarting Claude Desktop) recalls it from the database
      const { client } = await startAsClaudeDesktop({}, undefined, first.home);
      try {
        const found = await client.callTool({ name: 'recall', arguments: { key: 'bundle check' } });
        expect(found.isError, JSON.stringify(found.content)).toBeFalsy();
        expect((found.structuredContent as { entries: Array<{ key: string; value: string }> }).entries).toEqual([
          expect.objectContaining({ key: 'bundle check', value: 'the .mcpb stores state with its own libsql' }),
        ]);
      } finally {
        await client.close();
      }
    },
    30_000,
  );

  it("passes the bundle tool's own validation", () => {
    const out = execFileSync(process.execPath, [MCPB_CLI, 'validate', join(unpacked, 'manifest.json')], {
      encoding: 'utf8',
    });
    expect(out).toContain('validation passes');
    const latest = JSON.parse(
      readFileSync(join(dirname(MCPB_CLI), '../../schemas/mcpb-manifest-latest.schema.json'), 'utf8'),
    ) as { properties: { manifest_version: { const: string } } };
    expect(manifest.manifest_version).toBe(latest.properties.manifest_version.const);
  });

  it('describes the package and starts dist/cli.js with Node', () => {
    expect(manifest).toMatchObject({
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      compatibility: { runtimes: { node: pkg.engines.node } },
    });
    expect(manifest.author.name).toBeTruthy();
    expect(manifest.server).toEqual({
      type: 'node',
      entry_point: 'dist/cli.js',
      mcp_config: { command: 'node', args: ['${__dirname}/dist/cli.js'], env: expect.any(Object) as unknown },
    });
    expect(existsSync(join(unpacked, manifest.server.entry_point))).toBe(true);
  });

  it(
    'asks for settings that become variables the server reads, each with a default so none is ' +
      'passed as literal text',
    () => {
      const read = variablesRead();
      const env = manifest.server.mcp_config.env;
      expect(Object.keys(env).sort()).toEqual(['OLLM_API_KEY', 'OLLM_HOST', 'OLLM_PROJECT', 'OLLM_RAM_BUDGET']);
      for (const [name, value] of Object.entries(env)) {
        expect(read, `${name} is not read by the server`).toContain(name);
        const key = /^\$\{user_config\.([a-z_]+)\}$/.exec(value)?.[1];
        expect(key, `${name} = ${value}`).toBeDefined();
        const option = manifest.user_config[key!];
        expect(option, key).toBeDefined();
        expect(
          option!.required === true || option!.default !== undefined,
          `${key} has neither required nor a default`,
        ).toBe(true);
      }
      // empty by default: the settings file (or OLLAMA_HOST) stays in charge unless the user types an address
      expect(manifest.user_config.ollama_host).toMatchObject({ type: 'string', default: '' });
      expect(manifest.user_config.api_key).toMatchObject({ type: 'string', sensitive: true, default: '' });
      expect(manifest.user_config.ram_budget).toMatchObject({ type: 'string' });
      expect(manifest.user_config.project_dir).toMatchObject({ type: 'directory' });
    },
  );

  it('lists exactly the tools and prompts the bundled server offers, as the source registers them', async () => {
    const { client, config } = await startAsClaudeDesktop({});
    try {
      // nothing left unsubstituted, e.g. "${user_config.ram_budget}"
      for (const v of Object.values(config.env ?? {})) expect(v).not.toContain('${');
      const tools = (await client.listTools()).tools;
      expect(manifest.tools).toEqual(tools.map((t) => ({ name: t.name, description: t.description })));
      expect(manifest.tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.toolName).sort());
      const prompts = (await client.listPrompts()).prompts;
      expect(
        manifest.prompts.map((p) => ({ name: p.name, description: p.description, arguments: p.arguments })),
      ).toEqual(
        prompts.map((p) => ({ name: p.name, description: p.description, arguments: p.arguments?.map((a) => a.name) })),
      );
      expect(manifest.prompts.map((p) => p.name).sort()).toEqual(BUILTIN_TEMPLATES.map((t) => t.name).sort());
      for (const p of manifest.prompts) {
        for (const a of p.arguments ?? []) expect(p.text, `${p.name} never uses ${a}`).toContain(`\${arguments.${a}}`);
      }
    } finally {
      await client.close();
    }
  }, 30_000);

  it('leaves the settings file in charge of every field the user left empty', async () => {
    const { client } = await startAsClaudeDesktop({}, 'ollama:\n  host: http://127.0.0.1:9\nram:\n  budget: 11GB\n');
    try {
      const read = await client.readResource({ uri: 'ollm://config' });
      const effective = JSON.parse((read.contents[0] as { text: string }).text) as {
        sources: Record<string, string>;
        settings: { ollama: { host: string } };
      };
      expect(effective.settings.ollama.host).toBe('http://127.0.0.1:9');
      expect(effective.sources['ollama.host']).toMatch(/config\.yaml$/);
      expect(effective.sources['ram.budget']).toMatch(/config\.yaml$/);
    } finally {
      await client.close();
    }
  }, 30_000);

  it("passes the user's answers to the server", async () => {
    const project = tempDir('ollm-mcpb-project-');
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'go.mod'), 'module example.com/shop\n\ngo 1.22\n');
    const { client } = await startAsClaudeDesktop({
      ollama_host: 'http://127.0.0.1:9',
      ram_budget: '12GB',
      project_dir: project,
    });
    try {
      const read = await client.readResource({ uri: 'ollm://config' });
      const content = read.contents[0] as { text: string };
      const effective = JSON.parse(content.text) as {
        sources: Record<string, string>;
        settings: { ram: { budget: unknown } };
        project: { base?: string; name: string; root: string; explicit: boolean } | null;
      };
      expect(effective.sources['ollama.host']).toBe('env OLLM_HOST');
      expect(effective.sources['ram.budget']).toBe('env OLLM_RAM_BUDGET');
      expect(effective.project).toMatchObject({ explicit: true, name: 'go' });
    } finally {
      await client.close();
    }
  }, 30_000);
});
