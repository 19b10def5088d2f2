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
 * models, and a num_ctx change forces a reload.
 *
 * Only node:http is used. Nothing is written to stdout.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';
import {
  DEFAULT_MODELS,
  DEFAULT_REGISTRY,
  type FakeModel,
  archParams,
  digestOf,
  estimateModelMemory,
  nameKey,
  normalizeName,
} from './models.js';
import { goDecode, goJsonKind, goReflectType, humanBytes2, parseGoDuration } from './go.js';

export type { FakeModel } from './models.js';
export { DEFAULT_MODELS, DEFAULT_REGISTRY, EXTRA_REGISTRY_MODELS, estimateModelMemory, kvCacheBytes, normalizeName } from './models.js';

export interface FakeOllamaOptions {
  /** Installed models (default DEFAULT_MODELS). */
  models?: FakeModel[];
  /** Memory the fake machine has for loaded models (default 16e9). */
  memoryBytes?: number;
  /** Reported by /api/version (default '0.12.6'). */
  version?: string;
  /** OLLAMA_KEEP_ALIVE equivalent (default 5 min). */
  defaultKeepAliveMs?: number;
  /** OLLAMA_MAX_LOADED_MODELS equivalent (default 3). */
  maxLoadedModels?: number;
  /** Simulated load time per model load (default 5). */
  loadDelayMs?: number;
  /** Delay between streamed tokens; also the simulated prompt-eval time (default 2). */
  tokenDelayMs?: number;
  /** Delay between pull progress lines (default 5). */
  pullChunkDelayMs?: number;
  /** Models that can be pulled (default DEFAULT_REGISTRY = DEFAULT_MODELS + EXTRA_REGISTRY_MODELS). */
  registry?: FakeModel[];
  /** Port to listen on, on 127.0.0.1 (default 0 = random). */
  port?: number;
  // ---- extensions beyond the brief ----
  /** Charge a KV-cache estimate on top of the weights when loading (default true). */
  kvCache?: boolean;
  /** num_ctx used when a request does not set options.num_ctx (OLLAMA_CONTEXT_LENGTH; default 4096). */
  defaultNumCtx?: number;
  /** OLLAMA_NUM_PARALLEL: concurrent requests one loaded model serves; others wait (default 1). */
  numParallel?: number;
  /**
   * What to do when a model does not fit even after evicting every idle model but some loaded
   * model is busy: 'error' (default, as the brief asks) answers 500 "model requires more system
   * memory ..."; 'wait' waits for the busy model to finish and evicts it (real Ollama does this).
   */
  busyEviction?: 'error' | 'wait';
}

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

export interface ReplyContext {
  endpoint: 'generate' | 'chat';
  /** Model name as sent by the client. */
  model: string;
  prompt?: string;
  messages?: unknown[];
}
export type ReplyFn = (ctx: ReplyContext) => string;

interface Failure {
  status: number;
  error: string;
  afterChunks?: number;
}

