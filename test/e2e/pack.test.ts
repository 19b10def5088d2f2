import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { serverEnv, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const root = join(import.meta.dirname, '../..');

describe('the npm package', () => {
  it('`npm pack` gives a package that runs with npx from a clean folder, with nothing else installed', async () => {
    const out = tempDir('ollm-pack-');
    // dist/ was built by the test setup; prepack would build it again under the running suite
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: root, stdio: 'ignore' });
    const tarball = join(out, readdirSync(out).find((f) => f.endsWith('.tgz'))!);
    const clean = tempDir('ollm-clean-');
    const env = { ...serverEnv({ OLLM_HOME: tempHome() }), npm_config_cache: join(clean, '.npm'), npm_config_update_notifier: 'false' };
    const version = execFileSync('npx', ['--yes', '--package', tarball, 'ollm-mcp', '--version'], { cwd: clean, env, encoding: 'utf8' });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const client = new Client({ name: 'pack', version: '1' });
    await client.connect(new StdioClientTransport({ command: 'npx', args: ['--yes', '--package', tarball, 'ollm-mcp'], cwd: clean, env, stderr: 'ignore' }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('route_and_generate');
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('code_review');
    } finally {
      await client.close();
    }
  }, 60_000);
});
