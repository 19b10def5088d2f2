/**
 * The one host interface: what ollm-mcp asks of any engine, whatever it is. An adapter per engine
 * kind (engines/ollama, engines/llamacpp, engines/openai, engines/ollm) speaks its own engine's API behind it;
 * nothing outside an adapter knows which engine it talks to. What an engine cannot do is said by
 * its capability flags, never by pretending: an OpenAI-compatible engine loads models itself, so
 * ollm-mcp plans none of its memory and says so.
 *
 * Model entries keep the field names of Ollama's /api/tags (the richest of the three answers);
 * the other adapters fill them from what their engine reports.
 */
import type { HostError } from './host-error.js';
import type { AnswerFormat } from './answer-shape.js';
import type { EngineLoad, EngineReport } from './engine-report.js';

export type EngineKind = 'ollama' | 'llamacpp' | 'openai' | 'ollm';

/** How long an engine keeps a model loaded when idle: seconds, or a Go duration; negative keeps it. */
export type KeepAlive = string | number;

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Overrides the adapter's default time limit for this call; 0 means none (for streams, which watch for
   * stalls instead).
   */
  timeoutMs?: number;
  /** The model the call is about, to name it in errors. */
  model?: string;
  /**
   * A fresh reading was asked for (list_models `refresh`): an adapter that keeps readings, or relays to a
   * server that does, reads afresh.
   */
  refresh?: boolean;
}

interface ModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
}

/** A model an engine serves (installed, or loaded when it comes from `ps`). */
export interface EngineModel {
  name: string;
  model: string;
  modified_at: Date | string;
  /** Bytes it takes loaded (0 when the engine does not say). */
  size: number;
  digest: string;
  details: ModelDetails;
  expires_at: Date | string;
  size_vram: number;
  /** The context window it is loaded with, when the engine says. */
  context_length?: number;
  /**
   * Listed running, but its memory is freed until a request wakes it (llama-server's
   * --sleep-idle-seconds): it still counts toward the engine's limit of models, `size` is 0.
   */
  asleep?: boolean;
  /**
   * `size` is all it takes at the window the engine runs it with, KV cache included (llama-server:
   * its GGUF header and --ctx-size), not its weights alone: no KV cache is added to it.
   */
  sizeAtWindow?: boolean;
  /**
   * How it fits there now, as an engine that plans its own memory says (another ollm-mcp's
   * list_models), as of this list: shown for a model whose memory is not planned here, and ranked
   * by (fits now first). Absent: the engine does not say.
   */
  fit?: EngineFit;
}

/** An engine's own word on a model's fit in its memory. */
export interface EngineFit {
  /** It is loaded, or loads now without unloading anything. */
  fitsNow: boolean;
  /** It loads after unloading others (false: not at all there); absent: not said. */
  fitsAfterUnload?: boolean;
  /** The memory it needs there, bytes; absent: not said. */
  needBytes?: number;
}

/**
 * What an engine tells of one model beyond its entry: its metadata (model_info as GGUF keys), capabilities,
 * licence.
 */
export interface ModelShow {
  details?: Partial<ModelDetails>;
  model_info?: Record<string, unknown> | Map<string, unknown>;
  capabilities?: string[];
  license?: string;
  parameters?: string;
  template?: string;
  system?: string;
  /** Ollama's modelfile: its FROM line names the weights file (a made model shares its base's). */
  modelfile?: string;
}

export interface EngineCapabilities {
  /**
   * It loads and unloads on request and reports what it holds, so ollm-mcp plans its memory (else the engine
   * manages its own).
   */
  managesMemory: boolean;
  /** It downloads and deletes models on request. */
  pullAndDelete: boolean;
  /** The context window is set per request (Ollama's num_ctx); else the engine fixes it per model. */
  contextPerRequest: boolean;
  /** It counts tokens with the model's own tokenizer (`tokenize`). */
  tokenize: boolean;
  /** It serves embedding models. */
  embeddings: boolean;
  /**
   * What it lists loaded (`ps`) carries the memory each model actually took (Ollama's size, size_vram), not
   * an estimate.
   */
  reportsLoadedSize?: boolean;
  /** Requests it answers at once per model (its parallel slots), when it says. */
  parallelSlots?: number;
  /** It makes models from installed ones and copies them (`create`, `copy`: Ollama's /api/create, /api/copy). */
  create?: boolean;
}

export interface EngineLoadRequest {
  model: string;
  keepAlive: string | number;
  /** The window to load with, where the engine sets it per request; undefined: the engine's default. */
  numCtx?: number;
  embedding?: boolean;
}

export type { AnswerFormat } from './answer-shape.js';

export interface GenerateRequest {
  model: string;
  prompt: string;
  system?: string;
  /** Base64 images, for vision models. */
  images?: string[];
  keepAlive: string | number;
  numCtx: number;
  /**
   * Sent only when the caller or the user's settings set it: else the model's own (its Modelfile, a preset),
   * else the engine's.
   */
  temperature?: number;
  /** As temperature. */
  topP?: number;
  maxTokens: number;
  /** Ask a thinking model to think: its reasoning comes back apart from the answer. */
  think?: boolean;
  /** The answer is JSON, of this schema when one is given (the engine constrains it where it can). */
  format?: AnswerFormat;
  /**
   * The calling agent (RouteRequest.agent), for an engine that serves several callers and names them (another
   * ollm-mcp: engines/ollm).
   */
  agent?: string;
  /**
   * Whose the prompt is, as an opaque key (RouteRequest.owner): an engine that can keep caches apart
   * by caller is asked to (vLLM's `cache_salt`), and another ollm-mcp is told it (engines/ollm).
   */
  owner?: string;
  /**
   * Relayed here by another ollm-mcp (RouteRequest.relayed): run on this server's own engines only, never
   * sent on to another (engines/planned-elsewhere.ts).
   */
  relayed?: boolean;
  /**
   * Told of each piece of the answer as it streams. Returning 'stop' ends the generation there
   * (the request is closed; the answer so far is kept, its reason 'length').
   */
  onDelta(delta: { text?: string; thinking?: string }): 'stop' | void;
}

