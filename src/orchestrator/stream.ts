/**
 * One generation on one model, always streamed from Ollama (a non-streamed request can outlive
 * any sane time limit and shows no sign of life). The caller's signal stops it at once — the
 * request is closed, so Ollama stops generating — and a stall (no token for `stallMs`) stops it
 * with an error naming the model, so the next model can be tried.
 */
import type { Settings } from './config/index.js';
import type { LoadOutcome } from './loader.js';
import { OllamaError, type OllamaBackend } from './ollama.js';

export interface StreamRequest {
  model: string;
  prompt: string;
  system?: string;
  /** Base64 images, for vision models. */
  images?: string[];
  keepAlive: string | number;
  numCtx: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  stallMs: number;
  /** Ask a thinking model to think: its reasoning comes back apart from the answer. */
  think?: boolean;
  signal?: AbortSignal;
  /** Called with the running token count after each chunk. */
  onToken?: (tokens: number) => void;
}

export interface StreamResult {
  text: string;
  thinking?: string;
  doneReason: string;
  promptTokens: number;
  outputTokens: number;
  /** Output tokens per second while generating, from Ollama's own timing. */
  tokensPerSecond: number;
  loadMs: number;
  totalMs: number;
  timeToFirstTokenMs: number;
}

const ns2ms = (ns: number | undefined) => (ns ? Math.round(ns / 1e6) : 0);

export async function streamGenerate(backend: OllamaBackend, req: StreamRequest): Promise<StreamResult> {
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), req.stallMs);
    timer.unref();
  };
  const signal = req.signal ? AbortSignal.any([req.signal, stall.signal]) : stall.signal;
  const started = performance.now();
  let firstToken = 0;
  let text = '';
  let thinking = '';
  let tokens = 0;
  arm();
  try {
    const final = await backend.call(
      `generation on "${req.model}"`,
      async (c) => {
        const stream = await c.generate({
          model: req.model,
          prompt: req.prompt,
          stream: true,
          keep_alive: req.keepAlive,
          options: { num_ctx: req.numCtx, num_predict: req.maxTokens, temperature: req.temperature, top_p: req.topP },
          ...(req.system && { system: req.system }),
          ...(req.think && { think: true }),
          ...(req.images?.length && { images: req.images }),
        });
        for await (const chunk of stream) {
          arm();
          if (chunk.thinking) thinking += chunk.thinking;
          if (chunk.response) {
            if (!firstToken) firstToken = performance.now();
            text += chunk.response;
          }
          if (chunk.response || chunk.thinking) req.onToken?.(++tokens);
          if (chunk.done) return chunk;
        }
        throw new Error('the stream ended before Ollama said it was done');
      },
      { timeoutMs: 0, signal, model: req.model },
    );
    if (text.trim() === '') {
      throw new OllamaError(
        'server_error',
        `${req.model} returned an empty answer${thinking ? ' (it only produced thinking)' : ''} — trying another model may help, or raise maxTokens.`,
        backend.host,
      );
    }
    const evalSeconds = (final.eval_duration ?? 0) / 1e9;
    const result: StreamResult = {
      text,
      doneReason: final.done_reason ?? 'stop',
      promptTokens: final.prompt_eval_count ?? 0,
      outputTokens: final.eval_count ?? tokens,
      tokensPerSecond: evalSeconds > 0 ? Math.round(((final.eval_count ?? 0) / evalSeconds) * 10) / 10 : 0,
      loadMs: ns2ms(final.load_duration),
      totalMs: Math.round(performance.now() - started),
      timeToFirstTokenMs: Math.round((firstToken || performance.now()) - started),
    };
    if (thinking) result.thinking = thinking;
    return result;
  } catch (err) {
    if (stall.signal.aborted && !req.signal?.aborted) {
      throw new OllamaError(
        'timeout',
        `${req.model} sent nothing for ${Math.round(req.stallMs / 1000)} s and was stopped (after ${tokens} tokens) — Ollama at ${backend.host} may be overloaded; raise ollama.stallTimeoutMs if the model is just slow.`,
        backend.host,
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The parts of a stream request that come from settings and the load: one place for every caller. */
export function streamOptions(
  settings: Settings,
  loaded: Pick<LoadOutcome, 'model' | 'keepAlive' | 'contextLength'>,
  opts: { capabilities: readonly string[]; maxTokens: number; temperature?: number },
): Pick<StreamRequest, 'model' | 'keepAlive' | 'numCtx' | 'temperature' | 'topP' | 'maxTokens' | 'stallMs' | 'think'> {
  return {
    model: loaded.model,
    keepAlive: loaded.keepAlive,
    numCtx: loaded.contextLength,
    temperature: opts.temperature ?? settings.options.temperature,
    topP: settings.options.topP,
    maxTokens: opts.maxTokens,
    stallMs: settings.ollama.stallTimeoutMs,
    think: opts.capabilities.includes('thinking'),
  };
}
