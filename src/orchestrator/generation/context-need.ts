/**
 * How much context a generation needs: the prompt, its images, the answer and some slack. One
 * rule for route_and_generate and compare, so a model is never sent more than its window holds
 * (Ollama would cut the front of the prompt without a word). Pure.
 */

/** Room for the prompt template and special tokens beyond the estimate. */
export const CONTEXT_SLACK = 256;
/**
 * Answer tokens a context must hold when the caller set no maxTokens. Requiring the full default
 * (options.maxTokens) would rule out every small-window model for every prompt; Ollama stops at
 * the window anyway. A maxTokens the caller gives is held to strictly.
 */
const DEFAULT_ANSWER_RESERVE = 1024;
/** What Ollama counts an image as when it fits a prompt to the context (server/prompt.go). */
const IMAGE_CONTEXT_TOKENS = 768;

/** The answer tokens to reserve: the caller's maxTokens, else the default capped at DEFAULT_ANSWER_RESERVE. */
export function answerReserve(asked: number | undefined, defaultMaxTokens: number): number {
  return asked ?? Math.min(defaultMaxTokens, DEFAULT_ANSWER_RESERVE);
}

/** The context (num_ctx) a request needs. */
export function contextNeeded(promptTokens: number, images: number, answerTokens: number): number {
  return promptTokens + images * IMAGE_CONTEXT_TOKENS + answerTokens + CONTEXT_SLACK;
}
