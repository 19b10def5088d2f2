/**
 * llama.cpp's llama-server as a host managed like Ollama. In router mode (`--models-dir` or
 * `--models-preset`) it lists its models with their status, loads and unloads on request, and
 * evicts the least recently used model at `--models-max` without looking at memory — so ollm-mcp
 * plans its memory and makes room itself first, exactly as for Ollama.
 *
 * It is one adapter of the host interface (engine.ts): the reads come from the router (list →
 * /models, ps → the models loaded or loading, show → the GGUF header), loads go through
 * /models/load, unloads through /models/unload, generation through /v1/chat/completions with the
 * OpenAI streaming client. A model's name is its router id (with ":latest" when it has no tag,
 * as Ollama names models); its size is what it takes loaded: weights plus KV cache
 * (llamacpp-models.ts), told as Ollama tells its models (llamacpp-entries.ts).
 */
import { withTag } from '../model-names.js';
import { displayHost } from '../../config/host.js';
import type { CallOptions, Engine, EngineCapabilities, EngineLoad, EngineReport } from '../engine.js';
import type { CreateModelRequest, GenerateDone, GenerateRequest, EngineLoadRequest } from '../engine-requests.js';
import type { EngineModel, ModelShow } from '../engine-model.js';
import { LoadReader } from '../load-reader.js';
import { llamacppLoad } from './llamacpp-load.js';
import { presetAdvice } from './llamacpp-preset.js';
import { HostError } from '../host-error.js';
import { OpenAIBackend } from '../openai/openai.js';
import { chatGenerate } from '../openai/openai-generate.js';
import { LlamacppApi, type ServerProps } from './llamacpp-api.js';
import { routerLoad, routerUnload } from './llamacpp-calls.js';
import { tokenizeCount } from './llamacpp-tokenize.js';
import { describeRouterModel, type LlamacppModel } from './llamacpp-models.js';
import { ModelRuntimes } from './llamacpp-runtimes.js';
import { modelEntry, promptCacheOf, reportRow, runningEntry, showAnswer } from './llamacpp-entries.js';
import { cannotDelete, cannotPull, noSuchModel } from './llamacpp-refusals.js';

export interface LlamacppOptions {
  name: string;
  /** false: its load figures are never read (settings' hosts.NAME.loadFigures). */
  loadFigures?: boolean;
  url: string;
  apiKeyEnv?: string;
  timeoutMs: number;
  /** --models-max from settings (else /props max_instances). */
  modelsMax?: number;
  /** Memory per model where its file cannot be read here, by router id or name. */
  modelSizes?: Record<string, number>;
  fetch?: typeof fetch;
}

const PROPS_TTL_MS = 30_000;
/** Generation stalls are watched by the caller (generation/stream.ts); this only bounds a lost stream. */
const STREAM_STALL_MS = 24 * 3600_000;

export class LlamacppBackend implements Engine {
  readonly kind = 'llamacpp' as const;
  readonly engineName = 'llama-server';
  /**
   * The window is fixed per model by --ctx-size; /tokenize counts with the model's own tokenizer (a loaded
   * model only: the router would load it).
   */
  readonly can: EngineCapabilities = {
    managesMemory: true,
    pullAndDelete: false,
    contextPerRequest: false,
    tokenize: true,
    embeddings: false,
  };
  readonly url: string;
  readonly host: string;
  get who(): string {
    return this.api.who;
  }

  readonly api: LlamacppApi;
  /** Told of every reading of the loaded models (the pin keeper watches them), as for Ollama's /api/ps. */
  onPs?: (running: EngineModel[]) => void;
  private props?: { at: number; value: ServerProps };
  private names = new Map<string, string>();
  /** Each model's own figures, asked once per run of it (llamacpp-runtimes.ts). */
  private readonly runtimes = new ModelRuntimes();
  private readonly chat: OpenAIBackend;
  /** The models running at the last listing (their load figures are asked per model: llamacpp-load.ts). */
  private running: Array<{ id: string; name: string }> = [];
  private readonly loadReader: LoadReader;

  constructor(readonly options: LlamacppOptions) {
    this.url = options.url;
    this.host = displayHost(options.url);
    this.api = new LlamacppApi({
      url: options.url,
      name: options.name,
      timeoutMs: options.timeoutMs,
      ...(options.apiKeyEnv && { apiKeyEnv: options.apiKeyEnv }),
      ...(options.fetch && { fetch: options.fetch }),
    });
    this.chat = new OpenAIBackend({
      name: options.name,
      baseURL: `${this.api.root}/v1`,
      settingsPath: `hosts.${options.name}`,
      ...(options.apiKeyEnv && { apiKeyEnv: options.apiKeyEnv }),
      ...(options.fetch && { fetch: options.fetch }),
    });
    this.loadReader = new LoadReader({
      get: (path, signal) => this.api.rawGet(path, signal),
      collect: (ask) => llamacppLoad(ask, this.props?.value.router, this.running),
      off: options.loadFigures === false,
    });
  }

  toError(err: unknown, what: string, ctx: CallOptions = {}): HostError {
    if (err instanceof HostError) return err;
    if (ctx.signal?.aborted) return new HostError('aborted', `${what} was cancelled.`, this.host);
    return new HostError(
      'server_error',
      `${this.who} failed ${what}: ${err instanceof Error ? err.message : String(err)}`,
      this.host,
      { secrets: [this.api.key()] },
    );
  }

  async load(req: EngineLoadRequest, options: CallOptions = {}): Promise<number | undefined> {
    return (await routerLoad(this, req.model, options.signal)) || undefined;
  }

