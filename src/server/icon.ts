/**
 * The server's icon (MCP 2025-11-25 and later: `icons` on the server's info), a small SVG inlined
 * as a data: URI so it needs no file or network. Only the server carries it: clients show it
 * beside the server's tools, and a copy on every tool would repeat it in each tools/list entry
 * (docs/clients.md, "Protocol manners").
 */
import type { Icon } from '@modelcontextprotocol/server';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" ' +
  'rx="7" fill="#1f6feb"/><path d="M9 23V9m7 14V9m7 14v-7" stroke="#fff" stroke-width="3" ' +
  'stroke-linecap="round"/></svg>';

export const SERVER_ICONS: Icon[] = [
  {
    src: `data:image/svg+xml;base64,${Buffer.from(SVG).toString('base64')}`,
    mimeType: 'image/svg+xml',
    sizes: ['any'],
  },
];
