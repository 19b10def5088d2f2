/**
 * A model the caller named whose load failed — on this server's engine (jobs/route-load.ts), or on
 * the ollm-mcp server the call went through, which said so in its refusal (ollm/ollm-answers.ts
 * boxRefusal): the route answers with no other local model in its place (jobs/route-attempt.ts).
 * The words are the protocol between two servers: the refusal is text only.
 */
import { HostError } from './host-error.js';

/** The failed load of a model the caller named. */
export class NamedLoadFailed extends HostError {
  override name = 'NamedLoadFailed';
}

/** What the error of a named model's failed load says after its cause (and so a relaying server's refusal). */
const namedLoadWords = (model: string): string => `${model} was named, and its load failed`;

/** Whether a refusal's words say that the named model's load failed there. */
export const saysNamedLoadFailed = (text: string): boolean => / was named, and its load failed: /.test(text);

/** `err`, the failed load of the named `model`, as the error that says so: its cause, and the next step. */
export function namedLoadFailed(err: unknown, model: string): NamedLoadFailed {
  if (err instanceof NamedLoadFailed) return err;
  const cause = (err instanceof Error ? err.message : String(err)).trimEnd();
  const message =
    `${cause.endsWith('.') ? cause : `${cause}.`} ${namedLoadWords(model)}: no other local ` +
    `model answered in its place — call again once that is fixed, or name another model.`;
  if (!(err instanceof HostError)) return new NamedLoadFailed('server_error', message, 'local');
  return new NamedLoadFailed(err.kind, message, err.host, {
    ...(err.status !== undefined && { status: err.status }),
    ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
    ...(err.engine !== undefined && { engine: err.engine }),
  });
}
