/**
 * A fake Ollama HTTP server for integration and end-to-end tests.
 *
 * It follows /work/shared/reference/ollama-api.md: same routes, status codes, error bodies
 * (`{"error":"..."}`), NDJSON streaming (`application/x-ndjson`, `stream` defaults to true),
 * errors after streaming began as a 200 whose last line is `{"error":"..."}` (no done line),
 * durations in integer nanoseconds, RFC 3339 `created_at`, zero metrics left out.
 *
 * It also simulates Ollama's scheduler: loading costs memory (weights + KV-cache estimate, see
 * estimateModelMemory in models.ts), at most `maxLoadedModels` are loaded, loads are serialised,
 * idle models are evicted shortest keep_alive first (then by name), keep_alive timers unload
 * models, and a num_ctx change forces a reload. stats() counts loads, forced evictions, refused
 * loads, unloads, expiries and peak memory; loadMsPerGB makes big models load slower.
 *
 * Only node:http is used. Nothing is written to stdout.
 *
 * This file holds FakeOllama itself (start/stop, test controls, routing); the rest lives in
 * exchange.ts (per-request plumbing, body decoding), scheduler.ts (loaded models),
 * generation.ts (generate/chat/embed), pull.ts (pull/delete), model-info.ts (tags/ps/show) and
 * options.ts (FakeOllamaOptions).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_MODELS, DEFAULT_REGISTRY, type FakeModel, nameKey, normalizeName } from './models.js';
import { Aborted, Exchange, type Failure, HttpError, decode, readBody, sleep } from './exchange.js';
import { Scheduler, type FakeStats } from './scheduler.js';
import { type GenerationDeps, type ReplyFn, chat, embed, embeddings, generate } from './generation.js';
import { type PullDeps, del, pull } from './pull.js';
import { ps, show, tags } from './model-info.js';
import type { FakeOllamaOptions } from './options.js';

export type { FakeModel } from './models.js';
export { DEFAULT_MODELS, DEFAULT_REGISTRY, EXTRA_REGISTRY_MODELS, estimateModelMemory, kvCacheBytes, normalizeName } from './models.js';
export type { ReplyContext, ReplyFn } from './generation.js';
export type { FakeStats } from './scheduler.js';
export type { FakeOllamaOptions } from './options.js';

export interface LoadedModelInfo {
  name: string;
  /** Memory charged for this load (weights + KV estimate); also the `size` in /api/ps. */
  size: number;
  sizeVram: number;
  expiresAt: Date;
  contextLength: number;
  numCtx: number;
  inFlight: number;
  /** keep_alive in force, in ms (Infinity = forever). */
  keepAliveMs: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Parsed JSON body, the raw text if it was not JSON, or undefined when empty. */
  body: unknown;
  at: number;
}

const DEFAULT_REPLY = 'The quick brown fox jumps over the lazy dog.';

/** Paths whose failNext afterChunks failures happen mid-stream; elsewhere they are answered at once. */
const STREAMING_PATHS = new Set(['/api/generate', '/api/chat', '/api/pull']);

export class FakeOllama {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Every request received (after its body was read), in order. */
  readonly requests: RecordedRequest[] = [];

  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly exchanges = new Set<Exchange>();
  private readonly life = new AbortController();
  private readonly models = new Map<string, FakeModel>();
  private readonly registry = new Map<string, FakeModel>();
  private readonly failures = new Map<string, Failure[]>();
  private readonly latency = new Map<string, number>();
  private offline = false;
  private connections = 0;
  private replyText: string | ReplyFn = DEFAULT_REPLY;

  private readonly version: string;
  private readonly scheduler: Scheduler;
  private readonly generation: GenerationDeps;
  private readonly store: PullDeps;

