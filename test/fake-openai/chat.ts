/**
 * POST /v1/chat/completions of the fake: OpenAI's request checks and answers. The reply is split
 * into one chunk per whitespace-separated word (with its trailing space); `max_completion_tokens`
 * (or `max_tokens`) cuts it with finish_reason "length". A stream is: a role chunk, one chunk per
 * word (reasoning words first, as `reasoning_content`), a chunk with finish_reason, the usage
 * chunk (see UsageMode), `data: [DONE]`. Prompt tokens are the words of the messages' texts and
 * the images. With a prefix cache (prefix-cache.ts) the prompt is read through it, and with
 * `promptTokensDetails` its usage says `prompt_tokens_details.cached_tokens`, as vLLM started with
 * --enable-prompt-tokens-details does (chat_completion/serving.py _make_prompt_tokens_details).
 */
import { ApiError, type Exchange, type Json, sleep } from './exchange.js';
import type { FakeModelSpec, ReplyContext, ReplyValue, StreamBreak, UsageMode } from './types.js';
import { formatAnswer } from '../helpers/format-answer.js';

export interface ChatDeps {
  model(id: string): FakeModelSpec | undefined;
  loading(): boolean;
  tokenDelayMs: number;
  usage: UsageMode;
  timings: boolean;
  /** usage.prompt_tokens_details.cached_tokens in every usage (vLLM's --enable-prompt-tokens-details). */
  promptTokensDetails: boolean;
  /** The prompt's tokens read through the model's prefix cache: those it held already; undefined without a cache. */
  readPrompt(model: string, tokens: readonly string[], salt?: string): number | undefined;
  reply(ctx: ReplyContext): ReplyValue;
  takeBreak(): StreamBreak | undefined;
  streamStarted(): void;
  streamCompleted(): void;
  streamBroken(): void;
  contextRefused(): void;
  nextId(): string;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const words = (s: string): string[] => s.match(/\S+\s*/g) ?? [];
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/**
 * The texts of the messages, checking each as OpenAI does; counts image parts. `tokens`: the
 * prompt's tokens in order — each word and image, marked with its message's place and role (what
 * the prefix cache hashes).
 */
function readMessages(
  messages: unknown,
  vision: boolean,
  model: string,
): { texts: string[]; images: number; tokens: string[] } {
  if (!Array.isArray(messages) || messages.length === 0)
    throw new ApiError(400, "[] is too short - 'messages'", 'invalid_request_error', null, 'messages');
  const texts: string[] = [];
  const tokens: string[] = [];
  let images = 0;
  messages.forEach((m: unknown, i) => {
    if (!isObject(m) || typeof m['role'] !== 'string' || !ROLES.has(m['role'])) {
      throw new ApiError(
        400,
        `Invalid value for 'messages[${i}].role'.`,
        'invalid_request_error',
        'invalid_value',
        `messages[${i}].role`,
      );
    }
    const content = m['content'];
    const text = (t: string) => {
      texts.push(t);
      for (const w of words(t)) tokens.push(`${i}:${String(m['role'])}:${w}`);
    };
    if (typeof content === 'string') return text(content);
    if (!Array.isArray(content))
      throw new ApiError(
        400,
        `Invalid type for 'messages[${i}].content'.`,
        'invalid_request_error',
        'invalid_type',
        `messages[${i}].content`,
      );
    content.forEach((p: unknown, j) => {
      const at = `messages[${i}].content[${j}]`;
      if (isObject(p) && p['type'] === 'text' && typeof p['text'] === 'string') return text(p['text']);
      const url =
        isObject(p) && p['type'] === 'image_url' && isObject(p['image_url']) ? p['image_url']['url'] : undefined;
      if (typeof url !== 'string')
        throw new ApiError(400, `Invalid content part '${at}'.`, 'invalid_request_error', 'invalid_value', at);
      if (!/^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/]+=*$/i.test(url) && !/^https?:\/\//i.test(url)) {
        throw new ApiError(
          400,
          `Invalid image URL in '${at}': expected a data:image/…;base64 URL or an http(s) URL.`,
          'invalid_request_error',
          'invalid_image_url',
          at,
        );
      }
      if (!vision)
        throw new ApiError(400, `image input is not supported by model '${model}'`, 'invalid_request_error', null, at);
      images++;
      tokens.push(`${i}:${String(m['role'])}:image:${url}`);
    });
  });
  return { texts, images, tokens };
}

/**
 * The answer's format from response_format, checked as OpenAI does: type text, json_object, or
 * json_schema with `json_schema.name` (^[a-zA-Z0-9_-]{1,64}$) and an optional `schema` object.
 */
