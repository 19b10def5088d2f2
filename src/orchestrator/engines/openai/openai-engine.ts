/**
 * An OpenAI-compatible engine (vLLM, LM Studio, llama-swap, SGLang, LiteLLM, a single
 * llama-server, a hosted API) as a host of the fleet. Its models come from /v1/models, with the
 * context window the engine reports (vLLM's max_model_len, llama-server's n_ctx_train…), else the
 * one in settings; work is sized to the window it runs them with where it says that (llama-swap's
 * meta.n_ctx, a llama-server's /props) or a refusal named it (openai-windows.ts). It loads and unloads its
 * models itself and says nothing of its memory, so the
 * adapter says so (`can.managesMemory` false): nothing is planned for it, unloads are refused,
 * and the status shows it instead of pretending.
 */
import type { CallOptions, Engine, EngineCapabilities, EngineLoad } from '../engine.js';
import type { CreateModelRequest, GenerateDone, GenerateRequest } from '../engine-requests.js';
import type { EngineModel, ModelShow } from '../engine-model.js';
import { HostError } from '../host-error.js';
import { LoadReader } from '../load-reader.js';
import { chatGenerate } from './openai-generate.js';
import { openaiLoad } from './openai-load.js';
import type { OpenAIBackend } from './openai.js';

export interface OpenAIEngineOptions {
  /** The window of its models when the engine does not report one (settings' contextLength). */
  contextLength?: number;
  /** The one model to use there (settings' model); default every model it lists. */
  model?: string;
  /** Requests it answers at once (settings' numParallel). */
  parallel: number;
  /** Longest gap between tokens (ollama.stallTimeoutMs). */
  stallMs: number;
  /** false: its load figures are never read (settings' hosts.NAME.loadFigures). */
  loadFigures?: boolean;
}

/** The window assumed when neither the engine nor the settings say (a safe size for today's models). */
const DEFAULT_CONTEXT = 8192;
/** Nothing expires by itself here. */
const NEVER = new Date('2318-01-01T00:00:00Z');

export class OpenAIEngine implements Engine {
  readonly kind = 'openai' as const;
  readonly can: EngineCapabilities;
  onPs?: (running: EngineModel[]) => void;

  /** Its own load figures, where it publishes them (openai-load.ts), read at most once a second. */
  private readonly loadReader: LoadReader;

  constructor(
    readonly backend: OpenAIBackend,
    private readonly options: OpenAIEngineOptions,
  ) {
    this.can = {
      managesMemory: false,
      pullAndDelete: false,
      contextPerRequest: false,
      tokenize: false,
      embeddings: false,
      parallelSlots: options.parallel,
    };
    this.loadReader = new LoadReader({
      get: (path, signal) => backend.rootGet(path, signal),
      collect: openaiLoad,
      off: options.loadFigures === false,
    });
  }

  loadFigures(opts: { waitMs?: number } = {}): Promise<EngineLoad | undefined> {
    return this.loadReader.reading(opts);
  }

  get url(): string {
    return this.backend.baseURL;
  }

  get host(): string {
    return this.backend.host;
  }

  get who(): string {
    return this.backend.failures.who;
  }

  async version(options: CallOptions = {}): Promise<string> {
    const h = await this.backend.health(options.signal ? { signal: options.signal } : {});
    if (!h.ok) throw h.error ?? new HostError('unreachable', h.detail, this.host);
    return 'OpenAI-compatible';
  }

  async list(options: CallOptions = {}): Promise<EngineModel[]> {
    const ids = await this.backend.listModels(options.signal ? { signal: options.signal } : {});
    const served = this.options.model ? ids.filter((id) => id === this.options.model) : ids;
    return served.map((id) => this.entry(id));
  }

  /** It does not say what it holds in memory: none is reported, and nothing is planned. */
  async ps(options: CallOptions = {}): Promise<EngineModel[]> {
    // the model list is the cheap sign that it answers; what it holds loaded it does not say
    await this.backend.listModels(options.signal ? { signal: options.signal } : {});
    this.onPs?.([]);
    return [];
  }

  async show(model: string): Promise<ModelShow> {
    return {
      model_info: { 'general.architecture': 'openai', 'openai.context_length': this.contextOf(model) },
      details: this.entry(model).details,
    };
  }

  /** It loads a model on its first request: nothing to do here. */
  async load(): Promise<number | undefined> {
    return undefined;
  }

  async unload(model: string): Promise<void> {
    throw new HostError(
      'not_supported',
      `${this.who} loads and unloads its models itself; ollm-mcp cannot unload ${JSON.stringify(model)} there.`,
      this.host,
    );
  }

  /** A refusal that names the model's real window is learned for it here, so the next plan sizes work to it. */
  async generate(req: GenerateRequest, options: CallOptions = {}): Promise<GenerateDone> {
    try {
      return await chatGenerate(this.backend, req.model, req, this.options.stallMs, options);
    } catch (err) {
      if (err instanceof HostError && err.contextLimit !== undefined)
        this.backend.windows.learn(req.model, err.contextLimit);
      throw err;
    }
  }

  runtimeWindow(model: string): number | undefined {
    return this.backend.windows.of(model);
  }

  learnedWindows(): ReadonlyMap<string, number> {
    return this.backend.windows.learnedWindows();
  }

  async pull(model: string): Promise<void> {
    throw new HostError(
      'not_supported',
      `${this.who} cannot download models — add ${JSON.stringify(model)} to that engine yourself; ` +
        `pull_model works on Ollama hosts.`,
      this.host,
    );
  }

  async delete(model: string): Promise<void> {
    throw new HostError(
      'not_supported',
      `${this.who} cannot delete ${JSON.stringify(model)} — remove it from that engine yourself; ` +
        `delete_model works on Ollama hosts.`,
      this.host,
    );
  }

  /** It makes no models: its own model settings do, or each request carries them. */
  async createInstead(req: CreateModelRequest): Promise<string> {
    const params = Object.entries(req.parameters ?? {}).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    return (
      `set ${JSON.stringify(req.from)}'s ` +
      `defaults${params.length ? ` (${params.join(', ')})` : ''} in that engine's own model ` +
      `settings, or send the system prompt with each request (route_and_generate's system)`
    );
  }

  toError(err: unknown, what: string, ctx: CallOptions = {}): HostError {
    return this.backend.failures.fromThrown(err, { what, signal: ctx.signal });
  }

  private contextOf(model: string): number {
    return this.backend.contextOf(model) ?? this.options.contextLength ?? DEFAULT_CONTEXT;
  }

  private entry(id: string): EngineModel {
    return {
      name: id,
      model: id,
      modified_at: new Date(0),
      size: 0,
      digest: `openai:${id}`,
      details: { parent_model: '', format: '', family: '', families: [], parameter_size: '', quantization_level: '' },
      expires_at: NEVER,
      size_vram: 0,
      context_length: this.contextOf(id),
    };
  }
}
