/**
 * The views in a plain browser: `/` lists them, `/status` and `/compare` serve them. They sit
 * behind the same Host, Origin and token rules as /mcp; since a browser cannot add a bearer
 * header to a page it opens, these pages (and only they) also take the token as `?token=`, and
 * the page then sends it as "Authorization: Bearer" on its calls to /mcp.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { viewHtml, VIEWS, type ViewName } from '../views/index.js';

const PAGES: Record<string, ViewName> = { '/status': 'status', '/compare': 'compare' };

const pathOf = (target: string | undefined) => (target ?? '/').split('?')[0]!;

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** Before the guard: a page's `?token=` stands for the bearer header the browser cannot send. */
export function acceptPageToken(req: IncomingMessage): void {
  const path = pathOf(req.url);
  if (req.method !== 'GET' || req.headers.authorization || !(path === '/' || path in PAGES)) return;
  const token = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('token');
  if (token) req.headers.authorization = `Bearer ${token}`;
}

function index(token: string | null): string {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const items = Object.entries(PAGES)
    .map(([path, name]) => `<li><a href="${path}${q.replace(/&/g, '&amp;')}">${VIEWS[name].title}</a> — ${VIEWS[name].description}</li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ollm-mcp</title><style>:root{color-scheme:light dark}body{font:15px/1.5 system-ui,sans-serif;margin:24px;max-width:40em}</style></head><body><h1>ollm-mcp</h1><p>Views of this server (MCP is served at <code>/mcp</code>):</p><ul>${items}</ul></body></html>`;
}

/** Serves `/`, `/status` and `/compare` (GET or HEAD); false for any other request. */
export function serveViewPage(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const name = PAGES[url.pathname];
  if (url.pathname !== '/' && !name) return false;
  const body = name ? viewHtml(name) : index(url.searchParams.get('token'));
  res.writeHead(200, { ...HEADERS, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
