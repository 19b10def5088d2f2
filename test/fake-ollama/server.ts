/**
 * A fake Ollama HTTP server for integration and end-to-end tests, behaving like Ollama v0.30+
 * (the llama-server era) as described in /work/shared/reference/ollama-api.md: same routes,
 * status codes, error bodies (`{"error":"..."}`), NDJSON streaming (`stream` defaults to true),
 * errors after streaming began as a 200 whose last line is `{"error":"..."}`, integer-ns
 * durations, RFC 3339 `created_at`, zero metrics left out.
 *
 * The host is chosen per test (options.ts): a CPU-only machine or one with GPUs (VRAM per GPU,
 * optionally unified memory); its scheduler admits, places, evicts, reloads and unloads models as
 * Ollama's does, and stats() records every load, reload, unload, forced eviction, swap, refused,
 * failed and aborted load. Tests inject load and generation failures with Ollama's own wording.
 *
 * Only node:http is used. Nothing is written to stdout.
 *
 * Files: server.ts (FakeOllama: start/stop, inspection, test controls), routes.ts (plumbing,
 * routing), exchange.ts (per-request I/O, body decoding), scheduler.ts + runner.ts + unloads.ts +
 * admission.ts (loaded models), memory.ts (RAM/VRAM, placement), load-options.ts (reloads),
 * failures.ts (injected failures), generation.ts + stream.ts + embed.ts (inference), prompt.ts +
 * tokenize.ts + generations.ts (prompts longer than the context, token counts, records), cloud.ts,
 * pull.ts, create.ts (create/copy), model-info.ts (tags/ps/show), store.ts (installed models), names.ts, models.ts +
 * fixtures*.ts, options.ts, stats.ts, go.ts.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_MODELS, DEFAULT_REGISTRY, type FakeModel } from './models.js';
import type { Exchange, Failure } from './exchange.js';
import { Scheduler } from './scheduler.js';
import type { FakeStats } from './stats.js';
import type { GenerationDeps, ReplyFn } from './generation.js';
import type { CreateDeps } from './create.js';
import { type FakeOllamaOptions, defaultContext, hostConfig } from './options.js';
import type { GenerationRecord } from './generations.js';
import { type GenerationFailureOptions, Injected, type LoadFailureKind, type LoadFailureOptions } from './failures.js';
import { type GpuInfo, type LoadedModelInfo, ModelStore, loadedInfo } from './store.js';
import { type RecordedRequest, type RouteDeps, handle } from './routes.js';
import { formatAnswer } from '../helpers/format-answer.js';
import type { Misreport } from './model-info.js';

export type { FakeModel } from './models.js';
export {
  CAPABILITY_MODELS,
  CLOUD_MODELS,
  DEFAULT_MODELS,
  DEFAULT_REGISTRY,
  EXTRA_REGISTRY_MODELS,
  NAMESPACED_MODELS,
  estimateModelMemory,
  kvCacheBytes,
} from './models.js';
export { nameKey, normalizeName } from './names.js';
export type { ReplyContext, ReplyFn } from './generation.js';
export type { EvictionReason, FakeStats } from './stats.js';
export type { FakeGpu, FakeOllamaOptions } from './options.js';
export type { GenerationFailureOptions, LoadFailureKind, LoadFailureOptions } from './failures.js';
export type { RecordedRequest } from './routes.js';
export type { GenerationRecord } from './generations.js';
export { IMAGE_TOKENS, PROMPT_TOO_LONG, type PromptMessage, exceedsContextError } from './prompt.js';
export { countTokens, tokenize } from './tokenize.js';
export type { GpuInfo, LoadedModelInfo } from './store.js';

const DEFAULT_REPLY = 'The quick brown fox jumps over the lazy dog.';

export class FakeOllama {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Every request received (after its body was read), in order. */
  readonly requests: RecordedRequest[] = [];
  private readonly generationLog: GenerationRecord[] = [];

  private readonly sockets = new Set<Socket>();
  private readonly exchanges = new Set<Exchange>();
  private readonly life = new AbortController();
  private readonly store: ModelStore;
  private readonly failures = new Map<string, Failure[]>();
  private readonly latency = new Map<string, number>();
  private readonly injected = new Injected();
  private offline = false;
  private connections = 0;
  private readonly pulling = new Set<object>();
  private replyText: string | ReplyFn = DEFAULT_REPLY;
  private misreporting: Misreport | undefined;
  private cloudSignedIn: boolean;
  private readonly scheduler: Scheduler;
  private readonly routes: RouteDeps;

  private constructor(
    private readonly server: http.Server,
    port: number,
    opts: FakeOllamaOptions,
  ) {
    this.port = port;
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    this.cloudSignedIn = opts.cloudSignedIn ?? false;
    this.scheduler = new Scheduler(hostConfig(opts), this.life.signal, this.injected);
    this.store = new ModelStore(opts.models ?? DEFAULT_MODELS, opts.registry ?? DEFAULT_REGISTRY);
    const generation: GenerationDeps = {
      scheduler: this.scheduler,
      injected: this.injected,
      tokenDelayMs: opts.tokenDelayMs ?? 2,
      promptTokenDelayMs: opts.promptTokenDelayMs,
      cloudSignedIn: () => this.cloudSignedIn,
      findModel: (sent) => this.store.find(sent),
      replyFor: (ctx) => {
        const text = typeof this.replyText === 'function' ? this.replyText(ctx) : this.replyText;
        // constrained to the format, as Ollama's sampler is
        return ctx.format === undefined ? text : formatAnswer(text, ctx.format);
      },
      defaultNumCtx: () => defaultContext(this.scheduler.cfg),
      record: (g) => this.generationLog.push(g),
    };
    const pulls: CreateDeps = {
      blobs: new Set(),
      pullChunkDelayMs: opts.pullChunkDelayMs ?? 5,
      registry: this.store.registry,
      models: this.store.models,
      addModel: (m) => this.store.add(m),
      removeModel: (name) => this.store.remove(name),
      pulling: this.pulling,
    };
    this.routes = {
      version: opts.version ?? '0.33.0',
      requests: this.requests,
      exchanges: this.exchanges,
      models: this.store.models,
      scheduler: this.scheduler,
      generation,
      store: pulls,
      isOffline: () => this.offline,
      latency: (path) => this.latency.get(path),
      takeFailure: (path) => this.failures.get(path)?.shift(),
      misreport: () => this.misreporting,
    };
  }

  static async start(opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
    const server = http.createServer();
    // Ollama's http.Server sets no IdleTimeout nor ReadTimeout (server/routes.go Serve): an idle
    // keep-alive connection stays open, never closed under a client about to reuse it
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const fake = new FakeOllama(server, (server.address() as AddressInfo).port, opts);
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
      void handle(fake.routes, req, res);
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

  // ------------------------------------------------------------------ inspection

  /** Loaded models as /api/ps lists them (unloading ones included), latest expiry first. */
  loaded(): LoadedModelInfo[] {
    return this.scheduler.sorted().map(loadedInfo);
  }

  /**
   * System RAM charged to loaded models (all of a CPU runner, the CPU part of a GPU runner, all of it on
   * unified memory).
   */
  usedMemoryBytes(): number {
    return this.scheduler.memory.usedRamBytes();
  }

  /** memoryBytes minus usedMemoryBytes(); negative when a CPU host swaps. */
  freeMemoryBytes(): number {
    return this.scheduler.memory.freeRamBytes();
  }

  /** VRAM in use on all GPUs (memory still recovering after an unload included). */
  usedVramBytes(): number {
    return this.scheduler.memory.usedVramBytes();
  }

  gpus(): GpuInfo[] {
    const m = this.scheduler.memory;
    return this.scheduler.cfg.gpus.map((g, i) => ({
      name: g.name,
      vramBytes: g.vramBytes,
      usedBytes: m.usedVramBytes(i),
      freeBytes: m.freeVramBytes(i),
    }));
  }

  /**
   * TCP connections accepted since start (connections dropped while offline are not counted). Lets tests
   * check keep-alive reuse.
   */
  /** Downloads and creates streaming now: one whose client went stops at its next line (as Ollama's does). */
  pullsRunning(): number {
    return this.pulling.size;
  }

  connectionCount(): number {
    return this.connections;
  }

  /**
   * Each generate/chat asking for a generation, in order: context, tokens, what was cut or refused, what the
   * model saw (generations.ts).
   */
  generations(): GenerationRecord[] {
    return [...this.generationLog];
  }

  /** The generations whose input did not all reach the model (truncated or refused). */
  overflows(): GenerationRecord[] {
    return this.generationLog.filter((g) => !g.fits);
  }

  /** How many times a model was (re)loaded. */
  loadCount(name: string): number {
    return this.scheduler.loadCount(name);
  }

  /** What the scheduler did since start or resetStats() (see stats.ts). */
  stats(): FakeStats {
    return this.scheduler.stats();
  }

  resetStats(): void {
    this.scheduler.resetStats();
  }

  installed(): FakeModel[] {
    return this.store.installed();
  }

  // ------------------------------------------------------------------ control

  addModel(m: FakeModel): void {
    this.store.add(m);
  }

  /** Remove exactly this installed model, like DELETE /api/delete (a running model stays loaded). */
  removeModel(name: string): void {
    this.store.remove(name);
  }

  /**
   * The next load(s) fail after their load time: 'oom' answers 500 `llama-server reported
   * out-of-memory during startup: …` (retried once first: with a smaller automatic context
   * and/or after evicting all other models); 'crash' answers 500 `llama-server process has
   * terminated: …` at once.
   */
  injectLoadFailure(kind: LoadFailureKind, opts?: LoadFailureOptions): void {
    this.injected.addLoad(kind, opts);
  }

  /**
   * The next generate/chat (on `model`, or any) fails after `afterChunks` tokens; out of memory (the default)
   * expires every loaded model.
   */
  injectGenerationFailure(opts?: GenerationFailureOptions): void {
    this.injected.addGeneration(opts);
  }

  /** Whether cloud models answer (else 401 unauthorized with a signin_url). */
  setCloudSignedIn(signedIn: boolean): void {
    this.cloudSignedIn = signedIn;
  }

  /**
   * The next request to `path` fails. Without afterChunks: answered at once with `status` and
   * `{"error"}` before any other processing. With afterChunks (generate, chat, pull): the request
   * runs normally and, when streaming, fails after N chunks with status 200 and a last line
   * `{"error"}` (no done line); when not streaming it answers `status` (500 if status < 400).
   * On other routes, or when the request produces no chunks (load/unload), it is answered at once.
   * Only the HTTP answer fails: nothing happens to loaded models (see injectGenerationFailure).
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
    if (offline) for (const s of this.sockets) s.destroy();
  }

  /**
   * The text /api/generate and /api/chat produce (default: 'The quick brown fox jumps over the
   * lazy dog.'). It is streamed a token per chunk, as tokenize.ts cuts it ('The', ' quick', …, '.'): its
   * eval_count is what the tokenizer reads it back as (oneTokenWords: n words of a token each).
   * A function gets the endpoint, model and prompt/messages of each request.
   */
  /**
   * A host that misreports what its models take: from now on /api/ps says what `fn` returns for each
   * loaded model (given the true figures) — `size`, `sizeVram`, `contextLength` — while loads,
   * admission and memory go on as before. `undefined` makes it truthful again.
   */
  misreport(fn: Misreport | undefined): void {
    this.misreporting = fn;
  }

  reply(text: string | ReplyFn): void {
    this.replyText = text;
  }
}
