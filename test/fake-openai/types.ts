/** Options, records and injectable failures of the fake OpenAI-compatible server. */

export interface FakeModelSpec {
  id: string;
  /** `owned_by` in /v1/models; default "fake-openai". */
  ownedBy?: string;
  /** `max_model_len` in /v1/models, as vLLM reports its window; left out by default (most engines say nothing). */
  maxModelLen?: number;
  /** Accepts image_url parts (else they are refused with 400, as text-only engines do). */
  vision?: boolean;
  /** Unix seconds; default the server's start time. */
  created?: number;
  /**
   * `meta.n_ctx_train` in /v1/models, as llama-server lists its model (tools/server/server-context.cpp
   * `model_meta()`): the trained window.
   */
  nCtxTrain?: number;
  /**
   * The window the engine runs the model with (one slot's). A prompt of that many tokens or more is
   * refused as llama-server refuses it (server-context.cpp: `if (slot.task->n_tokens() >= slot.n_ctx)`
   * send_error(…, ERROR_TYPE_EXCEED_CONTEXT_SIZE)): HTTP 400 with
   * {"error":{"code":400,"message":"request (N tokens) exceeds the available context size (M tokens), try
   * increasing it",
   * "type":"exceed_context_size_error","n_prompt_tokens":N,"n_ctx":M}} (server-common.cpp format_error_response: 400;
   * server-task.cpp server_task_result_error::to_json adds n_prompt_tokens and n_ctx).
   */
  nCtx?: number;
  /**
   * Where the engine says `nCtx`: 'meta' — `meta.n_ctx` beside the rest in /v1/models, as llama-swap does
   * (internal/server/api.go handleListModels: `rec.Meta["n_ctx"] = rec.ContextLength`); 'props' — GET /props
   * `default_generation_settings.n_ctx`, as a single llama-server does (server-context.cpp get_props:
   * `{"n_ctx", meta.slot_n_ctx}`); 'none' (default) — only its refusals say it.
   */
  saysNCtx?: 'meta' | 'props' | 'none';
}

export const DEFAULT_OPENAI_MODELS: readonly FakeModelSpec[] = [
  { id: 'Qwen/Qwen2.5-Coder-7B-Instruct', ownedBy: 'vllm' },
  { id: 'meta-llama/Llama-3.2-3B-Instruct', ownedBy: 'vllm' },
  { id: 'Qwen/Qwen2.5-VL-7B-Instruct', ownedBy: 'vllm', vision: true },
];

/**
 * GET /health: 'ok' → 200 {"status":"ok"} (llama-server); 'missing' → 404 (engines without it);
 * 'loading' → 503 {"status":"loading model"}, and chat completions answer 503 "Loading model" as
 * llama-server does while it loads (the model list still answers).
 */
export type HealthMode = 'ok' | 'missing' | 'loading';

/**
 * Where usage goes in a stream: 'separate' — a last chunk with empty `choices`, only when
 * `stream_options.include_usage` is set, and `"usage":null` on the others (OpenAI, vLLM);
 * 'final' — in the chunk with finish_reason, always (llama-server); 'none' — never.
 */
export type UsageMode = 'separate' | 'final' | 'none';

export interface ReplyContext {
  model: string;
  messages: unknown[];
  body: Record<string, unknown>;
}
/** A reply: the answer text, or the answer with reasoning streamed first as `delta.reasoning_content`. */
export type ReplyValue = string | { content: string; reasoning?: string };
export type ReplyFn = (ctx: ReplyContext) => ReplyValue;

