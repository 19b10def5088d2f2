/**
 * The largest MCP message accepted, the same over stdio (one line) and HTTP (one request body):
 * a prompt with several photos fits comfortably. Above it the client gets an error that says so,
 * and the connection keeps working.
 */
export const MAX_MESSAGE_BYTES = 16 * 2 ** 20;

/** JSON-RPC "Invalid Request": the message was refused as a whole. */
export const TOO_LARGE_CODE = -32600;

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1).replace(/\.0$/, '')} MiB`;
}

/** Why a message was refused and what to do instead; `bytes` is its size when known. */
export function tooLargeMessage(bytes?: number): string {
  const size = bytes === undefined ? 'The message is' : `The message is ${mib(bytes)},`;
  return `${size} over the ${mib(MAX_MESSAGE_BYTES)} limit for one MCP message: send fewer or smaller images (scale photos down before encoding them), or split the work into several calls.`;
}
