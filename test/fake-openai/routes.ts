/**
 * Request plumbing of the fake OpenAI-compatible server: records each request (the API key never
 * kept), applies latency and injected failures, checks the API key, then routes:
 * GET /health, GET /props (a model that says its window there), the engine's load figures
 * (server.ts setLoad), GET {base}/models,
 * POST {base}/chat/completions; anything else is OpenAI's 404.
 */
import type http from 'node:http';
import { type ChatDeps, chatCompletions } from './chat.js';
import { ApiError, Exchange, sleep } from './exchange.js';
import { readIncoming } from '../helpers/incoming.js';
import type { FakeModelSpec, HealthMode, InjectedFailure, RecordedRequest } from './types.js';

export interface RouteDeps {
  basePath: string;
  apiKey: string | undefined;
  createdAt: number;
  requests: RecordedRequest[];
  exchanges: Set<Exchange>;
  models(): readonly FakeModelSpec[];
  health(): HealthMode;
  latency(path: string): number | undefined;
  takeFailure(path: string): InjectedFailure | undefined;
  count(path: string): void;
  clientGone(ex: Exchange): void;
  chat: ChatDeps;
  /**
   * The engine's own load figures at the server root (/metrics, /slots, /running, /upstream/…), when it
   * publishes them; undefined: not there.
   */
  loadAnswer(path: string): { status: number; body: string; contentType: string } | undefined;
}

const DEFAULT_FAILURE: Record<number, { message: string; type: string; code: string | null }> = {
  429: {
    message: 'Rate limit reached for requests. Please try again later.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
  502: { message: 'Bad gateway.', type: 'server_error', code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
};

/**
 * `meta` of a /v1/models entry: llama-server's n_ctx_train (model_meta()), and llama-swap's n_ctx where the
 * window is said there.
 */
function metaOf(m: FakeModelSpec): { meta?: Record<string, number> } {
  const meta = {
    ...(m.nCtxTrain !== undefined && { n_ctx_train: m.nCtxTrain }),
    ...(m.saysNCtx === 'meta' && m.nCtx !== undefined && { n_ctx: m.nCtx }),
  };
  return Object.keys(meta).length ? { meta } : {};
}

function recordHeaders(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = k === 'authorization' ? 'Bearer [redacted]' : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function bearer(req: http.IncomingMessage): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
}

function sendFailure(ex: Exchange, f: InjectedFailure): void {
  const headers: Record<string, string> = f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {};
  if (f.body !== undefined)
    return ex.send(f.status, f.body, { 'content-type': f.contentType ?? 'text/html', ...headers });
  const d = DEFAULT_FAILURE[f.status] ?? {
    message: `HTTP ${f.status}`,
    type: f.status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
  };
  ex.error(
    new ApiError(f.status, f.message ?? d.message, f.type ?? d.type, f.code !== undefined ? f.code : d.code),
    headers,
  );
}

export async function handle(d: RouteDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const ex = new Exchange(req, res);
  ex.onClientGone = () => d.clientGone(ex);
  d.exchanges.add(ex);
  try {
    const { method, path, raw, body } = await readIncoming(req);
    const key = bearer(req);
    const auth =
      key === undefined ? 'none' : d.apiKey === undefined ? 'unchecked' : key === d.apiKey ? 'valid' : 'invalid';
    d.requests.push({ method, path, headers: recordHeaders(req), auth, body, at: Date.now() });
    d.count(path);
    const delay = d.latency(path);
    if (delay) await sleep(delay, ex.signal);
    if (ex.closed) return;
    const failure = d.takeFailure(path);
    if (failure) return sendFailure(ex, failure);
    await route(d, ex, method, path, raw, body, key);
  } catch (e) {
    if (ex.closed) return;
    if (e instanceof ApiError) ex.error(e);
    else ex.error(new ApiError(500, e instanceof Error ? e.message : String(e), 'server_error'));
  } finally {
    d.exchanges.delete(ex);
  }
}

async function route(
  d: RouteDeps,
  ex: Exchange,
  method: string,
  path: string,
  raw: string,
  body: unknown,
  key: string | undefined,
): Promise<void> {
  const get = method === 'GET' || method === 'HEAD';
  if (path === '/health' && get) {
    const mode = d.health();
    if (mode === 'ok') return ex.json(200, { status: 'ok' });
    if (mode === 'loading') return ex.json(503, { status: 'loading model' });
  }
  // a single llama-server's /props, beside /v1 (server-context.cpp get_props): one slot's window
  const props = d.models().find((m) => m.saysNCtx === 'props' && m.nCtx !== undefined);
  if (path === '/props' && get && props) {
    return ex.json(200, {
      default_generation_settings: { params: {}, n_ctx: props.nCtx },
      total_slots: 1,
      model_alias: props.id,
      model_path: `/models/${props.id}.gguf`,
    });
  }
  const figures = get ? d.loadAnswer(path) : undefined;
  if (figures) return ex.send(figures.status, figures.body, { 'content-type': figures.contentType });
  const base = d.basePath;
  if (path.startsWith(`${base}/`) && d.apiKey !== undefined) {
    if (key === undefined) {
      throw new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header " +
          'using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).',
      );
    }
    if (key !== d.apiKey) {
      // OpenAI shows the start and end of the key it was sent
      throw new ApiError(
        401,
        `Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-4)}. You can find your API ` +
          `key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      );
    }
  }
  if (path === `${base}/models` && get) {
    const data = d.models().map((m) => ({
      id: m.id,
      object: 'model',
      created: m.created ?? d.createdAt,
      owned_by: m.ownedBy ?? 'fake-openai',
      ...(m.maxModelLen !== undefined && { max_model_len: m.maxModelLen }),
      ...metaOf(m),
    }));
    return ex.json(200, { object: 'list', data });
  }
  if (path === `${base}/chat/completions` && method === 'POST') {
    return chatCompletions(d.chat, ex, raw === '' || typeof body === 'string' ? undefined : body);
  }
  throw new ApiError(404, `Invalid URL (${method} ${path})`);
}
