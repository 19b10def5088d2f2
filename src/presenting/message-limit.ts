/**
 * The largest MCP message accepted, the same over stdio (one line) and HTTP (one request body):
 * a prompt with several photos fits comfortably. Above it the client gets an error that says so,
 * and the connection keeps working. Here, below the tools, so the transports (server/limits.ts)
 * and the tools' argument bounds (tools/arg-bounds.ts) share it.
 */
export const MAX_MESSAGE_BYTES = 16 * 2 ** 20;
