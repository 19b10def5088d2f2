/**
 * An OpenAI-compatible engine as a backend: vLLM, llama.cpp's llama-server, LM Studio, llama-swap,
 * SGLang, LiteLLM, Olla, or a hosted API. These engines load models themselves, so this backend
 * only lists models, checks health cheaply (openai-health.ts) and streams chat completions; it
 * plans no memory. The base URL is taken as users write it, its API base probed for when it has no
 * version segment (openai-base.ts). Requests carry the API key read at each call and are sent again
 * once when a kept-alive connection was reset (openai-send.ts). Every failure is an EngineError
 * naming the engine and the next step (openai-failures.ts).
 */
import { httpFetch } from '../http-fetch.js';
import { streamChat } from './openai-chat.js';
import { Failures } from './openai-failures.js';
import { raceAbort } from '../../util/race-abort.js';
import {
  MODEL_LIST_BYTES,
  readModelList,
  readPropsWindow,
  pathOf,
  readBody,
  readCapped,
  readHealth,
} from './openai-http.js';
import type { ChatRequest, ChatResult } from './openai-stream.js';
import { RuntimeWindows } from './openai-windows.js';
import { probeApi, readBase, serverRoot } from './openai-base.js';
import { checkHealth, type HealthResult } from './openai-health.js';
import { EngineRequests } from './openai-send.js';

export { EngineError } from './openai-errors.js';
export type { ChatRequest, ChatResult } from './openai-stream.js';

export interface OpenAIBackendOptions {
  /** The engine's name in settings and messages, e.g. "vllm". */
  name: string;
  /** e.g. "http://127.0.0.1:8000/v1" (with or without the trailing slash), or a base without /v1. */
  baseURL: string;
  /** The environment variable that holds the API key, if the engine needs one. */
  apiKeyEnv?: string;
  /** Time limit for model lists and health checks (ms); default 10 000. Generations watch for stalls instead. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /**
   * The health path at the server root (beside /v1); default "/health" (llama-server, vLLM,
   * SGLang, llama-swap). false skips it and checks /v1/models only — for LiteLLM, whose /health
   * calls every model.
   */
  healthPath?: string | false;
  /** Where this engine's settings live, to name them in advice; default `hosts.<name>`. */
  settingsPath?: string;
}

/** A llama-server's /props holds its chat template too: a few KiB, rarely more. */
const PROPS_BYTES = 1024 * 1024;

export class OpenAIBackend {
  readonly name: string;
  /** The base URL as configured, for messages and logs: no trailing slash, no credentials, no query. */
  readonly baseURL: string;
  /** host:port, for messages. */
  readonly host: string;
  readonly timeoutMs: number;
  readonly failures: Failures;
  private readonly requests: EngineRequests;
  private readonly search: string;
  /** The base URL requests go to (credentials in it kept). */
  private readonly base: string;
  private readonly healthURL: string | undefined;
  private api: string | undefined;
  private probing: Promise<string> | undefined;
  /** false once /health turned out not to exist here. */
  private hasHealth = true;
  private contexts = new Map<string, number>();
  /** The models served by vLLM at the last listing: a request to one carries its owner's `cache_salt`. */
  private salted = new Set<string>();
  /** The windows it runs its models with, said or learned from refusals (openai-windows.ts). */
  readonly windows = new RuntimeWindows();

  constructor(options: OpenAIBackendOptions) {
    const at = readBase(options.name, options.baseURL, options.healthPath);
    this.name = options.name;
    this.search = at.search;
    this.base = at.base;
    this.baseURL = at.shown;
    this.host = at.host;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.requests = new EngineRequests(options.fetch ?? httpFetch, options.apiKeyEnv);
    this.api = at.api;
    this.healthURL = at.healthURL;
    this.failures = new Failures(
      {
        name: this.name,
        host: this.host,
        shownURL: this.baseURL,
        settingsPath: options.settingsPath ?? `hosts.${this.name}`,
        ...(options.apiKeyEnv && { apiKeyEnv: options.apiKeyEnv }),
      },
      () => this.requests.key(),
    );
  }