interface Runner {
  key: string;
  model: FakeModel;
  numCtx: number;
  cost: number;
  keepAliveMs: number;
  expiresAt: Date;
  inFlight: number;
  timer: NodeJS.Timeout | undefined;
  idleWaiters: Array<() => void>;
  slotsBusy: number;
  slotWaiters: Array<() => void>;
  unloaded: boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

class Aborted extends Error {}

type Json = Record<string, unknown>;

/** Go's time.Duration max, in ms: what a negative keep_alive turns into. */
const FOREVER_EXPIRY_MS = 9_223_372_036_854;
const MAX_TIMER_MS = 2_147_483_647;

const DEFAULT_REPLY = 'The quick brown fox jumps over the lazy dog.';

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

function nsSince(start: bigint): number {
  return Math.max(1, Number(nowNs() - start));
}

function words(s: unknown): number {
  return typeof s === 'string' ? (s.match(/\S+/g)?.length ?? 0) : 0;
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function details(m: FakeModel): Json {
  return {
    parent_model: '',
    format: 'gguf',
    family: m.family,
    families: m.families ?? [m.family],
    parameter_size: m.parameterSize,
    quantization_level: m.quantization,
  };
}

/** Field types checked when decoding, with the Go type named in the error text. */
type FieldType = 'string' | 'bool' | 'array' | 'object' | 'number';
const GO_TYPE: Record<FieldType, string> = {
  string: 'string',
  bool: 'bool',
  array: '[]interface {}',
  object: 'map[string]interface {}',
  number: 'float64',
};

const SCHEMAS: Record<string, { type: string; fields: Record<string, FieldType> }> = {
  generate: {
    type: 'GenerateRequest',
    fields: { model: 'string', prompt: 'string', suffix: 'string', system: 'string', template: 'string', stream: 'bool', raw: 'bool', images: 'array', context: 'array', options: 'object' },
  },
  chat: { type: 'ChatRequest', fields: { model: 'string', messages: 'array', tools: 'array', stream: 'bool', options: 'object' } },
  embed: { type: 'EmbedRequest', fields: { model: 'string', truncate: 'bool', dimensions: 'number', options: 'object' } },
  embeddings: { type: 'EmbeddingRequest', fields: { model: 'string', prompt: 'string', options: 'object' } },
  show: { type: 'ShowRequest', fields: { model: 'string', name: 'string', system: 'string', verbose: 'bool' } },
  pull: { type: 'PullRequest', fields: { model: 'string', name: 'string', insecure: 'bool', stream: 'bool' } },
  delete: { type: 'DeleteRequest', fields: { model: 'string', name: 'string' } },
};

const KEEP_ALIVE_KINDS = new Set(['generate', 'chat', 'embed', 'embeddings']);

/** Per-request state: abort signal and lazy NDJSON streaming. */
class Exchange {
  readonly controller = new AbortController();
  streaming = false;
  readonly start = nowNs();

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
  ) {
    res.on('close', () => {
      if (!res.writableFinished) this.controller.abort();
    });
    res.on('error', () => this.controller.abort());
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get closed(): boolean {
    return this.signal.aborted || this.res.destroyed || this.res.writableEnded;
  }

  json(status: number, body: unknown): void {
    if (this.closed) return;
    const text = JSON.stringify(body);
    this.res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    this.res.end(text);
  }

  error(status: number, message: string): void {
    this.json(status, { error: message });
  }

  text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
    if (this.closed) return;
    this.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    this.res.end(this.req.method === 'HEAD' ? undefined : body);
  }

  /** Write one NDJSON line (sends the 200 + application/x-ndjson headers first). */
  line(obj: unknown): boolean {
    if (this.closed) return false;
    if (!this.streaming) {
      this.streaming = true;
      this.res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    }
    this.res.write(`${JSON.stringify(obj)}\n`);
    return true;
  }

  end(): void {
    if (this.closed) return;
    this.res.end();
  }
}

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
  private readonly runners = new Map<string, Runner>();
  private readonly loadCounts = new Map<string, number>();
  private readonly failures = new Map<string, Failure[]>();
  private readonly latency = new Map<string, number>();
  private loadChain: Promise<unknown> = Promise.resolve();
  private offline = false;
  private connections = 0;
  private replyText: string | ReplyFn = DEFAULT_REPLY;

  private readonly memoryBytes: number;
  private readonly version: string;
  private readonly defaultKeepAliveMs: number;
  private readonly maxLoadedModels: number;
  private readonly loadDelayMs: number;
  private readonly tokenDelayMs: number;
  private readonly pullChunkDelayMs: number;
  private readonly kvCache: boolean;
  private readonly defaultNumCtx: number;
  private readonly numParallel: number;
  private readonly busyEviction: 'error' | 'wait';

