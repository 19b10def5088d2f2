/**
 * What a model's answers on a host showed of its speed, pure: the engine's own timings of each
 * answer (stream.ts: reading the prompt — the tokens its cache did not hold — and generating),
 * kept per host and model as the median of the last KEEP_SAMPLES rates, with the answers' lengths
 * and how often they ran into their limit. A rate that is no measurement — faster or slower than
 * any engine runs, or from too few tokens to time — is not learned. The book is bounded: past
 * MAX_PLACES places the least recently seen is forgotten. Kept in the state database by
 * stores/speeds.ts; the estimator reads it (estimate.ts).
 */

/** One answer's figures, engine-neutral. */
export interface SpeedSample {
  promptTokens: number;
  /** Of promptTokens, those the engine's cache held (undefined: it does not say, as Ollama). */
  cachedPromptTokens?: number | undefined;
  /** The engine's time reading the prompt (the tokens not cached), ms. */
  promptMs?: number | undefined;
  outputTokens: number;
  /** The engine's time generating, ms. */
  generationMs?: number | undefined;
  /** The answer ran into its limit (maxTokens). */
  cut: boolean;
  /** The request's time beyond loading, queueing, reading and generating (this server's own work, the network, the engine's scheduling), ms. */
  overheadMs?: number | undefined;
}

/** One host and model's recent figures, newest last. */
export interface SpeedRecord {
  /** Prompt tokens per second, the cache not counted. */
  prompt: number[];
  /** Generated tokens per second. */
  generate: number[];
  /** Tokens of answers that ended by themselves (not cut). */
  answers: number[];
  /** 1 for an answer cut at its limit, 0 for one that ended by itself. */
  cut: number[];
  /** Seconds of a request beyond reading and generating. */
  overhead: number[];
  lastMs: number;
}

export type SpeedBook = Record<string, SpeedRecord>;

/** What was learned of a model on a host, for the estimator; a figure is absent until measured. */
export interface LearnedSpeeds {
  promptTokensPerSecond?: number;
  tokensPerSecond?: number;
  /** The typical length of an answer that ended by itself, and the share of answers cut at their limit. */
  answerTokens?: number;
  cutShare?: number;
  /** A request's seconds beyond reading its prompt and writing its answer. */
  overheadSeconds?: number;
}

export const KEEP_SAMPLES = 9;
export const MAX_PLACES = 500;
/** Physical plausibility: no engine reads more than this many prompt tokens a second, or writes more than this many. */
export const MAX_PROMPT_RATE = 100_000;
export const MAX_GENERATE_RATE = 10_000;
/** Slower than this is no engine working but one stuck (or a clock's nonsense). */
export const MIN_RATE = 0.01;
/** A request's overhead past this (a minute) is no overhead but something that went wrong. */
export const MAX_OVERHEAD_SECONDS = 60;
/** Fewer tokens than this are timed mostly by overheads: not a rate. */
export const MIN_PROMPT_TOKENS = 32;
export const MIN_OUTPUT_TOKENS = 8;

/** The book's key of a host and model. */
export const speedKey = (host: string, model: string): string => JSON.stringify([host, model]);

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
const keep = (list: readonly number[], v: number) => [...list, v].slice(-KEEP_SAMPLES);

/** `tokens` in `ms` as a rate, when it is one: enough tokens, a time, within [MIN_RATE, max]. */
export function plausibleRate(tokens: number, ms: number | undefined, minTokens: number, max: number): number | undefined {
  if (!finite(tokens) || !finite(ms) || tokens < minTokens || !(ms > 0)) return undefined;
  const rate = tokens / (ms / 1000);
  return rate >= MIN_RATE && rate <= max ? rate : undefined;
}

/** The prompt rate of a sample: the tokens the engine read (its cache's left out) over its time reading them. */
export function promptRate(s: SpeedSample): number | undefined {
  const read = s.promptTokens - Math.min(s.promptTokens, Math.max(0, s.cachedPromptTokens ?? 0));
  return plausibleRate(read, s.promptMs, MIN_PROMPT_TOKENS, MAX_PROMPT_RATE);
}

export function generateRate(s: SpeedSample): number | undefined {
  return plausibleRate(s.outputTokens, s.generationMs, MIN_OUTPUT_TOKENS, MAX_GENERATE_RATE);
}

