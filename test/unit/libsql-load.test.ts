/**
 * Where the server loads libsql from (src/orchestrator/storage/libsql-load.ts): beside the server
 * as npm installs it, or from the node_modules folder OLLM_NODE_MODULES names — the Claude Code
 * plugin's data folder, where its launcher installs libsql, since the plugin copies no
 * node_modules. Both sides: a folder that holds it is used; one that does not, or a relative
 * path, fails naming the cause instead of quietly loading another copy.
 */
import { cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { productionPackages } from '../../scripts/runtime-deps.mjs';
import { loadLibsql } from '../../src/orchestrator/storage/libsql-load.js';
import { tempDir } from '../helpers/temp.js';

const ROOT = join(import.meta.dirname, '../..');
const here = createRequire(import.meta.url);

describe('loading libsql', () => {
  it('from OLLM_NODE_MODULES when it names a folder holding it: that copy, not the one beside the server', async () => {
    const data = tempDir('ollm-libsql-');
    // libsql and what it requires, each at its place, as `npm install --prefix` leaves them
    for (const p of productionPackages(ROOT) as Array<{ dir: string; rel: string }>)
      cpSync(p.dir, join(data, p.rel), { recursive: true });
    const modules = join(data, 'node_modules');
    const loaded = await loadLibsql({ OLLM_NODE_MODULES: modules });
    const fromThere = createRequire(join(modules, 'x.cjs'))('libsql') as unknown;
    expect(loaded).toBe(fromThere); // the very module object that folder's require gives
    expect(loaded).not.toBe(here('libsql'));
  });

  it('as Node resolves it beside the server when OLLM_NODE_MODULES is unset or empty', async () => {
    for (const env of [{}, { OLLM_NODE_MODULES: ' ' }]) {
      const loaded = (await loadLibsql(env)) as { default?: unknown };
      expect(loaded.default ?? loaded).toBe(here('libsql'));
    }
  });

  it('fails naming the cause for a folder without it, and for a relative path', async () => {
    await expect(loadLibsql({ OLLM_NODE_MODULES: tempDir('ollm-libsql-empty-') })).rejects.toThrow(
      /Cannot find module 'libsql'/,
    );
    await expect(loadLibsql({ OLLM_NODE_MODULES: 'node_modules' })).rejects.toThrow(
      'OLLM_NODE_MODULES must be an absolute path to a node_modules folder holding libsql, got node_modules',
    );
  });
});
