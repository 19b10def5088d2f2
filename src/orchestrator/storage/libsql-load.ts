/**
 * Where libsql — the one package the built server loads from outside dist/ — comes from: the
 * node_modules beside the server (npm installs it as a dependency), or the folder OLLM_NODE_MODULES
 * names. The Claude Code plugin copies no node_modules: its launcher (plugin/start.mjs) installs
 * libsql into the plugin's data folder on first start and names that folder here.
 */
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';

/** libsql's module: from `env.OLLM_NODE_MODULES` when it names a folder, else as Node resolves it beside the server. */
export async function loadLibsql(env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const folder = env.OLLM_NODE_MODULES?.trim();
  if (folder) {
    if (!isAbsolute(folder))
      throw new Error(
        `OLLM_NODE_MODULES must be an absolute path to a node_modules folder holding libsql, got ${folder}`,
      );
    // a require() made in that folder looks in the folder itself for libsql (Node's node_modules lookup)
    return createRequire(join(folder, 'ollm-mcp.cjs'))('libsql') as unknown;
  }
  return import('libsql');
}
