/**
 * Which clients chose a log level (logging/setLevel, answered in server/log-level.ts): only they
 * are sent log messages. A client that never did gets none — MCP leaves that choice to the server,
 * the phases go out as progress to those who ask, and three messages a call cost every call of a
 * client that reads none of them (MCP logging is deprecated since 2026-07-28 for stderr and
 * OpenTelemetry).
 */
import type { McpServer, Server } from '@modelcontextprotocol/server';

// by the protocol server under the McpServer: tools see the McpServer through a proxy (server/core.ts)
const chosen = new WeakSet<Server>();

export function markLevelChosen(server: McpServer): void {
  chosen.add(server.server);
}

export function levelChosen(server: McpServer): boolean {
  return chosen.has(server.server);
}