  private constructor(server: http.Server, port: number, opts: FakeOllamaOptions) {
    this.server = server;
    this.port = port;
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    this.memoryBytes = opts.memoryBytes ?? 16e9;
    this.version = opts.version ?? '0.12.6';
    this.defaultKeepAliveMs = opts.defaultKeepAliveMs ?? 5 * 60_000;
    this.maxLoadedModels = opts.maxLoadedModels ?? 3;
    this.loadDelayMs = opts.loadDelayMs ?? 5;
    this.tokenDelayMs = opts.tokenDelayMs ?? 2;
    this.pullChunkDelayMs = opts.pullChunkDelayMs ?? 5;
    this.kvCache = opts.kvCache ?? true;
    this.defaultNumCtx = opts.defaultNumCtx ?? 4096;
    this.numParallel = Math.max(1, opts.numParallel ?? 1);
    this.busyEviction = opts.busyEviction ?? 'error';
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
    for (const r of this.runners.values()) {
      if (r.timer) clearTimeout(r.timer);
      r.timer = undefined;
    }
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  // ------------------------------------------------------------------ inspection / control

  loaded(): LoadedModelInfo[] {
    return this.sortedRunners().map((r) => ({
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
    let used = 0;
    for (const r of this.runners.values()) used += r.cost;
    return used;
  }

  freeMemoryBytes(): number {
    return this.memoryBytes - this.usedMemoryBytes();
  }

  /** TCP connections accepted since start (connections dropped while offline are not counted). Lets tests check keep-alive reuse. */
  connectionCount(): number {
    return this.connections;
  }

  /** How many times a model was (re)loaded. */
  loadCount(name: string): number {
    return this.loadCounts.get(nameKey(name)) ?? 0;
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
    const key = nameKey(name);
    this.models.delete(key);
    const r = this.runners.get(key);
    if (r) this.unload(r);
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
      if (e instanceof HttpError) {
        if (ex.streaming) {
          ex.line({ error: e.message });
          ex.end();
        } else ex.error(e.status, e.message);
        return;
      }
      const msg = e instanceof Error ? e.message : String(e);
      if (ex.streaming) {
        ex.line({ error: msg });
        ex.end();
      } else ex.error(500, msg);
    } finally {
      this.exchanges.delete(ex);
    }
  }

  private async route(ex: Exchange, method: string, path: string, raw: string, failure: Failure | undefined): Promise<void> {
    // failures with afterChunks only apply mid-stream on streaming routes; elsewhere at once
    const midStream = path === '/api/generate' || path === '/api/chat' || path === '/api/pull' ? failure : undefined;
    if (failure && !midStream) return ex.error(failure.status, failure.error);
    const get = method === 'GET' || method === 'HEAD';
    if (path === '/' && get) return ex.text(200, 'Ollama is running');
    if (path === '/api/version' && get) return ex.json(200, { version: this.version });
    if (path === '/api/tags' && get) return ex.json(200, this.tags());
    if (path === '/api/ps' && method === 'GET') return ex.json(200, this.ps());
    if (method === 'POST') {
      switch (path) {
        case '/api/generate':
          return this.generate(ex, this.decode(raw, 'generate'), midStream);
        case '/api/chat':
          return this.chat(ex, this.decode(raw, 'chat'), midStream);
        case '/api/embed':
          return this.embed(ex, this.decode(raw, 'embed'));
        case '/api/embeddings':
          return this.embeddings(ex, this.decode(raw, 'embeddings'));
        case '/api/show':
          return this.show(ex, this.decode(raw, 'show'));
        case '/api/pull':
          return this.pull(ex, this.decode(raw, 'pull'), midStream);
      }
    }
    if (method === 'DELETE' && path === '/api/delete') return this.del(ex, this.decode(raw, 'delete'));
    return ex.text(404, '404 page not found');
  }

  /** Decode a body like gin's ShouldBindJSON into an Ollama request struct (errors are 400). */
  private decode(raw: string, kind: keyof typeof SCHEMAS): Json {
    const schema = SCHEMAS[kind];
    if (!schema) throw new Error(`no schema ${kind}`);
    const r = goDecode(raw);
    if (!r.ok) throw new HttpError(400, r.eof ? 'missing request body' : r.error);
    if (r.value === null) return {};
    if (!isRecord(r.value)) {
      throw new HttpError(400, `json: cannot unmarshal ${goJsonKind(r.value)} into Go value of type api.${schema.type}`);
    }
    for (const [field, type] of Object.entries(schema.fields)) {
      const v = r.value[field];
      if (v === undefined || v === null) continue;
      const ok =
        type === 'string' ? typeof v === 'string' : type === 'bool' ? typeof v === 'boolean' : type === 'number' ? typeof v === 'number' : type === 'array' ? Array.isArray(v) : isRecord(v);
      if (!ok) {
        throw new HttpError(400, `json: cannot unmarshal ${goJsonKind(v)} into Go struct field ${schema.type}.${field} of type ${GO_TYPE[type]}`);
      }
    }
    const ka = r.value['keep_alive'];
    if (KEEP_ALIVE_KINDS.has(kind) && ka !== undefined && ka !== null) parseKeepAlive(ka); // bind-time error, like Ollama's Duration.UnmarshalJSON
    return r.value;
  }

  // ------------------------------------------------------------------ read-only endpoints

  private tags(): Json {
    const models = [...this.models.values()]
      .sort((a, b) => Date.parse(b.modifiedAt ?? '') - Date.parse(a.modifiedAt ?? '') || a.name.localeCompare(b.name))
      .map((m) => ({
        name: m.name,
        model: m.name,
        modified_at: m.modifiedAt,
        size: m.size,
        digest: digestOf(m),
        details: details(m),
      }));
    return { models };
  }

  private sortedRunners(): Runner[] {
    return [...this.runners.values()].sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime() || a.key.localeCompare(b.key));
  }

  private ps(): Json {
    return {
      models: this.sortedRunners().map((r) => ({
        name: normalizeName(r.model.name),
        model: normalizeName(r.model.name),
        size: r.cost,
        digest: digestOf(r.model),
        details: details(r.model),
        expires_at: r.expiresAt.toISOString(),
        size_vram: 0,
        context_length: r.numCtx,
      })),
    };
  }

  private show(ex: Exchange, body: Json): void {
    const sent = str(body['model']) || str(body['name']);
    if (!sent) throw new HttpError(400, 'model is required');
    const m = this.models.get(nameKey(sent));
    if (!m) throw new HttpError(404, `model '${normalizeName(sent)}' not found`);
    const a = archParams(m);
    const arch = m.architecture;
    const embedding = m.capabilities.includes('embedding') && !m.capabilities.includes('completion');
    const template = embedding ? '{{ .Prompt }}' : TEMPLATES[m.family] ?? '{{ if .System }}{{ .System }}\n{{ end }}{{ .Prompt }}';
    const parameters = embedding ? `num_ctx                        ${m.contextLength}` : STOP_PARAMS[m.family] ?? 'stop                           "</s>"';
    const digest = digestOf(m);
    const modelfile = [
      '# Modelfile generated by "ollama show"',
      '# To build a new Modelfile based on this, replace FROM with:',
      `# FROM ${m.name}`,
      '',
      `FROM /root/.ollama/models/blobs/sha256-${digest}`,
      `TEMPLATE """${template}"""`,
      ...parameters.split('\n').map((p) => `PARAMETER ${p.replace(/\s+/, ' ')}`),
      ...(m.license ? [`LICENSE """${m.license}"""`] : []),
      '',
    ].join('\n');
    const info: Json = {
      'general.architecture': arch,
      'general.basename': m.name.split(':')[0],
      'general.file_type': m.quantization === 'F16' ? 1 : 15,
      'general.parameter_count': a.parameterCount,
      'general.quantization_version': 2,
      [`${arch}.context_length`]: m.contextLength,
      [`${arch}.embedding_length`]: a.embeddingLength,
      [`${arch}.block_count`]: a.blockCount,
      [`${arch}.feed_forward_length`]: a.embeddingLength * 4,
      [`${arch}.attention.head_count`]: a.headCount,
      [`${arch}.attention.head_count_kv`]: a.headCountKv,
      [`${arch}.attention.key_length`]: a.headDim,
      [`${arch}.attention.value_length`]: a.headDim,
      'tokenizer.ggml.model': embedding ? 'bert' : 'gpt2',
    };
    const res: Json = {};
    if (m.license) res['license'] = m.license;
    res['modelfile'] = modelfile;
    res['parameters'] = parameters;
    res['template'] = template;
    res['details'] = details(m);
    res['model_info'] = info;
    res['capabilities'] = [...m.capabilities];
    res['modified_at'] = m.modifiedAt;
    ex.json(200, res);
  }

  // ------------------------------------------------------------------ scheduler

  private resolveKeepAlive(body: Json): number {
    const ka = body['keep_alive'];
    if (ka === undefined || ka === null) return this.defaultKeepAliveMs;
    return parseKeepAlive(ka);
  }

  private resolveNumCtx(model: FakeModel, body: Json): number {
    const opts = isRecord(body['options']) ? body['options'] : {};
    const requested = opts['num_ctx'];
    const n = typeof requested === 'number' && requested > 0 ? Math.floor(requested) : this.defaultNumCtx;
    return Math.min(n, model.contextLength);
  }

  private memoryError(cost: number): HttpError {
    return new HttpError(
      500,
      `model requires more system memory (${humanBytes2(cost)}) than is available (${humanBytes2(Math.max(0, this.freeMemoryBytes()))})`,
    );
  }

  /** Mark a request as using the runner: in-flight +1, expiry timer stopped, keep_alive updated. */
  private touch(r: Runner, keepAliveMs: number): void {
    r.inFlight++;
    r.keepAliveMs = keepAliveMs;
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
    r.expiresAt = expiryFrom(keepAliveMs);
  }

  /** A request finished with the runner: when idle, the keep_alive timer starts. */
  private release(r: Runner): void {
    r.inFlight = Math.max(0, r.inFlight - 1);
    if (r.inFlight > 0 || r.unloaded) return;
    r.expiresAt = expiryFrom(r.keepAliveMs);
    const waiters = r.idleWaiters.splice(0);
    for (const w of waiters) w();
    if (r.unloaded) return;
    this.armTimer(r);
  }

  private armTimer(r: Runner): void {
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
    if (r.keepAliveMs <= 0) {
      this.unload(r);
      return;
    }
    if (!Number.isFinite(r.keepAliveMs) || r.keepAliveMs > MAX_TIMER_MS || this.life.signal.aborted) return;
    r.timer = setTimeout(() => {
      r.timer = undefined;
      if (r.inFlight === 0 && !r.unloaded) this.unload(r);
    }, r.keepAliveMs);
    r.timer.unref();
  }

  private unload(r: Runner): void {
    if (r.timer) clearTimeout(r.timer);
    r.timer = undefined;
    r.unloaded = true;
    if (this.runners.get(r.key) === r) this.runners.delete(r.key);
    for (const w of r.idleWaiters.splice(0)) w();
    for (const w of r.slotWaiters.splice(0)) w();
  }

  private waitIdle(r: Runner, signal: AbortSignal): Promise<void> {
    if (r.inFlight === 0 || r.unloaded) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.life.signal.removeEventListener('abort', done);
        resolve();
      };
      r.idleWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
      this.life.signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Get a loaded runner for `model` with `numCtx`, loading it if needed (loads are serialised).
   * The caller owns one in-flight reference and must call release().
   */
  private async acquire(model: FakeModel, numCtx: number, keepAliveMs: number, signal: AbortSignal): Promise<{ runner: Runner; loadNs: number }> {
    const existing = this.runners.get(nameKey(model.name));
    if (existing && existing.numCtx === numCtx) {
      this.touch(existing, keepAliveMs);
      return { runner: existing, loadNs: 0 };
    }
    const job = this.loadChain.then(() => this.loadJob(model, numCtx, keepAliveMs, signal));
    this.loadChain = job.catch(() => undefined);
    return job;
  }

  private async loadJob(model: FakeModel, numCtx: number, keepAliveMs: number, signal: AbortSignal): Promise<{ runner: Runner; loadNs: number }> {
    if (signal.aborted || this.life.signal.aborted) throw new Aborted();
    const key = nameKey(model.name);
    const start = nowNs();
    const existing = this.runners.get(key);
    if (existing && existing.numCtx === numCtx) {
      this.touch(existing, keepAliveMs);
      return { runner: existing, loadNs: 0 };
    }
    if (existing) {
      // num_ctx changed: Ollama waits for the runner to finish its requests, unloads and reloads.
      await this.waitIdle(existing, signal);
      if (signal.aborted) throw new Aborted();
      this.unload(existing);
    }
    const cost = estimateModelMemory(model, numCtx, this.kvCache);
    if (cost > this.memoryBytes) throw this.memoryError(cost);
    for (;;) {
      const tooMany = this.runners.size >= this.maxLoadedModels;
      const tooBig = cost > this.freeMemoryBytes();
      if (!tooMany && !tooBig) break;
      // Ollama's eviction order: keep_alive shortest first, then by name; first idle one goes.
      const candidates = [...this.runners.values()].sort((a, b) => a.keepAliveMs - b.keepAliveMs || a.key.localeCompare(b.key));
      const idle = candidates.find((r) => r.inFlight === 0);
      if (idle) {
        this.unload(idle);
        continue;
      }
      const first = candidates[0];
      if (!first) throw this.memoryError(cost);
      if (tooBig && this.busyEviction === 'error') throw this.memoryError(cost);
      await this.waitIdle(first, signal);
      if (signal.aborted || this.life.signal.aborted) throw new Aborted();
    }
    await sleep(this.loadDelayMs, this.life.signal);
    if (this.life.signal.aborted) throw new Aborted();
    const runner: Runner = {
      key,
      model,
      numCtx,
      cost,
      keepAliveMs,
      expiresAt: expiryFrom(keepAliveMs),
      inFlight: 0,
      timer: undefined,
      idleWaiters: [],
      slotsBusy: 0,
      slotWaiters: [],
      unloaded: false,
    };
    this.runners.set(key, runner);
    this.loadCounts.set(key, (this.loadCounts.get(key) ?? 0) + 1);
    this.touch(runner, keepAliveMs);
    return { runner, loadNs: nsSince(start) };
  }

  /** OLLAMA_NUM_PARALLEL: wait for a free slot on the runner. Returns a release function. */
  private async slot(r: Runner, signal: AbortSignal): Promise<() => void> {
    while (r.slotsBusy >= this.numParallel && !r.unloaded) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        r.slotWaiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
      if (signal.aborted) throw new Aborted();
    }
    r.slotsBusy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      r.slotsBusy--;
      r.slotWaiters.shift()?.();
    };
  }

