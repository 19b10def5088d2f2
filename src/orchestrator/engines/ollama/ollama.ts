/**
 * The Ollama backend: the official client over one pooled fetch (http-fetch.ts), a time limit and
 * an optional AbortSignal on every call, and every failure turned into one error type that names
 * the host and the next step. A call under a signal gets a client of its own whose fetch carries
 * that signal (the client's methods take none) — not an AsyncLocalStorage, whose hooks, once
 * enabled, tax every promise the process makes. A streamed call (pull, create) gets a client of
 * its own too: the official client keeps each stream in a list it leaves only when read past its
 * last line, so a stream stopped at its done line, cut short or failed would stay there for good
 * (~6 KB a stream, held as long as the server runs). A generation is sent by this adapter itself.
 */
import { Ollama } from 'ollama';
import type { CallOptions, Engine, EngineCapabilities } from '../engine.js';
import type {
  CreateModelRequest,
  GenerateDone,
  GenerateRequest,
  EngineLoadRequest,
  PullLine,
} from '../engine-requests.js';
import type { EngineModel, ModelShow } from '../engine-model.js';
import { displayHost } from '../../config/host.js';
import { httpFetch } from '../http-fetch.js';
import { boundedVersion } from '../engine-release.js';
import { cancelledText } from '../../util/stopping.js';
import { HostError } from '../host-error.js';
import { guardedFetch, type GuardedAnswer } from './ollama-fetch.js';
import { clientHeaders } from './ollama-headers.js';
import { ollamaGenerate } from './ollama-generate.js';
import { WhatAnswers } from './not-ollama.js';
import { ollamaError } from './ollama-errors.js';
import { checkedModels, modelShow, progressLines } from './ollama-client-answers.js';

export { HostError } from '../host-error.js';

export type { CallOptions } from '../engine.js';

export interface BackendOptions {
  host: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  /**
   * The setting that holds its address, for messages: OLLM_HOST or OLLAMA_HOST unless given, hosts.<name>.url
   * for a named host.
   */
  setting?: string;
}

export class OllamaBackend implements Engine {
  readonly kind = 'ollama' as const;
  readonly engineName = 'Ollama';
  readonly can: EngineCapabilities = {
    managesMemory: true,
    pullAndDelete: true,
    contextPerRequest: true,
    tokenize: false,
    embeddings: true,
    reportsLoadedSize: true,
    create: true,
  };
  onPs?: (running: EngineModel[]) => void;
  readonly url: string;
  readonly host: string;
  readonly client: Ollama;
  private readonly timeoutMs: number;
  /** Every answer bounded and checked before the client sees it (ollama-fetch.ts). */
  private readonly baseFetch: typeof fetch;

  /** How messages name this host: "Ollama at 127.0.0.1:11434" (a llama-server router says so, llamacpp.ts). */
  get who(): string {
    return `Ollama at ${this.host}`;
  }

  /** The setting that holds its address. */
  private readonly setting: string;
  /** What answers at the address when it is not Ollama. */
  private readonly answers: WhatAnswers;

  constructor(options: BackendOptions) {
    this.url = options.host;
    this.setting = options.setting ?? 'OLLM_HOST or OLLAMA_HOST';
    this.host = displayHost(options.host);
    this.timeoutMs = options.timeoutMs;
    this.baseFetch = guardedFetch(options.fetch ?? httpFetch, this.host);
    this.answers = new WhatAnswers(
      { host: this.host, url: this.url, setting: this.setting },
      options.fetch ?? httpFetch,
    );
    this.client = this.newClient();
  }

  /** A client of its own (what it keeps of a stream goes with it), its requests under `signal` when one is given. */
  private newClient(signal?: AbortSignal): Ollama {
    const base = this.baseFetch;
    const fetch = signal
      ? (((input, init) =>
          base(input, {
            ...init,
            signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
          })) as typeof base)
      : base;
    return new Ollama({ host: this.url, fetch });
  }

