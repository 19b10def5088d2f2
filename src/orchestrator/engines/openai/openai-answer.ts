/**
 * The answer a chat stream gathers (openai-stream.ts reads its events): text and reasoning, cut
 * at maxTokens whatever the engine does, usage, speed and timings as the engine reports them, and
 * the ChatResult they make — token counts estimated where the engine sent none.
 */
import { quoted } from '../../util/shorten.js';
import type { ChunkParts, EngineTimings } from './openai-chunk.js';
import type { Failures } from './openai-failures.js';
import type { ChatRequest, ChatResult } from './openai-types.js';

/** A token is a few characters: past this many per token on average, the answer is cut as at maxTokens. */
const CHARS_PER_TOKEN = 256;

export class StreamedAnswer {
  text = '';
  thinking = '';
  /** Tokens seen (answer and reasoning deltas). */
  tokens = 0;
  finishReason: string | undefined;
  /**
   * maxTokens reached, whatever the engine does: the answer ends there (finish_reason "length") and
   * the caller stops reading. A chunk is about a token; reasoning counts too, allowed as much again.
   */
  cut = false;
  private firstAnswerAt = 0;
  private firstTokenAt = 0;
  private lastTokenAt = 0;
  private usage: { prompt?: number; completion?: number; cached?: number } | undefined;
  private perSecond: number | undefined;
  private timings: EngineTimings | undefined;
  /** Tokens and characters past which the answer is cut (maxTokens, whatever the engine does). */
  private readonly tokenLimit: number;
  private readonly charLimit: number;

  constructor(
    private readonly req: ChatRequest,
    private readonly started: number,
  ) {
    this.tokenLimit = req.maxTokens * 2 + 8;
    this.charLimit = this.tokenLimit * CHARS_PER_TOKEN;
  }

  /** The parts of one chunk (of the whole answer, when `whole`), passed on to the request's callbacks. */
  add(parts: ChunkParts, whole: boolean): void {
    if (parts.usage) this.usage = parts.usage;
    if (parts.perSecond) this.perSecond = parts.perSecond;
    if (parts.timings) this.timings = { ...this.timings, ...parts.timings };
    const room = this.charLimit - this.text.length - this.thinking.length;
    const content = parts.content.slice(0, Math.max(0, room));
    const reasoning = parts.reasoning.slice(0, Math.max(0, room - content.length));
    const now = performance.now();
    if (content) {
      if (!this.firstAnswerAt) this.firstAnswerAt = now;
      this.text += content;
    }
    if (reasoning) this.thinking += reasoning;
    if (content || reasoning) {
      if (!this.firstTokenAt) this.firstTokenAt = now;
      this.lastTokenAt = now;
      this.tokens++;
      this.req.onDelta?.({ ...(content && { text: content }), ...(reasoning && { thinking: reasoning }) });
      this.req.onToken?.(this.tokens);
    }
    const overLong = content.length < parts.content.length || reasoning.length < parts.reasoning.length;
    if (parts.finish && !overLong) this.finishReason = parts.finish;
    else if (overLong || (!whole && this.tokens >= this.tokenLimit)) {
      this.finishReason = 'length';
      this.cut = !whole;
    }
  }

  /** The answer made: an empty one is an error. */
  result(f: Failures): ChatResult {
    const req = this.req;
    const finish = this.finishReason ?? 'stop';
    if (this.text.trim() === '') {
      const why = this.thinking
        ? ' (it only produced reasoning)'
        : finish === 'length'
          ? ' (it reached maxTokens first)'
          : '';
      throw f.make(
        why ? 'server_error' : 'empty_answer',
        `${quoted(req.model)} on ${f.who} returned an empty answer${why} — raise maxTokens, or try another model.`,
      );
    }
    const now = performance.now();
    const completion = this.usage?.completion;
    const outputTokens = completion ?? this.tokens;
    const genSeconds = (this.lastTokenAt - this.firstTokenAt) / 1000;
    const estimated =
      Math.round((this.perSecond ?? (genSeconds > 0 && outputTokens > 1 ? (outputTokens - 1) / genSeconds : 0)) * 10) /
      10;
    const result: ChatResult = {
      text: this.text,
      promptTokens: this.usage?.prompt ?? Math.ceil(((req.system?.length ?? 0) + req.prompt.length) / 4),
      outputTokens,
      tokensPerSecond: estimated,
      timeToFirstTokenMs: Math.round((this.firstAnswerAt || now) - this.started),
      totalMs: Math.round(now - this.started),
      doneReason: finish,
      usageReported: completion !== undefined,
    };
    if (this.thinking) result.thinking = this.thinking;
    return Object.assign(result, this.ownTimes(now));
  }

  /**
   * Reading the prompt and generating, by the engine's own timings where it sends them
   * (llama-server), else the prompt by the wall clock to the first token; the prompt tokens its
   * cache held where it says (timings.cache_n, usage.prompt_tokens_details.cached_tokens).
   */
  private ownTimes(now: number): Pick<ChatResult, 'promptMs' | 'cachedPromptTokens' | 'generatingMs'> {
    const t = this.timings;
    const cached = t?.cached ?? this.usage?.cached;
    const firstToken = this.firstTokenAt || this.firstAnswerAt;
    const promptMs = t?.promptMs ?? (firstToken ? firstToken - this.started : undefined);
    return {
      ...(promptMs !== undefined && promptMs <= now - this.started + 1 && { promptMs }),
      ...(cached !== undefined && { cachedPromptTokens: cached }),
      ...(t?.predictedMs !== undefined && { generatingMs: t.predictedMs }),
    };
  }
}