  private findModel(sent: string): FakeModel {
    const m = this.models.get(nameKey(sent));
    if (!m) throw new HttpError(404, `model '${sent}' not found`);
    return m;
  }

  private unloadNow(model: FakeModel): void {
    const r = this.runners.get(nameKey(model.name));
    if (!r) return;
    r.keepAliveMs = 0;
    if (r.inFlight === 0) this.unload(r);
    // otherwise release() unloads it when its last request finishes (keep_alive 0)
  }

  // ------------------------------------------------------------------ generate / chat

  private requireCaps(model: FakeModel, sent: string, caps: string[], primary: string): void {
    for (const c of caps) {
      if (!model.capabilities.includes(c)) {
        throw new HttpError(400, `${JSON.stringify(sent)} does not support ${c === 'completion' ? primary : c}`);
      }
    }
  }

  private async generate(ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
    const sent = str(body['model']);
    if (!sent) throw new HttpError(404, `model '' not found`);
    const model = this.findModel(sent);
    const keepAliveMs = this.resolveKeepAlive(body);
    const prompt = str(body['prompt']);
    if (prompt === '' && keepAliveMs === 0) {
      this.unloadNow(model);
      if (failure) throw new HttpError(failStatus(failure), failure.error);
      return ex.json(200, { model: sent, created_at: new Date().toISOString(), response: '', done: true, done_reason: 'unload' });
    }
    const raw = body['raw'] === true;
    if (raw && (str(body['template']) || str(body['system']) || (Array.isArray(body['context']) && body['context'].length > 0))) {
      throw new HttpError(400, 'raw mode does not support template, system, or context');
    }
    const caps = ['completion'];
    if (str(body['suffix'])) caps.push('insert');
    if (Array.isArray(body['images']) && body['images'].length > 0) caps.push('vision');
    if (thinkOn(body['think'])) caps.push('thinking');
    this.requireCaps(model, sent, caps, 'generate');
    const context = Array.isArray(body['context']) ? body['context'].length : 0;
    const promptTokens = prompt === '' ? 0 : Math.max(1, words(str(body['system'])) + words(prompt) + context + (raw ? 0 : 10));
    await this.complete(ex, body, model, sent, keepAliveMs, failure, {
      endpoint: 'generate',
      loadOnly: prompt === '',
      promptTokens,
      withContext: !raw,
      replyCtx: { endpoint: 'generate', model: sent, prompt },
    });
  }

