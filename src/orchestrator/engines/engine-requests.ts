/**
 * What is asked of an engine (engine.ts) and what it answers: a load, a generation and how it
 * ended, a download's progress lines, a model to make from an installed one.
 */
import type { AnswerFormat } from './answer-shape.js';

export interface EngineLoadRequest {
  model: string;
  keepAlive: string | number;
  /** The window to load with, where the engine sets it per request; undefined: the engine's default. */
  numCtx?: number;
  embedding?: boolean;
}

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
  /** The answer's limit: the engine stops there (Ollama's num_predict), and this server cuts the answer there. */
  maxTokens: number;
  /**
   * The limit as someone set it — the caller, or the user's settings —; undefined when maxTokens is a default
   * (ollm-mcp's, the model's own num_predict). Another ollm-mcp is sent only this: a limit it holds the window to,
   * as a caller's; without one it applies its own default, fitted to the model's window, as for a call of its own.
   */
  askedMaxTokens?: number;
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
