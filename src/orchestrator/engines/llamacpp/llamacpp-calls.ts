/**
 * The Ollama client's calls, carried out on a llama-server router (the `fetch` of a
 * LlamacppBackend's client, so the loader and generation code work unchanged):
 * - an empty generate with keep_alive 0 → POST /models/unload (the loader then waits until the
 *   status no longer says loaded);
 * - an empty generate otherwise → POST /models/load, then the status is polled until it says
 *   loaded (or the load failed), within the caller's time limit;
 * - a streamed generate → /v1/chat/completions through the OpenAI streaming client, its text
 *   passed on as Ollama's NDJSON chunks while it streams, its usage and timings at the end;
 * - embed, pull, delete → a clear refusal naming what to do instead.
 * Failures are OllamaErrors naming the server, so messages and fallbacks work as for Ollama.
 */
import { createParser } from 'eventsource-parser';
import type { LlamacppApi, RouterModel, ServerProps } from './llamacpp-api.js';
import { EngineError, OpenAIBackend } from '../openai/openai.js';
import { HostError, type HostErrorKind } from '../ollama/ollama.js';
import { httpFetch } from '../http-fetch.js';
import { cancelledText } from '../../util/stopping.js';

type Json = Record<string, unknown>;

/** What these calls need of the backend (hosts/llamacpp.ts), named here so the two files do not import each other. */
export interface LlamacppBackend {
  readonly api: LlamacppApi;
  readonly host: string;
  readonly options: { name: string; apiKeyEnv?: string; fetch?: typeof fetch };
  serverProps(opts?: { signal?: AbortSignal }): Promise<ServerProps>;
  models(opts?: { signal?: AbortSignal }): Promise<Array<RouterModel & { name: string }>>;
  idOf(name: string): string;
}
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const POLL_MS = 100;
/** Generation stalls are watched by the caller (generation/stream.ts); this only bounds a lost stream. */
const STREAM_STALL_MS = 24 * 3600_000;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export async function serveOllamaCall(b: LlamacppBackend, input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const body: Json = typeof init.body === 'string' ? (JSON.parse(init.body) as Json) : {};
  const signal = init.signal ?? undefined;
  const model = typeof body['model'] === 'string' ? body['model'] : typeof body['name'] === 'string' ? body['name'] : '';
  switch (url.pathname) {
    case '/api/generate':
      if (body['prompt'] === '' || body['prompt'] === undefined) {
        if (body['keep_alive'] === 0 || body['keep_alive'] === '0' || body['keep_alive'] === '0s') return json(await unload(b, model, signal));
        return json(await load(b, model, signal));
      }
      return generate(b, body, signal);
    case '/api/embed':
    case '/api/embeddings':
      throw new HostError('bad_request', `${b.api.who} serves chat models here; ollm-mcp does not embed through it — use an Ollama host for embedding models.`, b.host);
    case '/api/pull':
      throw new HostError('bad_request', `${b.api.who} cannot download models — put the .gguf file in its --models-dir (or add it to its --models-preset) and it is listed; pull_model works on Ollama hosts.`, b.host);
    case '/api/delete':
      throw new HostError('bad_request', `${b.api.who} cannot delete "${model}" — remove its .gguf file from the router's --models-dir (or its --models-preset entry) yourself; delete_model works on Ollama hosts.`, b.host);
    default:
      throw new HostError('bad_request', `${b.api.who} has no ${url.pathname} (it is not Ollama) — this call is not available on a llama.cpp host.`, b.host);
  }
}

const done = (model: string, extra: Json = {}) => ({ model, created_at: new Date().toISOString(), response: '', done: true, done_reason: 'load', ...extra });

async function routerOnly(b: LlamacppBackend, what: string, signal?: AbortSignal): Promise<void> {
  const props = await b.serverProps(signal ? { signal } : {});
  if (!props.router) throw new HostError('bad_request', `${b.api.who} serves one model (it was not started in router mode: --models-dir or --models-preset), so ollm-mcp cannot ${what} there.`, b.host);
}

async function unload(b: LlamacppBackend, name: string, signal?: AbortSignal): Promise<Json> {
  await routerOnly(b, `unload ${name}`, signal);
  await b.api.command('unload', b.idOf(name), signal ? { signal } : {});
  return done(name, { done_reason: 'unload' });
}

/** POST /models/load, then waits until the status says loaded; past the caller's limit its signal stops the wait. */
async function load(b: LlamacppBackend, name: string, signal?: AbortSignal): Promise<Json> {
  const started = performance.now();
  const id = b.idOf(name);
  const first = (await b.models(signal ? { signal } : {})).find((m) => m.id === id);
  if (!first) throw new HostError('model_not_found', `${b.api.who} has no model "${id}" — its models are the .gguf files of its --models-dir (or the entries of --models-preset); see list_models.`, b.host, 404);
  if (first.status === 'loaded') return done(name, { load_duration: 0 });
  await routerOnly(b, `load ${name}`, signal);
  if (first.status !== 'loading') await b.api.command('load', id, signal ? { signal } : {});
  for (;;) {
    if (signal?.aborted) throw new HostError('aborted', cancelledText(`loading "${name}"`, signal), b.host);
    const now = (await b.models(signal ? { signal } : {})).find((m) => m.id === id);
    if (now?.status === 'loaded') return done(name, { load_duration: Math.round((performance.now() - started) * 1e6) });
    if (!now || now.status === 'failed' || (now.status === 'unloaded' && performance.now() - started > 1000)) {
      const why = now?.failure ?? (now ? 'it is unloaded again' : 'it is no longer listed');
      throw new HostError('server_error', `${b.api.who} could not load ${name}: ${why} — see the router's log (the model's own llama-server writes there); the file may be damaged or too large for this machine.`, b.host);
    }
    await sleep(POLL_MS, signal);
  }
}

