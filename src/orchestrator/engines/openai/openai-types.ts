/** A chat request to an OpenAI-compatible engine, and what comes back. */
import type { ChatAnswer, ChatPrompt } from '../engine.js';
export interface ChatRequest extends ChatPrompt {
  model: string;
  /** Sent only when asked for (the caller, the user's settings): else the engine's own, or its preset's. */
  topP?: number;
  /** vLLM's `cache_salt`: only requests of the same salt share cached prefix blocks (sent to vLLM alone: openai.ts). */
  cacheSalt?: string;
  /** A generation that sends nothing for this long is stopped; covers loading and prompt reading too. */
  stallTimeoutMs: number;
  /** Called with the running token count after each token (answer or reasoning). */
  onToken?: (tokens: number) => void;
  /** Called with each piece of the answer (and of the reasoning) as it streams. */
  onDelta?: (delta: { text?: string; thinking?: string }) => void;
}

export interface ChatResult extends ChatAnswer {
  totalMs: number;
  /** False when the engine sent no usage and the token counts are estimates. */
  usageReported: boolean;
  /**
   * Reading the prompt, ms: the engine's own timing (llama-server's prompt_ms), else the wall clock to the
   * first token.
   */
  promptMs?: number;
  /** Prompt tokens the engine's cache held, when it says. */
  cachedPromptTokens?: number;
  /** Generating, ms, by the engine's own timing (llama-server's predicted_ms), when it sends one. */
  generatingMs?: number;
}