  private async chat(ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
    const sent = str(body['model']);
    if (!sent) throw new HttpError(400, 'model is required');
    const model = this.findModel(sent);
    const keepAliveMs = this.resolveKeepAlive(body);
    const messages = Array.isArray(body['messages']) ? body['messages'] : [];
    if (messages.length === 0 && keepAliveMs === 0) {
      this.unloadNow(model);
      if (failure) throw new HttpError(failStatus(failure), failure.error);
      return ex.json(200, {
        model: sent,
        created_at: new Date().toISOString(),
        message: { role: 'assistant', content: '' },
        done_reason: 'unload',
        done: true,
      });
    }
    const caps = ['completion'];
    if (Array.isArray(body['tools']) && body['tools'].length > 0) caps.push('tools');
    if (messages.some((m) => isRecord(m) && Array.isArray(m['images']) && m['images'].length > 0)) caps.push('vision');
    if (thinkOn(body['think'])) caps.push('thinking');
    this.requireCaps(model, sent, caps, 'chat');
    let promptTokens = 0;
    for (const m of messages) promptTokens += (isRecord(m) ? words(m['content']) : 0) + 4;
    if (messages.length > 0) promptTokens += 5;
    await this.complete(ex, body, model, sent, keepAliveMs, failure, {
      endpoint: 'chat',
      loadOnly: messages.length === 0,
      promptTokens,
      withContext: false,
      replyCtx: { endpoint: 'chat', model: sent, messages },
    });
  }

