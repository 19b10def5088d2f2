/**
 * The one error type of the Ollama backend: what went wrong (its kind), at which host, and the
 * next step in its message.
 */
import { quoted, shortened } from '../util/shorten.js';

export type OllamaErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'aborted'
  | 'model_not_found'
  | 'bad_request'
  | 'busy'
  | 'out_of_memory'
  | 'unauthorized'
  | 'server_error'
  /** The host answered something that is not Ollama's answer (a wrong shape, a line or body past its limit). */
  | 'bad_response';

export class OllamaError extends Error {
  override name = 'OllamaError';
  constructor(
    readonly kind: OllamaErrorKind,
    message: string,
    readonly host: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The error for a model that is not installed: names the host and says how to get it. */
export function notInstalled(model: string, host: string, status?: number, similar: readonly string[] = []): OllamaError {
  const hint = similar.length
    ? ` Installed under other names: ${similar.join(', ')} — name one of them exactly (a tag or namespace is part of the name), or pull it with \`ollama pull ${shortened(model)}\`.`
    : ` — pull it with \`ollama pull ${shortened(model)}\`, or pick one from list_models.`;
  return new OllamaError('model_not_found', `Model ${quoted(model)} is not installed on Ollama at ${host}${similar.length ? '.' : ''}${hint}`, host, status);
}
