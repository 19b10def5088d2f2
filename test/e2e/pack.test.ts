import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { serverEnv, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const root = join(import.meta.dirname, '../..');
/**
 * npm's cache for these runs: libsql, the one package npx installs beside ollm-mcp, comes from the
 * npm registry the first time and from this git-ignored cache after (--prefer-offline). Not the
 * user's own cache, which npx would fill with an install per run.
 */
const NPM_CACHE = join(root, 'node_modules/.cache/ollm-mcp/npm');
let tarball: string | undefined;

/** The folder npx installed `tarball` into: <cache>/_npx/<hash>, whose package.json names it. */
function npxInstall(): string | undefined {
  const npx = join(NPM_CACHE, '_npx');
  if (!tarball || !existsSync(npx)) return undefined;
  return readdirSync(npx)
    .map((d) => join(npx, d))
    .find(
      (d) =>
        existsSync(join(d, 'package.json')) &&
        readFileSync(join(d, 'package.json'), 'utf8').includes(JSON.stringify(tarball).slice(1, -1)),
    );
}

afterAll(() => {
  const dir = npxInstall();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('`npm pack` gives a package that runs with npx from a clean folder, installing only libsql beside it', async () => {
    const out = tempDir('ollm-pack-');
    // dist/ was built by the test setup; prepack would build it again under the running suite
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: root, stdio: 'ignore' });
    tarball = join(
      out,
      readdirSync(out).find((f) => f.endsWith('.tgz'))!,
    );
    const clean = tempDir('ollm-clean-');
    const home = tempHome();
    const env = {
      ...serverEnv({ OLLM_HOME: home }),
      npm_config_cache: NPM_CACHE,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };
    const version = execFileSync('npx', ['--yes', '--package', tarball, 'ollm-mcp', '--version'], {
      cwd: clean,
      env,
      encoding: 'utf8',
    });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // what npx installed: ollm-mcp, and libsql with what it requires (its binary for this machine among them)
    const installed = npxInstall();
    expect(installed).toBeDefined();
    const modules = join(installed!, 'node_modules');
    const packages = readdirSync(modules)
      .filter((d) => !d.startsWith('.'))
      .flatMap((d) => (d.startsWith('@') ? readdirSync(join(modules, d)).map((s) => `${d}/${s}`) : [d]));
    const libsql = JSON.parse(readFileSync(join(modules, 'libsql/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    expect(packages).toContain('ollm-mcp');
    expect(packages).toContain('libsql');
    for (const p of packages)
      expect(
        ['ollm-mcp', 'libsql', ...Object.keys(libsql.dependencies), ...Object.keys(libsql.optionalDependencies)],
        p,
      ).toContain(p);

    const client = new Client({ name: 'pack', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: 'npx',
        args: ['--yes', '--package', tarball, 'ollm-mcp'],
        cwd: clean,
        env,
        stderr: 'ignore',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('route_and_generate');
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('code_review');
      // the skill ships in the package and is found beside dist/
      const skill = await client.readResource({ uri: 'skill://offloading/SKILL.md' });
      expect((skill.contents[0] as { text?: string }).text).toMatch(/^---\nname: offloading\n/);
      // the state database works with the libsql npm installed
      const saved = await client.callTool({
        name: 'remember',
        arguments: { key: 'pack check', value: 'installed by npx' },
      });
      expect(saved.isError, JSON.stringify(saved.content)).toBeFalsy();
      const found = await client.callTool({ name: 'recall', arguments: { key: 'pack check' } });
      expect(found.structuredContent).toMatchObject({ entries: [{ key: 'pack check', value: 'installed by npx' }] });
      expect(existsSync(join(home, 'state.db'))).toBe(true);
    } finally {
      await client.close();
    }
  }, 120_000);
});