  private async complete(
    ex: Exchange,
    body: Json,
    model: FakeModel,
    sent: string,
    keepAliveMs: number,
    failure: Failure | undefined,
    p: { endpoint: 'generate' | 'chat'; loadOnly: boolean; promptTokens: number; withContext: boolean; replyCtx: ReplyContext },
  ): Promise<void> {
    const chat = p.endpoint === 'chat';
    const stream = body['stream'] !== false;
    const numCtx = this.resolveNumCtx(model, body);
    const { runner, loadNs } = await this.acquire(model, numCtx, keepAliveMs, ex.signal);
    let freeSlot: (() => void) | undefined;
    try {
      if (ex.closed) return;
      const base = (): Json => ({ model: sent, created_at: new Date().toISOString() });
      if (p.loadOnly) {
        if (failure) throw new HttpError(failStatus(failure), failure.error);
        return ex.json(200, chat ? { ...base(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true } : { ...base(), response: '', done: true, done_reason: 'load' });
      }
      freeSlot = await this.slot(runner, ex.signal);
      // prompt evaluation
      const peStart = nowNs();
      await sleep(this.tokenDelayMs, ex.signal);
      const promptEvalNs = nsSince(peStart);
      if (ex.closed) return;

      const text = typeof this.replyText === 'function' ? this.replyText(p.replyCtx) : this.replyText;
      let tokens: string[] = text.match(/\S+\s*/g) ?? [];
      let doneReason = 'stop';
      const opts = isRecord(body['options']) ? body['options'] : {};
      const numPredict = opts['num_predict'];
      if (typeof numPredict === 'number' && numPredict >= 0 && tokens.length > numPredict) {
        tokens = tokens.slice(0, Math.floor(numPredict));
        doneReason = 'length';
      }
      const chunk = (t: string): Json => (chat ? { ...base(), message: { role: 'assistant', content: t }, done: false } : { ...base(), response: t, done: false });
      const fail = (): void => {
        if (!failure) return;
        if (stream) {
          ex.line({ error: failure.error });
          ex.end();
        } else ex.error(failStatus(failure), failure.error);
      };

      const evalStart = nowNs();
      let produced = '';
      for (let k = 0; k < tokens.length; k++) {
        if (failure?.afterChunks === k) return fail();
        await sleep(this.tokenDelayMs, ex.signal);
        if (ex.closed) return;
        const t = tokens[k] ?? '';
        produced += t;
        if (stream) ex.line(chunk(t));
      }
      if (failure) return fail();
      const evalNs = nsSince(evalStart);

      const metrics: Json = { total_duration: nsSince(ex.start) };
      if (loadNs > 0) metrics['load_duration'] = loadNs;
      if (p.promptTokens > 0) {
        metrics['prompt_eval_count'] = p.promptTokens;
        metrics['prompt_eval_duration'] = promptEvalNs;
      }
      if (tokens.length > 0) {
        metrics['eval_count'] = tokens.length;
        metrics['eval_duration'] = evalNs;
      }
      const content = stream ? '' : produced;
      const ctxTokens = p.withContext ? { context: fakeContext(p.promptTokens + tokens.length) } : {};
      const final = chat
        ? { ...base(), message: { role: 'assistant', content }, done_reason: doneReason, done: true, ...metrics }
        : { ...base(), response: content, done: true, done_reason: doneReason, ...ctxTokens, ...metrics };
      if (stream) {
        ex.line(final);
        ex.end();
      } else ex.json(200, final);
    } finally {
      freeSlot?.();
      this.release(runner);
    }
  }

  // ------------------------------------------------------------------ embeddings

  private async embed(ex: Exchange, body: Json): Promise<void> {
    const sent = str(body['model']);
    if (!sent) throw new HttpError(400, 'model is required');
    const model = this.findModel(sent);
    const input = body['input'];
    let inputs: string[];
    if (input === undefined || input === null) inputs = [];
    else if (typeof input === 'string') inputs = input === '' ? [] : [input];
    else if (Array.isArray(input) && input.every((x) => typeof x === 'string')) inputs = input as string[];
    else throw new HttpError(400, 'invalid input type');
    const keepAliveMs = this.resolveKeepAlive(body);
    const { runner, loadNs } = await this.acquire(model, this.resolveNumCtx(model, body), keepAliveMs, ex.signal);
    let freeSlot: (() => void) | undefined;
    try {
      if (inputs.length === 0) return ex.json(200, { model: sent, embeddings: [] });
      freeSlot = await this.slot(runner, ex.signal);
      await sleep(this.tokenDelayMs, ex.signal);
      if (ex.closed) return;
      const dims = typeof body['dimensions'] === 'number' && body['dimensions'] > 0 ? Math.floor(body['dimensions']) : undefined;
      const embeddings = inputs.map((s) => fakeVector(model, s, dims));
      const res: Json = { model: sent, embeddings, total_duration: nsSince(ex.start) };
      if (loadNs > 0) res['load_duration'] = loadNs;
      res['prompt_eval_count'] = inputs.reduce((n, s) => n + Math.max(1, words(s)), 0);
      ex.json(200, res);
    } finally {
      freeSlot?.();
      this.release(runner);
    }
  }

  /** Legacy /api/embeddings {model, prompt} → {embedding: [...]}. */
  private async embeddings(ex: Exchange, body: Json): Promise<void> {
    const sent = str(body['model']);
    if (!sent) throw new HttpError(400, 'model is required');
    const model = this.findModel(sent);
    const keepAliveMs = this.resolveKeepAlive(body);
    const { runner } = await this.acquire(model, this.resolveNumCtx(model, body), keepAliveMs, ex.signal);
    try {
      const prompt = str(body['prompt']);
      ex.json(200, { embedding: prompt === '' ? [] : fakeVector(model, prompt) });
    } finally {
      this.release(runner);
    }
  }

  // ------------------------------------------------------------------ pull / delete

  private async pull(ex: Exchange, body: Json, failure: Failure | undefined): Promise<void> {
    const sent = str(body['model']) || str(body['name']);
    if (!sent) throw new HttpError(400, 'invalid model name');
    const stream = body['stream'] !== false;
    let sentLines = 0;
    const emit = (obj: Json): void => {
      if (ex.closed) throw new Aborted();
      if (failure?.afterChunks === sentLines) throw new HttpError(failStatus(failure), failure.error);
      sentLines++;
      if (stream) ex.line(obj);
    };
    const tick = async (): Promise<void> => {
      await sleep(this.pullChunkDelayMs, ex.signal);
      if (ex.closed) throw new Aborted();
    };

    emit({ status: 'pulling manifest' });
    await tick();
    const reg = this.registry.get(nameKey(sent));
    if (!reg) throw new HttpError(500, 'pull model manifest: file does not exist');
    const present = this.models.get(nameKey(sent));
    const layers = layersOf(reg);
    for (const layer of layers) {
      const status = `pulling ${layer.digest.slice(0, 12)}`;
      const digest = `sha256:${layer.digest}`;
      if (present) {
        emit({ status, digest, total: layer.size, completed: layer.size });
        continue;
      }
      emit({ status, digest, total: layer.size });
      const steps = layer.size > 1_000_000 ? 8 : 1;
      for (let s = 1; s <= steps; s++) {
        await tick();
        emit({ status, digest, total: layer.size, completed: s === steps ? layer.size : Math.floor((layer.size * s) / steps) });
      }
    }
    emit({ status: 'verifying sha256 digest' });
    if (!present) await tick();
    emit({ status: 'writing manifest' });
    if (!present) await tick();
    if (ex.closed) throw new Aborted();
    if (failure && failure.afterChunks !== undefined && failure.afterChunks >= sentLines) {
      throw new HttpError(failStatus(failure), failure.error);
    }
    this.addModel({ ...reg, modifiedAt: new Date().toISOString() });
    if (stream) {
      ex.line({ status: 'success' });
      ex.end();
    } else ex.json(200, { status: 'success' });
  }

  private del(ex: Exchange, body: Json): void {
    const sent = str(body['model']) || str(body['name']);
    if (!sent) throw new HttpError(400, `name "" is invalid`);
    if (!this.models.has(nameKey(sent))) throw new HttpError(404, `model '${sent}' not found`);
    this.removeModel(sent);
    if (ex.closed) return;
    ex.res.writeHead(200, { 'Content-Length': 0 });
    ex.res.end();
  }
}

// ------------------------------------------------------------------ helpers

function failStatus(f: Failure): number {
  return f.status >= 400 ? f.status : 500;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function thinkOn(v: unknown): boolean {
  return v === true || v === 'high' || v === 'medium' || v === 'low';
}

/** Ollama's api.Duration: number = whole seconds (negative = forever); string = Go duration. Returns ms, Infinity = forever. */
function parseKeepAlive(v: unknown): number {
  if (typeof v === 'number') {
    if (v < 0) return Infinity;
    return Math.trunc(v) * 1000;
  }
  if (typeof v === 'string') {
    let ms: number;
    try {
      ms = parseGoDuration(v);
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e));
    }
    return ms < 0 ? Infinity : ms;
  }
  throw new HttpError(400, `Unsupported type: '${goReflectType(v)}'`);
}

