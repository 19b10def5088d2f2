/**
 * One chat completion as OpenAI-compatible engines stream it (server-sent events): the reading of
 * `chat.completion.chunk` events into text, reasoning, usage and a finish reason, gathered into the
 * answer by openai-answer.ts. Engines differ in small ways, all read here:
 *   - usage in a last chunk with empty `choices` (OpenAI, vLLM), in the finishing chunk
 *     (llama-server), in every chunk (vLLM's continuous usage), or not at all (then estimated);
 *   - reasoning as `delta.reasoning_content` (vLLM, llama-server, LM Studio) or `delta.reasoning`;
 *   - llama-server's `timings.predicted_per_second`, used for tokens/s when present;
 *   - an error after streaming began: `data: {"error":…}` (vLLM), an `error:` line (llama-server),
 *     or an `event: error`;
 *   - an engine that ignored `stream: true` and answered one chat.completion object.
 */
import { createParser, type EventSourceMessage, type EventSourceParser, type ParseError } from 'eventsource-parser';
import { log } from '../../util/log.js';
import { quoted } from '../../util/shorten.js';
import { readChunk } from './openai-chunk.js';
import { StreamedAnswer } from './openai-answer.js';
import { type EngineError, type ErrorBody, errorFields, readErrorBody } from './openai-errors.js';
import { contextRefusal } from './context-limit.js';
import type { ChatRequest, ChatResult } from './openai-types.js';
import type { Failures } from './openai-failures.js';

export type { ChatRequest, ChatResult } from './openai-types.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The largest single event accepted (a stream event is one token or so). */
const MAX_EVENT_CHARS = 1 << 20;
/** Chunks of the wrong shape tolerated in one stream; the next one stops it. */
const MAX_BAD = 5;
/** Events with no text tolerated in one answer (a real one has a few: the role, the finish, the usage). */
const EMPTY_EVENTS = 256;

export class ChatStream {
  /** Events parsed (comments such as keep-alive pings are not events). */
  events = 0;
  done = false;
  failure: EngineError | undefined;
  /** The answer gathered so far (openai-answer.ts). */
  private readonly answer: StreamedAnswer;
  private head = '';
  private ending = false;
  private bad = 0;
  private firstBad = '';
  private readonly parser: EventSourceParser;

