/**
 * A fake llama.cpp llama-server for fast tests, following the real one (checked by the contract
 * tests in test/engine/contract.test.ts, which run on this fake and on a real llama-server):
 *
 * Router mode: GET /models and /v1/models list each model with `status: {value, args, preset}`
 * (args as the router starts the model's own server: --alias, --ctx-size, --model, --parallel,
 * --threads); POST /models/load and /models/unload answer {success: true}; GET /props says
 * `role: router` and `max_instances`; a chat for an unloaded model loads it (autoload); when
 * --models-max models run, starting another unloads the least recently used one — never
 * looking at memory. With `sleepIdleMs` (--sleep-idle-seconds) a model idle that long goes to
 * `sleeping` (server-models.cpp: its process stays, weights and KV freed): /health, /props and
 * /models leave it asleep, a chat or /tokenize wakes it; it counts toward --models-max and the LRU
 * unloads it like a loaded one, by last use (seen with the real router: a sleeping pinned model
 * was unloaded for a third). POST /models/load of a running (loaded or sleeping) model answers 400
 * "model is already running"; GET /props?model=ID&autoload=false tells a running model's own
 * n_ctx per slot, total_slots and is_sleeping (`runtime` stands for --fit and -np -1 changing
 * them), and 400 "model is not loaded" for the others — as the real router answers. Single-model
 * mode: /v1/models lists one model, /props has no role. GET /api/tags (Ollama's list path, which the real
 * one serves too) lists the same; no other Ollama path (/api/version, /api/ps…): 404 `File Not Found`.
 * POST /v1/chat/completions streams OpenAI chunks (a word each) with usage and timings at the end,
 * as server-task.cpp writes them: `timings` {cache_n, prompt_n, prompt_ms, prompt_per_token_ms,
 * prompt_per_second, predicted_n, predicted_ms, predicted_per_token_ms, predicted_per_second}
 * (times measured: `promptTokenDelayMs` per prompt token read, `tokenDelayMs` per token written)
 * and usage.prompt_tokens = cache_n + prompt_n with prompt_tokens_details.cached_tokens = cache_n.
 * The slot's cache holds the last prompt (a token is 4 characters here): the common prefix with it
 * is cache_n, at least one token is always read — unless the prompt cache is off (`cachePrompt:
 * false`, as started with --no-cache-prompt; a request's own `cache_prompt` wins): every prompt
 * read whole, cache_n 0.
 *
 * Connections: a router closes the connection after each answer it relays from a model's server,
 * a single-model server after a streamed chat, without saying so (as the real ones do).
 *
 * Tests read `evicted` (models the router unloaded by itself), `requests`, and can make a load
 * fail, make a model load slowly, or kill the server mid-stream. Only node:http; nothing on stdout.
 *
 * POST /tokenize counts a token per word (ids from 400). `tokenize` makes it misbehave, for every
 * call or per text: `error` (HTTP 500), `not-list` ({"tokens":"lots"}), `too-many` (more tokens
 * than the text has bytes), `huge` (a 60 MB answer, made only as fast as the client reads it),
 * `hang` (no answer at all) or `stall` (the start of an answer, then nothing). `tokenizeBytes`
 * counts what it wrote of /tokenize answers.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { formatAnswer } from '../helpers/format-answer.js';
import type { LoadFigures } from '../fake-openai/load.js';
import { loadAnswer } from './load.js';
import { sleep } from '../fake-ollama/exchange.js';

export interface FakeLlamaModel {
  id: string;
  /** The .gguf file the args name (a real file lets ollm-mcp read its header). */
  file: string;
  ctxSize?: number;
  /**
   * What its server runs with, when --fit or -np -1 changed it: one slot's window and the slots (default:
   * ctxSize, 1).
   */
  runtime?: { nCtx: number; slots: number };
}

