/**
 * Who is calling, and what that agent's settings are. An agent is named by its client (MCP
 * clientInfo.name, bounded here where it enters); `agents.NAME` in settings changes, for that
 * agent's calls only, the model, routing, generation options, toolsets and system prompt.
 */
import { MAX_AGENT_NAME, type AgentSettings } from './agents-schema.js';
import type { Settings } from './schema.js';

/** The name of a client that gave none (or none with a printable character). */
export const UNKNOWN_AGENT = 'unknown';

/**
 * A client's name as records and settings know it: printable ASCII only, trimmed, at most MAX_AGENT_NAME
 * characters; "unknown" when nothing is left.
 */
export function agentName(raw: unknown): string {
  if (typeof raw !== 'string') return UNKNOWN_AGENT;
  let out = '';
  for (const c of raw.slice(0, 4 * MAX_AGENT_NAME)) if (c >= ' ' && c <= '~') out += c;
  out = out.trim().slice(0, MAX_AGENT_NAME).trim();
  return out === '' ? UNKNOWN_AGENT : out;
}

/**
 * The request _meta key under which another ollm-mcp names the agent it calls for (engines/ollm;
 * presenting/calling-agent.ts reads it).
 */
export const AGENT_META_KEY = 'io.ollm-mcp/agent';

/**
 * The request _meta key under which another ollm-mcp says whose its client's prompt is (an opaque
 * key: tools/prompt-owner.ts), so the engines' prefix caches are kept apart per owner there as here.
 */
export const OWNER_META_KEY = 'io.ollm-mcp/owner';

/** An owner key as OWNER_META_KEY carries it: hex, bounded; anything else is no key. */
export const OWNER_KEY = /^[0-9a-f]{16,64}$/;

/**
 * The agent of a call made by the holder of a named token for one of its own agents (another
 * ollm-mcp calling for its client, `meta` its AGENT_META_KEY): `<token's agent>/<agent>`, bounded and
 * cleaned as any name; the token's agent alone when `meta` names none.
 */
export function relayedAgent(byToken: string, meta: unknown): string {
  if (typeof meta !== 'string') return byToken;
  const inner = agentName(meta);
  return inner === UNKNOWN_AGENT ? byToken : agentName(`${byToken}/${inner}`);
}

/** What a client that names itself is marked with when an HTTP token stands for an agent of that name. */
const NO_TOKEN_MARK = ' (no token)';

/**
 * The agent a client that names itself is (`name`, from agentName): that name — unless an HTTP token
 * stands for an agent of that name (settings' `http.tokens`): only a request carrying that token is
 * that agent (presenting/calling-agent.ts, bindCaller), so any other caller giving the name is kept apart, as
 * "NAME (no token)" — neither given that agent's settings (its `agents:` entry: toolsets, system
 * prompt, model, options) nor recorded as it. Never a name a token stands for.
 */
export function selfNamedAgent(name: string, tokens: Readonly<Record<string, unknown>>): string {
  if (!Object.hasOwn(tokens, name)) return name;
  const marked = `${name.slice(0, MAX_AGENT_NAME - NO_TOKEN_MARK.length).trim()}${NO_TOKEN_MARK}`;
  return Object.hasOwn(tokens, marked) ? UNKNOWN_AGENT : marked;
}

/** The entry of `agent` in settings' agents, if it has one. */
export function agentEntry(settings: Pick<Settings, 'agents'>, agent: string | undefined): AgentSettings | undefined {
  return agent !== undefined && Object.hasOwn(settings.agents, agent) ? settings.agents[agent] : undefined;
}

/**
 * The settings an agent's calls run with: its entry over the settings every client gets (the same object when
 * it has none).
 */
export function settingsForAgent(settings: Settings, agent: string | undefined): Settings {
  const entry = agentEntry(settings, agent);
  if (!entry) return settings;
  const routing = entry.model?.routing;
  return {
    ...settings,
    model: {
      ...settings.model,
      ...(entry.model?.default !== undefined && { default: entry.model.default }),
      routing: {
        ...settings.model.routing,
        ...routing,
        overrides: { ...settings.model.routing.overrides, ...routing?.overrides },
      },
    },
    options: { ...settings.options, ...entry.options },
    toolsets: entry.toolsets ?? settings.toolsets,
  };
}
