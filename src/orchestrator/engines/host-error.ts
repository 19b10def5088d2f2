/**
 * The one error type of every engine adapter (Ollama, llama.cpp router, OpenAI-compatible): what
 * went wrong (its kind), at which host, and the next step in its message. Nothing outside an
 * adapter needs to know which engine failed to decide what to do next: the kind says it.
 * Its message is where an engine's text enters ollm-mcp, so it is made without secrets: the
 * credentials any text may show, and the key the adapter sent (`secrets`), are removed here.
 */
import { redactSecrets } from '../util/redact-secrets.js';
import { quoted, shortened } from '../util/shorten.js';

export type HostErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'aborted'
  | 'model_not_found'
  | 'bad_request'
  /** The engine is busy (Ollama's 503 queue full, a model still loading). */
  | 'busy'
  /** Too many requests (HTTP 429); `retryAfterMs` when the engine said how long to wait. */
  | 'rate_limited'
  | 'out_of_memory'
  | 'unauthorized'
  | 'server_error'
  /**
   * The model ended without a word of answer (nothing but whitespace): a model that samples may answer when
   * asked again.
   */
  | 'empty_answer'
  /** The engine cannot do this at all (an OpenAI-compatible engine cannot pull or unload). */
  | 'not_supported'
  /** The host answered something that is not its engine's answer (a wrong shape, a line or body past its limit). */
  | 'bad_response';

export interface HostErrorInfo {
  /** The HTTP status, when the engine answered one. */
  status?: number;
  /** From `retry-after-ms`, `retry-after` or the message ("try again in 7.5s"), on 429 and 503. */
  retryAfterMs?: number;
  /** On model_not_found: the model ids the engine does serve, when it could list them. */
  served?: readonly string[];
  /** The engine's name in settings, when it has one (hosts.<name>, fallback). */
  engine?: string;
  /** On bad_request: the window the engine said the prompt exceeded (its real one, in tokens), when it named it. */
  contextLimit?: number;
  /** The keys the adapter sent with the request: removed from the message wherever they appear (never kept). */
  secrets?: ReadonlyArray<string | undefined>;
}

export class HostError extends Error {
  override name = 'HostError';
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly served?: readonly string[];
  readonly engine?: string;
  readonly contextLimit?: number;
  constructor(
    readonly kind: HostErrorKind,
    message: string,
    /** host:port of the engine. */
    readonly host: string,
    info?: number | HostErrorInfo,
  ) {
    const i = typeof info === 'number' ? { status: info } : (info ?? {});
    super(redactSecrets(message, i.secrets));
    if (i.status !== undefined) this.status = i.status;
    if (i.retryAfterMs !== undefined) this.retryAfterMs = i.retryAfterMs;
    if (i.served !== undefined) this.served = i.served;
    if (i.engine !== undefined) this.engine = i.engine;
    if (i.contextLimit !== undefined) this.contextLimit = i.contextLimit;
  }
}

/** Failures that say the host itself is in trouble (not the request): it is left alone for a while. */
export function hostTrouble(err: unknown): boolean {
  return (
    err instanceof HostError &&
    (err.kind === 'unreachable' ||
      err.kind === 'timeout' ||
      err.kind === 'server_error' ||
      err.kind === 'rate_limited' ||
      err.kind === 'busy')
  );
}

/** The error for a model that is not installed: names the host and says how to get it. */
export function notInstalled(
  model: string,
  host: string,
  status?: number,
  similar: readonly string[] = [],
  near: readonly string[] = [],
): HostError {
  const pull = `pull it with \`ollama pull ${shortened(model)}\``;
  const hint = similar.length
    ? ` Installed under other names: ${similar.join(', ')} — name one of them exactly (a tag or ` +
      `namespace is part of the name), or ${pull}.`
    : near.length
      ? ` Did you mean ${near.join(' or ')}? Name it exactly, or ${pull}.`
      : ` — ${pull}, or pick one from list_models.`;
  return new HostError(
    'model_not_found',
    `Model ${quoted(model)} is not installed on Ollama at ${host}${similar.length || near.length ? '.' : ''}${hint}`,
    host,
    status,
  );
}

/**
 * The cloud fallback refused a request: it holds text or an image read from this machine, and
 * settings' fallback.sendInputs does not allow that. Nothing was sent.
 */
export class KeptLocalError extends Error {
  override name = 'KeptLocalError';
  constructor(
    /** The name of what was read (a path as shown, a diff). */
    readonly source: string,
    /** host:port of the fallback. */
    readonly fallbackHost: string,
  ) {
    super(
      `Not sent to the cloud fallback (${fallbackHost}): the request holds text of ${source}, ` +
        `read from this machine, and inputs read from this machine go to the cloud only when ` +
        `fallback.sendInputs is true in settings. Fix what kept the local models from answering, do ` +
        `the task yourself, or allow it with fallback.sendInputs: true.`,
    );
  }
}
