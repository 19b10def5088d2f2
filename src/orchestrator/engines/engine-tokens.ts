/**
 * The engine's own token counts for one job, where its engine has a tokenizer (llama-server's
 * /tokenize). A count refines the calibrated estimate (generation/token-count.ts); it is never a
 * condition of the job: any failure — an HTTP error, the time limit, an answer that is not a count
 * or holds more tokens than the text could — comes to undefined, and the job counts by the
 * estimate. The first failure is logged, once for the job, and the job asks no more: a broken or
 * hanging tokenizer costs one time limit, not one per part. A cancel is no failure: it is thrown.
 */
import type { Engine } from './engine.js';
import { log } from '../util/log.js';

/** The tokens of `text` by the engine, or undefined: it cannot count now, or failed to. */
export type EngineTokens = (text: string, signal?: AbortSignal) => Promise<number | undefined>;

export function engineTokens(engine: Pick<Engine, 'can' | 'tokenize'>, model: string): EngineTokens {
  let failed = false;
  return async (text, signal) => {
    if (failed || !engine.can.tokenize || !engine.tokenize) return undefined;
    try {
      const n = await engine.tokenize(model, text, signal ? { signal } : {});
      if (n === undefined || (Number.isSafeInteger(n) && n >= 0)) return n;
      throw new Error(`a count of ${n}`);
    } catch (err) {
      if (signal?.aborted) throw err;
      failed = true;
      log.warn(
        `${model}: the engine's token count failed ` +
          `(${err instanceof Error ? err.message : String(err)}); this job counts tokens by the ` +
          `calibrated estimate instead.`,
      );
      return undefined;
    }
  };
}