/** The book with one answer's figures learned at host and model; the same book when it taught nothing. */
export function learnSpeed(book: SpeedBook, host: string, model: string, s: SpeedSample, now: number): SpeedBook {
  const p = promptRate(s);
  const g = generateRate(s);
  const length = finite(s.outputTokens) && s.outputTokens > 0 ? s.outputTokens : undefined;
  const overhead = finite(s.overheadMs) && s.overheadMs >= 0 && s.overheadMs / 1000 <= MAX_OVERHEAD_SECONDS ? s.overheadMs / 1000 : undefined;
  if (p === undefined && g === undefined && length === undefined) return book;
  const key = speedKey(host, model);
  const had = book[key] ?? { prompt: [], generate: [], answers: [], cut: [], overhead: [], lastMs: 0 };
  const next: SpeedRecord = {
    prompt: p === undefined ? had.prompt : keep(had.prompt, p),
    generate: g === undefined ? had.generate : keep(had.generate, g),
    answers: length === undefined || s.cut ? had.answers : keep(had.answers, length),
    cut: length === undefined ? had.cut : keep(had.cut, s.cut ? 1 : 0),
    overhead: overhead === undefined ? had.overhead : keep(had.overhead, overhead),
    lastMs: now,
  };
  return bounded({ ...book, [key]: next });
}

/** At most MAX_PLACES places: the least recently seen go first. */
function bounded(book: SpeedBook): SpeedBook {
  const keys = Object.keys(book);
  if (keys.length <= MAX_PLACES) return book;
  const kept = keys.sort((a, b) => book[b]!.lastMs - book[a]!.lastMs).slice(0, MAX_PLACES);
  return Object.fromEntries(kept.map((k) => [k, book[k]!]));
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

/** What the book says of a model on a host. */
export function speedsAt(book: SpeedBook, host: string, model: string): LearnedSpeeds {
  const r = book[speedKey(host, model)];
  if (!r) return {};
  const out: LearnedSpeeds = {};
  const p = median(r.prompt);
  const g = median(r.generate);
  const a = median(r.answers);
  const c = mean(r.cut);
  const o = median(r.overhead);
  if (o !== undefined) out.overheadSeconds = o;
  if (p !== undefined) out.promptTokensPerSecond = p;
  if (g !== undefined) out.tokensPerSecond = g;
  if (a !== undefined) out.answerTokens = a;
  if (c !== undefined) out.cutShare = c;
  return out;
}

/** A stored record, its figures checked (a person may have edited the database); null when it is not one. */
export function parseSpeedRecord(raw: unknown): SpeedRecord | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const list = (v: unknown, max: number) => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= max).slice(-KEEP_SAMPLES) : []);
  const lastMs = typeof r.lastMs === 'number' && Number.isFinite(r.lastMs) ? r.lastMs : 0;
  return {
    prompt: list(r.prompt, MAX_PROMPT_RATE).filter((x) => x >= MIN_RATE),
    generate: list(r.generate, MAX_GENERATE_RATE).filter((x) => x >= MIN_RATE),
    answers: list(r.answers, 100_000_000),
    cut: list(r.cut, 1),
    overhead: list(r.overhead, MAX_OVERHEAD_SECONDS),
    lastMs,
  };
}

/** A generation's counts and the engine's own timings (stream.ts StreamResult). */
interface Generated {
  promptTokens: number;
  outputTokens: number;
  doneReason: string;
  promptMs?: number;
  cachedPromptTokens?: number;
  generatingMs?: number;
}

/** One answer's figures to learn from; `beyondMs`: the request's time past loading and queueing, when known. */
export function speedSample(out: Generated, beyondMs?: number): SpeedSample {
  const timed = out.promptMs !== undefined && out.generatingMs !== undefined && beyondMs !== undefined;
  return {
    promptTokens: out.promptTokens,
    cachedPromptTokens: out.cachedPromptTokens,
    promptMs: out.promptMs,
    outputTokens: out.outputTokens,
    generationMs: out.generatingMs,
    cut: out.doneReason === 'length',
    ...(timed && { overheadMs: Math.max(0, beyondMs - out.promptMs! - out.generatingMs!) }),
  };
}

/** The engine's own timings as a result's metrics show them, those it gave. */
export function engineTimes(out: Omit<Generated, 'doneReason' | 'promptTokens' | 'outputTokens'>): { promptMs?: number; cachedPromptTokens?: number; generationMs?: number } {
  return {
    ...(out.promptMs !== undefined && { promptMs: out.promptMs }),
    ...(out.cachedPromptTokens !== undefined && { cachedPromptTokens: out.cachedPromptTokens }),
    ...(out.generatingMs !== undefined && { generationMs: out.generatingMs }),
  };
}
