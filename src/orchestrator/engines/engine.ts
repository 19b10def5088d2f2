/**
 * The one host interface: what ollm-mcp asks of any engine, whatever it is. An adapter per engine
 * kind (engines/ollama, engines/llamacpp, engines/openai, engines/ollm) speaks its own engine's API behind it;
 * nothing outside an adapter knows which engine it talks to. What an engine cannot do is said by
 * its capability flags, never by pretending: an OpenAI-compatible engine loads models itself, so
 * ollm-mcp plans none of its memory and says so.
 *
 * What an engine says of its models is engine-model.ts; what is asked of it, and what it answers,
 * engine-requests.ts.
 */
import type { HostError } from './host-error.js';
import type { EngineLoad, EngineReport } from './engine-report.js';
import type { EngineModel, ModelShow } from './engine-model.js';
import type {
  CreateModelRequest,
  EngineLoadRequest,
  GenerateDone,
  GenerateRequest,
  PullLine,
} from './engine-requests.js';

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
  /**
   * A placement's reading (overview.ts running): an adapter whose list is a round trip to another server
   * (ollm/ollm-engine.ts) may answer with its last reading of a few seconds ago while it reads the next.
   */
  recent?: boolean;
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

export type { AnswerFormat } from './answer-shape.js';

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
  /**
   * A request is coming: what sending it will read beside the engine (a claim's file:
   * planned-elsewhere.ts), begun now if stale. Never throws, never waits.
   */
  freshen?(): void;
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
