/**
 * What one streamed generation (stream.ts) gathers and answers: the text and thinking as they
 * come, cut at the answer's limit when a host ignores it, and the engine's closing counts and
 * timings held to sane bounds in the result.
 */
import type { GenerateDone, GenerateRequest } from '../engines/engine-requests.js';
import type { StreamWatch } from './stream-watch.js';

export interface StreamResult {
  text: string;
  thinking?: string;
  doneReason: string;
  promptTokens: number;
  outputTokens: number;
  /** Output tokens per second while generating, from Ollama's own timing. */
  tokensPerSecond: number;
  loadMs: number;
  totalMs: number;
  /** Time queued behind this server's other requests on the model. */
  queueMs: number;
  /** From the request leaving the queue to its first token: Ollama reading the prompt. */
  timeToFirstTokenMs: number;
  /**
   * The engine's own timings, engine-neutral (engine.ts GenerateDone): reading the prompt (what its cache did
   * not hold), the prompt tokens its cache held, generating.
   */
  promptMs?: number;
  cachedPromptTokens?: number;
  generatingMs?: number;
  /**
   * Where the engine says nothing of its cache (Ollama, whose prompt time counts only what it read
   * again): the prompt tokens this server believes its slot held (fleet/prefix-memory.ts) — for the
   * speed learned, never shown as the engine's figure.
   */
  believedCachedTokens?: number;
  /**
   * The engine's own figure of its cache, whoever's prompts it held, for the speed learned only;
   * `cachedPromptTokens` is then what the request's owner may be told (fleet/copy-affinity.ts;
   * fleet/prefix-sent.ts shownCached).
   */
  engineCachedTokens?: number;
}

/**
 * maxTokens holds whatever the host does. A piece of the answer is about a token (thinking counts
 * too, allowed as much again), and a token is a few characters: past this many per token on
 * average the answer is cut there too, so a host sending huge "tokens" cannot run it long.
 */
const CHARS_PER_TOKEN = 256;
/** Faster than this is not a measurement but a host's nonsense: reported as 0 (not known). */
const MAX_TOKENS_PER_SECOND = 100_000;
/** Counts past this are a host's nonsense. */
const MAX_COUNT = 100_000_000;
/** Times past a day are a host's nonsense. */
const MAX_MS = 86_400_000;
const count = (n: number | undefined) =>
  n !== undefined && Number.isFinite(n) && n >= 0 && n <= MAX_COUNT ? Math.round(n) : undefined;

/** What the engine has sent so far, and where it is cut. */
export interface GatheredAnswer {
  text: string;
  thinking: string;
  /** Stopped here at the answer's limit: it ran into it, whatever the engine says. */
  limited: boolean;
  tokenLimit: number;
  charLimit: number;
}

/** Nothing yet, with the limits of an answer of `maxTokens` (thinking, when asked, allowed as much again). */
export function emptyAnswer(maxTokens: number, think: boolean | undefined): GatheredAnswer {
  const tokenLimit = maxTokens * (think ? 2 : 1) + 8;
  return { text: '', thinking: '', limited: false, tokenLimit, charLimit: tokenLimit * CHARS_PER_TOKEN };
}

/** The engine's onDelta: each piece added to `answer`, counted by the watch and told, until the limit or `signal`. */
export function collecting(
  answer: GatheredAnswer,
  signal: AbortSignal,
  watch: StreamWatch,
  onToken: ((tokens: number) => void) | undefined,
): GenerateRequest['onDelta'] {
  return (d) => {
    // cancelled or stopped by the watch: what the engine had already sent is not counted or told
    if (signal.aborted) return 'stop';
    if (d.thinking) answer.thinking += d.thinking;
    if (d.text) answer.text += d.text;
    watch.token();
    onToken?.(watch.tokens);
    // a host that ignores the answer's limit is stopped here
    if (watch.tokens >= answer.tokenLimit || answer.text.length + answer.thinking.length >= answer.charLimit) {
      answer.text = answer.text.slice(0, answer.charLimit);
      answer.limited = true;
      return 'stop';
    }
  };
}

/** The result of a finished answer: the engine's counts and timings held to what can be true. */
export function resultOf(
  final: GenerateDone,
  answer: GatheredAnswer,
  watch: StreamWatch,
  numCtx: number,
  started: number,
): StreamResult {
  // a count past what the request allows is the host's nonsense and is held to the limit
  const evalCount = Math.min(count(final.outputTokens) ?? watch.tokens, answer.tokenLimit);
  const evalSeconds = (count(final.generatingMs) ?? 0) / 1000;
  const perSecond = evalSeconds > 0 ? Math.round((evalCount / evalSeconds) * 10) / 10 : 0;
  const result: StreamResult = {
    text: answer.text,
    doneReason: answer.limited ? 'length' : final.doneReason,
    promptTokens: Math.min(count(final.promptTokens) ?? 0, numCtx),
    outputTokens: evalCount,
    tokensPerSecond: perSecond <= MAX_TOKENS_PER_SECOND ? perSecond : 0,
    loadMs: count(final.loadMs) ?? 0,
    totalMs: Math.round(performance.now() - started),
    queueMs: Math.round(watch.queueMs),
    timeToFirstTokenMs: watch.timeToFirstTokenMs,
  };
  if (answer.thinking) result.thinking = answer.thinking;
  const ms = (v: number | undefined) =>
    v !== undefined && Number.isFinite(v) && v >= 0 && v <= MAX_MS ? Math.round(v) : undefined;
  const promptMs = ms(final.promptMs);
  const generatingMs = ms(final.generatingMs);
  const cached = count(final.cachedPromptTokens);
  if (promptMs !== undefined) result.promptMs = promptMs;
  if (generatingMs !== undefined) result.generatingMs = generatingMs;
  if (cached !== undefined) result.cachedPromptTokens = Math.min(cached, result.promptTokens);
  return result;
}
