/**
 * How long each MCP client waits for a tool call before it gives up on it (its answer then lost,
 * whatever the server sends meanwhile) or moves it to the background (Claude Code: its answer then
 * a notification easily missed). Known by the name the client sends (`clientInfo.name`):
 * the table below holds the clients whose limit a source gives, each row citing it; any other
 * client is taken to keep the MCP TypeScript SDK's default request timeout
 * (DEFAULT_REQUEST_TIMEOUT_MSEC = 60000 in its protocol.ts), which most clients built on it keep.
 * No figure was found for Windsurf, Zed, Continue or Goose: they get the SDK's 60 s.
 * `agents.NAME.timeoutSeconds` in settings says otherwise for an agent (0: it waits as long as it
 * takes). Pure: the core knows nothing of MCP; the caller gives the client's name and its agent.
 */
import { agentEntry, agentName, selfNamedAgent } from './agents.js';
import type { Settings } from './schema.js';

/** The MCP TypeScript SDK's default request timeout (DEFAULT_REQUEST_TIMEOUT_MSEC), in seconds. */
export const SDK_DEFAULT_SECONDS = 60;

interface KnownLimit {
  /** The client's `clientInfo.name`, exactly as it sends it. */
  name: string;
  /** What the user knows it as. */
  app: string;
  /** Seconds it waits for a tool call; undefined: as long as it takes (or a limit so long it never matters). */
  seconds: number | undefined;
  /** At `seconds` it moves the call to the background rather than cutting it (its answer then easily unseen). */
  backgrounds?: boolean;
}

/** The clients known to cut calls, or known not to; each row's source in its comment. */
export const CLIENT_LIMITS: readonly KnownLimit[] = [
  // Ends a tool call at ~60 s whatever the progress, and ignores MCP_TOOL_TIMEOUT and a server's
  // "timeout" (the SDK's default): anthropics/claude-code#22542, #43791, #5221. Some Windows builds
  // were seen to wait ~4 min (#44032, #65643): the shorter figure is kept.
  { name: 'claude-ai', app: 'Claude Desktop', seconds: 60 },
  // Since 2.1.212 Claude Code moves an MCP tool call to the background at 120 s (a server-pushed
  // flag, default 120,000 ms; the user's CLAUDE_CODE_MCP_AUTO_BACKGROUND_MS sets or disables it):
  // the call is not cut, but its result then arrives as a notification its agent may ignore
  // (anthropics/claude-code#78407, #78566) and progress after that is dropped from its view
  // (#86464) — so an answer is due before 120 s. Before it, the CLI waited as long as
  // MCP_TOOL_TIMEOUT (about 28 h unset). A user who disabled auto-backgrounding sets
  // agents.claude-code.timeoutSeconds: 0 (as long as it takes), one who set the variable its
  // figure. The Claude Code desktop app cuts at ~60 s (#63379): if it sends this name, set
  // agents.claude-code.timeoutSeconds: 60.
  { name: 'claude-code', app: 'Claude Code', seconds: 120, backgrounds: true },
  // No documented figure for Cursor's MCP tool calls: the SDK default.
  { name: 'cursor-vscode', app: 'Cursor', seconds: SDK_DEFAULT_SECONDS },
  // Copilot agent mode cancels an MCP call at 5 min (microsoft/vscode#261734), and a result sent
  // after 5 min is never taken (microsoft/vscode#274094); no setting changes it (#311595). The name
  // is productService.nameLong (src/vs/workbench/contrib/mcp/common/mcpServerRequestHandler.ts).
  { name: 'Visual Studio Code', app: 'VS Code (GitHub Copilot)', seconds: 300 },
  { name: 'Visual Studio Code - Insiders', app: 'VS Code Insiders (GitHub Copilot)', seconds: 300 },
  // Cline's per-server "timeout", default 60 s (docs.cline.bot/mcp/configuring-mcp-servers:
  // "Network Timeout … default 1 minute"; cline sdk/packages/shared/src/mcp.ts
  // DEFAULT_MCP_TIMEOUT_SECONDS = 60, the tools/call timeout from apps/vscode/src/services/mcp/
  // timeout.ts resolveMcpServerTimeoutMs; clientInfo name "Cline" in apps/vscode/src/services/mcp/
  // McpHub.ts — re-checked 2026-08-22).
  { name: 'Cline', app: 'Cline', seconds: 60 },
  // The Inspector's web UI (1.x) resets its 300 s request timeout on progress but ends every call
  // at its "Maximum Total Timeout", 60 s by default (modelcontextprotocol/inspector branch v1/main,
  // client/src/lib/constants.ts, MCP_REQUEST_MAX_TOTAL_TIMEOUT: 60000); it names itself after its
  // package ("inspector-client"), older releases and the 2.x web UI "mcp-inspector" (2.x
  // core/mcp/inspectorClient.ts, its fallback clientInfo). The 2.x web UI and TUI send no timeout
  // unless the server's settings give a "Request Timeout" (clients/web/src/App.tsx: requestTimeout
  // 0 by default), so the SDK's 60 s, reset by progress: 60 s is what holds without progress.
  { name: 'inspector-client', app: 'the MCP Inspector', seconds: 60 },
  { name: 'mcp-inspector', app: 'the MCP Inspector', seconds: 60 },
  // The Inspector's CLI mode ("--cli") calls a tool with no timeout and no progress handler, so the
  // SDK's 60 s whatever the progress: 1.x cli/src/client/tools.ts callTool (client.callTool with no
  // options; its name the package's, "inspector-cli", cli/src/index.ts); 2.x
  // clients/cli/src/cli.ts (CLI_CLIENT_NAME = "inspector-cli", an InspectorClient with progress:
  // false and no timeout: core/mcp/inspectorClient.ts getRequestOptions leaves the SDK's default).
  { name: 'inspector-cli', app: 'the MCP Inspector CLI', seconds: 60 },
  // The 2.x TUI (clients/tui/src/App.tsx, TUI_CLIENT_NAME = "inspector-tui"): as the 2.x web UI.
  { name: 'inspector-tui', app: 'the MCP Inspector TUI', seconds: 60 },
  // Codex's tool_timeout_sec per server, default 300 s (openai/codex
  // codex-rs/codex-mcp/src/rmcp_client.rs, DEFAULT_TOOL_TIMEOUT; its clientInfo name
  // "codex-mcp-client" in mcp_initialize_request_params there).
  { name: 'codex-mcp-client', app: 'OpenAI Codex', seconds: 300 },
  // Another ollm-mcp calling for its own clients (a `kind: ollm` host, engines/ollm/ollm-client.ts):
  // it resets its time limit on each progress notification and waits within its own caller's call.
  { name: 'ollm-mcp', app: 'another ollm-mcp (kind: ollm)', seconds: undefined },
];

