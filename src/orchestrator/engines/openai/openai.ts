/**
 * An OpenAI-compatible engine as a backend: vLLM, llama.cpp's llama-server, LM Studio, llama-swap,
 * SGLang, LiteLLM, Olla, or a hosted API. These engines load models themselves, so this backend
 * only lists models, checks health cheaply and streams chat completions; it plans no memory.
 *
 * The base URL is taken as users write it. One that ends in a version segment (`/v1`, `/v1beta`,
 * …; a trailing slash is dropped) is the API base as it is. Any other (`http://host:8000`) is
 * probed once, on first use: `<base>/v1/models` first, then `<base>/models`; the first that
 * lists models (or asks for an API key) becomes the API base for the backend's life. A probe that
 * cannot connect is not remembered, so a later call probes again.
 *
 * The API key is read from the environment variable named by `apiKeyEnv` at each call (so a key
 * set or rotated later is used) and sent as `Authorization: Bearer`; it never appears in a message.
 * Requests go through the project's node:http fetch (keep-alive, no 300 s header limit, a
 * streamed body; an aborted signal destroys the request, so the engine sees the client go).
 * Every failure is an EngineError naming the engine and the next step (openai-failures.ts).
 */
import { httpFetch } from '../http-fetch.js';
import { streamChat } from './openai-chat.js';
import { type EngineError, connectionFailure } from './openai-errors.js';
import { Failures } from './openai-failures.js';
import { raceAbort } from '../../util/race-abort.js';
import {
  type HealthAnswer,
  MODEL_LIST_BYTES,
  modelIds,
  readModelList,
  readPropsWindow,
  pathOf,
  readBody,
  readCapped,
  readHealth,
} from './openai-http.js';
import type { ChatRequest, ChatResult } from './openai-stream.js';
import { RuntimeWindows } from './openai-windows.js';

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

const VERSIONED = /\/v\d+[a-z0-9]*$/i;
/** A llama-server's /props holds its chat template too: a few KiB, rarely more. */
const PROPS_BYTES = 1024 * 1024;

export interface HealthResult {
  ok: boolean;
  /** What was found, or the error message. */
  detail: string;
  latencyMs: number;
  error?: EngineError;
}

