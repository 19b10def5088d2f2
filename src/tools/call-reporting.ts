/**
 * What a tool call learns of its client and sends back while it runs (define.ts): whether the
 * client can be asked for input (form elicitation), whether its chosen log level reaches the
 * request, progress notifications when it asked for them, and the phases as log lines cleared of
 * this server's secrets.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  type ClientCapabilities,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { PhaseTracker, type PhaseBoard, type ProgressUpdate } from '../orchestrator/progress/progress.js';
import { LoggedBoard } from '../orchestrator/progress/logged.js';
import { redactSecrets } from '../orchestrator/util/redact-secrets.js';
import { levelChosen } from './log-choice.js';

/** Form elicitation: declared per connection (2025-11-25) or per request (2026-07-28). */
export function clientCanAsk(server: McpServer, ctx: ServerContext): boolean {
  const perRequest = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as
    ClientCapabilities | undefined;
  const elicitation = (perRequest ?? server.server.getClientCapabilities())?.elicitation as
    { form?: object; url?: object } | undefined;
  return elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined);
}

/**
 * Whether the level the client chose (logging/setLevel) reaches this request: per request in the
 * 2026 era (the SDK then sends at that level), per connection otherwise, once the client chose one
 * (log-choice.ts) — except a stateless HTTP request of the 2025 era, which no earlier setLevel
 * reaches: nothing is logged there rather than everything.
 */
function logsReach(ctx: ServerContext, server: McpServer): boolean {
  if ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY] !== undefined) return true;
  return levelChosen(server) && !(ctx.http && !ctx.sessionId);
}

/**
 * How long a call relayed by another ollm-mcp (through an engine claim or a team's token) sends its
 * client no progress, ms: well under what that server waits before it asks whether this one is
 * still there (engines/planned-elsewhere.ts SUSPECT_MS), so a quick call is answered without
 * notifications before it (over the 2026-07-28 era, as one JSON body).
 */
export const RELAYED_QUIET_MS = 250;

/**
 * Where a call's progress lines also go, beyond its client: the job it runs as (its `tasks/get`,
 * its resource, the calls waiting on it), and whether the reporter outlives the call — a call
 * handed over answers before its work ends, and that work's phases still move its job.
 */
export interface JobLines {
  /** The job the call's work runs as: told every progress line. */
  to?: (line: string) => void;
  /** The call answered before its work ended: the reporter lives on, silent to the client, until `ended` settles. */
  outlive(ended: Promise<unknown>): void;
}

/**
 * A call's phase reporter: progress notifications to its client while the call is open, when it
 * asked for them (a progressToken), and every line to the job it runs as (`lines.to`), asked or not.
 * `open()` is false once the call is answered: nothing is sent to the client after its answer.
 */
function phaseTracker(
  ctx: ServerContext,
  intervalMs: number,
  lines: Pick<JobLines, 'to'>,
  open: () => boolean,
  quietMs = 0,
): PhaseTracker {
  const token = ctx.mcpReq._meta?.progressToken;
  const notify = (update: ProgressUpdate) => {
    if (!open()) return;
    const { progress, total, message } = update;
    void ctx.mcpReq
      .notify({
        method: 'notifications/progress',
        params: { progressToken: token!, progress, ...(total !== undefined && { total }), message },
      })
      .catch(() => undefined);
  };
  const toClient = token === undefined ? undefined : quietMs > 0 ? held(notify, quietMs, open) : notify;
  return new PhaseTracker(
    (update) => {
      lines.to?.(update.message);
      toClient?.(update);
    },
    { intervalMs, heard: () => lines.to !== undefined || (token !== undefined && open()) },
  );
}

/**
 * `send`, silent for the call's first `quietMs`: the last update held meanwhile is sent then, if the
 * call is still open, and every later one at once — a call answered within `quietMs` sends none, so
 * its answer goes as one JSON body rather than a stream.
 */
function held(
  send: (update: ProgressUpdate) => void,
  quietMs: number,
  open: () => boolean,
  now: () => number = () => performance.now(),
): (update: ProgressUpdate) => void {
  const until = now() + quietMs;
  let last: ProgressUpdate | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    const update = last;
    last = undefined;
    if (update && open()) send(update);
  };
  return (update) => {
    if (now() < until) {
      last = update;
      timer ??= setTimeout(flush, until - now()).unref();
      return;
    }
    // the quiet over: a held update is replaced by this newer one
    if (last) {
      clearTimeout(timer);
      last = undefined;
    }
    send(update);
  };
}

/** Phases also sent as log lines, cleared of the secrets this server holds, while the call is open. */
function loggedBoard(
  ctx: ServerContext,
  secrets: string[],
  tracker: PhaseTracker | undefined,
  open: () => boolean = () => true,
): LoggedBoard {
  return new LoggedBoard(
    (level, text) =>
      open() && void ctx.mcpReq.log(level, redactSecrets(text, secrets), 'ollm-mcp').catch(() => undefined),
    tracker,
  );
}

/**
 * A call's reporting: its phases (progress and log lines while it is open, every line to its job),
 * the lines' relay for its job (`task`: the MCP task it runs as), and `answered()` once it is
 * answered — the reporter then stops, or, when the call was handed over (`lines.outlive`), goes on
 * silently for its job until the work ends.
 */
export function callReporter(
  ctx: ServerContext,
  server: McpServer,
  intervalMs: number,
  secrets: string[],
  task?: { progress(line: string): void },
  quietMs = 0,
): { phases: PhaseBoard; lines: JobLines; answered(): void } {
  let open = true;
  let outlived: Promise<unknown> | undefined;
  const lines: JobLines = {
    ...(task && { to: (line: string) => task.progress(line) }),
    outlive: (ended) => void (outlived = ended),
  };
  const tracker = phaseTracker(ctx, intervalMs, lines, () => open, quietMs);
  const phases = logsReach(ctx, server) ? loggedBoard(ctx, secrets, tracker, () => open) : tracker;
  const close = () => tracker.close();
  return {
    phases,
    lines,
    answered: () => {
      open = false;
      if (outlived) void outlived.then(close, close);
      else close();
    },
  };
}
