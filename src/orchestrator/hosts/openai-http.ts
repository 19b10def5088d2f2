/**
 * Small pieces of HTTP the OpenAI-compatible backend shares: bounded body reads, the model list's
 * shape, what a /health answer means, and waiting on a shared promise under one caller's signal.
 */
import { foreignBody } from './openai-errors.js';
import type { Failures } from './openai-failures.js';

export const MODEL_LIST_BYTES = 16 * 1024 * 1024;

/** The start of a body, at most `limit` bytes; the rest is not read (the connection is closed). */
export async function readCapped(res: Response, limit: number): Promise<string> {
  const body = res.body;
  if (!body) return '';
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.byteLength;
      if (size >= limit) {
        await reader.cancel();
        break;
      }
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}

/** The model ids of an OpenAI model list (`{"object":"list","data":[{"id"}]}`), or undefined when it is not one. */
export function modelIds(text: string): string[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  const data = typeof json === 'object' && json !== null ? (json as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) return undefined;
  return data.map((m) => (m as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string');
}

/** `p`, or the signal's reason as soon as it aborts (`p` itself goes on, for other callers). */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}

/** "http://h:8000/v1/" -> "/v1" */
export const pathOf = (url: string): string => new URL(url).pathname.replace(/\/+$/, '');

export interface HealthAnswer {
  /** ok; unready (5xx, or a status that is not ok); missing (no /health here); other (a 4xx such as 401: ask the model list). */
  state: 'ok' | 'unready' | 'missing' | 'other';
  status: number;
  said: string;
}

/**
 * What a /health answer means: llama-server answers {"status":"ok"} (503 while it loads a model),
 * vLLM and SGLang an empty 200, llama-swap "OK"; LM Studio has none and answers 200 {"error":…}.
 */
export async function readHealth(res: Response, failures: Failures): Promise<HealthAnswer> {
  const text = await readCapped(res, 8192);
  const contentType = res.headers.get('content-type');
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  const body = typeof json === 'object' && json !== null ? (json as { status?: unknown; error?: unknown }) : {};
  const error = typeof body.error === 'string' ? body.error : (body.error as { message?: unknown } | undefined)?.message;
  const status = typeof body.status === 'string' ? body.status : undefined;
  const plain = text.trim();
  const said = status ?? (typeof error === 'string' ? error : json === undefined && plain.length > 40 ? foreignBody(text, contentType) : plain || `HTTP ${res.status}`);
  const answer = (state: HealthAnswer['state']): HealthAnswer => ({ state, status: res.status, said: failures.engineText(said, 120) });
  if (res.status >= 500) return answer('unready');
  if (res.status === 404 || res.status === 405) return answer('missing');
  if (!res.ok) return answer('other');
  // a web page, or an engine answering unknown paths with 200 {"error":…}: there is no /health here
  if (/html/i.test(contentType ?? '') || body.error !== undefined) return answer('missing');
  if (status && !/^(ok|healthy|up|ready|alive)/i.test(status)) return answer('unready');
  return answer('ok');
}
