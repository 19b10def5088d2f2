/**
 * Small pieces of HTTP the OpenAI-compatible backend shares: bounded body reads, the model list's
 * shape, what a /health answer means, and waiting on a shared promise under one caller's signal.
 */
import { isWindow } from './context-limit.js';
import { foreignBody } from './openai-errors.js';
import type { Failures } from './openai-failures.js';
import { bodyReader } from '../http-fetch.js';

/** A model list is a few KiB (a hosted API's with descriptions, a few MiB); it is parsed on the main thread. */
export const MODEL_LIST_BYTES = 8 * 1024 * 1024;
/** Model ids kept from one list, and the longest id. */
const MAX_MODELS = 10_000;
const MAX_ID = 512;

/** The start of a body, at most `limit` bytes; the rest is not read (the connection is closed). */
export async function readCapped(res: Response, limit: number): Promise<string> {
  return (await readBody(res, limit)).text;
}

/** The start of a body, at most `limit` bytes, and whether there was more (then it was not read further). */
export async function readBody(res: Response, limit: number): Promise<{ text: string; more: boolean }> {
  const reader = bodyReader(res);
  if (!reader) return { text: '', more: false };
  const parts: Uint8Array[] = [];
  let size = 0;
  let more = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size >= limit) {
      more = size > limit || !(await reader.read()).done;
      if (more) await reader.cancel();
      break;
    }
  }
  return { text: Buffer.concat(parts).subarray(0, limit).toString('utf8'), more };
}

/**
 * What a model list says: the ids, each model's window where it says (trained or configured), and the window
 * it runs with where it says that too.
 */
export interface ModelList {
  ids: string[];
  contexts: Map<string, number>;
  /**
   * The window the engine runs a model with now: llama-swap's `meta.n_ctx` (internal/server/api.go
   * handleListModels).
   */
  runtime: Map<string, number>;
  /**
   * Models listed as a single llama-server lists its one (`meta.n_ctx_train`, no runtime window): its /props
   * says the rest.
   */
  llamaServer: string[];
  /** Models vLLM serves (`owned_by: "vllm"`, its ModelCard's default): they take a `cache_salt`. */
  vllm: string[];
}

/**
 * An OpenAI model list (`{"object":"list","data":[{"id"}]}`), or undefined when it is not one:
 * the model ids (entries without a usable id — not a string, empty, absurdly long — left out) and
 * the context window each reports where it does (vLLM `max_model_len`, LM Studio
 * `max_context_length`, OpenRouter `context_length`, llama-server `meta.n_ctx_train`), and the
 * runtime window where the engine says it beside the trained one (`meta.n_ctx`).
 */
export function readModelList(text: string): ModelList | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  const data = typeof json === 'object' && json !== null ? (json as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) return undefined;
  const list: ModelList = { ids: [], contexts: new Map(), runtime: new Map(), llamaServer: [], vllm: [] };
  for (const m of data) {
    if (typeof m !== 'object' || m === null) continue;
    const e = m as Record<string, unknown>;
    const id = e['id'];
    if (typeof id !== 'string' || id === '' || id.length > MAX_ID) continue;
    list.ids.push(id);
    const meta = typeof e['meta'] === 'object' && e['meta'] !== null ? (e['meta'] as Record<string, unknown>) : {};
    const n = [e['max_model_len'], e['max_context_length'], e['context_length'], meta['n_ctx_train']].find(isWindow);
    if (n !== undefined) list.contexts.set(id, n);
    if (isWindow(meta['n_ctx'])) list.runtime.set(id, meta['n_ctx']);
    else if (isWindow(meta['n_ctx_train'])) list.llamaServer.push(id);
    if (e['owned_by'] === 'vllm') list.vllm.push(id);
    if (list.ids.length >= MAX_MODELS) break;
  }
  return list;
}

/**
 * The window a single llama-server runs its model with, from its /props: one slot's context,
 * `default_generation_settings.n_ctx` (server-context.cpp get_props: `meta.slot_n_ctx`); undefined
 * for anything else (a router's /props has no such field, other engines no /props).
 */
export function readPropsWindow(text: string): number | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  const settings =
    typeof json === 'object' && json !== null
      ? (json as { default_generation_settings?: unknown }).default_generation_settings
      : undefined;
  const n = typeof settings === 'object' && settings !== null ? (settings as { n_ctx?: unknown }).n_ctx : undefined;
  return isWindow(n) ? n : undefined;
}

/** The model ids of an OpenAI model list, or undefined when it is not one (readModelList). */
export function modelIds(text: string): string[] | undefined {
  return readModelList(text)?.ids;
}

/** "http://h:8000/v1/" -> "/v1" */
export const pathOf = (url: string): string => new URL(url).pathname.replace(/\/+$/, '');

export interface HealthAnswer {
  /**
   * ok; unready (5xx, or a status that is not ok); missing (no /health here); other (a 4xx such as 401: ask
   * the model list).
   */
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
  const error =
    typeof body.error === 'string' ? body.error : (body.error as { message?: unknown } | undefined)?.message;
  const status = typeof body.status === 'string' ? body.status : undefined;
  const plain = text.trim();
  const said =
    status ??
    (typeof error === 'string'
      ? error
      : json === undefined && plain.length > 40
        ? foreignBody(text, contentType)
        : plain || `HTTP ${res.status}`);
  const answer = (state: HealthAnswer['state']): HealthAnswer => ({
    state,
    status: res.status,
    said: failures.engineText(said, 120),
  });
  if (res.status >= 500) return answer('unready');
  if (res.status === 404 || res.status === 405) return answer('missing');
  if (!res.ok) return answer('other');
  // a web page, or an engine answering unknown paths with 200 {"error":…}: there is no /health here
  if (/html/i.test(contentType ?? '') || body.error !== undefined) return answer('missing');
  if (status && !/^(ok|healthy|up|ready|alive)/i.test(status)) return answer('unready');
  return answer('ok');
}