  /** The model ids the engine serves (GET /v1/models). Cheap; the caller caches it. */
  listModels(opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    return this.call(
      `GET ${pathOf(this.api ?? `${this.base}/v1`)}/models`,
      async (signal) => {
        const api = await this.apiBase(signal);
        const what = `GET ${pathOf(api)}/models`;
        const res = await this.requests.get(`${api}/models${this.search}`, signal);
        const { text, more } = await readBody(res, MODEL_LIST_BYTES);
        if (!res.ok) throw this.failures.fromHttp({ status: res.status, headers: res.headers, text, what });
        if (more)
          throw this.failures.make(
            'bad_response',
            `${this.failures.who} answered ${what} with more than ${MODEL_LIST_BYTES >> 20} MiB, which ` +
              `no model list needs, so it was not read further — check its baseURL ` +
              `(${this.failures.ref.shownURL}).`,
          );
        const list = readModelList(text);
        if (!list) throw this.failures.notOpenAI(what, text, res.headers.get('content-type'), res.status);
        this.contexts = list.contexts;
        this.salted = new Set(list.vllm);
        this.windows.listing(list.runtime);
        // one model listed as a single llama-server lists it: the window it runs with is in its /props
        if (list.ids.length === 1 && list.llamaServer.length === 1) await this.readProps(list.ids[0]!, api, signal);
        return list.ids;
      },
      opts,
    );
  }

  /**
   * Whether requests to `model` can keep their cached prefixes apart by caller: vLLM's `cache_salt`
   * (requests share prefix blocks only under the same salt). No other engine is sent the field: one
   * that does not know it may refuse the request (OpenAI's own API does).
   */
  takesCacheSalt(model: string): boolean {
    return this.salted.has(model);
  }

  /** The context window the engine reported for a model at the last listing, where it does (trained or configured). */
  contextOf(model: string): number | undefined {
    return this.contexts.get(model);
  }

  /**
   * A single llama-server's /props (beside /v1), read at most once a minute; a failure leaves the window
   * unsaid and the listing whole.
   */
  private async readProps(id: string, api: string, signal: AbortSignal): Promise<void> {
    if (!this.windows.propsDue(id)) return;
    try {
      const res = await this.requests.get(`${serverRoot(api)}/props${this.search}`, signal);
      const { text, more } = await readBody(res, PROPS_BYTES);
      this.windows.propsRead(id, res.ok && !more ? readPropsWindow(text) : undefined);
    } catch {
      // not answered now: asked again at the next listing
    }
  }

  /**
   * A cheap check, never a generation: /health where the engine has it, else the model list
   * (openai-health.ts). Throws only when `signal` aborts.
   */
  health(opts: { signal?: AbortSignal } = {}): Promise<HealthResult> {
    return checkHealth(
      {
        failures: this.failures,
        name: this.name,
        healthURL: this.hasHealth ? this.healthURL : undefined,
        readHealth: (url) =>
          this.call(
            `GET ${pathOf(url)}`,
            async (signal) => readHealth(await this.requests.get(url, signal), this.failures),
            opts,
          ),
        noHealth: () => (this.hasHealth = false),
        listModels: () => this.listModels(opts),
        apiPath: () => pathOf(this.api ?? this.base),
      },
      opts.signal,
    );
  }

  /** One chat completion, streamed; see openai-chat.ts for cancellation and stalls. */
  streamChat(req: ChatRequest): Promise<ChatResult> {
    return streamChat(
      {
        failures: this.failures,
        post: async (path, body, signal) => {
          const api = await this.apiBase(signal);
          const res = await this.requests.post(`${api}${path}${this.search}`, body, signal);
          return { res, what: `POST ${pathOf(api)}${path}` };
        },
        served: (signal) => this.listModels({ signal }).catch(() => undefined),
        readCapped,
        readBody,
      },
      req,
    );
  }

  /**
   * A GET at the server root (beside /v1: /metrics, /slots…), under the caller's signal; the caller bounds
   * the answer.
   */
  rootGet(path: string, signal: AbortSignal): Promise<Response> {
    return this.requests.get(`${serverRoot(this.api ?? this.base)}${path}`, signal);
  }

  /**
   * The API base in use (…/v1; for messages: no credentials, no query), probing a base without a version
   * segment first.
   */
  async apiURL(opts: { signal?: AbortSignal } = {}): Promise<string> {
    const url = new URL(await this.apiBase(opts.signal));
    return `${url.origin}${url.pathname}`;
  }

  /** The API base (…/v1), probing a base without a version segment once (openai-base.ts). */
  private apiBase(signal?: AbortSignal): Promise<string> {
    if (this.api) return Promise.resolve(this.api);
    this.probing ??= probeApi(
      { base: this.base, search: this.search },
      (url, s) => this.requests.get(url, s),
      this.failures,
      this.timeoutMs,
    )
      .then((api) => (this.api = api))
      .finally(() => (this.probing = undefined));
    return signal ? raceAbort(this.probing, signal) : this.probing;
  }

  private async call<T>(
    what: string,
    fn: (signal: AbortSignal) => Promise<T>,
    opts: { signal?: AbortSignal },
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    try {
      return await fn(signal);
    } catch (err) {
      throw this.failures.fromThrown(err, {
        what,
        signal: opts.signal,
        timedOut: timeout.aborted,
        timeoutMs: this.timeoutMs,
      });
    }
  }
}