  private constructor(server: http.Server, port: number, opts: FakeOllamaOptions) {
    this.server = server;
    this.port = port;
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    this.version = opts.version ?? '0.12.6';
    this.scheduler = new Scheduler(
      {
        memoryBytes: opts.memoryBytes ?? 16e9,
        defaultKeepAliveMs: opts.defaultKeepAliveMs ?? 5 * 60_000,
        maxLoadedModels: opts.maxLoadedModels ?? 3,
        loadDelayMs: opts.loadDelayMs ?? 5,
        loadMsPerGB: opts.loadMsPerGB ?? 0,
        kvCache: opts.kvCache ?? true,
        defaultNumCtx: opts.defaultNumCtx ?? 4096,
        numParallel: Math.max(1, opts.numParallel ?? 1),
        busyEviction: opts.busyEviction ?? 'error',
      },
      this.life.signal,
    );
    this.generation = {
      scheduler: this.scheduler,
      tokenDelayMs: opts.tokenDelayMs ?? 2,
      findModel: (sent) => {
        const m = this.models.get(nameKey(sent));
        if (!m) throw new HttpError(404, `model '${sent}' not found`);
        return m;
      },
      replyFor: (ctx) => (typeof this.replyText === 'function' ? this.replyText(ctx) : this.replyText),
    };
    this.store = {
      pullChunkDelayMs: opts.pullChunkDelayMs ?? 5,
      registry: this.registry,
      models: this.models,
      addModel: (m) => this.addModel(m),
      removeModel: (name) => this.removeModel(name),
    };
    const startedAt = new Date().toISOString();
    for (const m of opts.models ?? DEFAULT_MODELS) this.addModel({ ...m, modifiedAt: m.modifiedAt ?? startedAt });
    for (const m of opts.registry ?? DEFAULT_REGISTRY) this.registry.set(nameKey(m.name), { ...m, name: normalizeName(m.name) });
  }

  static async start(opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const fake = new FakeOllama(server, port, opts);
    server.on('connection', (socket: Socket) => {
      if (fake.offline) {
        socket.destroy();
        return;
      }
      fake.connections++;
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      void fake.handle(req, res);
    });
    return fake;
  }

