/**
 * Counting tokens as the engine will. The estimate (classify.ts estimateTokens) is tuned to
 * Llama-3-like tokenizers; a model with another vocabulary counts differently (a small one can
 * count twice as many tokens on the same log). So each model's estimate is corrected by what its
 * engine reported for earlier prompts (metrics.ts tokenRatio), or — where the engine has a
 * tokenizer (llama-server's /tokenize) — by counting a sample of the very input. Pure.
 */
import { estimateTokens } from './classify.js';

/** Prompts estimated below this say little about the tokenizer: the chat template weighs too much in them. */
const CALIBRATION_MIN_TOKENS = 256;
/** Estimated tokens seen before a model's ratio is trusted. */
export const CALIBRATION_ENOUGH_TOKENS = 2000;
/** Room kept above the measured ratio: prompts differ from the ones it was measured on. */
export const RATIO_MARGIN = 1.05;

/**
 * Whether an answer's count says something about the tokenizer (a count far below the estimate is a prompt
 * cache at work).
 */
export function countsForCalibration(estimated: number, counted: number): boolean {
  return estimated >= CALIBRATION_MIN_TOKENS && counted >= estimated * 0.5;
}

/** Engine tokens per estimated token over the prompts seen, with the margin; undefined until enough was seen. */
export function ratioOf(estimated: number, counted: number): number | undefined {
  if (estimated < CALIBRATION_ENOUGH_TOKENS) return undefined;
  return (counted / estimated) * RATIO_MARGIN;
}

/** Counts text for one model: the estimate, scaled by the model's ratio. */
export interface TokenCounter {
  (text: string): number;
  /** Engine tokens per estimated token (1 when nothing was measured). */
  readonly ratio: number;
  /** Where the ratio comes from, for results and dry runs. */
  readonly source: 'estimate' | 'earlier answers' | 'the engine tokenizer';
}

export function tokenCounter(
  ratio: number | undefined,
  source: TokenCounter['source'] = ratio === undefined ? 'estimate' : 'earlier answers',
): TokenCounter {
  const r = ratio ?? 1;
  return Object.assign((text: string) => Math.ceil(estimateTokens(text) * r), { ratio: r, source });
}

/**
 * A sample of `text` for the tokenizer: all of it when short, else evenly spread slices adding up to `limit`
 * characters.
 */
export function sampleOf(text: string, limit = 32_000, slices = 8): string {
  if (text.length <= limit) return text;
  const size = Math.floor(limit / slices);
  // first slice at the start, last at the end
  const at = (i: number) => Math.round((i * (text.length - size)) / (slices - 1));
  return Array.from({ length: slices }, (_, i) => text.slice(at(i), at(i) + size)).join('\n');
}
