/**
 * What a failed call to llama-server says (llamacpp-api.ts): the server not reachable (and what to
 * do about its address), an answer that is not llama-server's, and a non-2xx answer in its
 * {error: {message}} or {error: "…"} form. Each is an HostError naming the server and what to do,
 * with its API key kept out of the message.
 */
import { HostError } from '../host-error.js';
import { addressFailure, addressNext, plainToTlsAnswer } from '../address-trouble.js';
import { errorCode } from '../../util/error-code.js';
import { isObject } from './llamacpp-answers.js';

/** The server a failure names (llamacpp-api.ts's LlamacppApi), named here so the two files do not import each other. */
interface Server {
  /** "llama-server at 127.0.0.1:8080" */
  readonly who: string;
  /** host:port */
  readonly host: string;
  /** The server root, no trailing slash. */
  readonly root: string;
  /** The setting that holds its address. */
  readonly setting: string;
  /** The API key in effect. */
  key(): string | undefined;
}

/** A call that reached no server: why, and what to do. */
export function unreachableError(s: Server, err: unknown): HostError {
  const address = addressFailure(err, s.root, s.setting);
  if (address)
    return new HostError('unreachable', `${s.who} is not reachable (${address.why}) — ${address.next}.`, s.host);
  const code = errorCode(err);
  const why = code === 'ECONNREFUSED' ? 'connection refused' : (code ?? 'no answer');
  return new HostError(
    'unreachable',
    `${s.who} is not reachable (${why}) — start it (llama-server --models-dir DIR …), or ` +
      `correct its url in settings (${s.setting}).`,
    s.host,
  );
}

/** An answer that is not what llama-server sends. */
export function foreignAnswer(s: Server, what: string, text: string): HostError {
  return new HostError(
    'server_error',
    `${s.who} answered ${what} with something that is not llama-server's answer ` +
      `(${JSON.stringify(text.slice(0, 80))}) — is llama-server (and not another server) ` +
      `listening there?`,
    s.host,
    { secrets: [s.key()] },
  );
}

/** The error of a non-2xx answer, in llama-server's {error: {message}} or {error: "…"} form. */
export function failedAnswer(
  s: Server,
  what: string,
  status: number,
  json: unknown,
  text: string,
  model?: string,
): HostError {
  const e = isObject(json) ? json['error'] : undefined;
  const said = (isObject(e) && typeof e['message'] === 'string' ? e['message'] : typeof e === 'string' ? e : text)
    .trim()
    .slice(0, 300);
  const info = { status, secrets: [s.key()] }; // a server (or a proxy) may quote the key it was sent
  const tls = plainToTlsAnswer(status, said, s.root);
  if (tls)
    return new HostError(
      'unreachable',
      `${s.who} is not reachable (${tls}) — ${addressNext(tls, s.root, s.setting)!}.`,
      s.host,
      info,
    );
  if (status === 401 || status === 403)
    return new HostError(
      'bad_request',
      `${s.who} refused ${what} (HTTP ${status}: ${said}) — set its API key in the variable named by tokenEnv.`,
      s.host,
      info,
    );
  if (status === 404 && model)
    return new HostError(
      'model_not_found',
      `${s.who} has no model "${model}" (${said}) — its models are the .gguf files of its ` +
        `--models-dir (or the entries of --models-preset); see list_models.`,
      s.host,
      info,
    );
  if (status === 503)
    return new HostError('busy', `${s.who} is busy (${said}) — wait a moment and try again.`, s.host, info);
  if (/memory|alloc/i.test(said) && status >= 500)
    return new HostError(
      'out_of_memory',
      `${s.who} could not load ${model ?? 'the model'}: ${said} — unload other models or choose a smaller one.`,
      s.host,
      info,
    );
  if (status >= 400 && status < 500)
    return new HostError('bad_request', `${s.who} rejected ${what}: ${said}`, s.host, info);
  return new HostError(
    'server_error',
    `${s.who} failed ${what} (HTTP ${status}): ${said} — check its log.`,
    s.host,
    info,
  );
}
