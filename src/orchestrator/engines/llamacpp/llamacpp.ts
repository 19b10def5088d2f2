/**
 * llama.cpp's llama-server as a host managed like Ollama. In router mode (`--models-dir` or
 * `--models-preset`) it lists its models with their status, loads and unloads on request, and
 * evicts the least recently used model at `--models-max` without looking at memory — so ollm-mcp
 * plans its memory and makes room itself first, exactly as for Ollama.
 *
 * It is an OllamaBackend to the rest of ollm-mcp (catalog, loader, planner, pins, routing): the
 * reads are answered from the router (list → /models, ps → the models loaded or loading, show →
 * the GGUF header), and the calls the Ollama client makes (an empty generate to load or unload,
 * a streamed generate) are carried out against the router by llamacpp-calls.ts — loads through
 * /models/load, unloads through /models/unload, generation through /v1/chat/completions with the
 * OpenAI streaming client. A model's name is its router id (with ":latest" when it has no tag,
 * as Ollama names models); its size is what it takes loaded: weights plus KV cache.
 */
import type { ListResponse, ShowResponse } from 'ollama';
import { withTag } from '../../models/model-db.js';
import { LlamacppApi, type RouterModel, type ServerProps } from './llamacpp-api.js';
import { serveOllamaCall } from './llamacpp-calls.js';
import { type GgufFacts, parameterSize, predictBytes, readGguf, runContext } from './llamacpp-gguf.js';
import { type CallOptions, OllamaBackend, HostError, type RunningModel } from '../ollama/ollama.js';

export interface LlamacppOptions {
  name: string;
  url: string;
  apiKeyEnv?: string;
  timeoutMs: number;
  /** --models-max from settings (else /props max_instances). */
  modelsMax?: number;
  /** Memory per model where its file cannot be read here, by router id or name. */
  modelSizes?: Record<string, number>;
  fetch?: typeof fetch;
}

/** One model as ollm-mcp sees it: the router's entry, its header facts and its memory. */
export interface LlamacppModel extends RouterModel {
  name: string;
  facts?: GgufFacts;
  sizeBytes: number;
  weightsBytes: number;
  kvBytes: number;
  /** Where sizeBytes comes from, in words. */
  sizeSource: 'gguf' | 'settings' | 'unknown';
  /** Tokens per slot: ctx-size / parallel. */
  contextLength?: number;
}

const PROPS_TTL_MS = 30_000;
/** An idle router model never expires by itself: /api/ps says so with a far date. */
const NEVER = new Date('2318-01-01T00:00:00Z');

export class LlamacppBackend extends OllamaBackend {
  override get who(): string {
    return this.api.who;
  }

  readonly api: LlamacppApi;
  /** Told of every reading of the loaded models (the pin keeper watches them), as for Ollama's /api/ps. */
  onPs?: (running: RunningModel[]) => void;
  private props?: { at: number; value: ServerProps };
  private names = new Map<string, string>();

  constructor(readonly options: LlamacppOptions) {
    const holder: { self?: LlamacppBackend } = {};
    super({ host: options.url, timeoutMs: options.timeoutMs, fetch: ((input: string | URL | Request, init?: RequestInit) => serveOllamaCall(holder.self!, input, init)) as typeof fetch });
    holder.self = this;
    this.api = new LlamacppApi({ url: options.url, timeoutMs: options.timeoutMs, ...(options.apiKeyEnv && { apiKeyEnv: options.apiKeyEnv }), ...(options.fetch && { fetch: options.fetch }) });
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
    const out = await Promise.all(raw.map((m) => this.describe(m)));
    this.names = new Map(out.map((m) => [m.name, m.id]));
    return out;
  }

  private async describe(m: RouterModel): Promise<LlamacppModel> {
    const name = withTag(m.id);
    const facts = m.args.file ? await readGguf(m.args.file) : undefined;
    const configured = this.options.modelSizes?.[m.id] ?? this.options.modelSizes?.[name];
    const ctx = runContext(facts, m.args);
    const contextLength = ctx ? Math.max(1, Math.floor(ctx / Math.max(1, m.args.parallel ?? 1))) : undefined;
    const base = { ...m, name, ...(contextLength !== undefined && { contextLength }) };
    if (facts) {
      const p = predictBytes(facts, m.args);
      return { ...base, facts, sizeBytes: p.totalBytes, weightsBytes: p.weightsBytes, kvBytes: p.kvBytes, sizeSource: 'gguf' };
    }
    if (configured !== undefined) return { ...base, sizeBytes: configured, weightsBytes: configured, kvBytes: 0, sizeSource: 'settings' };
    return { ...base, sizeBytes: 0, weightsBytes: 0, kvBytes: 0, sizeSource: 'unknown' };
  }

  override async version(opts?: CallOptions): Promise<string> {
    const props = await this.serverProps(opts);
    return `llama-server${props.build ? ` ${props.build}` : ''}${props.router ? ' (router)' : ''}`;
  }

  override async list(opts?: CallOptions): Promise<ListResponse['models']> {
    return (await this.models(opts)).map((m) => this.entry(m));
  }

  /** The models loaded or loading (both hold memory), as /api/ps lists them. */
  override async ps(opts?: CallOptions): Promise<RunningModel[]> {
    const running = (await this.models(opts)).filter((m) => m.status === 'loaded' || m.status === 'loading').map((m) => ({ ...this.entry(m), expires_at: NEVER, size_vram: 0, ...(m.contextLength !== undefined && { context_length: m.contextLength }) }));
    this.onPs?.(running);
    return running;
  }

  override async show(model: string, opts?: CallOptions): Promise<ShowResponse> {
    const m = (await this.models(opts)).find((x) => x.name === model || x.id === model || x.name === withTag(model));
    if (!m) throw new HostError('model_not_found', `${this.api.who} has no model "${model}" — its models are the .gguf files of its --models-dir (or the entries of --models-preset); see list_models.`, this.host, 404);
    const arch = m.facts?.architecture ?? 'unknown';
    // The KV cache is in the size already (it is fixed by --ctx-size): no KV shape goes to the planner.
    const info: Record<string, unknown> = { 'general.architecture': arch, ...(m.contextLength !== undefined && { [`${arch}.context_length`]: m.contextLength }) };
    if (m.facts?.parameterCount) info['general.parameter_count'] = m.facts.parameterCount;
    const entry = this.entry(m);
    return { license: '', modelfile: '', parameters: '', template: '', system: '', details: entry.details, messages: [], modified_at: entry.modified_at, model_info: info as unknown as ShowResponse['model_info'], capabilities: ['completion'] };
  }

  private entry(m: LlamacppModel): ListResponse['models'][number] {
    const arch = m.facts?.architecture ?? '';
    return {
      name: m.name,
      model: m.name,
      modified_at: new Date(0),
      size: m.sizeBytes,
      digest: `llamacpp:${m.id}:${m.args.file ?? ''}:${m.facts?.fileBytes ?? 0}:${m.args.ctxSize ?? 0}`,
      details: { parent_model: '', format: 'gguf', family: arch, families: arch ? [arch] : [], parameter_size: parameterSize(m.facts?.parameterCount), quantization_level: m.facts?.quantization ?? '' },
      expires_at: NEVER,
      size_vram: 0,
    };
  }

  private callOpts(opts: CallOptions = {}): { signal?: AbortSignal; timeoutMs?: number } {
    return { ...(opts.signal && { signal: opts.signal }), ...(opts.timeoutMs !== undefined && opts.timeoutMs > 0 && { timeoutMs: opts.timeoutMs }) };
  }
}
