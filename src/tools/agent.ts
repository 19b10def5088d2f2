/**
 * The calling agent of an MCP request: over HTTP with a named token (`http.tokens`), the token's
 * name; else its client's name — per request in the 2026 era (the envelope's clientInfo), from
 * initialize in the 2025 era — bounded where it enters
 * (config/agents.ts), "unknown" when the client gave none, and marked "NAME (no token)" when a token
 * stands for an agent of that name (config/agents.ts selfNamedAgent): a name is proven by its token
 * only. And which tools that agent is offered: its `agents.NAME.toolsets`, within the tools the
 * server offers.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { agentName, settingsForAgent } from '../orchestrator/config/agents.js';
import { clientInfoName } from '../presenting/calling-agent.js';
import type { Settings } from '../orchestrator/config/schema.js';
import { clientLimit, type ClientLimit } from '../orchestrator/config/client-limits.js';
import { clientText } from '../orchestrator/util/client-name.js';
import { toolsInSets } from './toolsets.js';

export { bindCaller, callingAgent, clientInfoName, type Caller } from '../presenting/calling-agent.js';

/**
 * How long the request's client waits for a call (config/client-limits.ts): by the name it gives
 * itself (cleaned, whatever a token says: the table knows clients, not agents) and by the settings
 * of `agent`, the agent its calls count as (its agents.NAME.timeoutSeconds).
 */
export function callerLimit(
  server: McpServer,
  settings: Pick<Settings, 'agents'>,
  agent: string,
  envelope?: unknown,
): ClientLimit {
  return clientLimit(clientText(clientInfoName(server, envelope)), settings, agent);
}

/** The client's name in an initialize request, bounded; undefined for any other message. */
export function initializeName(message: unknown): string | undefined {
  const m = message as { method?: unknown; params?: { clientInfo?: { name?: unknown } } } | null;
  return m?.method === 'initialize' ? agentName(m.params?.clientInfo?.name) : undefined;
}

/** Whether `agent` is offered `tool` by its toolsets (an agent without an entry: by the server's). */
export function offeredTo(settings: Settings, agent: string, tool: string): boolean {
  return toolsInSets(settingsForAgent(settings, agent).toolsets).has(tool);
}
