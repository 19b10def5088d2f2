/**
 * llama.cpp's llama-server, spoken to directly: the router's model list with each model's status
 * and arguments (`GET /models`), `POST /models/load` and `/models/unload`, `GET /props`
 * (`role: router`, `max_instances`) and `GET /health`. A single-model server has no /models
 * status: its one model (from /v1/models) counts as loaded, and it cannot load or unload.
 * Every failure is an HostError naming the server and what to do (llamacpp-failures.ts), so the
 * rest of ollm-mcp treats a llama-server host like an Ollama host.
 */
import { HostError } from '../ollama/ollama.js';
import { httpFetch } from '../http-fetch.js';
import { boundedVersion } from '../engine-release.js';
import { redactSecrets } from '../../util/redact-secrets.js';
import { errorCode } from '../../util/error-code.js';
import { cancelledText } from '../../util/stopping.js';
import { failedAnswer, foreignAnswer, unreachableError } from './llamacpp-failures.js';

import {
  isObject,
  parseJson,
  readModel,
  readRuntime,
  type ModelArgs,
  type ModelRuntime,
  type RouterModel,
  type ServerProps,
} from './llamacpp-answers.js';

export { parseJson, readArgs, readModel, readRuntime } from './llamacpp-answers.js';
export type { ModelArgs, ModelRuntime, RouterModel, ServerProps } from './llamacpp-answers.js';

export interface CallOpts {
  signal?: AbortSignal;
  timeoutMs?: number;
  model?: string;
  /** a POST that changes nothing (/tokenize): sent again like a read */
  idempotent?: boolean;
}

