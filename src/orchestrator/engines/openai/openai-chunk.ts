/**
 * One `chat.completion.chunk` of an OpenAI-compatible stream, checked where it enters: a field of
 * the wrong type is a problem naming the field; token counts and speeds that make no sense
 * (negative, infinite, absurd) are dropped; the text of one chunk is at most TOKEN_TEXT characters
 * (a chunk is a token or so). The same reading serves an engine's whole (not streamed) answer,
 * without that per-chunk limit.
 */
import * as z from 'zod';
import { TOKEN_TEXT, firstIssue, optionalCount, sane } from '../numbers.js';

export interface ChunkParts {
  content: string;
  reasoning: string;
  finish?: string;
  /**
   * `cached`: prompt tokens the engine's cache held (prompt_tokens_details.cached_tokens: OpenAI, vLLM,
   * llama-server).
   */
  usage?: { prompt?: number; completion?: number; cached?: number };
  /** llama-server's `timings.predicted_per_second`. */
  perSecond?: number;
  /**
   * llama-server's own `timings`: prompt tokens from its cache (cache_n) and evaluated (prompt_n) in
   * promptMs, tokens predicted in predictedMs.
   */
  timings?: EngineTimings;
}

export interface EngineTimings {
  cached?: number;
  evaluated?: number;
  promptMs?: number;
  predicted?: number;
  predictedMs?: number;
}

/** Faster than this is not a measurement but a host's nonsense. */
const MAX_PER_SECOND = 100_000;

function schema(max: number) {
  const text = z.string().max(max, `is longer than ${max} characters, which no single chunk is`).nullish();
  const choice = z.object({
    index: z.number().optional().catch(undefined),
    delta: z.object({ content: text, reasoning_content: text, reasoning: text }).nullish(),
    finish_reason: z.string().max(100, 'is longer than 100 characters').nullish(),
  });
  return z.object({
    choices: z.array(choice).max(256, 'has more than 256 entries').optional(),
    usage: z
      .object({
        prompt_tokens: optionalCount,
        completion_tokens: optionalCount,
        prompt_tokens_details: z.object({ cached_tokens: optionalCount }).nullish().catch(undefined),
      })
      .nullish(),
    timings: z
      .object({
        predicted_per_second: optionalCount,
        cache_n: optionalCount,
        prompt_n: optionalCount,
        prompt_ms: optionalCount,
        predicted_n: optionalCount,
        predicted_ms: optionalCount,
      })
      .nullish()
      .catch(undefined),
  });
}
const streamed = schema(TOKEN_TEXT);
const whole = schema(Number.MAX_SAFE_INTEGER);

/** What one chunk says, or why it is not a chunk. */
export function readChunk(
  json: Record<string, unknown>,
  opts: { whole?: boolean } = {},
): ChunkParts | { problem: string } {
  const out = (opts.whole ? whole : streamed).safeParse(json);
  if (!out.success) return { problem: firstIssue(out.error, json) };
  const { choices, usage, timings } = out.data;
  if (!choices && !usage) return { problem: '"choices" is missing' };
  const parts: ChunkParts = { content: '', reasoning: '' };
  if (usage) {
    parts.usage = {};
    if (usage.prompt_tokens !== undefined) parts.usage.prompt = usage.prompt_tokens;
    if (usage.completion_tokens !== undefined) parts.usage.completion = usage.completion_tokens;
    const cached = usage.prompt_tokens_details?.cached_tokens;
    if (cached !== undefined) parts.usage.cached = cached;
  }
  const own = timings && engineTimings(timings);
  if (own) parts.timings = own;
  const speed = sane(timings?.predicted_per_second, MAX_PER_SECOND);
  if (speed) parts.perSecond = speed;
  const choice = choices?.find((c) => (c.index ?? 0) === 0);
  if (!choice) return parts;
  parts.content = choice.delta?.content ?? '';
  parts.reasoning = choice.delta?.reasoning_content || choice.delta?.reasoning || '';
  if (choice.finish_reason) parts.finish = choice.finish_reason;
  return parts;
}

type RawTimings = {
  cache_n?: number | undefined;
  prompt_n?: number | undefined;
  prompt_ms?: number | undefined;
  predicted_n?: number | undefined;
  predicted_ms?: number | undefined;
};

/** The timings' counts and times, those that are there; undefined when none is. */
function engineTimings(t: RawTimings): EngineTimings | undefined {
  const out: EngineTimings = {};
  if (t.cache_n !== undefined) out.cached = t.cache_n;
  if (t.prompt_n !== undefined) out.evaluated = t.prompt_n;
  if (t.prompt_ms !== undefined) out.promptMs = t.prompt_ms;
  if (t.predicted_n !== undefined) out.predicted = t.predicted_n;
  if (t.predicted_ms !== undefined) out.predictedMs = t.predicted_ms;
  return Object.keys(out).length ? out : undefined;
}