export interface FakeLlamacppOptions {
  models: FakeLlamaModel[];
  router?: boolean;
  modelsMax?: number;
  loadDelayMs?: number;
  /** --sleep-idle-seconds, in ms: a model idle this long goes to `sleeping`. */
  sleepIdleMs?: number;
  tokenDelayMs?: number;
  /** Reading the prompt, per token not in the slot's cache (default 0). */
  promptTokenDelayMs?: number;
  /** The answer (or one per request body); with a response_format, sent as JSON of it (formatAnswer). */
  reply?: string | ((body: Record<string, unknown>) => string);
  /** Started with --metrics: GET /metrics answers (else 501). */
  metrics?: boolean;
  /** Started with --no-slots: GET /slots answers 501. */
  noSlots?: boolean;
  /**
   * false: started with --no-cache-prompt (a request's `cache_prompt` still wins); may be changed while it
   * runs, as a restart with the other flag.
   */
  cachePrompt?: boolean;
  /**
   * What /props says as `build_info`: `b<build number>-<commit>`, as llama.cpp's llama_build_info() writes it
   * (the number is the commit count of the checkout it was built from); default FAKE_BUILD_INFO.
   */
  buildInfo?: string;
  /**
   * Started with --cache-ram N (MiB of host RAM for the prompt cache; 0 turns it off): a router lists it in each
   * model's args, as it starts each model's server with it; a single server's /props does not say it.
   */
  cacheRamMiB?: number;
}

/** The fake's build_info unless given: a release past every known hole (src/orchestrator/engines/known-holes.ts). */
const FAKE_BUILD_INFO = 'b12600-fa4e000';

/**
 * The answer's format from a chat's response_format, as llama-server reads it (server-common.cpp
 * oaicompat_chat_params_parse): json_object (with an optional `schema`), json_schema (its
 * `json_schema.schema`), text; any other type is an error.
 */
function formatOf(body: Record<string, unknown>): { format?: 'json' | Record<string, unknown> } | { error: string } {
  const rf = body['response_format'];
  if (rf === undefined || rf === null) return {};
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!obj(rf)) return { error: 'response_format must be an object' };
  if (rf['type'] === 'text') return {};
  if (rf['type'] === 'json_object') return { format: obj(rf['schema']) ? rf['schema'] : 'json' };
  if (rf['type'] === 'json_schema') {
    const wrapper = obj(rf['json_schema']) ? rf['json_schema'] : {};
    return { format: obj(wrapper['schema']) ? wrapper['schema'] : 'json' };
  }
  return { error: `response_format type must be one of "text" or "json_object", but got: ${String(rf['type'])}` };
}

type Status = 'unloaded' | 'loading' | 'loaded' | 'sleeping';

export type TokenizeMode = 'ok' | 'error' | 'not-list' | 'too-many' | 'huge' | 'hang' | 'stall';
/** The size of the `huge` /tokenize answer. */
export const HUGE_TOKENIZE_BYTES = 60 * 1024 * 1024;

interface State {
  model: FakeLlamaModel;
  status: Status;
  failed?: boolean;
  lastUsed: number;
  /** When it last did something (loaded, answered): its idle time runs from here. */
  activeAt: number;
  /** Requests it is serving now (a busy model does not fall asleep). */
  serving: number;
  /** The last prompt its slot read: what its cache holds. */
  cached?: string;
}

/** llama-server's timings object (server-task.cpp result_timings::to_json), from counts and measured times. */
function timingsOf(cacheN: number, promptN: number, promptMs: number, predictedN: number, predictedMs: number) {
  const per = (n: number, ms: number) => ({ perToken: n > 0 ? ms / n : 0, perSecond: ms > 0 ? (1e3 / ms) * n : 0 });
  const p = per(promptN, promptMs);
  const g = per(predictedN, predictedMs);
  return {
    cache_n: cacheN,
    prompt_n: promptN,
    prompt_ms: promptMs,
    prompt_per_token_ms: p.perToken,
    prompt_per_second: p.perSecond,
    predicted_n: predictedN,
    predicted_ms: predictedMs,
    predicted_per_token_ms: g.perToken,
    predicted_per_second: g.perSecond,
  };
}

