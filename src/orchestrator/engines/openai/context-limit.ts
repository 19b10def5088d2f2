/**
 * A refusal that names the engine's real window: the one limit an engine states when a prompt does
 * not fit, read so the work can be planned again for it. Three shapes are read, and nothing else:
 *   llama-server  400 {"error":{"code":400,"type":"exceed_context_size_error","message":"request
 *                 (9412 tokens) exceeds the available context size (8192 tokens), try increasing it",
 *                 "n_prompt_tokens":9412,"n_ctx":8192}}   (server-common.cpp format_error_response,
 *                 server-task.cpp server_task_result_error::to_json: n_ctx is one slot's window)
 *   llama-server  the same message without the fields (a proxy that keeps only `message`)
 *   OpenAI, vLLM  400 "This model's maximum context length is 8192 tokens. However, …"
 * A number elsewhere in a message (a completion limit, an image's tokens) is not a window; a limit
 * outside 256 … 16 777 216 tokens, or on any status but 400, is not believed.
 */

export interface ContextRefusal {
  /** The window the engine runs the model with, in tokens. */
  limit: number;
  /** The prompt's tokens as the engine counted them, when it said. */
  promptTokens?: number;
}

/** A context window an engine may state, within sane bounds (as model lists are read: openai-http.ts). */
export const isWindow = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 256 && v <= 16_777_216;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** llama-server's words (server-context.cpp) and OpenAI's, each with the window's number. */
const SAID = [
  /exceeds the available context size \((\d{3,9}) tokens\)/i,
  /maximum context length is (\d{3,9}) tokens/i,
];

/** The window a message states, by the shapes above. */
function limitSaid(message: unknown): number | undefined {
  if (typeof message !== 'string') return undefined;
  for (const re of SAID) {
    const n = Number(re.exec(message)?.[1]);
    if (isWindow(n)) return n;
  }
  return undefined;
}

/** The error object of a parsed body or stream event: `error` when it is one, else the body itself (older vLLM). */
function errorObject(json: unknown): Record<string, unknown> | undefined {
  if (!isObject(json)) return undefined;
  return isObject(json['error']) ? json['error'] : json;
}

/** The window a 400 names, from its parsed body (or a stream's error event); undefined when it names none. */
function contextRefusalOf(status: number | undefined, json: unknown): ContextRefusal | undefined {
  if (status !== 400) return undefined;
  const e = errorObject(json);
  if (!e) return undefined;
  const fields = e['type'] === 'exceed_context_size_error' && isWindow(e['n_ctx']) ? e['n_ctx'] : undefined;
  const limit = fields ?? limitSaid(e['message']);
  if (limit === undefined) return undefined;
  const prompt = e['n_prompt_tokens'];
  return {
    limit,
    ...(typeof prompt === 'number' && Number.isInteger(prompt) && prompt > 0 && { promptTokens: prompt }),
  };
}

/** The same from a body's text (JSON, or not an error body at all). */
export function contextRefusal(status: number | undefined, text: string): ContextRefusal | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  return contextRefusalOf(status, json);
}
