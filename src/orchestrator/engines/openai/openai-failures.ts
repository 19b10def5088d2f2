/**
 * The words of every EngineError one OpenAI-compatible engine can raise: what went wrong, at
 * which engine (its name and host), and what to do next.
 */
import { cancelledText } from '../../util/stopping.js';
import { quoted } from '../../util/shorten.js';
import {
  EngineError,
  type EngineErrorInfo,
  type EngineErrorKind,
  cleanEngineText,
  connectionFailure,
  foreignBody,
  readErrorBody,
  retryAfterMs,
  saysModelMissing,
} from './openai-errors.js';
import { contextRefusal } from './context-limit.js';
import { addressFailure, addressNext, plainToTlsAnswer } from '../address-trouble.js';

/** How messages name an engine and its settings. */
export interface EngineRef {
  name: string;
  /** host:port. */
  host: string;
  /** The base URL for messages: no credentials, no query. */
  shownURL: string;
  apiKeyEnv?: string;
  /** Where this engine's settings live, e.g. `hosts.vllm`, to name them in advice. */
  settingsPath: string;
}

export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  /** The body (or its start, for a long one). */
  text: string;
  /** What was asked, e.g. `POST /v1/chat/completions`. */
  what: string;
  model?: string;
  /** The models the engine serves, when a 404 made us ask. */
  served?: readonly string[];
}

const SERVED_SHOWN = 12;

export class Failures {
  constructor(
    readonly ref: EngineRef,
    /** The API key in effect, to keep it out of every message. */
    private readonly key: () => string | undefined,
  ) {}

  /** The setting that holds its address: hosts.<name>.url, or fallback.baseURL. */
  get addressSetting(): string {
    return this.ref.settingsPath.startsWith('hosts.')
      ? `${this.ref.settingsPath}.url`
      : `${this.ref.settingsPath}.baseURL`;
  }

  /** "vllm (127.0.0.1:8000)" */
  get who(): string {
    return `${this.ref.name} (${this.ref.host})`;
  }

  make(kind: EngineErrorKind, message: string, info?: EngineErrorInfo): EngineError {
    return new EngineError(kind, message, this.ref.host, { ...info, engine: this.ref.name, secrets: [this.key()] });
  }

  /** The error for a model the engine does not serve, with what it serves. */
  notServed(model: string, served: readonly string[] | undefined, status?: number): EngineError {
    const list = served?.length
      ? `; it serves: ` +
        `${served.slice(0, SERVED_SHOWN).join(', ')}${served.length > SERVED_SHOWN ? ` and ${served.length - SERVED_SHOWN} more` : ''}.`
      : served
        ? '; it lists no models.'
        : '.';
    return this.make('model_not_found', `Model ${quoted(model)} is not served by ${this.who}${list}`, {
      ...(status !== undefined && { status }),
      ...(served && { served }),
    });
  }

  /** A 2xx answer that is not what an OpenAI-compatible API sends. */
  notOpenAI(what: string, text: string, contentType: string | null, status = 200): EngineError {
    return this.make(
      'bad_response',
      `${this.who} answered ${what} with ${this.engineText(foreignBody(text, contentType), 200)}, ` +
        `not an OpenAI-compatible answer — check its baseURL (${this.ref.shownURL}); for most ` +
        `engines it ends in /v1.`,
      { status },
    );
  }

