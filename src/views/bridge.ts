/// <reference lib="dom" />
/**
 * How a view reaches the server. Inside an MCP Apps host (the view is framed) it speaks the
 * extension's JSON-RPC over postMessage: `ui/initialize`, then tool input and results pushed by
 * the host, and `tools/call` forwarded by the host to this server. Opened directly in a browser
 * (served at /status or /compare) it calls tools itself over the Streamable HTTP endpoint /mcp,
 * with the page's `?token=` as the bearer token when the server has one.
 */

export interface ToolResult {
  content?: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface Bridge {
  mode: 'app' | 'browser';
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  /** Called with each tool result the host pushes (app mode only). */
  onResult(cb: (r: ToolResult) => void): void;
  /** Called with the tool's arguments the host pushes (app mode only). */
  onInput(cb: (args: Record<string, unknown>) => void): void;
  /** Tells the host the view's size changed (app mode only). */
  resized(): void;
}

const PROTOCOL = '2026-01-26';
type Msg = {
  jsonrpc: '2.0';
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { message: string };
};

export function textOf(r: ToolResult): string {
  return (r.content ?? []).map((c) => c.text ?? '').join('\n');
}

/** Follows the host's light or dark theme; without one the page follows the system's. */
function applyTheme(context: unknown): void {
  const theme = (context as { theme?: unknown } | undefined)?.theme;
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
}

function appBridge(name: string): Bridge {
  const host = window.parent;
  let next = 1;
  const pending = new Map<number, { ok(v: unknown): void; fail(e: Error): void }>();
  const results: Array<(r: ToolResult) => void> = [];
  const inputs: Array<(a: Record<string, unknown>) => void> = [];
  let lastResult: ToolResult | undefined;
  const post = (m: Msg) => host.postMessage(m, '*');
  const request = (method: string, params: Record<string, unknown>) =>
    new Promise<unknown>((ok, fail) => {
      const id = next++;
      pending.set(id, { ok, fail });
      post({ jsonrpc: '2.0', id, method, params });
    });
  window.addEventListener('message', (e: MessageEvent) => {
    if (e.source !== host) return;
    const m = e.data as Msg;
    if (!m || m.jsonrpc !== '2.0') return;
    if (m.id !== undefined && m.method === undefined) {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) p?.fail(new Error(m.error.message));
      else p?.ok(m.result);
    } else if (m.method === 'ui/notifications/tool-result') {
      lastResult = m.params as ToolResult;
      for (const cb of results) cb(lastResult);
    } else if (m.method === 'ui/notifications/tool-input') {
      const args = (m.params?.arguments ?? {}) as Record<string, unknown>;
      for (const cb of inputs) cb(args);
    } else if (m.method === 'ui/notifications/host-context-changed') {
      applyTheme(m.params);
    } else if (m.method === 'ui/resource-teardown' && m.id !== undefined) {
      post({ jsonrpc: '2.0', id: m.id, result: {} });
    } else if (m.method === 'ping' && m.id !== undefined) {
      post({ jsonrpc: '2.0', id: m.id, result: {} });
    }
  });
  const ready = request('ui/initialize', {
    appInfo: { name, version: '1.0.0' },
    appCapabilities: {},
    protocolVersion: PROTOCOL,
  }).then((r) => {
    applyTheme((r as { hostContext?: unknown } | undefined)?.hostContext);
    post({ jsonrpc: '2.0', method: 'ui/notifications/initialized', params: {} });
  });
  return {
    mode: 'app',
    async callTool(toolName, args) {
      await ready;
      return (await request('tools/call', { name: toolName, arguments: args })) as ToolResult;
    },
    onResult(cb) {
      results.push(cb);
      if (lastResult) cb(lastResult);
    },
    onInput(cb) {
      inputs.push(cb);
    },
    resized() {
      const el = document.documentElement;
      void ready.then(() =>
        post({
          jsonrpc: '2.0',
          method: 'ui/notifications/size-changed',
          params: { width: el.scrollWidth, height: el.scrollHeight },
        }),
      );
    },
  };
}

/** The JSON-RPC answer from /mcp, sent as JSON or as one server-sent event. */
async function readAnswer(res: Response): Promise<Msg> {
  const body = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const data = body
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trim());
    const last = data.reverse().find((d) => d.includes('"id"'));
    if (!last) throw new Error('the server sent no answer');
    return JSON.parse(last) as Msg;
  }
  return JSON.parse(body) as Msg;
}

function browserBridge(): Bridge {
  const token = new URLSearchParams(location.search).get('token');
  let next = 1;
  return {
    mode: 'browser',
    async callTool(name, args) {
      const res = await fetch('/mcp', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          ...(token && { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: next++, method: 'tools/call', params: { name, arguments: args } }),
      });
      const answer = await readAnswer(res);
      if (answer.error) throw new Error(answer.error.message);
      return answer.result as ToolResult;
    },
    onResult() {},
    onInput() {},
    resized() {},
  };
}

export function connectBridge(name: string): Bridge {
  return window.parent !== window ? appBridge(name) : browserBridge();
}