export interface FakeOpenAIOptions {
  port?: number;
  /** Models served (strings are ids of text models); default DEFAULT_OPENAI_MODELS. */
  models?: ReadonlyArray<string | FakeModelSpec>;
  /** Require `Authorization: Bearer <apiKey>` on every route under basePath (not /health). */
  apiKey?: string;
  health?: HealthMode;
  /** Where the API lives; default "/v1". */
  basePath?: string;
  /** Delay before the first chunk and between chunks (ms); default 2. */
  tokenDelayMs?: number;
  reply?: string | ReplyValue | ReplyFn;
  usage?: UsageMode;
  /** Add llama-server's `timings` (predicted_per_second …) to the finishing chunk. */
  timings?: boolean;
  /**
   * The load figures it publishes at its root (test/fake-openai/load.ts): 'vllm' or 'sglang' —
   * /metrics; 'llama-server' — /metrics and /slots (`slots` of them); 'llama-swap' — /running
   * (every model ready) and each model's llama-server /metrics through /upstream/<id>/; 'garbage' —
   * /metrics and /slots answering 200 with a web page. Default none: 404 there, as LM Studio.
   */
  publishes?: 'vllm' | 'sglang' | 'llama-server' | 'llama-swap' | 'garbage';
  /** Slots of a published llama-server's /slots; default 1. */
  slots?: number;
  /**
   * vLLM's automatic prefix caching (prefix-cache.ts): each model's prompts read through one pool of
   * blocks shared by every request, `blockSize` tokens each (default 16), at most `blocks` held
   * (default 8192), the least recently used going first. Off by default: nothing is held.
   */
  prefixCache?: boolean | { blockSize?: number; blocks?: number };
  /**
   * Say in every usage what the cache held: `prompt_tokens_details: {cached_tokens}` (0 without a
   * prefix cache), as vLLM does only when started with --enable-prompt-tokens-details. Default off.
   */
  promptTokensDetails?: boolean;
}

/** One prompt read through the prefix cache (FakeOpenAI.prefixReads). */
export interface PrefixRead {
  model: string;
  promptTokens: number;
  /** Of them, those the cache held already. */
  cachedTokens: number;
  /** The request's cache_salt, when it had one. */
  salt?: string;
}

/** Answered at once, before anything else, by the next request to a path. */
export interface InjectedFailure {
  status: number;
  /** OpenAI's error fields (defaults by status); ignored when `body` is given. */
  message?: string;
  type?: string;
  code?: string | number | null;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
  /** A raw body instead of OpenAI's error object (e.g. a proxy's HTML page). */
  body?: string;
  /** Content type of `body`; default text/html. */
  contentType?: string;
}

/**
 * How the next stream breaks after `afterChunks` content chunks: 'end' — the body ends without
 * finish_reason or [DONE]; 'reset' — the connection is destroyed; 'stall' — nothing more is sent
 * until the client goes; 'error' — `data: {"error":…}` then `data: [DONE]` (vLLM); 'error-field'
 * — an `error: {…}` line, then the end (llama-server).
 */
export interface StreamBreak {
  afterChunks: number;
  how: 'end' | 'reset' | 'stall' | 'error' | 'error-field';
  message?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-case names; the Authorization value is replaced by "Bearer [redacted]". */
  headers: Record<string, string>;
  /** 'valid'/'invalid' when an apiKey is required, else 'unchecked'; 'none' when no bearer was sent. */
  auth: 'none' | 'valid' | 'invalid' | 'unchecked';
  /** Parsed JSON, the raw text when not JSON, undefined when empty. */
  body: unknown;
  at: number;
}

export interface FakeOpenAIStats {
  /** Requests per path, e.g. {"/v1/models": 2}. */
  paths: Record<string, number>;
  streams: {
    started: number;
    /** Ended with [DONE]. */
    completed: number;
    /** The client closed the stream before it ended. */
    aborted: number;
    /** Broken on purpose (breakNextStream). */
    broken: number;
  };
  /** Chat requests refused because the prompt was over the model's runtime window (nCtx). */
  contextRefusals: number;
  /** TCP connections accepted. */
  connections: number;
}

/** An nginx 502 page, as a proxy in front of a stopped engine answers. */
export const PROXY_502_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad ' +
  'Gateway</h1></center>\r\n<hr><center>nginx/1.27.4</center>\r\n</body>\r\n</html>\r\n';
