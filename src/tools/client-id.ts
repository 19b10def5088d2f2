/**
 * Who asks, as the core's turns between clients on a model's slots see it (loading/turns.ts):
 * one connection — each client of the shared server, each stdio launch serving alone, each HTTP
 * session — so two clients of one name (two Claude Code windows) take turns too. A stateless HTTP
 * request builds a server of its own: there the agent (its token's or client's name) is who asks.
 */
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';

const ids = new WeakMap<McpServer, string>();
let next = 0;

export function clientId(server: McpServer, ctx: Pick<ServerContext, 'http' | 'sessionId'>, agent: string): string {
  if (ctx.sessionId) return `${agent}@${ctx.sessionId}`;
  if (ctx.http) return agent;
  let id = ids.get(server);
  if (id === undefined) ids.set(server, (id = `${agent}#${++next}`));
  return id;
}
