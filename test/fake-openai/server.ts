/**
 * A fake OpenAI-compatible server for tests, behaving like the engines ollm-mcp routes to (vLLM,
 * llama.cpp's llama-server, LM Studio, llama-swap, SGLang, LiteLLM, Olla): GET /v1/models,
 * GET /health (llama-server style, or missing, or loading), POST /v1/chat/completions streamed
 * as server-sent events or not, OpenAI's error bodies, and an optional API key. A model may run
 * with a window below its trained one (FakeModelSpec.nCtx), said in /v1/models (llama-swap), in
 * GET /props (a single llama-server) or only by refusing longer prompts with llama-server's 400.
 *
 * Tests inject failures: any status with OpenAI's error body or a foreign one (a proxy's HTML
 * page), 429 with retry-after, streams that break mid-way (end, reset, stall, error event), and
 * being offline (the port stops listening: connection refused). Every request is recorded (the
 * API key never kept); stats() counts requests per path and streams started, completed, aborted
 * by the client and broken on purpose.
 *
 * With `prefixCache` each model's prompts are read through vLLM's automatic prefix caching (blocks
 * of tokens shared by every request, least recently used evicted), reported in usage with
 * `promptTokensDetails` and listed by prefixReads().
 *
 * Files: server.ts (FakeOpenAI), routes.ts (plumbing, key check, routing), chat.ts (chat
 * completions), exchange.ts (one request/response, SSE), types.ts (options, records, failures),
 * prefix-cache.ts (the prefix cache).
 * Only node:http (and node:crypto, for the cache's block hashes) is used. Nothing is written to stdout.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ChatDeps } from './chat.js';
import type { Exchange } from './exchange.js';
import { type RouteDeps, handle } from './routes.js';
import { PrefixCache } from './prefix-cache.js';
import {
  type LoadFigures,
  llamaServerMetrics,
  llamaServerSlots,
  llamaSwapRunning,
  sglangMetrics,
  vllmMetrics,
} from './load.js';
import {
  DEFAULT_OPENAI_MODELS,
  type FakeModelSpec,
  type FakeOpenAIOptions,
  type FakeOpenAIStats,
  type HealthMode,
  type InjectedFailure,
  type PrefixRead,
  type RecordedRequest,
  type ReplyFn,
  type ReplyValue,
  type StreamBreak,
} from './types.js';

export * from './types.js';

const DEFAULT_REPLY = 'The quick brown fox jumps over the lazy dog.';

const spec = (m: string | FakeModelSpec): FakeModelSpec => (typeof m === 'string' ? { id: m } : m);

export class FakeOpenAI {
  readonly port: number;
  /** 127.0.0.1:PORT */
  readonly host: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** The base URL users configure: http://127.0.0.1:PORT/v1 */
  readonly url: string;
  /** Every request received (after its body was read), in order. */
  readonly requests: RecordedRequest[] = [];

  private readonly sockets = new Set<Socket>();
  private readonly exchanges = new Set<Exchange>();
  private readonly failures = new Map<string, InjectedFailure[]>();
  private readonly latencies = new Map<string, number>();
  private readonly breaks: StreamBreak[] = [];
  private models: FakeModelSpec[];
  private healthMode: HealthMode;
  private replyWith: ReplyValue | ReplyFn;
  private offline = false;
  private counts: FakeOpenAIStats = FakeOpenAI.emptyStats();
  private ids = 0;
  private readonly routes: RouteDeps;
  /** Each model's prefix cache, made at its first prompt (when options.prefixCache is set). */
  private readonly caches = new Map<string, PrefixCache>();
  private readonly reads: PrefixRead[] = [];
  /** Other clients' requests, added to the streams open now in the figures it publishes. */
  private others: LoadFigures = { running: 0, waiting: 0 };

  private constructor(
    private readonly server: http.Server,
    port: number,
    opts: FakeOpenAIOptions,
  ) {
    this.port = port;
    this.host = `127.0.0.1:${port}`;
    this.origin = `http://${this.host}`;
    const basePath = opts.basePath ?? '/v1';
    this.url = `${this.origin}${basePath}`;
    this.models = (opts.models ?? DEFAULT_OPENAI_MODELS).map(spec);
    this.healthMode = opts.health ?? 'ok';
    this.replyWith = opts.reply ?? DEFAULT_REPLY;
    const streams = () => this.counts.streams;
    const chat: ChatDeps = {
      model: (id) => this.models.find((m) => m.id === id),
      loading: () => this.healthMode === 'loading',
      tokenDelayMs: opts.tokenDelayMs ?? 2,
      usage: opts.usage ?? 'separate',
      timings: opts.timings ?? false,
      promptTokensDetails: opts.promptTokensDetails ?? false,
      readPrompt: (model, tokens, salt) => this.readPrompt(opts, model, tokens, salt),
      reply: (ctx) => (typeof this.replyWith === 'function' ? this.replyWith(ctx) : this.replyWith),
      takeBreak: () => this.breaks.shift(),
      streamStarted: () => void streams().started++,
      streamCompleted: () => void streams().completed++,
      streamBroken: () => void streams().broken++,
      contextRefused: () => void this.counts.contextRefusals++,
      nextId: () => `chatcmpl-fake${++this.ids}`,
    };
    this.routes = {
      basePath,
      apiKey: opts.apiKey,
      createdAt: Math.floor(Date.now() / 1000),
      requests: this.requests,
      exchanges: this.exchanges,
      models: () => this.models,
      health: () => this.healthMode,
      latency: (path) => this.latencies.get(path),
      takeFailure: (path) => this.failures.get(path)?.shift(),
      count: (path) => void (this.counts.paths[path] = (this.counts.paths[path] ?? 0) + 1),
      clientGone: (ex) => {
        if (ex.streaming) streams().aborted++;
      },
      chat,
      loadAnswer: (path) => this.loadAnswer(opts, path),
    };
  }

  /** `tokens` read through `model`'s prefix cache: those it held; undefined when there is none. */
  private readPrompt(
    opts: FakeOpenAIOptions,
    model: string,
    tokens: readonly string[],
    salt?: string,
  ): number | undefined {
    if (!opts.prefixCache) return undefined;
    let cache = this.caches.get(model);
    if (!cache) {
      const o = opts.prefixCache === true ? {} : opts.prefixCache;
      cache = new PrefixCache(o.blockSize, o.blocks);
      this.caches.set(model, cache);
    }
    const cachedTokens = cache.read(tokens, salt);
    this.reads.push({ model, promptTokens: tokens.length, cachedTokens, ...(salt !== undefined && { salt }) });
    return cachedTokens;
  }

  /** What the engine publishes at `path` of its own load: its open streams and the others set by setLoad. */
  private loadAnswer(
    opts: FakeOpenAIOptions,
    path: string,
  ): { status: number; body: string; contentType: string } | undefined {
    const s = this.counts.streams;
    const open = Math.max(0, s.started - s.completed - s.aborted - s.broken);
    const figures = { ...this.others, running: this.others.running + open };
    const model = this.models[0]?.id ?? 'model';
    const text = (body: string) => ({ status: 200, body, contentType: 'text/plain; version=0.0.4; charset=utf-8' });
    const json = (body: string) => ({ status: 200, body, contentType: 'application/json' });
    switch (opts.publishes) {
      case 'vllm':
        return path === '/metrics' ? text(vllmMetrics({ ...figures, model })) : undefined;
      case 'sglang':
        return path === '/metrics' ? text(sglangMetrics({ ...figures, model })) : undefined;
      case 'llama-server':
        if (path === '/metrics') return text(llamaServerMetrics(figures));
        return path === '/slots'
          ? json(llamaServerSlots(opts.slots ?? 1, Math.min(figures.running, opts.slots ?? 1)))
          : undefined;
      case 'llama-swap': {
        if (path === '/running') return json(llamaSwapRunning(this.models.map((m) => m.id)));
        const up = /^\/upstream\/(.+)\/metrics$/.exec(path);
        return up && this.models.some((m) => m.id === up[1])
          ? text(llamaServerMetrics(up[1] === model ? figures : { running: 0, waiting: 0 }))
          : undefined;
      }
      case 'garbage':
        return path === '/metrics' || path === '/slots'
          ? { status: 200, body: '<html><body>It works!</body></html>', contentType: 'text/html' }
          : undefined;
      default:
        return undefined;
    }
  }

  private static emptyStats(): FakeOpenAIStats {
    return {
      paths: {},
      streams: { started: 0, completed: 0, aborted: 0, broken: 0 },
      contextRefusals: 0,
      connections: 0,
    };
  }

  static async start(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
    const server = http.createServer();
    await FakeOpenAI.listen(server, opts.port ?? 0);
    const fake = new FakeOpenAI(server, (server.address() as AddressInfo).port, opts);
    server.on('connection', (socket: Socket) => {
      fake.counts.connections++;
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void handle(fake.routes, req, res));
    return fake;
  }

  private static listen(server: http.Server, port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Close the server and every connection; in-flight streams end at once. */
  async stop(): Promise<void> {
    for (const ex of this.exchanges) {
      ex.broken = true; // the server went, not the client
      ex.controller.abort();
    }
    const closed = this.server.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  // ------------------------------------------------------------------ inspection

  /** Requests per path; streams started, completed, aborted by the client, broken on purpose; connections. */
  stats(): FakeOpenAIStats {
    return structuredClone(this.counts);
  }

  resetStats(): void {
    this.counts = FakeOpenAI.emptyStats();
    this.requests.length = 0;
  }

  /** Every prompt read through a prefix cache (options.prefixCache), in order: its tokens and those the cache held. */
  prefixReads(): PrefixRead[] {
    return this.reads.map((r) => ({ ...r }));
  }

  /** Empty every model's prefix cache (vLLM's POST /reset_prefix_cache). */
  resetPrefixCache(): void {
    for (const c of this.caches.values()) c.reset();
  }

  /** The recorded requests to one path. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  // ------------------------------------------------------------------ control

  /** The text chat completions produce, or a function of the request (see ReplyContext). */
  reply(value: ReplyValue | ReplyFn): void {
    this.replyWith = value;
  }

  setModels(models: ReadonlyArray<string | FakeModelSpec>): void {
    this.models = models.map(spec);
  }

  /**
   * Other clients' requests on the engine: what it publishes (options.publishes) counts them beside the
   * streams open now.
   */
  setLoad(figures: LoadFigures): void {
    this.others = { ...figures };
  }

  setHealth(mode: HealthMode): void {
    this.healthMode = mode;
  }

  /**
   * The next request to `path` (e.g. "/v1/chat/completions") is answered at once with this failure. Queued in
   * order.
   */
  failNext(path: string, failure: InjectedFailure): void {
    const list = this.failures.get(path) ?? [];
    list.push(failure);
    this.failures.set(path, list);
  }

  /** The next streamed chat completion breaks after `afterChunks` content chunks (see StreamBreak). */
  breakNextStream(brk: StreamBreak): void {
    this.breaks.push(brk);
  }

  /** Delay before answering every request to `path` (0 removes it). */
  setLatency(path: string, ms: number): void {
    if (ms > 0) this.latencies.set(path, ms);
    else this.latencies.delete(path);
  }

  /**
   * Offline: the port stops listening (connection refused) and open connections are dropped. Online: it
   * listens again on the same port.
   */
  async setOffline(offline: boolean): Promise<void> {
    if (offline === this.offline) return;
    this.offline = offline;
    if (offline) {
      for (const ex of this.exchanges) {
        ex.broken = true; // the server went, not the client
        ex.controller.abort();
      }
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const s of this.sockets) s.destroy();
      this.server.closeAllConnections();
      await closed;
    } else {
      await FakeOpenAI.listen(this.server, this.port);
    }
  }
}
