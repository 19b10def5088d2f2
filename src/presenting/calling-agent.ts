/**
 * The calling agent of an MCP request, which tools and resources both go by (a resource serves
 * only its agent's jobs): over HTTP with a named token (`http.tokens`), the token's name; else its
 * client's name — per request in the 2026 era (the envelope's clientInfo), from initialize in the
 * 2025 era — bounded where it enters (config/agents.ts), "unknown" when the client gave none, and
 * marked "NAME (no token)" when a token stands for an agent of that name (config/agents.ts
 * selfNamedAgent): a name is proven by its token only. A named token's holder may name the agent
 * it calls for (another ollm-mcp: `<token's agent>/<agent>`).
 */
import { CLIENT_INFO_META_KEY, type McpServer } from '@modelcontextprotocol/server';
import {
  AGENT_META_KEY,
  agentName,
  OWNER_KEY,
  OWNER_META_KEY,
  relayedAgent,
  selfNamedAgent,
} from '../orchestrator/config/agents.js';
import type { Settings } from '../orchestrator/config/schema.js';

/**
 * What the HTTP transport knows of a request's caller that its server cannot read from the
 * request itself: `token`, the agent its bearer token stands for (settings' `http.tokens`) — it
 * names the request whatever its client calls itself, since the token, not the client, is proven —
 * and `session`, the client's name a 2025-era HTTP session gave in its initialize, for a server that
 * never saw it (server/http.ts). Bound to the server made for the request (over HTTP every request,
 * or legacy SSE session, has one), not carried in an AsyncLocalStorage: once entered, its hooks
 * tax every promise of the process.
 */
export interface Caller {
  token?: string | undefined;
  session?: string | undefined;
  /**
   * The request came to an engine claim's endpoint (server/engine-claims-setup.ts): another ollm-mcp server
   * of this machine relaying its client's call.
   */
  claim?: boolean | undefined;
}

/**
 * By the protocol server under each McpServer: what handlers hold may be a view of the McpServer
 * (server/core.ts), never of that.
 */
const callers = new WeakMap<object, Caller>();

/** `server`, made for a request of `caller`'s (nothing bound when the transport knows nothing more). */
export function bindCaller<S extends Pick<McpServer, 'server'>>(server: S, caller: Caller | undefined): S {
  if (caller && (caller.token !== undefined || caller.session !== undefined)) callers.set(server.server, caller);
  return server;
}

const callerOf = (server: Pick<McpServer, 'server'>): Caller | undefined => callers.get(server.server);

/**
 * The agent's name for a request (its `envelope`, the per-request `_meta` of the 2026 era, when
 * there is one), under `settings` (their `http.tokens`). A request with a named token whose `_meta`
 * (`meta`) names an agent under AGENT_META_KEY — another ollm-mcp calling for its own client — is
 * `<token's agent>/<that agent>` (e.g. laptop-a/claude-code); without a named token that key is
 * ignored, since any caller could claim any name.
 */
export function callingAgent(
  server: McpServer,
  settings: Pick<Settings, 'http'>,
  envelope?: unknown,
  meta?: unknown,
): string {
  const byToken = callerOf(server)?.token;
  if (byToken !== undefined) return relayedAgent(byToken, relayedName(meta));
  return selfNamedAgent(agentName(clientInfoName(server, envelope)), settings.http.tokens);
}

/**
 * The name the request's client gives itself (clientInfo.name: per request in the 2026 era, else from
 * initialize), unbounded; whatever a token says.
 */
export function clientInfoName(server: McpServer, envelope?: unknown): unknown {
  const perRequest =
    typeof envelope === 'object' && envelope !== null
      ? (envelope as Record<string, unknown>)[CLIENT_INFO_META_KEY]
      : undefined;
  const info = (
    typeof perRequest === 'object' && perRequest !== null ? perRequest : server.server.getClientVersion()
  ) as { name?: unknown } | undefined;
  return info?.name ?? callerOf(server)?.session;
}

/**
 * Whether the request is another ollm-mcp's, calling for its own client (a named token, and its
 * _meta naming that client): it chose the model itself, so the model it names answers or the call
 * fails — no other model here, no cloud fallback (what it sent may be a file read on its machine).
 */
export function isRelayed(server: McpServer, meta: unknown): boolean {
  return callerOf(server)?.token !== undefined && relayedName(meta) !== undefined;
}

/**
 * Whether the request is another ollm-mcp server of this machine relaying its client's call through
 * the engine claim this server holds (isRelayed, at the claim's endpoint): that server runs the call
 * as its client's job and keeps its client's ledger, so here it is the generation alone.
 */
export function isClaimRelay(server: McpServer, meta: unknown): boolean {
  return isRelayed(server, meta) && callerOf(server)?.claim === true;
}

/**
 * Whose prompt a relayed request carries (OWNER_META_KEY: another ollm-mcp's owner key for its
 * client's call), when the request is relayed (isRelayed: a named token) and the key well formed;
 * else undefined. It only splits the token's agent further: no caller becomes another's owner by it.
 */
export function relayedOwner(server: McpServer, meta: unknown): string | undefined {
  if (!isRelayed(server, meta)) return undefined;
  const key = (meta as Record<string, unknown>)[OWNER_META_KEY];
  return Object.hasOwn(meta as object, OWNER_META_KEY) && typeof key === 'string' && OWNER_KEY.test(key)
    ? key
    : undefined;
}

/** The agent a request's _meta names for its sender's client (AGENT_META_KEY), unchecked; undefined when none. */
function relayedName(meta: unknown): unknown {
  return typeof meta === 'object' && meta !== null && Object.hasOwn(meta, AGENT_META_KEY)
    ? (meta as Record<string, unknown>)[AGENT_META_KEY]
    : undefined;
}
