/**
 * The client's MCP roots, as folder paths, for tools that read files by path. Asked of the client
 * only when it declared the roots capability (2025-era connections; the 2026-07-28 era passes
 * paths as tool arguments instead), remembered per connection, and asked again after the client
 * says its roots changed. A client that does not answer in time counts as offering none.
 */
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { rootPath } from '../orchestrator/inputs/index.js';
import { log } from '../orchestrator/util/log.js';

const ASK_TIMEOUT_MS = 5000;
const cache = new WeakMap<McpServer, { roots?: Promise<string[]> }>();

export function clientRoots(server: McpServer, ctx: ServerContext): Promise<string[]> {
  let entry = cache.get(server);
  if (!entry) {
    entry = {};
    cache.set(server, entry);
    const e = entry;
    try {
      server.server.setNotificationHandler('notifications/roots/list_changed', () => {
        e.roots = undefined;
      });
    } catch (err) {
      log.debug(`roots: cannot follow changes: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (!server.server.getClientCapabilities()?.roots) return Promise.resolve([]);
  entry.roots ??= server.server
    .listRoots(undefined, { timeout: ASK_TIMEOUT_MS, signal: ctx.mcpReq.signal })
    .then((r) => r.roots.map((root) => rootPath(root.uri)).filter((p): p is string => p !== undefined))
    .catch((err: unknown) => {
      log.debug(`roots: the client did not list its roots: ${err instanceof Error ? err.message : String(err)}`);
      if (entry) entry.roots = undefined;
      return [];
    });
  return entry.roots;
}
