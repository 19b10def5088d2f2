/**
 * What a tool call learns of its client and sends back while it runs (define.ts): whether the
 * client can be asked for input (form elicitation), whether its chosen log level reaches the
 * request, progress notifications when it asked for them, and the phases as log lines cleared of
 * this server's secrets.
 */
import { CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY, type ClientCapabilities, type McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { PhaseTracker } from '../orchestrator/progress/progress.js';
import { LoggedBoard } from '../orchestrator/progress/logged.js';
import { redactSecrets } from '../orchestrator/util/redact-secrets.js';
import { levelChosen } from './log-choice.js';

/** Form elicitation: declared per connection (2025-11-25) or per request (2026-07-28). */
export function clientCanAsk(server: McpServer, ctx: ServerContext): boolean {
  const perRequest = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
  const elicitation = (perRequest ?? server.server.getClientCapabilities())?.elicitation as { form?: object; url?: object } | undefined;
  return elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined);
}

/**
 * Whether the level the client chose (logging/setLevel) reaches this request: per request in the
 * 2026 era (the SDK then sends at that level), per connection otherwise, once the client chose one
 * (log-choice.ts) — except a stateless HTTP request of the 2025 era, which no earlier setLevel
 * reaches: nothing is logged there rather than everything.
 */
export function logsReach(ctx: ServerContext, server: McpServer): boolean {
  if ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY] !== undefined) return true;
  return levelChosen(server) && !(ctx.http && !ctx.sessionId);
}

/** A phase reporter sending progress notifications, when the client asked for them (a progressToken). */
export function phaseTracker(ctx: ServerContext, intervalMs: number): PhaseTracker | undefined {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  return new PhaseTracker(({ progress, total, message }) => {
    void ctx.mcpReq
      .notify({ method: 'notifications/progress', params: { progressToken: token, progress, ...(total !== undefined && { total }), message } })
      .catch(() => undefined);
  }, { intervalMs });
}

/** Phases also sent as log lines, cleared of the secrets this server holds. */
export function loggedBoard(ctx: ServerContext, secrets: string[], tracker: PhaseTracker | undefined): LoggedBoard {
  return new LoggedBoard((level, text) => void ctx.mcpReq.log(level, redactSecrets(text, secrets), 'ollm-mcp').catch(() => undefined), tracker);
}
