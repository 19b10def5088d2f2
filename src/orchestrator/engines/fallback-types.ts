/**
 * The cloud fallback's side of the host interface (engine.ts re-exports it): a chat's prompt and
 * answer as any chat API takes and gives them, and the fallback itself — the last member, asked
 * when every local engine failed, which refuses to send what was read from this machine unless
 * settings allow it.
 */
import type { AnswerFormat } from './answer-shape.js';

/** A chat's prompt and limits, as any chat API takes them. */
export interface ChatPrompt {
  prompt: string;
  system?: string;
  /** Base64 images (data: and http(s) URLs pass as they are). */
  images?: string[];
  maxTokens: number;
  temperature?: number;
  /** The answer is JSON, of this schema when one is given. */
  format?: AnswerFormat;
  signal?: AbortSignal;
}

/** A chat for the cloud fallback: the prompt and the limits; the fallback decides the model. */
export interface FallbackRequest extends ChatPrompt {
  onToken?(tokens: number, model: string): void;
  onTry?(model: string): void;
}

/** A chat's answer with its counts and times. */
export interface ChatAnswer {
  text: string;
  /** A reasoning model's reasoning, apart from the answer. */
  thinking?: string;
  promptTokens: number;
  outputTokens: number;
  tokensPerSecond: number;
  timeToFirstTokenMs: number;
  /** The engine's finish reason: stop, length, … */
  doneReason: string;
}

/** What the cloud fallback answered. */
export interface FallbackAnswer extends ChatAnswer {
  /** host:port of the provider, for messages. */
  address: string;
  model: string;
}

/**
 * What this process read from the machine (inputs/origins.ts), asked by the cloud fallback before
 * it sends anything: the name of a text or image read that the request holds, or undefined.
 */
export interface ReadRecord {
  heldIn(out: {
    prompt: string;
    system?: string | undefined;
    images?: readonly string[] | undefined;
  }): string | undefined;
}

/** The cloud fallback (settings' fallback): the last member, asked when every local engine failed. */
export interface Fallback {
  /** host:port, for messages. */
  readonly host: string;
  /** Whether inputs read by path (files, diffs, images) may be sent to it. */
  readonly sendInputs: boolean;
  /**
   * Asks it; a failure is recorded in `attempts` and returns undefined; a request holding what was read from
   * this machine (unless sendInputs) throws KeptLocalError, unsent.
   */
  answer(req: FallbackRequest, attempts: Array<{ model: string; error: string }>): Promise<FallbackAnswer | undefined>;
}