export class FakeLlamacpp {
  readonly port: number;
  readonly url: string;
  readonly requests: Array<{ method: string; path: string; body?: unknown }> = [];
  /** Models the router unloaded by itself to make room (LRU at --models-max). */
  readonly evicted: string[] = [];
  /** Models a request woke from sleep. */
  readonly woken: string[] = [];
  /** Models that fail to load. */
  readonly failing = new Set<string>();
  private readonly states: State[];
  private readonly sockets = new Set<Socket>();
  private clock = 0;
  /** Chat streams open now. */
  streaming = 0;
  /** Chat streams the client closed before the end. */
  aborted = 0;
  /** How /tokenize answers: one mode for every call, or one per text sent. */
  tokenize: TokenizeMode | ((content: string) => TokenizeMode) = 'ok';
  /** Bytes written of /tokenize answers. */
  tokenizeBytes = 0;
  /** Other clients' requests per model id ('' for a single server's one), in its /metrics and /slots (load.ts). */
  readonly others = new Map<string, LoadFigures>();

  private constructor(
    private readonly server: http.Server,
    readonly options: FakeLlamacppOptions,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    const router = options.router ?? true;
    this.states = options.models.map((model, i) => ({
      model,
      status: router || i > 0 ? 'unloaded' : 'loaded',
      lastUsed: 0,
      activeAt: Date.now(),
      serving: 0,
    }));
    if (!router) this.states.splice(1);
  }

