/**
 * What went wrong on an Ollama call, as the one error type (host-error.ts) naming the host and the
 * next step: a cancelled or timed-out call, an HTTP status the client reports (a TLS or path
 * mix-up, a model not installed, busy, not signed in, out of memory, refused, failed), an address
 * or connection that fails, or an error line in the middle of a stream.
 */
import type { CallOptions } from '../engine.js';
import { cancelledText } from '../../util/stopping.js';
import { errorCode } from '../../util/error-code.js';
import { quoted } from '../../util/shorten.js';
import { HostError, notInstalled } from '../host-error.js';
import { addressFailure, addressNext, plainToTlsAnswer, wrongPathAnswer } from '../address-trouble.js';
import { notOllamaWhy } from '../engine-at.js';

/**
 * Ollama's own 404 words, `{"error":"model 'x' not found"}` (and `model "x" not found, try pulling it first`):
 * a 404 in any other words is not Ollama's (issue 83, finding 2: llama-server's `{"error":{"code":404,…}}`).
 */
const OLLAMA_NOT_FOUND = /^\w+ (['"]).*\1 not found/;

/**
 * Ollama's words for a model that did not fit: the old runner's "requires more system memory",
 * and since v0.30 llama-server's "reported out-of-memory during startup" or a runner that died
 * while loading ("process has terminated", often without the word memory).
 */
const OUT_OF_MEMORY = /memory|process has terminated|cudaMalloc|failed to allocate|unable to allocate/i;

/** The Ollama a call went to: host:port for messages, its URL, and the setting that holds its address. */
export interface OllamaAt {
  host: string;
  url: string;
  setting: string;
}

/** Maps anything the client or fetch throws to an HostError with the host and the next step. */
export function ollamaError(
  err: unknown,
  what: string,
  ctx: CallOptions & { timedOut?: boolean },
  at: OllamaAt,
): HostError {
  if (err instanceof HostError) return err;
  const host = at.host;
  if (ctx.signal?.aborted) return new HostError('aborted', cancelledText(what, ctx.signal), host);
  if (ctx.timedOut) {
    return new HostError(
      'timeout',
      `Ollama at ${host} did not answer ${what} within ${ctx.timeoutMs} ms — it may be busy ` +
        `loading a model; try again, or raise ollama.timeoutMs.`,
      host,
    );
  }
  const status = (err as { status_code?: unknown }).status_code;
  const text = String((err as { error?: unknown }).error ?? (err as Error).message ?? err);
  if (typeof status === 'number') return statusError(status, text, what, ctx, at);
  const code = errorCode(err);
  const name = (err as Error).name;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new HostError('aborted', cancelledText(what, ctx.signal), host);
  }
  const address = addressFailure(err, at.url, at.setting);
  if (address)
    return new HostError('unreachable', `Ollama is not reachable at ${host} (${address.why}) — ${address.next}.`, host);
  if (name === 'TypeError' || code) {
    const why = code === 'ECONNREFUSED' ? 'connection refused' : (code ?? 'no answer');
    const where = at.setting.startsWith('hosts.')
      ? `correct ${at.setting} in settings`
      : 'point OLLM_HOST (or OLLAMA_HOST) at where it runs';
    return new HostError(
      'unreachable',
      `Ollama is not reachable at ${host} (${why}) — start it with \`ollama serve\`, or ${where}.`,
      host,
    );
  }
  // an error line in the middle of a stream carries no status
  if (OUT_OF_MEMORY.test(text))
    return new HostError(
      'out_of_memory',
      `Ollama at ${host} ran out of memory during ${what}: ${text} — unload other models or choose a smaller one.`,
      host,
    );
  return new HostError('server_error', `Ollama at ${host} failed ${what}: ${text}`, host);
}

/** An HTTP status the client reported, with the text Ollama sent. */
function statusError(status: number, text: string, what: string, ctx: CallOptions, at: OllamaAt): HostError {
  const host = at.host;
  const tls = plainToTlsAnswer(status, text, at.url) ?? wrongPathAnswer(status, text, at.url);
  if (tls)
    return new HostError(
      'unreachable',
      `Ollama is not reachable at ${host} (${tls}) — ${addressNext(tls, at.url, at.setting)!}.`,
      host,
      status,
    );
  if ((status === 404 && !OLLAMA_NOT_FOUND.test(text)) || status === 405) {
    // another server answers there: OllamaBackend asks it what it is (engine-at.ts) and names it
    const why = notOllamaWhy(undefined, what, status);
    return new HostError(
      'unreachable',
      `Ollama is not reachable at ${host} (${why}) — ${addressNext(why, at.url, at.setting)!}.`,
      host,
      status,
    );
  }
  if (status === 404) {
    return notInstalled(ctx.model ?? /model '([^']+)'/.exec(text)?.[1] ?? 'that model', host, status);
  }
  if (status === 503) {
    return new HostError(
      'busy',
      `Ollama at ${host} is busy (${text.trim()}) — wait a moment and try again.`,
      host,
      status,
    );
  }
  if (status === 401) {
    return new HostError(
      'unauthorized',
      `Ollama at ${host} is not signed in to ollama.com, which ` +
        `${ctx.model ? quoted(ctx.model) : 'this cloud model'} needs (401) — run \`ollama signin\` ` +
        `on that machine, or use a local model.`,
      host,
      status,
    );
  }
  if (OUT_OF_MEMORY.test(text) && status >= 500) {
    return new HostError(
      'out_of_memory',
      `Ollama at ${host} could not load ${ctx.model ? quoted(ctx.model) : 'the model'}: ${text} — ` +
        `unload other models or choose a smaller one.`,
      host,
      status,
    );
  }
  if (status >= 400 && status < 500) {
    return new HostError('bad_request', `Ollama at ${host} rejected ${what}: ${text}`, host, status);
  }
  return new HostError(
    'server_error',
    `Ollama at ${host} failed ${what} (HTTP ${status}): ${text} — check \`ollama serve\` logs.`,
    host,
    status,
  );
}
