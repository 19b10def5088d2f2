/**
 * What an engine says of its models (engine.ts): an entry of its list or of what it holds loaded,
 * its own word on a model's fit, and what it tells of one model beyond its entry. The entries keep
 * the field names of Ollama's /api/tags (the richest of the three answers); the other adapters
 * fill them from what their engine reports.
 */
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

/** A model as the loaded models list it. */
export type RunningModel = EngineModel;
