/**
 * What answers at an Ollama address that does not answer as Ollama (issue 83, finding 2): a
 * llama-server, or another OpenAI-compatible engine, put where Ollama was expected answers Ollama's
 * `/api/*` with its own 404 (`{"error":{"code":404,…}}`, never Ollama's `{"error":"model 'x' not
 * found"}`) or a list Ollama never sends — which read as Ollama's words said "not installed — pull
 * it with `ollama pull …`". The server is asked what it is, as each engine tells it: GET `/` (Ollama:
 * "Ollama is running"), `/props` (llama-server: `build_info`, `default_generation_settings`, a
 * router's `role`), `/v1/models` (any OpenAI-compatible engine: `{data: […]}`, llama-server's entries
 * `owned_by: "llamacpp"`) — at once, within 2 s and 64 KiB an answer, each answer checked — and
 * named: the words (`notOllamaWhy`) and the `hosts:` entry that fits it (address-trouble.ts
 * addressNext) are the same in doctor, list_models and route_and_generate.
 */
import { bodyReader, type ChunkReader } from './http-fetch.js';

/** What was found there: another engine by name, Ollama itself (its API lacks the call), or nothing known. */
export type FoundThere = 'llama.cpp' | 'OpenAI-compatible' | 'Ollama' | undefined;

const PROBE_MS = 2000;
const PROBE_BYTES = 64 * 1024;

type Get = (
  url: string,
  init: { signal: AbortSignal },
) => Promise<{
  ok: boolean;
  body: ReadableStream<Uint8Array> | null;
  reader?: () => ChunkReader;
}>;

/** The cause in words ("… answers there, not Ollama"), without parentheses: messages carry it as "(why)". */
export function notOllamaWhy(found: FoundThere, what: string, status: number | undefined): string {
  if (found === 'llama.cpp') return 'a llama.cpp server answers there, not Ollama';
  if (found === 'OpenAI-compatible') return 'an OpenAI-compatible server answers there, not Ollama';
  if (found === 'Ollama') return `Ollama answers there but has no ${what}: it is older than ollm-mcp needs`;
  return `it does not answer as Ollama: ${what} gave ${status === undefined ? 'an answer Ollama never gives' : `HTTP ${status}`}`;
}

/** Asks the server at `root` (scheme, host, port, a proxy's path) what it is; undefined when it tells nothing known. */
export async function engineAt(root: string, get: Get, signal?: AbortSignal): Promise<FoundThere> {
  const limit = AbortSignal.timeout(PROBE_MS);
  const within = signal ? AbortSignal.any([signal, limit]) : limit;
  const [home, props, models] = await Promise.all([
    bounded(get, `${root}/`, within),
    bounded(get, `${root}/props`, within),
    bounded(get, `${root}/v1/models`, within),
  ]);
  if (home !== undefined && /^Ollama is running/.test(home)) return 'Ollama';
  const p = parsed(props);
  if (
    p &&
    (typeof p['build_info'] === 'string' || isObject(p['default_generation_settings']) || p['role'] === 'router')
  )
    return 'llama.cpp';
  const data = parsed(models)?.['data'];
  if (!Array.isArray(data)) return undefined;
  return data.some((d) => isObject(d) && d['owned_by'] === 'llamacpp') ? 'llama.cpp' : 'OpenAI-compatible';
}

/** A GET's body as text when it answered 2xx, at most PROBE_BYTES (more: not an answer of these); else undefined. */
async function bounded(get: Get, url: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const res = await get(url, { signal });
    const reader = bodyReader(res);
    if (!res.ok || !reader) {
      await reader?.cancel().catch(() => undefined);
      return undefined;
    }
    const parts: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(parts).toString('utf8');
      size += value.byteLength;
      if (size > PROBE_BYTES) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      parts.push(value);
    }
  } catch {
    return undefined;
  }
}

function parsed(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
