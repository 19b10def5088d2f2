/**
 * Request plumbing and routing of the fake Ollama: records each request, applies the test
 * controls (offline, latency, failNext), then dispatches to the endpoint handlers.
 */
import type http from 'node:http';
import { Aborted, Exchange, type Failure, HttpError, decode, sleep } from './exchange.js';
import { readIncoming } from '../helpers/incoming.js';
import { type GenerationDeps, chat, generate } from './generation.js';
import { embed, embeddings } from './embed.js';
import { del, pull } from './pull.js';
import { type CreateDeps, copy, create } from './create.js';
import { ps, show, tags, type Misreport } from './model-info.js';
import type { FakeModel } from './models.js';
import type { Scheduler } from './scheduler.js';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Parsed JSON body, the raw text if it was not JSON, or undefined when empty. */
  body: unknown;
  at: number;
}

/** What the router needs from the server. */
export interface RouteDeps {
  readonly version: string;
  readonly requests: RecordedRequest[];
  readonly exchanges: Set<Exchange>;
  readonly models: ReadonlyMap<string, FakeModel>;
  readonly scheduler: Scheduler;
  readonly generation: GenerationDeps;
  readonly store: CreateDeps;
  isOffline(): boolean;
  latency(path: string): number | undefined;
  takeFailure(path: string): Failure | undefined;
  /** Set: /api/ps reports these figures instead of the true ones (FakeOllama.misreport). */
  misreport(): Misreport | undefined;
}

/** Paths whose failNext afterChunks failures happen mid-stream; elsewhere they are answered at once. */
const STREAMING_PATHS = new Set(['/api/generate', '/api/chat', '/api/pull', '/api/create']);

export async function handle(d: RouteDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (d.isOffline()) {
    req.socket.destroy();
    return;
  }
  const ex = new Exchange(req, res);
  d.exchanges.add(ex);
  try {
    const { method, path, raw, body } = await readIncoming(req);
    d.requests.push({ method, path, body, at: Date.now() });
    const delay = d.latency(path);
    if (delay) await sleep(delay, ex.signal);
    if (ex.closed) return;
    const failure = d.takeFailure(path);
    if (failure && (failure.afterChunks === undefined || !STREAMING_PATHS.has(path))) {
      ex.error(failure.status, failure.error);
      return;
    }
    await route(d, ex, method, path, raw, failure);
  } catch (e) {
    if (e instanceof Aborted || ex.closed) return;
    if (e instanceof HttpError) ex.fail(e.status, e.message);
    else ex.fail(500, e instanceof Error ? e.message : String(e));
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
  midStream: Failure | undefined,
): Promise<void> {
  const get = method === 'GET' || method === 'HEAD';
  if (path === '/' && get) return ex.text(200, 'Ollama is running');
  if (path === '/api/version' && get) return ex.json(200, { version: d.version });
  if (path === '/api/tags' && get) return ex.json(200, tags(d.models.values()));
  if (path === '/api/ps' && method === 'GET') return ex.json(200, ps(d.scheduler.sorted(), d.misreport()));
  if (method === 'POST') {
    switch (path) {
      case '/api/generate':
        return generate(d.generation, ex, decode(raw, 'generate'), midStream);
      case '/api/chat':
        return chat(d.generation, ex, decode(raw, 'chat'), midStream);
      case '/api/embed':
        return embed(d.generation, ex, decode(raw, 'embed'));
      case '/api/embeddings':
        return embeddings(d.generation, ex, decode(raw, 'embeddings'));
      case '/api/show':
        return show(d.models, ex, decode(raw, 'show'));
      case '/api/pull':
        return pull(d.store, ex, decode(raw, 'pull'), midStream);
      case '/api/create':
        return create(d.store, ex, decode(raw, 'create'), midStream);
      case '/api/copy':
        return copy(d.store, ex, decode(raw, 'copy'));
    }
  }
  if (method === 'DELETE' && path === '/api/delete') return del(d.store, ex, decode(raw, 'delete'));
  return ex.text(404, '404 page not found');
}