/** How a generation ended, with the engine's own counts and times when it gives them. */
export interface GenerateDone {
  doneReason: string;
  promptTokens?: number;
  outputTokens?: number;
  /** Time spent generating (after the first token), ms. */
  generatingMs?: number;
  loadMs?: number;
  /** The engine's own time reading the prompt, ms: the tokens its cache did not already hold. */
  promptMs?: number;
  /**
   * Of promptTokens, those the engine's cache already held (llama-server's cache_n); undefined when it does
   * not say (Ollama).
   */
  cachedPromptTokens?: number;
}

/** A progress line of a download. */
export interface PullLine {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/**
 * A model to make from an installed one: its own system prompt, parameters, template, messages, quantization.
 * Checked before it gets here (models/create-check.ts).
 */
export interface CreateModelRequest {
  /** The new model's name. */
  model: string;
  /** The installed model it is made from. */
  from: string;
  system?: string;
  template?: string;
  /** Ollama's parameter names (num_ctx, temperature, stop…) and values. */
  parameters?: Record<string, number | boolean | string[]>;
  messages?: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  /** A quantization type (q4_K_M, q8_0…), for a base in F16, BF16 or F32. */
  quantize?: string;
}

export type { EngineLoad, EngineReport, ModelLoad } from './engine-report.js';

export interface Engine {
  readonly kind: EngineKind;
  /** The address as configured. */
  readonly url: string;
  /** host:port, for messages. */
  readonly host: string;
  /** How messages name it: "Ollama at 127.0.0.1:11434", "llama-server router at …", "vllm (10.0.0.5:8000)". */
  readonly who: string;
  /**
   * The engine's own name, for what it did by itself ("unloaded by Ollama", "by llama-server"); "the engine"
   * when unset.
   */
  readonly engineName?: string;
  readonly can: EngineCapabilities;
  /** Told of every reading of the loaded models, whoever made it (the pin keeper watches them). */
  onPs?: (running: EngineModel[]) => void;
  version(options?: CallOptions): Promise<string>;
  list(options?: CallOptions): Promise<EngineModel[]>;
  /** The models loaded now (an engine that does not say: none). */
  ps(options?: CallOptions): Promise<EngineModel[]>;
  show(model: string, options?: CallOptions): Promise<ModelShow>;
  /** Loads and returns the engine's load time in ns when it reports one. */
  load(req: EngineLoadRequest, options?: CallOptions): Promise<number | undefined>;
  /** Asks the engine to unload (it may carry it out in the background: confirm with `ps`). */
  unload(model: string, options?: CallOptions): Promise<void>;
  generate(req: GenerateRequest, options?: CallOptions): Promise<GenerateDone>;
  pull(
    model: string,
    opts: { insecure?: boolean; onLine(line: PullLine): 'done' | void },
    options?: CallOptions,
  ): Promise<void>;
  delete(model: string, options?: CallOptions): Promise<void>;
  /** Makes a model from an installed one, where `can.create`; its progress lines as a pull's, the last `success`. */
  create?(
    req: CreateModelRequest,
    opts: { onLine(line: PullLine): 'done' | void },
    options?: CallOptions,
  ): Promise<void>;
  /** Copies an installed model under another name (the same weights), where `can.create`. */
  copy?(source: string, destination: string, options?: CallOptions): Promise<void>;
  /**
   * Where the engine cannot make models: what to do there instead, in words (e.g. a preset section for
   * llama-server).
   */
  createInstead?(req: CreateModelRequest, options?: CallOptions): Promise<string>;
  /**
   * Tokens in `text` by the model's tokenizer, where `can.tokenize`; undefined when it cannot count now
   * without loading the model.
   */
  tokenize?(model: string, text: string, options?: CallOptions): Promise<number | undefined>;
  /** The engine's own report of its models and limits, where it keeps one. */
  report?(options?: CallOptions): Promise<EngineReport>;
  /**
   * The window the engine runs `model` with now, where it fixes it itself and says so (below the
   * trained one its list reports) or a refusal of a prompt named it (`HostError.contextLimit`):
   * what work for it is sized to. Undefined: nothing said beyond its list.
   */
  runtimeWindow?(model: string): number | undefined;
  /** The windows learned from refusals on this host, by model (a job that met one plans again). */
  learnedWindows?(): ReadonlyMap<string, number>;
  /**
   * The engine's own load figures (every client's requests), where it publishes them; read at most
   * once a second, bounded, never throwing: undefined when it says nothing usable. `waitMs` bounds
   * how long the caller waits for a fresh reading (the last one is used meanwhile).
   */
  loadFigures?(opts?: { signal?: AbortSignal; waitMs?: number }): Promise<EngineLoad | undefined>;
  /** Anything a call threw, as the host error naming this engine and the next step. */
  toError(err: unknown, what: string, ctx?: CallOptions & { timedOut?: boolean }): HostError;
}

/** How messages name what an engine did by itself: its own name ("Ollama", "llama-server"), else "the engine". */
export function engineName(e: Pick<Engine, 'engineName'>): string {
  return e.engineName ?? 'the engine';
}

export type {
  ChatAnswer,
  ChatPrompt,
  Fallback,
  FallbackAnswer,
  FallbackRequest,
  ReadRecord,
} from './fallback-types.js';

/** A model as the loaded models list it. */
export type RunningModel = EngineModel;
