/**
 * A streamed chat completion on an OpenAI-compatible engine, under the same rules as Ollama
 * generations: the caller's signal closes the request at once (the engine sees the client go and
 * stops generating), and a stall — nothing from the engine for `stallTimeoutMs`, while it
 * answers, reads the prompt (or loads the model) or between tokens — stops it with an error naming
 * the phase and the setting, so the next model or host can be tried.
 */
import { cancelledText } from '../../util/stopping.js';
import { bodyReader } from '../http-fetch.js';
import { quoted } from '../../util/shorten.js';
import { EngineError, connectionFailure, readErrorBody, saysModelMissing } from './openai-errors.js';
import { type Failures, seconds } from './openai-failures.js';
import { type ChatRequest, type ChatResult, ChatStream } from './openai-stream.js';
import type { AnswerFormat } from '../engine.js';

type Json = Record<string, unknown>;

export interface ChatDeps {
  failures: Failures;
  /** POSTs JSON to a path under the API base; settles with the answer's head. */
  post(path: string, body: unknown, signal: AbortSignal): Promise<{ res: Response; what: string }>;
  /** The models served, or undefined when they cannot be listed now. */
  served(signal: AbortSignal): Promise<readonly string[] | undefined>;
  /** The start of a body, at most `limit` bytes. */
  readCapped(res: Response, limit: number): Promise<string>;
  /** The same, and whether there was more. */
  readBody(res: Response, limit: number): Promise<{ text: string; more: boolean }>;
}

/** An image as an image_url: a data URL from base64, with the type read from its first bytes. */
function imageURL(image: string): string {
  if (/^(data:|https?:\/\/)/i.test(image)) return image;
  const type = image.startsWith('/9j/')
    ? 'image/jpeg'
    : image.startsWith('R0lGOD')
      ? 'image/gif'
      : image.startsWith('UklGR')
        ? 'image/webp'
        : 'image/png';
  return `data:${type};base64,${image}`;
}

/**
 * The answer's shape as chat APIs take it: `json_object` for any JSON, else `json_schema` with a
 * name (OpenAI requires one; llama-server reads `json_schema.schema`). Not `strict`: OpenAI's strict
 * mode refuses schemas that leave properties optional, and the answer is validated here anyway.
 */
function responseFormat(format: AnswerFormat): Json {
  return format === 'json'
    ? { type: 'json_object' }
    : { type: 'json_schema', json_schema: { name: 'answer', schema: format } };
}

function chatBody(req: ChatRequest): Json {
  const user = req.images?.length
    ? [
        { type: 'text', text: req.prompt },
        ...req.images.map((img) => ({ type: 'image_url', image_url: { url: imageURL(img) } })),
      ]
    : req.prompt;
  return {
    model: req.model,
    messages: [...(req.system ? [{ role: 'system', content: req.system }] : []), { role: 'user', content: user }],
    max_tokens: req.maxTokens,
    ...(req.temperature !== undefined && { temperature: req.temperature }),
    ...(req.topP !== undefined && { top_p: req.topP }),
    ...(req.format !== undefined && { response_format: responseFormat(req.format) }),
    ...(req.cacheSalt !== undefined && { cache_salt: req.cacheSalt }),
    stream: true,
    stream_options: { include_usage: true },
  };
}

/** After the answer is complete, how long the rest of the body (usage, [DONE]) may take. */
const TAIL_MS = 1000;
const ERROR_BODY_BYTES = 64 * 1024;
const WHOLE_BODY_BYTES = 16 * 1024 * 1024;