const KINDS: Record<string, HostErrorKind> = { unreachable: 'unreachable', timeout: 'timeout', aborted: 'aborted', model_not_found: 'model_not_found', rate_limited: 'busy', bad_request: 'bad_request', unauthorized: 'bad_request' };

/** An OpenAI streaming client error as the HostError the rest of ollm-mcp expects. */
export function fromEngine(b: LlamacppBackend, err: unknown): HostError {
  if (err instanceof HostError) return err;
  if (err instanceof EngineError) {
    const kind = KINDS[err.kind] ?? (/memory|alloc/i.test(err.message) ? 'out_of_memory' : 'server_error');
    return new HostError(kind, err.message, b.host, err.status);
  }
  return new HostError('server_error', `${b.api.who} failed: ${err instanceof Error ? err.message : String(err)}`, b.host);
}

/**
 * A streamed generate as a streamed chat completion. The answer's deltas are read from a copy of
 * the event stream (the OpenAI client reads the other and keeps the rules: stalls, maxTokens,
 * errors in the stream); each becomes an NDJSON chunk at once, so the caller sees tokens flow.
 */
function generate(b: LlamacppBackend, body: Json, signal?: AbortSignal): Response {
  const options = isObject(body['options']) ? body['options'] : {};
  const name = String(body['model'] ?? '');
  const id = b.idOf(name);
  const started = performance.now();
  const enc = new TextEncoder();
  let side: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let sent = '';
      let closed = false;
      const send = (chunk: Json) => !closed && controller.enqueue(enc.encode(`${JSON.stringify({ model: name, created_at: new Date().toISOString(), done: false, ...chunk })}\n`));
      const parser = createParser({
        onEvent(ev) {
          if (ev.data.trim() === '[DONE]') return;
          try {
            const j = JSON.parse(ev.data) as unknown;
            const choice = isObject(j) && Array.isArray(j['choices']) ? (j['choices'][0] as unknown) : undefined;
            const delta = isObject(choice) && isObject(choice['delta']) ? choice['delta'] : {};
            const reasoning = delta['reasoning_content'] ?? delta['reasoning'];
            if (typeof delta['content'] === 'string' && delta['content']) {
              send({ response: delta['content'] });
              sent += delta['content'];
            }
            else if (typeof reasoning === 'string' && reasoning) send({ response: '', thinking: reasoning });
          } catch {
            // not a chunk: the OpenAI client reports it
          }
        },
      });
      const tee = (async (url: string | URL | Request, init?: RequestInit) => {
        const res = await (b.options.fetch ?? httpFetch)(url as string, init);
        const type = res.headers.get('content-type') ?? '';
        if (!res.ok || !res.body || !/event-stream/i.test(type)) return res;
        const [mine, theirs] = res.body.tee();
        side = mine.getReader();
        void (async () => {
          const dec = new TextDecoder();
          for (;;) {
            const r = await side!.read().catch(() => ({ done: true as const, value: undefined }));
            if (r.done) return;
            parser.feed(dec.decode(r.value, { stream: true }));
          }
        })();
        return new Response(theirs, { status: res.status, headers: { 'content-type': type } });
      }) as typeof fetch;
      const client = new OpenAIBackend({ name: b.options.name, baseURL: `${b.api.root}/v1`, settingsPath: `hosts.${b.options.name}`, ...(b.options.apiKeyEnv && { apiKeyEnv: b.options.apiKeyEnv }), fetch: tee });
      const maxTokens = typeof options['num_predict'] === 'number' && options['num_predict'] > 0 ? options['num_predict'] : 2048;
      client
        .streamChat({
          model: id,
          prompt: String(body['prompt'] ?? ''),
          maxTokens,
          stallTimeoutMs: STREAM_STALL_MS,
          ...(typeof body['system'] === 'string' && body['system'] && { system: body['system'] }),
          ...(typeof options['temperature'] === 'number' && { temperature: options['temperature'] }),
          ...(Array.isArray(body['images']) && body['images'].length > 0 && { images: body['images'].map(String) }),
          ...(signal && { signal }),
        })
        .then((out) => {
          // the copy may lag behind the client's reading: what it has not passed on yet goes now
          if (out.text.length > sent.length && out.text.startsWith(sent)) send({ response: out.text.slice(sent.length) });
          const evalNs = out.tokensPerSecond > 0 ? Math.round((out.outputTokens / out.tokensPerSecond) * 1e9) : 0;
          send({
            response: '',
            done: true,
            done_reason: out.doneReason === 'length' ? 'length' : 'stop',
            prompt_eval_count: out.promptTokens,
            eval_count: out.outputTokens,
            eval_duration: evalNs,
            load_duration: 0,
            total_duration: Math.round((performance.now() - started) * 1e6),
          });
          closed = true;
          controller.close();
        })
        .catch((err: unknown) => {
          closed = true;
          controller.error(fromEngine(b, err));
        })
        .finally(() => void side?.cancel().catch(() => undefined));
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'application/x-ndjson' } });
}
