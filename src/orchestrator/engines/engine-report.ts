/**
 * What an engine tells of itself beyond its models (engine.ts Engine.report, Engine.load): its own list of
 * model states, and its own load figures.
 */

/** One model as an engine that keeps its own list of model states reports it (a llama.cpp router). */
interface ReportedModel {
  name: string;
  /** The engine's id for it. */
  id: string;
  status: string;
  failure?: string;
  /** What it takes loaded: weights + KV cache. */
  sizeBytes: number;
  weightsBytes: number;
  kvBytes: number;
  /** The prompt cache it keeps in RAM (llama-server's --cache-ram), in sizeBytes too. */
  cacheBytes?: number;
  /** Its parallel slots, as its server reports them while it runs. */
  slots?: number;
  /** gguf: read from its file's header; settings: hosts.NAME.modelSizes; unknown: neither. */
  sizeSource: 'gguf' | 'settings' | 'unknown';
  contextLength?: number;
  file?: string;
}

/** What an engine tells of itself beyond the loaded models (ollm://fleet, show_status, doctor, show_model). */
export interface EngineReport {
  /** A router that loads and unloads on request (else one model, read only). */
  router: boolean;
  /** How many models it holds at most. */
  modelsMax: number;
  models: ReportedModel[];
  /** Its own version, as its answer gives it (llama-server's /props build_info: `b9100-1a2b3c4`). */
  version?: string;
  /**
   * The models whose server keeps a prompt cache in host RAM across requests and slots, and those whose does not
   * (llama-server's --cache-ram; 0 turns it off), where the engine says how each runs (a router's model args);
   * absent where it does not say (a single llama-server's /props).
   */
  promptCache?: { on: string[]; off: string[] };
}

/** One model's share of an engine's own load figures, where the engine says it per model. */
export interface ModelLoad {
  /** Requests it is answering now, every client's. */
  running: number;
  /** Requests it holds waiting for a slot (queued, deferred). */
  waiting: number;
  /** Its slots (requests it answers at once), where it says (llama-server's /slots). */
  slots?: number;
}

/**
 * An engine's own figures of its load (vLLM's and SGLang's /metrics, llama-server's /metrics and
 * /slots, llama-swap's /running): every client's requests, not only this server's. Read within
 * bounds at most once a second; undefined where the engine publishes none.
 */
export interface EngineLoad extends ModelLoad {
  /** The KV cache in use, 0..1, when it says. */
  kvCache?: number;
  /** Per model (by the name ollm-mcp lists it under), where the engine says: then a model not here has none. */
  models?: ReadonlyMap<string, ModelLoad>;
  /** The models it runs now, where it lists them (llama-swap's /running). */
  ready?: readonly string[];
}
