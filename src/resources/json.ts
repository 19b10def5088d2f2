/** Resources answer JSON; this keeps the shape of every read the same. */
import type { ReadResourceResult } from '@modelcontextprotocol/server';

export function jsonContents(uri: URL | string, data: unknown): ReadResourceResult {
  return { contents: [{ uri: String(uri), mimeType: 'application/json', text: JSON.stringify(data, null, 2) }] };
}
