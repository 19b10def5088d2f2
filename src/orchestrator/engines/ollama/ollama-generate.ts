/**
 * Ollama's side of a generation: one streamed /api/generate, its NDJSON lines (checked where they
 * entered: ollama-fetch.ts) passed on as the answer's pieces, and the done line's counts and
 * times returned. A host sending many lines without text is stopped: no answer of Ollama's does.
 * The request goes out as the official client would send it, but its lines are read here as the
 * values their check gave — not framed into text again and parsed a second time by the client, on
 * every call's path.
 */
import type { GenerateDone, GenerateRequest } from '../engine-requests.js';
import { HostError } from '../host-error.js';
import type { GuardedAnswer } from './ollama-fetch.js';

/** A generate line as its check leaves it (ollama-lines.ts). */
interface GenerateLine {
  error?: string;
  response?: string;
  thinking?: string;
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  eval_duration?: number;
  prompt_eval_duration?: number;
  load_duration?: number;
}

/** POSTs a JSON body to the host's /api/generate through its guarded fetch. */
export type GeneratePost = (body: Record<string, unknown>) => Promise<GuardedAnswer>;

/** Lines with no text tolerated in one answer (a real one has a handful: the last, a role change). */
const EMPTY_LINES = 256;
const ns2ms = (ns: number | undefined) => (ns ? Math.round(ns / 1e6) : undefined);

export async function ollamaGenerate(
  post: GeneratePost,
  req: GenerateRequest,
  who: { who: string; host: string },
): Promise<GenerateDone> {
  const res = await post({
    model: req.model,
    prompt: req.prompt,
    stream: true,
    keep_alive: req.keepAlive,
    // sampling options only when asked for: the model's own (its Modelfile) apply otherwise
    options: {
      num_ctx: req.numCtx,
      num_predict: req.maxTokens,
      ...(req.temperature !== undefined && { temperature: req.temperature }),
      ...(req.topP !== undefined && { top_p: req.topP }),
    },
    ...(req.system && { system: req.system }),
    ...(req.think && { think: true }),
    // Ollama's own form: "json", or the JSON Schema itself
    ...(req.format !== undefined && { format: req.format }),
    ...(req.images?.length && { images: req.images }),
  });
  if (!res.ok) {
    // as the client's ResponseError: the backend maps it by status (ollama.ts toError)
    const said = String(((await res.json()) as { error?: unknown }).error);
    throw Object.assign(new Error(said), { name: 'ResponseError', error: said, status_code: res.status });
  }
  const reader = res.values();
  if (!reader) throw new Error('Missing body');
  const close = () => void reader.cancel().catch(() => undefined);
  let lines = 0;
  let withText = 0;
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    const chunk = next.value as GenerateLine;
    // an error line (checked: its text, at most 1,000 characters) ends the stream: the backend maps it by its text
    if (chunk.error !== undefined) throw new Error(chunk.error);
    lines++;
    if (chunk.response || chunk.thinking) {
      withText++;
      const stop = req.onDelta({
        ...(chunk.response && { text: chunk.response }),
        ...(chunk.thinking && { thinking: chunk.thinking }),
      });
      if (stop === 'stop' && !chunk.done) {
        close();
        return { doneReason: 'length' };
      }
    }
    if (chunk.done) {
      const evalMs = ns2ms(chunk.eval_duration);
      const loadMs = ns2ms(chunk.load_duration);
      return {
        doneReason: chunk.done_reason || 'stop',
        ...(chunk.prompt_eval_count !== undefined && { promptTokens: chunk.prompt_eval_count }),
        ...(chunk.eval_count !== undefined && { outputTokens: chunk.eval_count }),
        ...(evalMs !== undefined && { generatingMs: chunk.eval_duration! / 1e6 }),
        ...(loadMs !== undefined && { loadMs }),
        // prompt_eval_count is cache_n + prompt_n (llm/llama_server.go), its duration the part not cached:
        // Ollama says nothing of the cache
        ...(chunk.prompt_eval_duration ? { promptMs: chunk.prompt_eval_duration / 1e6 } : {}),
      };
    }
    if (lines - withText > EMPTY_LINES) {
      close();
      throw new HostError(
        'bad_response',
        `${who.who} sent ${lines - withText} lines without text for ${JSON.stringify(req.model)}, ` +
          `which no answer of Ollama's does, and was stopped — is Ollama (and not another server) ` +
          `listening there?`,
        who.host,
      );
    }
  }
  throw new Error('the stream ended before Ollama said it was done');
}
