/**
 * Whether a host's engine keeps the prompts this server sends it (issue 64, Deliver 2): what
 * prefix-memory.ts believes a slot held of a prompt, checked against what the engine says its
 * cache held when it read it (llama-server's `timings.cache_n`, OpenAI's
 * `usage.prompt_tokens_details.cached_tokens`; Ollama says nothing, so nothing is learned there).
 * Learned as speeds are: from the engine's own figures, plausible or not learned.
 *
 * A prompt whose prefix this server believed held (at least MIN_TESTED_CHARS) is a *miss* when the
 * engine held less than MISS_SHARE of that, else a *hit*; a prompt it believed held little of is a
 * hit when the engine held MIN_TESTED_CHARS or more anyway (it keeps prompts: another client's, or
 * one this server forgot), else it says nothing. MISSES misses in a row and no hit between: the
 * engine does not keep this server's prefixes for that model (started with `--no-cache-prompt`,
 * its slots taken by clients that do not come through ollm-mcp, evicting them) — what its slots
 * are believed to hold is not trusted, so placement steers nothing there for its cache. A hit
 * trusts it again at once. Nor is distrust kept for ever: a host no longer steered to may get no
 * prompt that would show a hit, so after RETRUST_MS without a miss it is trusted on probation —
 * its misses are still counted, so the first miss then distrusts it again (one request steered for
 * nothing every RETRUST_MS at most), and a hit clears them. Pure: figures in, a state out.
 */
import { MIN_HELD_CHARS } from './prefix-affinity.js';

/** A belief below what placement steers for (prefix-affinity.ts) is not tested. */
export const MIN_TESTED_CHARS = MIN_HELD_CHARS;
/** The engine held less than this share of what was believed: a miss. */
export const MISS_SHARE = 0.5;
/** Misses in a row, with no hit between, before the engine's slots are no longer believed. */
export const MISSES = 3;
/** Distrusted this long without a miss: trusted again, on probation. */
export const RETRUST_MS = 10 * 60_000;

/** What the engine said of one prompt it read: its tokens and those its cache held, against the prompt's characters. */
export interface PromptReport {
  /** The characters the block chain was made of (prefix-memory.ts blockChain). */
  promptChars: number;
  promptTokens: number;
  /** Undefined when the engine does not say (Ollama). */
  cachedTokens: number | undefined;
}

export interface PrefixEvidence {
  kind: 'hit' | 'miss';
  /** What the engine held, in the prompt's characters (its share of the tokens). */
  cachedChars: number;
}

/** A model's trust on one host: misses in a row, and since when it is distrusted. */
export interface Trust {
  misses: number;
  offSince?: number;
}

/**
 * What one report shows, against `believedChars` (what this server believed a slot held before sending):
 * undefined when nothing.
 */
export function evidenceOf(believedChars: number, r: PromptReport): PrefixEvidence | undefined {
  const { promptTokens, cachedTokens } = r;
  // a count is a whole number, the cached ones part of the prompt's: anything else is not a figure to learn from
  if (
    !Number.isSafeInteger(promptTokens) ||
    promptTokens <= 0 ||
    cachedTokens === undefined ||
    !Number.isSafeInteger(cachedTokens) ||
    cachedTokens < 0 ||
    cachedTokens > promptTokens
  )
    return undefined;
  if (!Number.isFinite(r.promptChars) || r.promptChars <= 0 || !Number.isFinite(believedChars) || believedChars < 0)
    return undefined;
  const cachedChars = Math.round((cachedTokens / promptTokens) * r.promptChars);
  if (believedChars >= MIN_TESTED_CHARS)
    return { kind: cachedChars < MISS_SHARE * believedChars ? 'miss' : 'hit', cachedChars };
  return cachedChars >= MIN_TESTED_CHARS ? { kind: 'hit', cachedChars } : undefined;
}

/** The trust after `e` (undefined: trusted, no miss counted). */
export function trustAfter(t: Trust | undefined, e: PrefixEvidence, now: number): Trust | undefined {
  if (e.kind === 'hit') return undefined;
  const misses = (t?.misses ?? 0) + 1;
  return misses >= MISSES ? { misses, offSince: now } : { misses };
}

/** Whether what the slots are believed to hold is trusted now. */
export function trusted(t: Trust | undefined, now: number): boolean {
  return t?.offSince === undefined || now - t.offSince >= RETRUST_MS;
}
