/**
 * POST /tokenize, bounded where it enters: the answer is counted as it streams in
 * (token-answer.ts), never held whole nor parsed, and reading stops once it passes what the text
 * sent can hold; the call has a time limit proportional to the text (the host's own limit at
 * most), its body included. Every failure is a HostError the caller may count without.
 */
import { HostError } from '../host-error.js';
import { bodyReader } from '../http-fetch.js';
import { readCapped } from '../openai/openai-http.js';
import { type CallOpts, type LlamacppApi, parseJson } from './llamacpp-api.js';
import { TokenAnswerCounter, TokenAnswerError, tokenBounds } from './token-answer.js';

/** The time limit of a /tokenize call, before the text's share: llama-server counts tokens far faster than this. */
export const TOKENIZE_BASE_MS = 3000;
/** Bytes of text per millisecond more of the time limit. */
export const TOKENIZE_BYTES_PER_MS = 1024;
/** What is read of an error answer, for its message. */
const ERROR_BYTES = 8192;

/** The time limit for tokenizing `textBytes` bytes: proportional to the text, never past `hostLimitMs`. */
export function tokenizeTimeoutMs(textBytes: number, hostLimitMs: number): number {
  return Math.min(hostLimitMs, TOKENIZE_BASE_MS + Math.ceil(textBytes / TOKENIZE_BYTES_PER_MS));
}

/** The tokens of `text` by model `id`'s tokenizer (`model`: its name, for messages). */
export function tokenizeCount(
  api: LlamacppApi,
  id: string,
  model: string,
  text: string,
  opts: CallOpts = {},
): Promise<number> {
  const bytes = Buffer.byteLength(text);
  const timeoutMs = tokenizeTimeoutMs(bytes, opts.timeoutMs ?? api.timeoutMs);
  const what = 'POST /tokenize';
  return api.call(
    'POST',
    '/tokenize',
    { model: id, content: text },
    { ...opts, timeoutMs, model, idempotent: true },
    async (res) => {
      if (res.status !== 200) {
        const said = await readCapped(res, ERROR_BYTES);
        throw api.failed(what, res.status, parseJson(said), said, model);
      }
      const counter = new TokenAnswerCounter(tokenBounds(bytes));
      const reader = bodyReader(res);
      try {
        for (;;) {
          const next = await reader?.read();
          if (!next || next.done) break;
          counter.push(next.value);
        }
        return counter.end();
      } catch (err) {
        if (!(err instanceof TokenAnswerError)) throw err;
        await reader?.cancel().catch(() => undefined); // the rest is not read: the connection is closed
        throw new HostError(
          'bad_response',
          `${api.who} answered ${what} with ${err.message} — is llama-server (and not another server) listening there?`,
          api.host,
          res.status,
        );
      }
    },
  );
}
