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
  usage?: { prompt?: number; completion?: number };
  /** llama-server's `timings.predicted_per_second`. */
  perSecond?: number;
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
    usage: z.object({ prompt_tokens: optionalCount, completion_tokens: optionalCount }).nullish(),
    timings: z.object({ predicted_per_second: optionalCount }).nullish().catch(undefined),
  });
}
const streamed = schema(TOKEN_TEXT);
const whole = schema(Number.MAX_SAFE_INTEGER);

/** What one chunk says, or why it is not a chunk. */
export function readChunk(json: Record<string, unknown>, opts: { whole?: boolean } = {}): ChunkParts | { problem: string } {
  const out = (opts.whole ? whole : streamed).safeParse(json);
  if (!out.success) return { problem: firstIssue(out.error, json) };
  const { choices, usage, timings } = out.data;
  if (!choices && !usage) return { problem: '"choices" is missing' };
  const parts: ChunkParts = { content: '', reasoning: '' };
  if (usage) {
    parts.usage = {};
    if (usage.prompt_tokens !== undefined) parts.usage.prompt = usage.prompt_tokens;
    if (usage.completion_tokens !== undefined) parts.usage.completion = usage.completion_tokens;
  }
  const speed = sane(timings?.predicted_per_second, MAX_PER_SECOND);
  if (speed) parts.perSecond = speed;
  const choice = choices?.find((c) => (c.index ?? 0) === 0);
  if (!choice) return parts;
  parts.content = choice.delta?.content ?? '';
  parts.reasoning = choice.delta?.reasoning_content || choice.delta?.reasoning || '';
  if (choice.finish_reason) parts.finish = choice.finish_reason;
  return parts;
}