/** How long a client waits for a tool call, and why that figure. */
export interface ClientLimit {
  /** Seconds; undefined: it waits as long as it takes. */
  seconds: number | undefined;
  /**
   * Where the figure comes from, e.g. "claude-ai cuts calls at 60 s (Claude Desktop)",
   * "agents.ci-bot.timeoutSeconds", "the MCP SDK's default".
   */
  source: string;
  /**
   * When the call arrived (epoch ms): its client counts from then, so what is left of the limit is less by
   * what has passed.
   */
  since?: number;
}

/**
 * What is left of the client's limit now (ms): the limit less the time since the call arrived (1 ms at the
 * least); undefined without a limit.
 */
export function remainingMs(limit: ClientLimit, now = Date.now()): number | undefined {
  if (limit.seconds === undefined) return undefined;
  return Math.max(1, limit.seconds * 1000 - (limit.since === undefined ? 0 : Math.max(0, now - limit.since)));
}

/**
 * A known client by its name: exactly, else differing only in case ("Claude-AI"). A name with
 * anything more ("claude-code 2.1", "cursor-vscode-beta") is another client, given the SDK's
 * default: a version goes in clientInfo.version, and a longer limit wrongly assumed loses answers.
 */
export function knownClient(name: string | undefined): KnownLimit | undefined {
  if (name === undefined) return undefined;
  const lower = name.toLowerCase();
  return CLIENT_LIMITS.find((c) => c.name === name) ?? CLIENT_LIMITS.find((c) => c.name.toLowerCase() === lower);
}

/**
 * How long the client named `name` (its clientInfo.name) waits for a tool call, for the calls of
 * `agent` (the agent its calls count as: config/agents.ts): that agent's `timeoutSeconds` in
 * settings (0: no limit), else the client's row in the table, else the MCP SDK's 60 s.
 */
export function clientLimit(name: string | undefined, settings: Pick<Settings, 'agents'>, agent?: string): ClientLimit {
  const set = agentEntry(settings, agent)?.timeoutSeconds;
  if (set !== undefined) return { seconds: set === 0 ? undefined : set, source: `agents.${agent}.timeoutSeconds` };
  const known = knownClient(name);
  if (known) return { seconds: known.seconds, source: `${known.name} ${knownWords(known)} (${known.app})` };
  return { seconds: SDK_DEFAULT_SECONDS, source: "the MCP SDK's default" };
}

/**
 * What a known client does at its limit: "cuts calls at 60 s", "moves calls to the background at 120 s",
 * "waits as long as it takes".
 */
function knownWords(known: KnownLimit): string {
  if (known.seconds === undefined) return 'waits as long as it takes';
  return known.backgrounds ? `moves calls to the background at ${known.seconds} s` : `cuts calls at ${known.seconds} s`;
}

/**
 * The limit in a few words, as show_status and doctor say it: "waits 60 s (claude-ai cuts calls at 60 s
 * (Claude Desktop))" reads badly, so the app or the setting alone.
 */
export function limitText(limit: ClientLimit, name?: string): string {
  const known = limit.source.startsWith('agents.') ? undefined : knownClient(name);
  const why = known ? known.app : limit.source;
  if (known?.backgrounds && limit.seconds !== undefined)
    return `moves calls to the background at ${limit.seconds} s (${why})`;
  return `${limit.seconds === undefined ? 'waits as long as it takes' : `waits ${limit.seconds} s`} (${why})`;
}

/** The limit as a request carries it (RouteRequest.clientLimitMs), to spread into one: nothing when there is none. */
export function clientLimitField(limit: ClientLimit): { clientLimitMs?: number } {
  const left = remainingMs(limit);
  return left === undefined ? {} : { clientLimitMs: left };
}

/**
 * The limit of a client connected over stdio (a shared server's clients, as show_status and doctor
 * list them): its agent is its own name (config/agents.ts), unless an HTTP token stands for it.
 */
export function connectedClientLimit(
  name: string | undefined,
  settings: Pick<Settings, 'agents' | 'http'>,
): ClientLimit {
  return clientLimit(name, settings, selfNamedAgent(agentName(name), settings.http.tokens));
}