  static async start(options: FakeLlamacppOptions): Promise<FakeLlamacpp> {
    let fake: FakeLlamacpp | undefined;
    const server = http.createServer((req, res) => void fake!.handle(req, res));
    server.on('connection', (s) => {
      fake?.sockets.add(s);
      s.on('close', () => fake?.sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    fake = new FakeLlamacpp(server, options);
    return fake;
  }

  get router(): boolean {
    return this.options.router ?? true;
  }

  status(id: string): Status | undefined {
    this.tick();
    return this.states.find((s) => s.model.id === id)?.status;
  }

  loaded(): string[] {
    this.tick();
    return this.states.filter((s) => s.status === 'loaded').map((s) => s.model.id);
  }

  /** The models running: loaded or sleeping (what --models-max counts). */
  running(): string[] {
    this.tick();
    return this.states.filter((s) => s.status === 'loaded' || s.status === 'sleeping').map((s) => s.model.id);
  }

  /** Idle models fall asleep (read whenever the state is looked at, so no timer outlives the fake). */
  private tick(now = Date.now()): void {
    const idle = this.options.sleepIdleMs;
    if (idle === undefined) return;
    for (const s of this.states)
      if (s.status === 'loaded' && s.serving === 0 && now - s.activeAt >= idle) s.status = 'sleeping';
  }

  /** A request for a sleeping model wakes it. */
  private wake(s: State): void {
    if (s.status !== 'sleeping') return;
    s.status = 'loaded';
    s.activeAt = Date.now();
    this.woken.push(s.model.id);
  }

  /** Stops at once: open connections are destroyed (a stream in flight breaks off). */
  async kill(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  stop(): Promise<void> {
    return this.kill();
  }

  private args(m: FakeLlamaModel): string[] {
    // a model with a `runtime` stands for -np -1 (automatic slots, one unified KV cache): no --parallel in
    // its args, as the real router lists them
    return [
      '/usr/local/bin/llama-server',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--alias',
      m.id,
      '--ctx-size',
      String(m.ctxSize ?? 512),
      '--model',
      m.file,
      ...(m.runtime ? [] : ['--parallel', '1']),
      '--threads',
      '1',
      ...(this.options.cacheRamMiB !== undefined ? ['--cache-ram', String(this.options.cacheRamMiB)] : []),
    ];
  }

  /** What /props says as build_info. */
  private get build(): string {
    return this.options.buildInfo ?? FAKE_BUILD_INFO;
  }

  private entry(s: State) {
    const base = { id: s.model.id, object: 'model', owned_by: 'llamacpp', created: 1_700_000_000 };
    if (!this.router) return { ...base, meta: { n_ctx_train: 2048 } };
    return {
      ...base,
      aliases: [],
      tags: [],
      status: {
        value: s.status,
        args: this.args(s.model),
        preset: `[${s.model.id}]\nmodel = ${s.model.file}\n`,
        ...(s.failed && { failed: true, exit_code: 1 }),
      },
      architecture: { input_modalities: ['text'], output_modalities: ['text'] },
      source: 'models_dir',
      can_remove: false,
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return this.send(res, 400, { error: { code: 400, message: 'invalid JSON', type: 'invalid_request_error' } });
    }
    const [path = '/', search = ''] = (req.url ?? '/').split('?');
    this.requests.push({ method: req.method ?? 'GET', path, ...(raw && { body }) });
    this.tick();
    const route = `${req.method} ${path}`;
    if (route === 'GET /health') return this.send(res, 200, { status: 'ok' });
    const asked = new URLSearchParams(search).get('model');
    // as the real llama-server: a router closes the connection after every answer it relays from a
    // model's server (a chat, /tokenize, a GET naming ?model=), and a single-model server after a
    // streamed chat — while its headers still say keep-alive; the client's next request on it resets
    const relayed = this.router
      ? route === 'POST /v1/chat/completions' || route === 'POST /tokenize' || (req.method === 'GET' && asked !== null)
      : route === 'POST /v1/chat/completions' && body['stream'] === true;
    if (relayed) res.once('finish', () => req.socket.destroy());
    if (route === 'GET /props' && this.router && asked !== null) return this.modelProps(asked, res);
    if (route === 'GET /props')
      return this.send(
        res,
        200,
        this.router
          ? {
              role: 'router',
              max_instances: this.options.modelsMax ?? 4,
              models_autoload: true,
              build_info: this.build,
            }
          : {
              total_slots: this.states[0]!.model.runtime?.slots ?? 1,
              model_path: this.states[0]!.model.file,
              default_generation_settings: {
                n_ctx: this.states[0]!.model.runtime?.nCtx ?? this.states[0]!.model.ctxSize ?? 512,
              },
              build_info: this.build,
            },
      );
    if (route === 'GET /models' || route === 'GET /v1/models')
      return this.send(res, 200, { object: 'list', data: this.states.map((s) => this.entry(s)) });
    // Ollama's list path, as llama-server serves it (server-context.cpp get_models; a router: its own list): a
    // single server's one model in Ollama's fields, filled with placeholders ("" for size and digest)
    if (route === 'GET /api/tags') return this.send(res, 200, this.ollamaTags());
    if (this.router && (route === 'POST /models/load' || route === 'POST /models/unload')) {
      const s = this.states.find((x) => x.model.id === body['model']);
      if (!s) return this.send(res, 404, { error: { code: 404, message: 'model not found', type: 'not_found_error' } });
      if (route === 'POST /models/unload') {
        if (s.status === 'unloaded')
          return this.send(res, 400, {
            error: { code: 400, message: 'model is not running', type: 'invalid_request_error' },
          });
        s.status = 'unloaded';
        return this.send(res, 200, { success: true });
      }
      // a sleeping model is running too: loading it is refused, and it stays asleep
      if (s.status !== 'unloaded')
        return this.send(res, 400, {
          error: { code: 400, message: 'model is already running', type: 'invalid_request_error' },
        });
      void this.load(s);
      return this.send(res, 200, { success: true });
    }
    const figures = req.method === 'GET' ? loadAnswer(this.loadState(), path, asked) : undefined;
    if (figures)
      return void (res.writeHead(figures.status, { 'content-type': figures.contentType }), res.end(figures.body));
    if (route === 'POST /v1/chat/completions') return this.chat(body, req, res);
    if (route === 'POST /tokenize') {
      // as the real router: the model named (a single-model server: its one model), loaded first if it is not
      const s = this.router ? this.states.find((x) => x.model.id === body['model']) : this.states[0];
      if (!s)
        return this.send(res, 400, { error: { code: 400, message: 'model not found', type: 'invalid_request_error' } });
      if (s.status === 'unloaded') await this.load(s);
      this.wake(s);
      s.activeAt = Date.now();
      const text = typeof body['content'] === 'string' ? body['content'] : '';
      return this.tokenizeAnswer(text, res);
    }
    return this.send(res, 404, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
  }

  /** GET /api/tags: a router's /models list; a single server's one model also as Ollama's `models`, as the real one. */
  private ollamaTags() {
    const data = this.states.map((s) => this.entry(s));
    if (this.router) return { object: 'list', data };
    const name = this.states[0]!.model.id;
    const details = { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '' };
    const model = { name, model: name, modified_at: '', size: '', digest: '', type: 'model', description: '' };
    const more = { tags: [''], capabilities: ['completion'], parameters: '' };
    return {
      models: [{ ...model, ...more, details: { ...details, quantization_level: '' } }],
      object: 'list',
      data,
    };
  }

  private loadState() {
    return {
      router: this.router,
      metrics: this.options.metrics === true,
      slots: this.options.noSlots !== true,
      model: (id: string | undefined) => {
        const s = id === undefined ? this.states[0] : this.states.find((x) => x.model.id === id);
        return (
          s && {
            slots: s.model.runtime?.slots ?? 1,
            serving: s.serving,
            running: s.status === 'loaded' || s.status === 'sleeping',
          }
        );
      },
      others: this.others,
    };
  }

  /** GET /props?model=ID&autoload=false: a running model's own figures, without waking it; 400 for one not running. */
  private modelProps(id: string, res: http.ServerResponse): void {
    const s = this.states.find((x) => x.model.id === id);
    if (!s)
      return this.send(res, 400, { error: { code: 400, message: 'model not found', type: 'invalid_request_error' } });
    if (s.status !== 'loaded' && s.status !== 'sleeping')
      return this.send(res, 400, {
        error: { code: 400, message: 'model is not loaded', type: 'invalid_request_error' },
      });
    const rt = s.model.runtime ?? { nCtx: s.model.ctxSize ?? 512, slots: 1 };
    this.send(res, 200, {
      default_generation_settings: { n_ctx: rt.nCtx, params: {} },
      total_slots: rt.slots,
      model_path: s.model.file,
      model_alias: s.model.id,
      is_sleeping: s.status === 'sleeping',
      build_info: this.build,
    });
  }

  /**
   * Starts a load: at --models-max, the least recently used running model (loaded or sleeping) goes first
   * (the router's own eviction).
   */
  private async load(s: State): Promise<void> {
    const max = this.options.modelsMax ?? 4;
    const holding = this.states.filter((x) => x.status !== 'unloaded');
    if (holding.length >= max) {
      const lru = holding
        .filter((x) => x.status === 'loaded' || x.status === 'sleeping')
        .sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (lru) {
        lru.status = 'unloaded';
        this.evicted.push(lru.model.id);
      }
    }
    s.status = 'loading';
    s.failed = false;
    s.lastUsed = ++this.clock;
    await sleep(this.options.loadDelayMs ?? 20);
    if (this.failing.has(s.model.id)) {
      s.status = 'unloaded';
      s.failed = true;
      return;
    }
    if (s.status === 'loading') {
      s.status = 'loaded';
      s.activeAt = Date.now();
    }
  }

  private async chat(
    body: Record<string, unknown>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const s = this.router ? this.states.find((x) => x.model.id === body['model']) : this.states[0];
    if (!s)
      return this.send(res, 400, { error: { code: 400, message: 'model not found', type: 'invalid_request_error' } });
    if (s.status === 'unloaded') await this.load(s);
    while (s.status === 'loading') await new Promise((r) => setTimeout(r, 5));
    this.wake(s);
    if (s.status !== 'loaded')
      return this.send(res, 500, { error: { code: 500, message: 'failed to load model', type: 'server_error' } });
    s.lastUsed = ++this.clock;
    s.serving++;
    try {
      await this.answer(s, body, req, res);
    } finally {
      s.serving--;
      s.activeAt = Date.now();
    }
  }

  private async answer(
    s: State,
    body: Record<string, unknown>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const asked = formatOf(body);
    if ('error' in asked)
      return this.send(res, 400, { error: { code: 400, message: asked.error, type: 'invalid_request_error' } });
    const reply =
      typeof this.options.reply === 'function'
        ? this.options.reply(body)
        : (this.options.reply ?? 'Once upon a time, there was a little girl named Lily.');
    // constrained by the grammar the schema becomes, as llama-server's sampler is
    const words = (asked.format === undefined ? reply : formatAnswer(reply, asked.format)).split(/(?<= )/);
    const max = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : words.length;
    const out = words.slice(0, max);
    const messages = Array.isArray(body['messages']) ? (body['messages'] as Array<{ content?: unknown }>) : [];
    const text = messages.map((m) => String(m.content ?? '')).join(' ');
    const promptTokens = Math.max(1, Math.ceil(text.length / 4));
    let common = 0;
    while (s.cached !== undefined && common < text.length && s.cached[common] === text[common]) common++;
    const reuse = typeof body['cache_prompt'] === 'boolean' ? body['cache_prompt'] : this.options.cachePrompt !== false;
    const cacheN = reuse ? Math.min(Math.floor(common / 4), promptTokens - 1) : 0;
    s.cached = text;
    const readStart = performance.now();
    if (this.options.promptTokenDelayMs) await sleep((promptTokens - cacheN) * this.options.promptTokenDelayMs!);
    const promptMs = performance.now() - readStart;
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) => ({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1,
      model: s.model.id,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    });
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: out.length,
      total_tokens: promptTokens + out.length,
      prompt_tokens_details: { cached_tokens: cacheN },
    };
    let timings = timingsOf(cacheN, promptTokens - cacheN, promptMs, out.length, 0);
    if (body['stream'] !== true) {
      const at = performance.now();
      await sleep(out.length * (this.options.tokenDelayMs ?? 1));
      timings = timingsOf(cacheN, promptTokens - cacheN, promptMs, out.length, performance.now() - at);
      return this.send(res, 200, {
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        model: s.model.id,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: out.join('') },
            finish_reason: out.length < words.length ? 'length' : 'stop',
          },
        ],
        usage,
        timings,
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    this.streaming++;
    const writeStart = performance.now();
    let closed = false;
    req.on('close', () => (closed = true));
    res.on('close', () => (closed = true));
    try {
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: null }, null))}\n\n`);
      for (const w of out) {
        if (closed) {
          this.aborted++;
          return;
        }
        res.write(`data: ${JSON.stringify(chunk({ content: w }, null))}\n\n`);
        await sleep(this.options.tokenDelayMs ?? 1);
      }
      timings = timingsOf(cacheN, promptTokens - cacheN, promptMs, out.length, performance.now() - writeStart);
      res.write(`data: ${JSON.stringify(chunk({}, out.length < words.length ? 'length' : 'stop', { timings }))}\n\n`);
      res.write(
        `data: ` +
          `${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: s.model.id, choices: [], usage, timings })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    } finally {
      this.streaming--;
    }
  }

  private tokenizeAnswer(text: string, res: http.ServerResponse): void {
    const mode = typeof this.tokenize === 'function' ? this.tokenize(text) : this.tokenize;
    const json = (status: number, body: string) => {
      this.tokenizeBytes += body.length;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    switch (mode) {
      case 'error':
        return json(
          500,
          JSON.stringify({ error: { code: 500, message: 'the tokenizer broke', type: 'server_error' } }),
        );
      case 'not-list':
        return json(200, JSON.stringify({ tokens: 'lots' }));
      case 'too-many':
        return json(200, JSON.stringify({ tokens: Array.from({ length: Buffer.byteLength(text) * 2 + 10 }, () => 7) }));
      case 'hang':
        return; // the connection stays open, unanswered, until the client gives up (or kill())
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"tokens":[401,402,');
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        // made a piece at a time, only as fast as the client reads: a client that stops reading stops it
        const piece = '123456,'.repeat(9362); // ~64 KiB
        let left = HUGE_TOKENIZE_BYTES;
        let next = `{"tokens":[${piece}`;
        const write = () => {
          while (left > 0 && !res.destroyed) {
            left -= next.length;
            this.tokenizeBytes += next.length;
            const more = res.write(next);
            next = piece;
            if (!more) return void res.once('drain', write);
          }
          if (!res.destroyed) res.end('1]}');
        };
        return write();
      }
      default:
        return json(
          200,
          JSON.stringify({
            tokens: text
              .split(/\s+/)
              .filter(Boolean)
              .map((_, i) => 400 + i),
          }),
        );
    }
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
