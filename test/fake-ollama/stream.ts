/**
 * The body of a generate/chat answer: the load-only reply, or prompt evaluation then the reply
 * streamed a token per NDJSON chunk, as tokenize.ts cuts it (thinking first for a thinking model), then the done line
 * with integer-ns metrics (zero ones left out); `stream:false` gives one object. A failure with
 * afterChunks ends the stream with an `{"error"}` line (500 when not streaming).
 */
import {
  type Exchange,
  type Failure,
  HttpError,
  type Json,
  failStatus,
  isRecord,
  nowNs,
  nsSince,
  sleep,
} from './exchange.js';
import type { ReplyContext, RunnerUse } from './generation.js';
import { tokenize } from './tokenize.js';

export interface Completion {
  endpoint: 'generate' | 'chat';
  loadOnly: boolean;
  promptTokens: number;
  /** The prompt the runner reads (its slot's cache keeps it). */
  evaluated?: string;
  withContext: boolean;
  think: boolean;
  replyCtx: ReplyContext;
}

export interface StreamDeps {
  tokenDelayMs: number;
  /**
   * Prompt evaluation per prompt token (prompt_eval_duration measures it); unset: tokenDelayMs for the whole
   * prompt.
   */
  promptTokenDelayMs?: number | undefined;
  reply(): string;
  failure: Failure | undefined;
  /** Called with the error text just before a failure is sent. */
  onFail(error: string): void;
  /** Told how many of the prompt's tokens the slot held already. */
  onCached?(tokens: number): void;
  /** Told the durations it reports (ns), as it sends them. */
  onReported?(reported: { promptEvalNs?: number; evalNs?: number }): void;
}

export async function stream(
  ex: Exchange,
  body: Json,
  sent: string,
  p: Completion,
  use: RunnerUse,
  d: StreamDeps,
): Promise<void> {
  const chat = p.endpoint === 'chat';
  const streaming = body['stream'] !== false;
  const { failure } = d;
  const base = (): Json => ({ model: sent, created_at: new Date().toISOString() });
  if (p.loadOnly) {
    if (failure) throw new HttpError(failStatus(failure), failure.error);
    return ex.json(
      200,
      chat
        ? { ...base(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true }
        : { ...base(), response: '', done: true, done_reason: 'load' },
    );
  }
  await use.slot();
  // prompt evaluation: only what the slot did not hold already (prompt-cache.ts)
  const cached = p.evaluated !== undefined && p.promptTokens > 0 ? use.cached(p.evaluated, p.promptTokens) : 0;
  d.onCached?.(cached);
  const peStart = nowNs();
  await sleep(
    d.promptTokenDelayMs !== undefined ? (p.promptTokens - cached) * d.promptTokenDelayMs : d.tokenDelayMs,
    ex.signal,
  );
  const promptEvalNs = nsSince(peStart);
  if (ex.closed) return;

  let tokens: string[] = tokenize(d.reply());
  let doneReason = 'stop';
  const opts = isRecord(body['options']) ? body['options'] : {};
  const numPredict = opts['num_predict'];
  if (typeof numPredict === 'number' && numPredict >= 0 && tokens.length > numPredict) {
    tokens = tokens.slice(0, Math.floor(numPredict));
    doneReason = 'length';
  }
  const chunk = (t: string): Json =>
    chat
      ? { ...base(), message: { role: 'assistant', content: t }, done: false }
      : { ...base(), response: t, done: false };
  const fail = (): void => {
    if (!failure) return;
    d.onFail(failure.error);
    if (streaming) {
      ex.line({ error: failure.error });
      ex.end();
    } else ex.error(failStatus(failure), failure.error);
  };

  const evalStart = nowNs();
  let produced = '';
  // A thinking model streams its reasoning first, in `thinking` (or message.thinking).
  const thinkingWords = p.think ? ['Let ', 'me ', 'think. '] : [];
  let thought = '';
  for (const w of thinkingWords) {
    await sleep(d.tokenDelayMs, ex.signal);
    if (ex.closed) return;
    thought += w;
    if (streaming)
      ex.line(
        chat
          ? { ...base(), message: { role: 'assistant', content: '', thinking: w }, done: false }
          : { ...base(), response: '', thinking: w, done: false },
      );
  }
  for (let k = 0; k < tokens.length; k++) {
    if (failure?.afterChunks === k) return fail();
    await sleep(d.tokenDelayMs, ex.signal);
    if (ex.closed) return;
    const t = tokens[k] ?? '';
    produced += t;
    if (streaming) ex.line(chunk(t));
  }
  if (failure) return fail();
  const evalNs = nsSince(evalStart);

  const metrics: Json = { total_duration: nsSince(ex.start) };
  if (use.loadNs > 0) metrics['load_duration'] = use.loadNs;
  if (p.promptTokens > 0) {
    metrics['prompt_eval_count'] = p.promptTokens;
    metrics['prompt_eval_duration'] = promptEvalNs;
  }
  if (tokens.length > 0) {
    metrics['eval_count'] = tokens.length;
    metrics['eval_duration'] = evalNs;
  }
  d.onReported?.({
    ...(p.promptTokens > 0 && { promptEvalNs }),
    ...(tokens.length > 0 && { evalNs }),
  });
  const content = streaming ? '' : produced;
  const thinkingField = !streaming && thought ? { thinking: thought } : {};
  const ctxTokens = p.withContext ? { context: fakeContext(p.promptTokens + tokens.length) } : {};
  const final = chat
    ? {
        ...base(),
        message: { role: 'assistant', content, ...thinkingField },
        done_reason: doneReason,
        done: true,
        ...metrics,
      }
    : { ...base(), response: content, ...thinkingField, done: true, done_reason: doneReason, ...ctxTokens, ...metrics };
  if (streaming) {
    ex.line(final);
    ex.end();
  } else ex.json(200, final);
}

function fakeContext(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(128000 + ((i * 7919) % 4096));
  return out;
}