export async function streamChat(d: ChatDeps, req: ChatRequest): Promise<ChatResult> {
  const f = d.failures;
  const label = `generation on ${quoted(req.model)}`;
  if (req.signal?.aborted) throw f.make('aborted', cancelledText(`${label} on ${f.ref.name}`, req.signal));
  const started = performance.now();
  const stall = new AbortController();
  const signal = req.signal ? AbortSignal.any([req.signal, stall.signal]) : stall.signal;
  const acc = new ChatStream(f, req, started);
  let answered = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), ms);
    timer.unref();
  };
  arm(req.stallTimeoutMs);
  try {
    const { res, what } = await d.post('/chat/completions', chatBody(req), signal);
    answered = true;
    await read(d, req, res, what, acc, signal, (finished) =>
      arm(finished ? Math.min(TAIL_MS, req.stallTimeoutMs) : req.stallTimeoutMs),
    );
  } catch (err) {
    // a stall after the answer was complete only cut off its tail
    const tailOnly = acc.finished && !acc.failure && stall.signal.aborted && !req.signal?.aborted;
    if (!tailOnly) throw failure(f, req, err, { label, answered, acc, stalled: stall.signal.aborted });
  } finally {
    clearTimeout(timer);
  }
  return acc.result();
}

async function read(
  d: ChatDeps,
  req: ChatRequest,
  res: Response,
  what: string,
  acc: ChatStream,
  signal: AbortSignal,
  rearm: (finished: boolean) => void,
): Promise<void> {
  const contentType = res.headers.get('content-type');
  if (!res.ok) {
    const text = await d.readCapped(res, ERROR_BODY_BYTES);
    const ask = res.status === 404 || saysModelMissing(res.status, readErrorBody(text));
    const served = ask ? await d.served(signal) : undefined;
    throw d.failures.fromHttp({
      status: res.status,
      headers: res.headers,
      text,
      what,
      model: req.model,
      ...(served && { served }),
    });
  }
  if (/json/i.test(contentType ?? '')) {
    const { text, more } = await d.readBody(res, WHOLE_BODY_BYTES);
    if (more)
      throw d.failures.make(
        'bad_response',
        `${d.failures.who} answered ${what} with more than ${WHOLE_BODY_BYTES >> 20} MiB, which no ` +
          `answer needs, so it was not read further — check its baseURL (${d.failures.ref.shownURL}).`,
      );
    acc.whole(text, what, contentType);
    return;
  }
  if (/html/i.test(contentType ?? ''))
    throw d.failures.notOpenAI(what, await d.readCapped(res, 4096), contentType, res.status);
  const reader = bodyReader(res); // read once
  if (!reader) throw d.failures.notOpenAI(what, '', contentType, res.status);
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const events = acc.events;
      acc.feed(decoder.decode(value, { stream: true }));
      if (acc.failure) throw acc.failure;
      if (acc.cut) {
        // an engine that ignores max_tokens is stopped here: closing the stream stops its generation
        await reader.cancel().catch(() => undefined);
        return;
      }
      if (acc.events > events) rearm(acc.finished);
    }
    acc.feed(decoder.decode());
    acc.end(what, contentType);
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  }
}

interface FailureContext {
  label: string;
  answered: boolean;
  acc: ChatStream;
  stalled: boolean;
}

function failure(f: Failures, req: ChatRequest, err: unknown, c: FailureContext): EngineError {
  if (req.signal?.aborted) return f.make('aborted', cancelledText(`${c.label} on ${f.ref.name}`, req.signal));
  if (c.stalled) {
    const phase = !c.answered
      ? 'while waiting for it to answer'
      : c.acc.tokens === 0
        ? 'while waiting for the first token'
        : `after ${c.acc.tokens} tokens`;
    return f.make(
      'timeout',
      `${quoted(req.model)} on ${f.who} sent nothing for ${seconds(req.stallTimeoutMs)} ${phase} ` +
        `and was stopped — it may be loading the model or overloaded; raise ` +
        `${f.ref.settingsPath}.stallTimeoutMs if it is just slow.`,
    );
  }
  if (err instanceof EngineError) return err;
  if (!c.answered) return f.fromThrown(err, { what: c.label, signal: req.signal });
  const why = connectionFailure(err) ?? f.engineText(String((err as Error)?.message ?? err), 100);
  return f.make(
    'server_error',
    `The stream from ${f.who} broke off after ${c.acc.tokens} tokens (${why}) — try again, or ` +
      `check ${f.ref.name}'s logs.`,
  );
}