function expiryFrom(keepAliveMs: number): Date {
  const ms = Number.isFinite(keepAliveMs) ? Math.min(keepAliveMs, FOREVER_EXPIRY_MS) : FOREVER_EXPIRY_MS;
  return new Date(Date.now() + ms);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function fakeContext(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(128000 + ((i * 7919) % 4096));
  return out;
}

/** Deterministic unit-length vector from model + text. */
function fakeVector(model: FakeModel, text: string, dims?: number): number[] {
  const n = dims ?? archParams(model).embeddingLength;
  const out: number[] = [];
  let block = Buffer.alloc(0);
  let counter = 0;
  for (let i = 0; i < n; i++) {
    const off = (i * 2) % 32;
    if (off === 0) block = createHash('sha256').update(`${model.name}\0${text}\0${counter++}`).digest();
    out.push((block.readUInt16BE(off) / 65535) * 2 - 1);
  }
  const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
  return out.map((x) => x / norm);
}

/** Layers of a registry model: weights + template + params (2 layers for tiny models), summing to size. */
function layersOf(m: FakeModel): Array<{ digest: string; size: number }> {
  const h = (kind: string): string => createHash('sha256').update(`${normalizeName(m.name)}\0${kind}`).digest('hex');
  if (m.size < 10_000) return [{ digest: digestOf(m), size: m.size }];
  const template = 1429;
  const params = 96;
  return [
    { digest: h('weights'), size: m.size - template - params },
    { digest: h('template'), size: template },
    { digest: h('params'), size: params },
  ];
}

const TEMPLATES: Record<string, string> = {
  llama:
    '<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n',
  qwen2: '{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n',
  qwen3: '{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n',
  phi3: '{{ if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}<|user|>\n{{ .Prompt }}<|end|>\n<|assistant|>\n',
  gemma3: '<start_of_turn>user\n{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n',
};

const STOP_PARAMS: Record<string, string> = {
  llama: 'stop                           "<|start_header_id|>"\nstop                           "<|end_header_id|>"\nstop                           "<|eot_id|>"',
  qwen2: 'stop                           "<|im_start|>"\nstop                           "<|im_end|>"',
  qwen3: 'stop                           "<|im_start|>"\nstop                           "<|im_end|>"\ntemperature                    0.6',
  phi3: 'stop                           "<|end|>"\nstop                           "<|user|>"\nstop                           "<|assistant|>"',
  gemma3: 'stop                           "<end_of_turn>"\ntemperature                    1',
};
