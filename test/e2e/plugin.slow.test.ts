/**
 * The plugin's first start as a new user has it: nothing in its data folder, so start.mjs installs
 * libsql with npm from the registry (the real one: CI reaches it, as `npm ci` does) at the
 * version the plugin names, then serves. Slow: npm's own start-up and a download.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverEnv, tempHome } from '../helpers/spawn.js';
import { tempDir } from '../helpers/temp.js';

const PLUGIN = join(import.meta.dirname, '../../plugin');

describe('the plugin on its first start', () => {
  it('installs libsql into its data folder with npm, then serves; the second start installs nothing', () => {
    const root = join(tempDir('ollm-plugin-cache-'), 'ollm-mcp');
    cpSync(PLUGIN, root, { recursive: true });
    const data = tempDir('ollm-plugin-data-');
    // npm reaches the registry as this machine's npm does: its proxy and certificate settings pass through
    const network = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] =>
          /^(npm_config_|https?_proxy$|no_proxy$|NODE_EXTRA_CA_CERTS$|SSL_CERT_)/i.test(e[0]) && e[1] !== undefined,
      ),
    );
    const env = serverEnv({
      ...network,
      CLAUDE_PLUGIN_ROOT: root,
      CLAUDE_PLUGIN_DATA: data,
      OLLM_HOME: tempHome(),
      npm_config_prefer_offline: 'true',
    });
    const first = spawnSync(
      process.execPath,
      [join(root, 'start.mjs'), 'memory', 'add', 'plugin-first-start', 'kept'],
      { env, encoding: 'utf8', timeout: 170_000 },
    );
    // `memory add` writes the state database: libsql loaded from the data folder
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/installing libsql [\d.]+ .* once per version/);
    const wanted = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: { libsql: string } }
    ).dependencies.libsql;
    expect(
      (JSON.parse(readFileSync(join(data, 'node_modules', 'libsql', 'package.json'), 'utf8')) as { version: string })
        .version,
    ).toBe(wanted);
    expect(readdirSync(data).filter((f) => f.startsWith('.install-'))).toEqual([]);
    // marked done last, once npm finished and libsql loaded: a start cut off before it installs again
    expect(readFileSync(join(data, 'node_modules', '.ollm-mcp-installed'), 'utf8')).toBe(wanted);
    const second = spawnSync(process.execPath, [join(root, 'start.mjs'), '--version'], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/installing libsql/);
  }, 200_000);
});