  /**
   * A POST as the official client sends it (its headers; the key for ollama.com), through the
   * guarded fetch, under the call's signal as it is (no client made for it, on a generation's path).
   */
  private post(path: string, body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<GuardedAnswer> {
    const url = `${this.url}${path}`;
    return this.baseFetch(url, {
      method: 'POST',
      headers: clientHeaders(url),
      body: JSON.stringify(body),
      ...(signal && { signal }),
    }) as unknown as Promise<GuardedAnswer>;
  }

  /**
   * Runs one request under a time limit and the caller's signal, mapping every failure; `fn` sends it with
   * the signal it is given.
   */
  private async run<T>(
    what: string,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    try {
      return await fn(signal);
    } catch (err) {
      // another server answering there is asked what it is, and named (not-ollama.ts)
      throw await this.answers.named(
        this.toError(err, what, { ...options, timeoutMs, timedOut: timeout?.aborted ?? false }),
        what,
      );
    }
  }

  /** Runs one call of the official client, as `run` does: the client's requests carry the call's signal. */
  call<T>(what: string, fn: (client: Ollama) => Promise<T>, options: CallOptions = {}): Promise<T> {
    return this.run(what, (signal) => fn(signal ? this.newClient(signal) : this.client), options);
  }

  /** Maps anything the client or fetch throws to an HostError with the host and the next step (ollama-errors.ts). */
  toError(err: unknown, what: string, ctx: CallOptions & { timedOut?: boolean } = {}): HostError {
    return ollamaError(err, what, ctx, { host: this.host, url: this.url, setting: this.setting });
  }

  /** /api/version's `version`, bounded where it enters (engine-release.ts); `unknown` when it is not one. */
  version(options?: CallOptions): Promise<string> {
    return this.call('/api/version', async (c) => boundedVersion((await c.version()).version) ?? 'unknown', options);
  }

  list(options?: CallOptions): Promise<EngineModel[]> {
    return this.call('/api/tags', async (c) => checkedModels(this.host, '/api/tags', await c.list()), options);
  }

  async ps(options?: CallOptions): Promise<EngineModel[]> {
    const running = await this.call('/api/ps', async (c) => checkedModels(this.host, '/api/ps', await c.ps()), options);
    this.onPs?.(running);
    return running;
  }

  show(model: string, options?: CallOptions): Promise<ModelShow> {
    return this.call(`/api/show for "${model}"`, async (c) => modelShow(await c.show({ model })), {
      ...options,
      model,
    });
  }

  /** An empty generate loads (an empty embed for embedding models); returns Ollama's load time in ns. */
  async load(req: EngineLoadRequest, options?: CallOptions): Promise<number | undefined> {
    const modelOptions = req.numCtx === undefined ? {} : { options: { num_ctx: req.numCtx } };
    const call = { ...options, model: req.model };
    const res = req.embedding
      ? await this.call(
          `loading "${req.model}"`,
          (c) => c.embed({ model: req.model, input: [], keep_alive: req.keepAlive, ...modelOptions }),
          call,
        )
      : await this.call(
          `loading "${req.model}"`,
          (c) => c.generate({ model: req.model, prompt: '', keep_alive: req.keepAlive, ...modelOptions }),
          call,
        );
    return res.load_duration || undefined;
  }

  /** keep_alive 0 only queues the unload: Ollama carries it out in the background. */
  async unload(model: string, options?: CallOptions): Promise<void> {
    await this.call(`unloading "${model}"`, (c) => c.generate({ model, prompt: '', keep_alive: 0 }), {
      ...options,
      model,
    });
  }

  async generate(req: GenerateRequest, options?: CallOptions): Promise<GenerateDone> {
    const what = `generation on "${req.model}"`;
    const done = await this.run(
      what,
      (signal) => ollamaGenerate((body) => this.post('/api/generate', body, signal), req, this),
      { timeoutMs: 0, ...options, model: req.model },
    );
    // cancelled while the last of it arrived: a cancelled call never answers
    if (options?.signal?.aborted) throw new HostError('aborted', cancelledText(what, options.signal), this.host);
    return done;
  }

  async pull(
    model: string,
    opts: { insecure?: boolean; onLine(line: PullLine): 'done' | void },
    options?: CallOptions,
  ): Promise<void> {
    await this.run(
      `pulling "${model}"`,
      async (signal) =>
        progressLines(
          await this.newClient(signal).pull({ model, insecure: opts.insecure ?? false, stream: true }),
          opts.onLine,
        ),
      { timeoutMs: 0, ...options },
    );
  }

  /** /api/create streamed: the lines were checked where they entered (ollama-lines.ts), as a pull's. */
  async create(
    req: CreateModelRequest,
    opts: { onLine(line: PullLine): 'done' | void },
    options?: CallOptions,
  ): Promise<void> {
    const what = `making "${req.model}" from "${req.from}"`;
    await this.run(
      what,
      async (signal) => progressLines(await this.newClient(signal).create({ ...req, stream: true }), opts.onLine),
      { timeoutMs: 0, ...options, model: req.from },
    );
    if (options?.signal?.aborted) throw new HostError('aborted', cancelledText(what, options.signal), this.host);
  }

  /** /api/copy: 200 with no body, 404 when the source is not installed. */
  async copy(source: string, destination: string, options?: CallOptions): Promise<void> {
    await this.call(`copying "${source}" to "${destination}"`, (c) => c.copy({ source, destination }), {
      ...options,
      model: source,
    });
  }

  async delete(model: string, options?: CallOptions): Promise<void> {
    await this.call(`deleting "${model}"`, (c) => c.delete({ model }), { ...options, model });
  }
}
