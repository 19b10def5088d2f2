/** A chat request to an OpenAI-compatible engine, and what comes back. */
export interface ChatRequest {
  model: string;
  prompt: string;
  system?: string;
  /** Base64 images (data: and http(s) URLs pass as they are), sent as image_url parts, for vision models. */
  images?: string[];
  maxTokens: number;
  temperature?: number;
  signal?: AbortSignal;
  /** A generation that sends nothing for this long is stopped; covers loading and prompt reading too. */
  stallTimeoutMs: number;
  /** Called with the running token count after each token (answer or reasoning). */
  onToken?: (tokens: number) => void;
  /** Called with each piece of the answer (and of the reasoning) as it streams. */
  onDelta?: (delta: { text?: string; thinking?: string }) => void;
}

export interface ChatResult {
  text: string;
  /** A reasoning model's reasoning, apart from the answer. */
  thinking?: string;
  promptTokens: number;
  outputTokens: number;
  tokensPerSecond: number;
  timeToFirstTokenMs: number;
  totalMs: number;
  /** The engine's finish_reason: stop, length, … */
  doneReason: string;
  /** False when the engine sent no usage and the token counts are estimates. */
  usageReported: boolean;
}
