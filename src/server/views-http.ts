/**
 * The views in a plain browser: `/` lists them, `/status` and `/compare` serve them. They sit
 * behind the same Host, Origin and token rules as /mcp; since a browser cannot add a bearer
 * header to a page it opens, these pages (and only they) also take the token as `?token=`, and
 * the page then sends it as "Authorization: Bearer" on its calls to /mcp.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { viewHtml, VIEWS, type ViewName } from '../views/index.js';
import { VERSION } from './version.js';

const PAGES: Record<string, ViewName> = { '/status': 'status', '/compare': 'compare' };

const pathOf = (target: string | undefined) => (target ?? '/').split('?')[0]!;

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src " +
    "'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** Before the guard: a page's `?token=` stands for the bearer header the browser cannot send. */
export function acceptPageToken(req: IncomingMessage): void {
  const path = pathOf(req.url);
  if (req.method !== 'GET' || req.headers.authorization || !(path === '/' || path in PAGES)) return;
  const token = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('token');
  if (token) req.headers.authorization = `Bearer ${token}`;
}

const esc = (t: string) => t.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * The landing page: what this server is, where MCP is served and how a client connects (with the
 * token when there is one), and the views with what each shows.
 */
function index(token: string | null, origin: string): string {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const items = Object.entries(PAGES)
    .map(
      ([path, name]) =>
        `<li><a href="${esc(path + q)}">${esc(VIEWS[name].title)}</a> — ${esc(VIEWS[name].description)}</li>`,
    )
    .join('');
  const config = JSON.stringify(
    {
      mcpServers: {
        'ollm-mcp': {
          type: 'http',
          url: `${origin}/mcp`,
          ...(token && { headers: { Authorization: 'Bearer <token>' } }),
        },
      },
    },
    null,
    2,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>ollm-mcp ${esc(VERSION)}</title><style>:root{color-scheme:light dark}body{font:15px/1.5 system-ui,sans-serif;margin:24px;max-width:46em}code,pre{font:13px/1.4 ui-monospace,monospace}pre{padding:10px;border:1px solid #8884;border-radius:6px;overflow:auto}h2{font-size:17px;margin-top:1.6em}</style></head><body>
<h1>ollm-mcp <small>${esc(VERSION)}</small></h1>
<p>An MCP server that hands work to the local models on this machine: it reads files, diffs and images itself, loads models without overcommitting memory, routes each task to the right model, and says what every call saved your assistant.</p>
<h2>Views</h2><ul>${items}</ul>
<h2>Connect a client</h2>
<p>MCP is served here at <code>${esc(origin)}/mcp</code> (Streamable HTTP; legacy SSE at <code>/sse</code>)${token ? ', with the token this server was started with as a bearer header' : ''}. For a client that reads a URL:</p>
<pre>${esc(config)}</pre>
<p>Claude Code: <code>claude mcp add --transport http ollm-mcp ${esc(origin)}/mcp${token ? ' --header "Authorization: Bearer &lt;token&gt;"' : ''}</code>. Clients that start servers themselves (Claude Desktop) run <code>npx ollm-mcp</code> over stdio instead — see the README.</p>
</body></html>`;
}

/** Serves `/`, `/status` and `/compare` (GET or HEAD); false for any other request. */
export function serveViewPage(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const name = PAGES[url.pathname];
  if (url.pathname !== '/' && !name) return false;
  const body = name
    ? viewHtml(name)
    : index(url.searchParams.get('token'), `http://${req.headers.host ?? 'localhost'}`);
  res.writeHead(200, { ...HEADERS, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