  unload(model: string, options: CallOptions = {}): Promise<void> {
    return routerUnload(this, model, options.signal);
  }

  generate(req: GenerateRequest, options: CallOptions = {}): Promise<GenerateDone> {
    return chatGenerate(this.chat, this.idOf(req.model), req, STREAM_STALL_MS, options);
  }

  /**
   * POST /tokenize, only for a model loaded now: the router loads a model a request names, and
   * loads are the planner's to decide. The answer is counted as it streams, bounded by the text
   * (llamacpp-tokenize.ts).
   */
  async tokenize(model: string, text: string, options: CallOptions = {}): Promise<number | undefined> {
    const id = this.idOf(model);
    const m = (await this.models(options)).find((x) => x.id === id);
    if (m?.status !== 'loaded') return undefined; // (a sleeping one would be woken: its memory taken again)
    return tokenizeCount(this.api, id, model, text, this.callOpts(options));
  }

  pull(): Promise<void> {
    return Promise.reject(cannotPull(this.who, this.host));
  }

  delete(model: string): Promise<void> {
    return Promise.reject(cannotDelete(this.who, this.host, model));
  }

  /** It makes no models: a --models-preset section does it (the base's file named when the router says it). */
  async createInstead(req: CreateModelRequest, opts: CallOptions = {}): Promise<string> {
    const models = await this.models(opts).catch(() => []);
    const base = models.find((m) => m.name === req.from || m.id === req.from || m.name === withTag(req.from));
    return presetAdvice(req, base?.args.file);
  }

  /** Its own load figures (llamacpp-load.ts), read at most once a second. */
  loadFigures(opts: { waitMs?: number } = {}): Promise<EngineLoad | undefined> {
    return this.loadReader.reading(opts);
  }

  /** /props, kept for a while: whether it is a router, and its --models-max. */
  async serverProps(opts: CallOptions = {}): Promise<ServerProps> {
    if (this.props && Date.now() - this.props.at < PROPS_TTL_MS) return this.props.value;
    const value = await this.api.props(this.callOpts(opts));
    this.props = { at: Date.now(), value };
    return value;
  }

  /** How many models it holds at most: settings' modelsMax, else --models-max, else 1 (a single-model server). */
  async modelsMax(opts: CallOptions = {}): Promise<number> {
    if (this.options.modelsMax) return this.options.modelsMax;
    const props = await this.serverProps(opts).catch(() => undefined);
    return props?.router ? (props.maxInstances ?? 4) : 1;
  }

  /** The router id of an ollm-mcp name ("storiesA:latest" → "storiesA"). */
  idOf(name: string): string {
    return this.names.get(name) ?? this.names.get(withTag(name)) ?? name.replace(/:latest$/, '');
  }

  /** Every model with its status, header facts and memory. */
  async models(opts: CallOptions = {}): Promise<LlamacppModel[]> {
    const props = await this.serverProps(opts);
    const raw = await this.api.models(props, this.callOpts(opts));
    const ask = (id: string) => this.api.modelRuntime(id, this.callOpts(opts));
    const out = await Promise.all(
      raw.map(async (m) => {
        const runtime = props.router ? await this.runtimes.of(m, ask) : undefined;
        return describeRouterModel(m, runtime, this.options.modelSizes);
      }),
    );
    this.names = new Map(out.map((m) => [m.name, m.id]));
    this.running = out.filter((m) => m.status === 'loaded').map((m) => ({ id: m.id, name: m.name }));
    return out;
  }

  /**
   * Router or single model, its --models-max, and every model with its status, memory and where that figure
   * comes from.
   */
  async report(opts: CallOptions = {}): Promise<EngineReport> {
    const call = this.callOpts(opts);
    const [props, models, modelsMax] = await Promise.all([
      this.serverProps(call),
      this.models(call),
      this.modelsMax(call),
    ]);
    return {
      router: props.router,
      modelsMax,
      models: models.map(reportRow),
      ...(props.build && { version: props.build }),
      ...(props.router && { promptCache: promptCacheOf(models) }),
    };
  }

  async version(opts?: CallOptions): Promise<string> {
    const props = await this.serverProps(opts);
    return `llama-server${props.build ? ` ${props.build}` : ''}${props.router ? ' (router)' : ''}`;
  }

  async list(opts?: CallOptions): Promise<EngineModel[]> {
    return (await this.models(opts)).map(modelEntry);
  }

  /**
   * The models running, as /api/ps lists them: loaded or loading (both hold memory), and sleeping
   * (--sleep-idle-seconds): its process stays and counts toward --models-max, its weights and KV
   * are freed until a request wakes it — listed with no memory held (`asleep`).
   */
  async ps(opts?: CallOptions): Promise<EngineModel[]> {
    const running = (await this.models(opts))
      .filter((m) => m.status === 'loaded' || m.status === 'loading' || m.status === 'sleeping')
      .map(runningEntry);
    this.onPs?.(running);
    return running;
  }

  async show(model: string, opts?: CallOptions): Promise<ModelShow> {
    const m = (await this.models(opts)).find((x) => x.name === model || x.id === model || x.name === withTag(model));
    if (!m) throw noSuchModel(this.api.who, this.host, model);
    return showAnswer(m);
  }

  private callOpts(opts: CallOptions = {}): { signal?: AbortSignal; timeoutMs?: number } {
    return {
      ...(opts.signal && { signal: opts.signal }),
      ...(opts.timeoutMs !== undefined && opts.timeoutMs > 0 && { timeoutMs: opts.timeoutMs }),
    };
  }
}