export class OpenAIBackend {
  readonly name: string;
  /** The base URL as configured, for messages and logs: no trailing slash, no credentials, no query. */
  readonly baseURL: string;
  /** host:port, for messages. */
  readonly host: string;
  readonly timeoutMs: number;
  readonly failures: Failures;
  private readonly apiKeyEnv: string | undefined;
  private readonly fetchImpl: typeof fetch;
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
    let url: URL;
    try {
      url = new URL(options.baseURL.trim());
    } catch {
      throw new TypeError(
        `${options.name}: baseURL ${JSON.stringify(options.baseURL.slice(0, 100))} is not a URL (write it like http://127.0.0.1:8000/v1)`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError(`${options.name}: baseURL must start with http:// or https://`);
    this.name = options.name;
    const path = url.pathname.replace(/\/+$/, '');
    this.search = url.search;
    this.base = `${url.protocol}//${url.username ? `${url.username}:${url.password}@` : ''}${url.host}${path}`;
    this.baseURL = `${url.origin}${path}`;
    this.host = url.host;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.apiKeyEnv = options.apiKeyEnv;
    this.fetchImpl = options.fetch ?? httpFetch;
    if (VERSIONED.test(path)) this.api = this.base;
    const root = this.base.replace(VERSIONED, '');
    const healthPath = options.healthPath ?? '/health';
    this.healthURL = healthPath === false ? undefined : `${root}${healthPath.startsWith('/') ? '' : '/'}${healthPath}`;
    this.failures = new Failures(
      {
        name: this.name,
        host: this.host,
        shownURL: this.baseURL,
        settingsPath: options.settingsPath ?? `hosts.${this.name}`,
        ...(this.apiKeyEnv && { apiKeyEnv: this.apiKeyEnv }),
      },
      () => this.key(),
    );
  }

  /** The model ids the engine serves (GET /v1/models). Cheap; the caller caches it. */
  listModels(opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    return this.call(
      `GET ${pathOf(this.api ?? `${this.base}/v1`)}/models`,
      async (signal) => {
        const api = await this.apiBase(signal);
        const what = `GET ${pathOf(api)}/models`;
        const res = await this.get(`${api}/models${this.search}`, signal);
        const { text, more } = await readBody(res, MODEL_LIST_BYTES);
        if (!res.ok) throw this.failures.fromHttp({ status: res.status, headers: res.headers, text, what });
        if (more)
          throw this.failures.make(
            'bad_response',
            `${this.failures.who} answered ${what} with more than ${MODEL_LIST_BYTES >> 20} MiB, which no model list needs, so it was not read further — check its baseURL (${this.failures.ref.shownURL}).`,
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

  /** A single llama-server's /props (beside /v1), read at most once a minute; a failure leaves the window unsaid and the listing whole. */
  private async readProps(id: string, api: string, signal: AbortSignal): Promise<void> {
    if (!this.windows.propsDue(id)) return;
    try {
      const res = await this.get(`${api.replace(VERSIONED, '')}/props${this.search}`, signal);
      const { text, more } = await readBody(res, PROPS_BYTES);
      this.windows.propsRead(id, res.ok && !more ? readPropsWindow(text) : undefined);
    } catch {
      // not answered now: asked again at the next listing
    }
  }

  /**
   * A cheap check, never a generation: /health where the engine has it (a 503 there means it is
   * still loading a model), else the model list. Throws only when `signal` aborts.
   */
  async health(opts: { signal?: AbortSignal } = {}): Promise<HealthResult> {
    const started = performance.now();
    const done = (ok: boolean, detail: string, error?: EngineError): HealthResult => ({
      ok,
      detail,
      latencyMs: Math.round(performance.now() - started),
      ...(error && { error }),
    });
    const failed = (err: unknown): HealthResult => {
      const e = this.failures.fromThrown(err, { what: 'the health check', signal: opts.signal });
      if (e.kind === 'aborted') throw e;
      return done(false, e.message, e);
    };
    const healthURL = this.healthURL;
    if (healthURL && this.hasHealth) {
      const path = pathOf(healthURL);
      let h: HealthAnswer;
      try {
        h = await this.call(
          `GET ${path}`,
          async (signal) => readHealth(await this.get(healthURL, signal), this.failures),
          opts,
        );
      } catch (err) {
        return failed(err); // unreachable, or too slow: the model list would fare no better
      }
      if (h.state === 'ok') return done(true, `${this.failures.who} is healthy (${path}: ${h.said}).`);
      if (h.state === 'unready') {
        const next = /loading/i.test(h.said)
          ? 'it is still loading a model; try again shortly'
          : `check ${this.name}'s logs, or try again`;
        const e = this.failures.make(
          'server_error',
          `${this.failures.who} is not ready (${path}: HTTP ${h.status}, ${h.said}) — ${next}.`,
          { status: h.status },
        );
        return done(false, e.message, e);
      }
      if (h.state === 'missing') this.hasHealth = false;
    }
    try {
      const ids = await this.listModels(opts);
      return done(
        true,
        `${this.failures.who} serves ${ids.length} model${ids.length === 1 ? '' : 's'} (${pathOf(this.api ?? this.base)}/models).`,
      );
    } catch (err) {
      return failed(err);
    }
  }

  /** One chat completion, streamed; see openai-chat.ts for cancellation and stalls. */
  streamChat(req: ChatRequest): Promise<ChatResult> {
    return streamChat(
      {
        failures: this.failures,
        post: async (path, body, signal) => {
          const api = await this.apiBase(signal);
          const headers = {
            ...this.headers('text/event-stream, application/json'),
            'content-type': 'application/json',
          };
          const init = { method: 'POST', headers, body: JSON.stringify(body), signal };
          let res: Response;
          try {
            res = await this.fetchImpl(`${api}${path}${this.search}`, init);
          } catch (err) {
            // a kept-alive connection the engine closed after its last answer (llama-server does
            // so after a stream, without saying): reset before any answer, so never seen — sent again once
            if (signal.aborted || connectionFailure(err) !== 'connection reset') throw err;
            res = await this.fetchImpl(`${api}${path}${this.search}`, init);
          }
          return { res, what: `POST ${pathOf(api)}${path}` };
        },
        served: (signal) => this.listModels({ signal }).catch(() => undefined),
        readCapped,
        readBody,
      },
      req,
    );
  }

  /** A GET at the server root (beside /v1: /metrics, /slots…), under the caller's signal; the caller bounds the answer. */
  rootGet(path: string, signal: AbortSignal): Promise<Response> {
    return this.get(`${(this.api ?? this.base).replace(VERSIONED, '')}${path}`, signal);
  }

  /** The API base in use (…/v1; for messages: no credentials, no query), probing a base without a version segment first. */
  async apiURL(opts: { signal?: AbortSignal } = {}): Promise<string> {
    const url = new URL(await this.apiBase(opts.signal));
    return `${url.origin}${url.pathname}`;
  }

  /** The API base (…/v1), probing a base without a version segment once. */
  private apiBase(signal?: AbortSignal): Promise<string> {
    if (this.api) return Promise.resolve(this.api);
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return signal ? raceAbort(this.probing, signal) : this.probing;
  }

  private async probe(): Promise<string> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const candidates = [`${this.base}/v1`, this.base];
    try {
      for (const api of candidates) {
        const res = await this.get(`${api}/models${this.search}`, timeout);
        const text = await readCapped(res, MODEL_LIST_BYTES);
        if (res.status === 401 || res.status === 403 || (res.ok && modelIds(text))) return (this.api = api);
      }
    } catch (err) {
      throw this.failures.fromThrown(err, {
        what: `GET ${pathOf(candidates[0]!)}/models`,
        timedOut: timeout.aborted,
        timeoutMs: this.timeoutMs,
      });
    }
    const shown = this.failures.ref.shownURL;
    throw this.failures.make(
      'bad_response',
      `${this.failures.who} lists no models at ${shown}/v1/models nor at ${shown}/models — check its baseURL (${shown}); for most engines it ends in /v1.`,
    );
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

  /**
   * A GET, tried a second time when the connection was reset before any answer: a kept-alive
   * connection the engine closed (its idle timeout, or a restart) fails the first request sent on it.
   */
  private async get(url: string, signal: AbortSignal): Promise<Response> {
    const init = { method: 'GET', headers: this.headers(), signal };
    try {
      return await this.fetchImpl(url, init);
    } catch (err) {
      if (signal.aborted || connectionFailure(err) !== 'connection reset') throw err;
      return this.fetchImpl(url, init);
    }
  }

  private key(): string | undefined {
    // OLLM_API_KEY: the key Claude Desktop keeps in the keychain for the bundle, standing in for the variable named
    return (this.apiKeyEnv && (process.env[this.apiKeyEnv]?.trim() || process.env.OLLM_API_KEY?.trim())) || undefined;
  }

  private headers(accept = 'application/json'): Record<string, string> {
    const key = this.key();
    return { accept, ...(key && { authorization: `Bearer ${key}` }) };
  }
}