  constructor(
    private readonly f: Failures,
    private readonly req: ChatRequest,
    started: number,
  ) {
    this.answer = new StreamedAnswer(req, started);
    this.parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (ev) => this.onEvent(ev),
      onError: (err) => this.onParseError(err),
    });
  }

  /** Tokens seen (answer and reasoning deltas). */
  get tokens(): number {
    return this.answer.tokens;
  }

  /** maxTokens reached, whatever the engine does: the answer ends there and the caller stops reading. */
  get cut(): boolean {
    return this.answer.cut;
  }

  /** The answer is complete: [DONE] or a finish_reason arrived. */
  get finished(): boolean {
    return this.done || this.answer.finishReason !== undefined;
  }

  feed(chunk: string): void {
    if (this.head.length < 200) this.head += chunk.slice(0, 200);
    if (!this.failure) this.parser.feed(chunk);
  }

  /** The body ended: anything short of a finished answer is an error. */
  end(what: string, contentType: string | null): void {
    // a last event without its blank line (`data: [DONE]` at the very end) still counts
    this.ending = true;
    if (!this.failure) this.parser.feed('\n\n');
    if (this.bad > 0 && !this.failure)
      log.warn(
        `${this.f.who} sent ${this.bad} stream event${this.bad === 1 ? '' : 's'} that ` +
          `${this.bad === 1 ? 'is' : 'are'} not an OpenAI chunk (the first: ${this.firstBad}); skipped.`,
      );
    if (this.failure) throw this.failure;
    if (this.events === 0) throw this.f.notOpenAI(what, this.head, contentType);
    if (!this.finished) {
      throw this.f.make(
        'server_error',
        `The stream from ${this.f.who} ended after ${this.tokens} tokens without finishing (no ` +
          `finish_reason, no [DONE]) — ${this.f.ref.name} or a proxy cut it off; try again.`,
      );
    }
  }

  /** An engine that ignored `stream: true` answered one chat.completion object. */
  whole(body: string, what: string, contentType: string | null): void {
    let json: unknown;
    try {
      json = JSON.parse(body) as unknown;
    } catch {
      throw this.f.notOpenAI(what, body, contentType);
    }
    if (isObject(json) && (json['error'] !== undefined || json['object'] === 'error'))
      throw this.streamError(errorFields(json), body);
    const first: unknown = isObject(json) && Array.isArray(json['choices']) ? json['choices'][0] : undefined;
    const choice = isObject(first) ? first : {};
    const message = isObject(choice['message']) ? choice['message'] : undefined;
    if (!isObject(json) || !message || typeof message['content'] !== 'string')
      throw this.f.notOpenAI(what, body, contentType);
    const parts = readChunk(
      {
        usage: json['usage'],
        timings: json['timings'],
        choices: [{ index: 0, delta: message, finish_reason: choice['finish_reason'] ?? 'stop' }],
      },
      { whole: true },
    );
    if ('problem' in parts) throw this.badChunks(`an answer that is not OpenAI's: ${parts.problem}`);
    this.answer.add(parts, true);
    this.events++;
    this.done = true;
  }

  result(): ChatResult {
    return this.answer.result(this.f);
  }

  private onEvent(ev: EventSourceMessage): void {
    if (this.done || this.failure || this.cut) return;
    this.events++;
    if (ev.event === 'error') {
      this.failure = this.streamError(readErrorBody(ev.data), ev.data);
      return;
    }
    const data = ev.data.trim();
    if (data === '[DONE]') {
      this.done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data) as unknown;
    } catch {
      json = undefined;
    }
    if (!isObject(json)) {
      if (this.ending) return; // the body was cut off inside its last event
      this.failure = this.f.make(
        'bad_response',
        `${this.f.who} sent a stream event that is not an OpenAI chunk: ` +
          `${this.f.engineText(JSON.stringify(data.slice(0, 100)))}${data.length > 100 ? '…' : ''} — ` +
          `check its baseURL (${this.f.ref.shownURL}).`,
      );
      return;
    }
    if (json['error'] !== undefined || json['object'] === 'error') {
      this.failure = this.streamError(errorFields(json), data);
      return;
    }
    this.onChunk(json);
  }

  /** A chunk of the wrong shape is skipped; the MAX_BAD-th stops the stream, with one log line for them all. */
  private onChunk(json: Json): void {
    const parts = readChunk(json);
    if ('problem' in parts) {
      if (++this.bad === 1) this.firstBad = parts.problem;
      if (this.bad >= MAX_BAD)
        this.failure = this.badChunks(
          `${MAX_BAD} stream events that are not OpenAI chunks (the first: ${this.firstBad})`,
        );
      return;
    }
    this.answer.add(parts, false);
    if (!this.finished && this.events - this.tokens > EMPTY_EVENTS)
      this.failure = this.badChunks(`${this.events - this.tokens} stream events without text`);
  }

  /** The error for an engine whose chunks are not OpenAI's, logged once. */
  private badChunks(what: string): EngineError {
    const e = this.f.make(
      'bad_response',
      `${this.f.who} sent ${what}, so the stream was stopped — check its baseURL (${this.f.ref.shownURL}).`,
    );
    log.warn(e.message);
    return e;
  }

  private onParseError(err: ParseError): void {
    if (err.type === 'unknown-field' && err.field === 'error') {
      this.events++;
      this.failure ??= this.streamError(readErrorBody(err.value ?? ''), err.value ?? '');
    } else if (err.type === 'max-buffer-size-exceeded') {
      this.failure ??= this.f.make(
        'bad_response',
        `${this.f.who} sent a stream event over ${MAX_EVENT_CHARS >> 20} MiB, which no chat chunk ` +
          `needs — check its baseURL (${this.f.ref.shownURL}).`,
      );
    }
  }

  /** An error the engine reported after the stream began. */
  private streamError(body: ErrorBody, raw: string): EngineError {
    const { f, req } = this;
    const code = Number(body.code);
    const status = code >= 400 && code < 600 ? code : undefined;
    const said = body.message ? f.engineText(body.message) : f.engineText(JSON.stringify(raw.slice(0, 100)));
    const refusal = contextRefusal(status, raw);
    if (refusal) return f.windowRefusal(`generation on ${quoted(req.model)}`, refusal.limit, said, { status: 400 });
    const tooLong = /context|too long|maximum.{0,40}tokens/i.test(said);
    const kind =
      status === 429 ? 'rate_limited' : status !== undefined && status < 500 ? 'bad_request' : 'server_error';
    const next = tooLong
      ? 'shorten the prompt, lower maxTokens, or use a model with a larger context'
      : 'try again, or try another model';
    return f.make(
      kind,
      `${f.who} failed during generation on ${quoted(req.model)} after ${this.tokens} tokens: ${said} — ${next}.`,
      status !== undefined ? { status } : {},
    );
  }
}