  /** Close the server and every socket, abort in-flight work, clear all timers. */
  async stop(): Promise<void> {
    this.life.abort();
    for (const ex of this.exchanges) ex.controller.abort();
    this.scheduler.stop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  // ------------------------------------------------------------------ inspection / control

  loaded(): LoadedModelInfo[] {
    return this.scheduler.sorted().map((r) => ({
      name: normalizeName(r.model.name),
      size: r.cost,
      sizeVram: 0,
      expiresAt: new Date(r.expiresAt),
      contextLength: r.numCtx,
      numCtx: r.numCtx,
      inFlight: r.inFlight,
      keepAliveMs: r.keepAliveMs,
    }));
  }

  /** Sum of the memory charged for loaded models (weights + KV-cache estimate unless kvCache:false). */
  usedMemoryBytes(): number {
    return this.scheduler.usedMemoryBytes();
  }

  freeMemoryBytes(): number {
    return this.scheduler.freeMemoryBytes();
  }

  /** TCP connections accepted since start (connections dropped while offline are not counted). Lets tests check keep-alive reuse. */
  connectionCount(): number {
    return this.connections;
  }

  /** How many times a model was (re)loaded. */
  loadCount(name: string): number {
    return this.scheduler.loadCount(name);
  }

  /** Loads, forced evictions, refused loads, unloads, expiries and peak memory since start or resetStats(). */
  stats(): FakeStats {
    return this.scheduler.stats();
  }

  resetStats(): void {
    this.scheduler.resetStats();
  }

  installed(): FakeModel[] {
    return [...this.models.values()].map((m) => ({ ...m }));
  }

  addModel(m: FakeModel): void {
    const model: FakeModel = { ...m, name: normalizeName(m.name), modifiedAt: m.modifiedAt ?? new Date().toISOString() };
    this.models.set(nameKey(model.name), model);
  }

  /** Remove an installed model (unloading it if loaded), like DELETE /api/delete. */
  removeModel(name: string): void {
    this.models.delete(nameKey(name));
    this.scheduler.remove(name);
  }

  /**
   * The next request to `path` fails. Without afterChunks: answered at once with `status` and
   * `{"error"}` before any other processing. With afterChunks (generate, chat, pull): the request
   * runs normally and, when streaming, fails after N chunks with status 200 and a last line
   * `{"error"}` (no done line); when not streaming it answers `status` (500 if status < 400).
   * On other routes, or when the request produces no chunks (load/unload), it is answered at once.
   */
  failNext(path: string, status: number, error: string, opts?: { afterChunks?: number }): void {
    const list = this.failures.get(path) ?? [];
    list.push({ status, error, ...(opts?.afterChunks !== undefined ? { afterChunks: opts.afterChunks } : {}) });
    this.failures.set(path, list);
  }

  /** Delay before answering every request to `path` (0 removes it). */
  setLatency(path: string, ms: number): void {
    if (ms > 0) this.latency.set(path, ms);
    else this.latency.delete(path);
  }

  /** When true, every open socket is destroyed and new connections are dropped unanswered. */
  setOffline(offline: boolean): void {
    this.offline = offline;
    if (offline) {
      for (const s of this.sockets) s.destroy();
    }
  }

  /**
   * The text /api/generate and /api/chat produce (default: 'The quick brown fox jumps over the
   * lazy dog.'). It is streamed one whitespace-separated word per chunk (with its trailing space).
   * A function gets the endpoint, model and prompt/messages of each request.
   */
  reply(text: string | ReplyFn): void {
    this.replyText = text;
  }

  // ------------------------------------------------------------------ HTTP plumbing

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.offline) {
      req.socket.destroy();
      return;
    }
    const ex = new Exchange(req, res);
    this.exchanges.add(ex);
    try {
      const raw = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const method = req.method ?? 'GET';
      let body: unknown;
      if (raw !== '') {
        try {
          body = JSON.parse(raw) as unknown;
        } catch {
          body = raw;
        }
      }
      this.requests.push({ method, path, body, at: Date.now() });
      const delay = this.latency.get(path);
      if (delay) await sleep(delay, ex.signal);
      if (ex.closed) return;
      const failure = this.failures.get(path)?.shift();
      if (failure && failure.afterChunks === undefined) {
        ex.error(failure.status, failure.error);
        return;
      }
      await this.route(ex, method, path, raw, failure);
    } catch (e) {
      if (e instanceof Aborted || ex.closed) return;
      if (e instanceof HttpError) ex.fail(e.status, e.message);
      else ex.fail(500, e instanceof Error ? e.message : String(e));
    } finally {
      this.exchanges.delete(ex);
    }
  }

  private async route(ex: Exchange, method: string, path: string, raw: string, failure: Failure | undefined): Promise<void> {
    // failures with afterChunks only apply mid-stream on streaming routes; elsewhere at once
    const midStream = STREAMING_PATHS.has(path) ? failure : undefined;
    if (failure && !midStream) return ex.error(failure.status, failure.error);
    const get = method === 'GET' || method === 'HEAD';
    if (path === '/' && get) return ex.text(200, 'Ollama is running');
    if (path === '/api/version' && get) return ex.json(200, { version: this.version });
    if (path === '/api/tags' && get) return ex.json(200, tags(this.models.values()));
    if (path === '/api/ps' && method === 'GET') return ex.json(200, ps(this.scheduler.sorted()));
    if (method === 'POST') {
      switch (path) {
        case '/api/generate':
          return generate(this.generation, ex, decode(raw, 'generate'), midStream);
        case '/api/chat':
          return chat(this.generation, ex, decode(raw, 'chat'), midStream);
        case '/api/embed':
          return embed(this.generation, ex, decode(raw, 'embed'));
        case '/api/embeddings':
          return embeddings(this.generation, ex, decode(raw, 'embeddings'));
        case '/api/show':
          return show(this.models, ex, decode(raw, 'show'));
        case '/api/pull':
          return pull(this.store, ex, decode(raw, 'pull'), midStream);
      }
    }
    if (method === 'DELETE' && path === '/api/delete') return del(this.store, ex, decode(raw, 'delete'));
    return ex.text(404, '404 page not found');
  }
}
