/**
 * MCP logging, with `logging/setLevel` answering a level MCP does not have as JSON-RPC "Invalid
 * params" (-32602), the levels named. The SDK (v2) checks the request of a method it handles itself
 * against the protocol's schema and throws a plain Error on a mismatch, which goes out as -32603
 * "Internal error" with the schema's issues as its text. Its handler is kept — it records the level
 * where the SDK's own log calls read it — and registered again behind a check of the params,
 * through the SDK's registration with a params schema, whose failure is InvalidParams.
 */
import type { McpServer, Result, ServerContext, SetLevelRequest } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { markLevelChosen } from '../tools/log-choice.js';

/** MCP's log levels (RFC 5424's), least severe first. */
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;

// The level sent is never quoted back: it may be anything, of any length.
const LEVEL_PARAMS = z.object({
  level: z.enum(LOG_LEVELS, { error: () => `must be one of ${LOG_LEVELS.join(', ')}` }),
});

type LevelHandler = (request: SetLevelRequest, ctx: ServerContext) => Result | Promise<Result>;

/** Declares the logging capability on `server` (before it connects) with the checked setLevel. */
export function offerLogging(server: McpServer): void {
  const sdk = server.server;
  const register = sdk.setRequestHandler;
  let sdkHandler: LevelHandler | undefined;
  // The SDK registers its handler as the capability is declared: it is kept here, not installed.
  sdk.setRequestHandler = ((method: string, handler: LevelHandler) => {
    if (method !== 'logging/setLevel')
      throw new Error(`ollm-mcp: unexpected registration of ${method} while declaring logging`);
    sdkHandler = handler;
  }) as typeof sdk.setRequestHandler;
  try {
    sdk.registerCapabilities({ logging: {} });
  } finally {
    sdk.setRequestHandler = register;
  }
  if (sdkHandler === undefined) throw new Error('ollm-mcp: the MCP SDK registered no logging/setLevel handler');
  const levelHandler = sdkHandler;
  sdk.setRequestHandler('logging/setLevel', { params: LEVEL_PARAMS }, (params, ctx) => {
    markLevelChosen(server);
    return levelHandler({ method: 'logging/setLevel', params }, ctx);
  });
}