function responseFormatOf(body: Json): 'json' | Record<string, unknown> | undefined {
  const rf = body['response_format'];
  if (rf === undefined || rf === null) return undefined;
  const bad = (message: string, param = 'response_format') =>
    new ApiError(400, message, 'invalid_request_error', 'invalid_value', param);
  if (!isObject(rf)) throw bad("Invalid type for 'response_format': expected an object.");
  if (rf['type'] === 'text') return undefined;
  if (rf['type'] === 'json_object') return 'json';
  if (rf['type'] !== 'json_schema')
    throw bad(
      `Invalid value: '${String(rf['type'])}'. Supported values are: 'text', 'json_object', and 'json_schema'.`,
      'response_format.type',
    );
  const js = rf['json_schema'];
  if (!isObject(js))
    throw bad("Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema');
  if (typeof js['name'] !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(js['name']))
    throw bad("Missing required parameter: 'response_format.json_schema.name'.", 'response_format.json_schema.name');
  if (js['schema'] !== undefined && !isObject(js['schema']))
    throw bad(
      "Invalid type for 'response_format.json_schema.schema': expected an object.",
      'response_format.json_schema.schema',
    );
  return isObject(js['schema']) ? js['schema'] : 'json';
}

/**
 * vLLM's `cache_salt` (protocol.py check_cache_salt_support: a non-empty string, else 400); an engine
 * that does not know the field refuses it, as OpenAI's own API refuses any argument it does not know.
 */
function cacheSaltOf(body: Json, vllm: boolean): string | undefined {
  const salt = body['cache_salt'];
  if (salt === undefined || salt === null) return undefined;
  if (!vllm)
    throw new ApiError(
      400,
      'Unrecognized request argument supplied: cache_salt',
      'invalid_request_error',
      null,
      'cache_salt',
    );
  if (typeof salt !== 'string' || salt === '')
    throw new ApiError(
      400,
      "Parameter 'cache_salt' must be a non-empty string if provided.",
      'invalid_request_error',
      null,
      'cache_salt',
    );
  return salt;
}

function positiveInt(body: Json, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ApiError(
      400,
      `Invalid '${field}': expected an integer >= 1.`,
      'invalid_request_error',
      'invalid_value',
      field,
    );
  return v;
}

export async function chatCompletions(d: ChatDeps, ex: Exchange, body: unknown): Promise<void> {
  if (!isObject(body))
    throw new ApiError(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't " +
        'using your HTTP library correctly.)',
    );
  const id = body['model'];
  if (typeof id !== 'string' || id === '')
    throw new ApiError(400, 'you must provide a model parameter', 'invalid_request_error', null, 'model');
  if (d.loading()) throw new ApiError(503, 'Loading model', 'unavailable_error', 503);
  const model = d.model(id);
  if (!model)
    throw new ApiError(404, `The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model');
  const { texts, images, tokens } = readMessages(body['messages'], model.vision ?? false, id);
  const limit = positiveInt(body, 'max_completion_tokens') ?? positiveInt(body, 'max_tokens');
  const temperature = body['temperature'];
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 2)) {
    throw new ApiError(
      400,
      `Invalid 'temperature': expected a number between 0 and 2.`,
      'invalid_request_error',
      'invalid_value',
      'temperature',
    );
  }
  const stream = body['stream'] === true;
  if (body['stream_options'] !== undefined && body['stream_options'] !== null && !stream) {
    throw new ApiError(
      400,
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'invalid_request_error',
      null,
      'stream_options',
    );
  }
  const includeUsage = isObject(body['stream_options']) && body['stream_options']['include_usage'] === true;
  const salt = cacheSaltOf(body, model.ownedBy === 'vllm');

  const format = responseFormatOf(body);
  const value = d.reply({ model: id, messages: body['messages'] as unknown[], body });
  const given = typeof value === 'string' ? { content: value } : value;
  // constrained to the format asked for, as OpenAI's structured outputs are
  const reply = format === undefined ? given : { ...given, content: formatAnswer(given.content, format) };
  const reasoning = words(reply.reasoning ?? '');
  let content = words(reply.content);
  let finish = 'stop';
  if (limit !== undefined && content.length > limit) {
    content = content.slice(0, limit);
    finish = 'length';
  }
  const usage: Json & { prompt_tokens: number; completion_tokens: number; total_tokens: number } = {
    prompt_tokens: texts.reduce((n, t) => n + words(t).length, 0) + images,
    completion_tokens: reasoning.length + content.length,
    total_tokens: 0,
  };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  // over the window the model runs with: refused before anything is generated, as llama-server does
  // (server-context.cpp `if (slot.task->n_tokens() >= slot.n_ctx)` → ERROR_TYPE_EXCEED_CONTEXT_SIZE, HTTP 400)
  if (model.nCtx !== undefined && usage.prompt_tokens >= model.nCtx) {
    d.contextRefused();
    const n = usage.prompt_tokens;
    const message = `request (${n} tokens) exceeds the available context size (${model.nCtx} tokens), try increasing it`;
    return ex.json(400, {
      error: { code: 400, message, type: 'exceed_context_size_error', n_prompt_tokens: n, n_ctx: model.nCtx },
    });
  }
  // read through the prefix cache once admitted: what it held is reported (0 without a cache, as vLLM run
  // with --no-enable-prefix-caching)
  const cached = d.readPrompt(id, tokens, salt);
  if (d.promptTokensDetails) usage['prompt_tokens_details'] = { cached_tokens: cached ?? 0 };
  const created = Math.floor(Date.now() / 1000);
  const base = { id: d.nextId(), created, model: id, system_fingerprint: 'fp_fake' };
  // llama-server's timings (server-task.cpp result_timings::to_json): reading the prompt is the first delay,
  // writing the rest; nothing cached
  const timings = (promptMs: number, predictedMs: number) => {
    if (!d.timings) return {};
    const n = usage.completion_tokens;
    const p = usage.prompt_tokens;
    return {
      timings: {
        cache_n: 0,
        prompt_n: p,
        prompt_ms: promptMs,
        prompt_per_token_ms: p ? promptMs / p : 0,
        prompt_per_second: promptMs > 0 ? (1e3 / promptMs) * p : 0,
        predicted_n: n,
        predicted_ms: predictedMs,
        predicted_per_token_ms: n ? predictedMs / n : 0,
        predicted_per_second: predictedMs > 0 ? (1e3 / predictedMs) * n : 0,
      },
    };
  };

  if (!stream) {
    await sleep(d.tokenDelayMs * (1 + reasoning.length + content.length), ex.signal);
    const message = {
      role: 'assistant',
      content: content.join(''),
      ...(reasoning.length && { reasoning_content: reasoning.join('') }),
    };
    return ex.json(200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
      usage,
      ...timings(d.tokenDelayMs, d.tokenDelayMs * (reasoning.length + content.length)),
    });
  }

  const brk = d.takeBreak();
  const nullUsage = includeUsage && d.usage === 'separate' ? { usage: null } : {};
  const chunk = (delta: Json, finishReason: string | null = null, extra: Json = {}): Json => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...nullUsage,
    ...extra,
  });
  d.streamStarted();
  ex.event(chunk({ role: 'assistant', content: '' }));
  const reading = performance.now();
  await sleep(d.tokenDelayMs, ex.signal);
  const writing = performance.now();
  const deltas = [...reasoning.map((t) => ({ reasoning_content: t })), ...content.map((t) => ({ content: t }))];
  for (let i = 0; i < deltas.length; i++) {
    if (brk && i === brk.afterChunks) return breakStream(d, ex, brk);
    if (ex.closed) return;
    ex.event(chunk(deltas[i]!));
    await sleep(d.tokenDelayMs, ex.signal);
  }
  if (brk) return breakStream(d, ex, brk);
  if (ex.closed) return;
  ex.event(
    chunk({}, finish, {
      ...(d.usage === 'final' && { usage }),
      ...timings(writing - reading, performance.now() - writing),
    }),
  );
  if (includeUsage && d.usage === 'separate')
    ex.event({ ...base, object: 'chat.completion.chunk', choices: [], usage });
  ex.event('[DONE]');
  d.streamCompleted();
  ex.end();
}

async function breakStream(d: ChatDeps, ex: Exchange, brk: StreamBreak): Promise<void> {
  if (ex.closed) return;
  const message = brk.message ?? 'the engine failed while generating';
  switch (brk.how) {
    case 'stall':
      // silent until the client goes (its close counts as an aborted stream) or the server stops
      await new Promise<void>((resolve) =>
        ex.signal.aborted ? resolve() : ex.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      return;
    case 'reset':
      d.streamBroken();
      ex.reset();
      return;
    case 'error':
      d.streamBroken();
      ex.event({ error: { message, type: 'server_error', param: null, code: 500 } });
      ex.event('[DONE]');
      break;
    case 'error-field':
      d.streamBroken();
      ex.write(`error: ${JSON.stringify({ code: 500, message, type: 'server_error' })}\n\n`);
      break;
    case 'end':
      d.streamBroken();
      break;
  }
  ex.broken = true;
  ex.end();
}