  /** An answer with an error status. */
  fromHttp(a: HttpAnswer): EngineError {
    const { status } = a;
    const body = readErrorBody(a.text);
    const said = body.recognized
      ? this.engineText(body.message ?? `HTTP ${status}`)
      : this.engineText(foreignBody(a.text, a.headers.get('content-type')), 200);
    const info: EngineErrorInfo = { status };
    if (status === 401 || status === 403) return this.unauthorized(status);
    const tls = plainToTlsAnswer(status, a.text, this.ref.shownURL);
    if (tls)
      return this.make(
        'unreachable',
        `${this.ref.name} is not reachable at ${this.ref.shownURL} (${tls}) — ` +
          `${addressNext(tls, this.ref.shownURL, this.addressSetting)!}.`,
        info,
      );
    if (status === 429) {
      if (body.code === 'insufficient_quota') {
        return this.make(
          'rate_limited',
          `${this.who} refused the request: the quota of ${this.keyName()} is used up (HTTP 429) — ` +
            `check its plan and billing.`,
          info,
        );
      }
      const wait = retryAfterMs(a.headers, body.message);
      if (wait !== undefined) info.retryAfterMs = wait;
      const when = wait !== undefined ? `retry after ${Math.max(1, Math.ceil(wait / 1000))} s` : 'try again later';
      return this.make(
        'rate_limited',
        `${this.who} is rate-limited (HTTP 429: ${said}); ${when}, or use another host.`,
        info,
      );
    }
    if (a.model && (status === 404 || status === 400)) {
      const unknown = a.served ? !a.served.includes(a.model) : saysModelMissing(status, body);
      if (unknown) return this.notServed(a.model, a.served, status);
    }
    if (status === 404 || status === 405) {
      return this.make(
        'bad_response',
        `${this.who} has no ${a.what} (HTTP ${status}: ${said}) — check its baseURL ` +
          `(${this.ref.shownURL}); for most engines it ends in /v1.`,
        info,
      );
    }
    const refusal = contextRefusal(status, a.text);
    if (refusal)
      return this.windowRefusal(
        a.model ? `the request for ${quoted(a.model)}` : a.what,
        refusal.limit,
        `HTTP ${status}: ${said}`,
        info,
      );
    if (status >= 400 && status < 500) {
      const tooLong = /context|too long|maximum.{0,40}tokens|reduce the length/i.test(body.message ?? '');
      const next = tooLong
        ? 'shorten the prompt, lower maxTokens, or use a model with a larger context'
        : 'check the request and the model';
      return this.make(
        'bad_request',
        `${this.who} rejected ${a.model ? `the request for ${quoted(a.model)}` : a.what} (HTTP ` +
          `${status}): ${said} — ${next}.`,
        info,
      );
    }
    if (status >= 500) {
      const wait = retryAfterMs(a.headers, body.message);
      if (wait !== undefined) info.retryAfterMs = wait;
      if (!body.recognized) {
        return this.make(
          'server_error',
          `${this.who} failed (HTTP ${status}) and answered with ${said}, not an OpenAI error — a ` +
            `proxy in front of it may be failing; check that ${this.ref.name} is running, and its logs.`,
          info,
        );
      }
      const next =
        status === 503 && /loading/i.test(body.message ?? '')
          ? 'it is still loading a model; try again shortly'
          : `check ${this.ref.name}'s logs, or try again`;
      return this.make('server_error', `${this.who} failed (HTTP ${status}): ${said} — ${next}.`, info);
    }
    return this.make(
      'bad_response',
      `${this.who} answered ${a.what} with HTTP ${status}: ${said} — check its baseURL (${this.ref.shownURL}).`,
      info,
    );
  }

  /**
   * A prompt over the window the engine runs the model with, which it named: the error carries that window
   * (`contextLimit`).
   */
  windowRefusal(what: string, limit: number, said: string, info: EngineErrorInfo = {}): EngineError {
    return this.make(
      'bad_request',
      `${this.who} refused ${what}: the prompt is over the ${limit}-token window it runs the ` +
        `model with (${said}) — send less (split the input to fit that window), or start it with a ` +
        `larger context.`,
      { ...info, contextLimit: limit },
    );
  }

  /** Anything thrown while asking: a cancel, a time limit, a connection failure. */
  fromThrown(
    err: unknown,
    ctx: { what: string; signal?: AbortSignal | undefined; timedOut?: boolean; timeoutMs?: number },
  ): EngineError {
    if (err instanceof EngineError) return err;
    if (ctx.signal?.aborted) return this.make('aborted', cancelledText(`${ctx.what} on ${this.ref.name}`, ctx.signal));
    if (ctx.timedOut) {
      return this.make(
        'timeout',
        `${this.who} did not answer ${ctx.what} within ${seconds(ctx.timeoutMs ?? 0)} — it may be ` +
          `busy or loading a model; try again, or raise ${this.ref.settingsPath}.timeoutMs.`,
      );
    }
    const address = addressFailure(err, this.ref.shownURL, this.addressSetting);
    if (address)
      return this.make(
        'unreachable',
        `${this.ref.name} is not reachable at ${this.ref.shownURL} (${address.why}) — ${address.next}.`,
      );
    const why = connectionFailure(err);
    if (why)
      return this.make(
        'unreachable',
        `${this.ref.name} is not reachable at ${this.ref.shownURL} (${why}) — is it running?`,
      );
    const name = (err as Error)?.name;
    if (name === 'AbortError' || name === 'TimeoutError')
      return this.make('aborted', cancelledText(`${ctx.what} on ${this.ref.name}`, ctx.signal));
    return this.make(
      'server_error',
      `${this.who} failed ${ctx.what}: ${this.engineText(String((err as Error)?.message ?? err))}`,
    );
  }

  private unauthorized(status: number): EngineError {
    const env = this.ref.apiKeyEnv;
    const info = { status };
    if (!env) {
      return this.make(
        'unauthorized',
        `${this.who} requires an API key (HTTP ${status}) — name the environment variable that ` +
          `holds it in ${this.ref.settingsPath}.apiKeyEnv.`,
        info,
      );
    }
    if (!this.key()) {
      return this.make(
        'unauthorized',
        `${this.who} requires an API key (HTTP ${status}), and $${env} is not set in this server's ` +
          `environment — check the API key in $${env} (an MCP client passes only the variables in its ` +
          `env block).`,
        info,
      );
    }
    const what = status === 403 ? 'refused access to the API key' : 'rejected the API key';
    return this.make(
      'unauthorized',
      `${this.who} ${what} in $${env} (HTTP ${status}) — check the API key in $${env}.`,
      info,
    );
  }

  private keyName(): string {
    return this.ref.apiKeyEnv ? `the API key in $${this.ref.apiKeyEnv}` : 'its API key';
  }

  /** Text from the engine, short and without the key. */
  engineText(text: string, max?: number): string {
    return cleanEngineText(text, this.key(), max);
  }
}

export function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