export interface LlamacppApiOptions {
  /** e.g. http://127.0.0.1:8080 (a trailing /v1 is dropped). */
  url: string;
  /** Its name in settings (hosts.<name>), for messages. */
  name?: string;
  apiKeyEnv?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class LlamacppApi {
  /** The server root, no trailing slash. */
  readonly root: string;
  /** host:port, for messages. */
  readonly host: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: LlamacppApiOptions) {
    const url = new URL(options.url);
    this.root = `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
    this.host = url.host;
    this.fetchImpl = options.fetch ?? httpFetch;
  }

  /** The time limit of a call that names none. */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** "llama-server at 127.0.0.1:8080", for messages. */
  get who(): string {
    return `llama-server at ${this.host}`;
  }

  /** The API key in effect (read at each call), sent as a bearer and kept out of every message. */
  key(): string | undefined {
    return this.options.apiKeyEnv ? process.env[this.options.apiKeyEnv]?.trim() || undefined : undefined;
  }

  headers(): Record<string, string> {
    const key = this.key();
    return {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(key && { authorization: `Bearer ${key}` }),
    };
  }

  /**
   * A bare GET at the server root under the caller's signal (load figures: the caller bounds the answer and
   * its time).
   */
  rawGet(path: string, signal: AbortSignal): Promise<Response> {
    return this.fetchImpl(`${this.root}${path}`, { method: 'GET', headers: this.headers(), signal });
  }

  /** One JSON call under the time limit and the caller's signal; failures become HostErrors. */
  json(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    opts: CallOpts = {},
  ): Promise<{ status: number; json: unknown; text: string }> {
    return this.call(method, path, body, opts, async (res) => {
      const text = await res.text();
      return { status: res.status, json: parseJson(text), text };
    });
  }

  /**
   * One call under the time limit and the caller's signal, its answer read by `read` — under the
   * same limit, so a body that stalls or never ends is a timeout too. Failures become HostErrors
   * (one `read` throws passes as it is).
   */
  async call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    opts: CallOpts,
    read: (res: Response) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const what = `${method} ${path}`;
    const send = () =>
      this.fetchImpl(`${this.root}${path}`, {
        method,
        headers: this.headers(),
        signal,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    try {
      // a kept-alive connection the server closed in the meantime resets at once: a read is sent again, once
      const res = await send().catch((err: unknown) => {
        if (
          (method !== 'GET' && !opts.idempotent) ||
          signal.aborted ||
          !['ECONNRESET', 'EPIPE'].includes(errorCode(err) ?? '')
        )
          throw err;
        return send();
      });
      return await read(res);
    } catch (err) {
      if (opts.signal?.aborted) throw new HostError('aborted', cancelledText(what, opts.signal), this.host);
      if (timeout.aborted)
        throw new HostError(
          'timeout',
          `${this.who} did not answer ${what} within ${timeoutMs} ms — it may be busy; try again, or ` +
            `raise ollama.timeoutMs.`,
          this.host,
        );
      if (err instanceof HostError) throw err;
      throw unreachableError(this, err);
    }
  }

  /** The setting that holds its address. */
  get setting(): string {
    return this.options.name ? `hosts.${this.options.name}.url` : 'hosts.<name>.url';
  }

  /** The error of a non-2xx answer (llamacpp-failures.ts). */
  failed(what: string, status: number, json: unknown, text: string, model?: string): HostError {
    return failedAnswer(this, what, status, json, text, model);
  }

  async props(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ServerProps> {
    const r = await this.json('GET', '/props', undefined, opts);
    if (r.status >= 400) throw this.failed('GET /props', r.status, r.json, r.text);
    if (!isObject(r.json)) throw foreignAnswer(this, 'GET /props', r.text);
    const max = r.json['max_instances'];
    const build = boundedVersion(r.json['build_info']);
    const router = r.json['role'] === 'router';
    const gen = r.json['default_generation_settings'];
    const slots = r.json['total_slots'];
    const nCtx = isObject(gen) && typeof gen['n_ctx'] === 'number' ? gen['n_ctx'] : undefined;
    const single: ModelArgs = {
      ...(typeof r.json['model_path'] === 'string' && { file: r.json['model_path'] }),
      // n_ctx there is one slot's: the whole context is that times the slots
      ...(nCtx !== undefined && { ctxSize: nCtx * (typeof slots === 'number' && slots > 0 ? slots : 1) }),
      ...(typeof slots === 'number' && slots > 0 && { parallel: slots }),
    };
    return {
      router,
      ...(typeof max === 'number' && max > 0 && { maxInstances: max }),
      ...(build && { build }),
      ...(!router && { single }),
    };
  }

  /**
   * A router model's own figures (ModelRuntime), asked without waking or loading it; undefined when
   * it is not running (the router answers 400 "model is not loaded") or the answer lacks them.
   */
  async modelRuntime(
    id: string,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<ModelRuntime | undefined> {
    const r = await this.json('GET', `/props?model=${encodeURIComponent(id)}&autoload=false`, undefined, opts);
    if (r.status >= 400 || !isObject(r.json)) return undefined;
    return readRuntime(r.json);
  }

  /**
   * Every model with its status: the router's /models, or a single-model server's /v1/models (its one model
   * loaded).
   */
  async models(props: ServerProps, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<RouterModel[]> {
    const router = props.router;
    const path = router ? '/models' : '/v1/models';
    const r = await this.json('GET', path, undefined, opts);
    if (r.status >= 400) throw this.failed(`GET ${path}`, r.status, r.json, r.text);
    const data = isObject(r.json) ? r.json['data'] : undefined;
    if (!Array.isArray(data)) throw foreignAnswer(this, `GET ${path}`, r.text);
    const models = data.map((d) => readModel(d, !router)).filter((m): m is RouterModel => m !== undefined);
    return router ? models : models.slice(0, 1).map((m) => ({ ...m, args: props.single ?? {} }));
  }

  /** POST /models/load or /models/unload; `{success: true}`, or the router's refusal. */
  async command(
    which: 'load' | 'unload',
    id: string,
    opts: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<void> {
    const what = `POST /models/${which} for "${id}"`;
    const r = await this.json('POST', `/models/${which}`, { model: id }, { ...opts, model: id });
    if (r.status >= 400) {
      // asked to load what is loaded, or unload what is not: nothing to do
      const said = r.text.toLowerCase();
      if (
        r.status === 400 &&
        ((which === 'load' && /already (loaded|running)/.test(said)) ||
          (which === 'unload' && /not (loaded|running)/.test(said)))
      )
        return;
      throw this.failed(what, r.status, r.json, r.text, id);
    }
  }

  /** GET /health: ok, or why not. Never throws but for a cancelled call. */
  async health(opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<{ ok: boolean; detail: string }> {
    try {
      const r = await this.json('GET', '/health', undefined, opts);
      if (r.status === 200) return { ok: true, detail: `${this.who} is healthy (/health).` };
      const said =
        isObject(r.json) && isObject(r.json['error']) && typeof r.json['error']['message'] === 'string'
          ? r.json['error']['message']
          : r.text.slice(0, 100);
      return {
        ok: false,
        detail: redactSecrets(`${this.who} is not ready (/health: HTTP ${r.status}, ${said}).`, [this.key()]),
      };
    } catch (err) {
      if (err instanceof HostError && err.kind === 'aborted') throw err;
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }
}
