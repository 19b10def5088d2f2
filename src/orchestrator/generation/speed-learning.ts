/**
 * What a model's answers on a host showed of its speed, pure: the engine's own timings of each
 * answer (stream.ts: reading the prompt — the tokens its cache did not hold — and generating),
 * kept per host and model as the median of the last KEEP_SAMPLES rates, with the answers' lengths
 * per task and how often they ran into their limit (answer-length.ts). A rate that is no
 * measurement — faster or slower than any engine runs, or from too few tokens to time — is not
 * learned; a prompt too short to time is kept apart as a floor (an engine reads a long prompt at
 * least as fast), used only until a prompt long enough was timed. The book is bounded: past
 * MAX_PLACES places the least recently seen is forgotten. Kept in the state database by
 * stores/speeds.ts; the estimator reads it (estimate.ts).
 */
import {
  learnLength,
  lengthKey,
  lengthOf,
  parseTaskLengths,
  wholeAnswers,
  type AnswerLengths,
  type LearnedLength,
} from './answer-length.js';

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
  /**
   * The request's time beyond loading, queueing, reading and generating (this server's own work, the network,
   * the engine's scheduling), ms.
   */
  overheadMs?: number | undefined;
  /** The kind of work asked (a TaskType): answers' lengths are learned per task. */
  task?: string | undefined;
  /** The model's size (its weights' bytes): what the host's speed for other models is scaled by (host-rates.ts). */
  sizeBytes?: number | undefined;
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
  /** Prompt tokens per second of prompts too short to time (fewer than MIN_PROMPT_TOKENS): a floor. */
  short?: number[];
  /** Answers' lengths by task (answers, cut above are every task's, and those of samples without one). */
  tasks?: Record<string, AnswerLengths>;
  /** The model's size when last measured. */
  bytes?: number;
  lastMs: number;
}

export type SpeedBook = Record<string, SpeedRecord>;

/** What was learned of a model on a host, for the estimator; a figure is absent until measured. */
export interface LearnedSpeeds extends LearnedLength {
  promptTokensPerSecond?: number;
  /** The rate short prompts were read at, while no prompt long enough to time was: the least a longer one reads at. */
  promptFloorTokensPerSecond?: number;
  tokensPerSecond?: number;
  /** A request's seconds beyond reading its prompt and writing its answer. */
  overheadSeconds?: number;
}

export const KEEP_SAMPLES = 9;
export const MAX_PLACES = 500;
/** Physical plausibility: no engine reads more than this many prompt tokens a second, or writes more than this many. */
const MAX_PROMPT_RATE = 100_000;
const MAX_GENERATE_RATE = 10_000;
/** Slower than this is no engine working but one stuck (or a clock's nonsense). */
const MIN_RATE = 0.01;
/** A request's overhead past this (a minute) is no overhead but something that went wrong. */
const MAX_OVERHEAD_SECONDS = 60;
/** Fewer tokens than this are timed mostly by overheads: not a rate. */
const MIN_PROMPT_TOKENS = 32;
const MIN_OUTPUT_TOKENS = 8;

/** The book's key of a host and model. */
export const speedKey = (host: string, model: string): string => JSON.stringify([host, model]);
/** How every key of a host's models begins: `["host",`. */
export const hostPrefix = (host: string): string => `${JSON.stringify([host]).slice(0, -1)},`;

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
const keep = (list: readonly number[], v: number) => [...list, v].slice(-KEEP_SAMPLES);

/** `tokens` in `ms` as a rate, when it is one: enough tokens, a time, within [MIN_RATE, max]. */
function plausibleRate(tokens: number, ms: number | undefined, minTokens: number, max: number): number | undefined {
  if (!finite(tokens) || !finite(ms) || tokens < minTokens || !(ms > 0)) return undefined;
  const rate = tokens / (ms / 1000);
  return rate >= MIN_RATE && rate <= max ? rate : undefined;
}

/** The prompt rate of a sample: the tokens the engine read (its cache's left out) over its time reading them. */
function promptRate(s: SpeedSample): number | undefined {
  return plausibleRate(readTokens(s), s.promptMs, MIN_PROMPT_TOKENS, MAX_PROMPT_RATE);
}

const readTokens = (s: SpeedSample) =>
  s.promptTokens - Math.min(s.promptTokens, Math.max(0, s.cachedPromptTokens ?? 0));

/**
 * The rate of a prompt too short to time as a rate (its fixed costs weigh), which a longer prompt is read at
 * least as fast as.
 */
function shortPromptRate(s: SpeedSample): number | undefined {
  const read = readTokens(s);
  return read < MIN_PROMPT_TOKENS ? plausibleRate(read, s.promptMs, 1, MAX_PROMPT_RATE) : undefined;
}

function generateRate(s: SpeedSample): number | undefined {
  return plausibleRate(s.outputTokens, s.generationMs, MIN_OUTPUT_TOKENS, MAX_GENERATE_RATE);
}

/** The book with one answer's figures learned at host and model; the same book when it taught nothing. */
export function learnSpeed(book: SpeedBook, host: string, model: string, s: SpeedSample, now: number): SpeedBook {
  const key = speedKey(host, model);
  const next = learnRecord(book[key], s, now);
  return next ? bounded({ ...book, [key]: next }) : book;
}

/** One place's record with one answer's figures learned; undefined when the answer taught nothing. */
export function learnRecord(had: SpeedRecord | undefined, s: SpeedSample, now: number): SpeedRecord | undefined {
  const p = promptRate(s);
  const short = shortPromptRate(s);
  const g = generateRate(s);
  const length = finite(s.outputTokens) && s.outputTokens > 0 ? s.outputTokens : undefined;
  const overhead =
    finite(s.overheadMs) && s.overheadMs >= 0 && s.overheadMs / 1000 <= MAX_OVERHEAD_SECONDS
      ? s.overheadMs / 1000
      : undefined;
  if (p === undefined && short === undefined && g === undefined && length === undefined) return undefined;
  const was = had ?? { prompt: [], generate: [], answers: [], cut: [], overhead: [], lastMs: 0 };
  return {
    prompt: p === undefined ? was.prompt : keep(was.prompt, p),
    generate: g === undefined ? was.generate : keep(was.generate, g),
    // the model's answers, as a request naming no task expects them: whole ones — a split job's parts and
    // combinations are learned under their task's kind only
    answers: length === undefined || s.cut || !wholeAnswers(s.task) ? was.answers : keep(was.answers, length),
    cut: length === undefined ? was.cut : keep(was.cut, s.cut ? 1 : 0),
    overhead: overhead === undefined ? was.overhead : keep(was.overhead, overhead),
    ...((short !== undefined || was.short) && {
      short: short === undefined ? was.short! : keep(was.short ?? [], short),
    }),
    ...((was.tasks || (s.task && length !== undefined)) && { tasks: withTask(was.tasks, s.task, length, s.cut) }),
    ...(finite(s.sizeBytes) && s.sizeBytes > 0
      ? { bytes: s.sizeBytes }
      : was.bytes !== undefined && { bytes: was.bytes }),
    lastMs: now,
  };
}

/** The lengths by task with one answer's added (the same when the sample names no task or wrote nothing). */
function withTask(
  had: Record<string, AnswerLengths> | undefined,
  task: string | undefined,
  length: number | undefined,
  cut: boolean,
): Record<string, AnswerLengths> {
  const out: Record<string, AnswerLengths> = Object.create(null) as Record<string, AnswerLengths>;
  for (const [k, v] of Object.entries(had ?? {})) out[k] = v;
  if (task && length !== undefined) out[task] = learnLength(out[task], length, cut);
  return out;
}

/** At most MAX_PLACES places: the least recently seen go first. */
export function bounded(book: SpeedBook): SpeedBook {
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

/**
 * What the book says of a model on a host; with `task`, its answers' lengths are those of that
 * task — the model's own there, else every model's on the host, else (none of the task seen) the
 * model's answers of any task.
 */
export function speedsAt(book: SpeedBook, host: string, model: string, task?: string): LearnedSpeeds {
  const r = book[speedKey(host, model)];
  const lengths = task === undefined ? undefined : taskLengths(book, host, model, task);
  if (!r) return lengths ?? {};
  const out: LearnedSpeeds = lengths ?? lengthOf([{ answers: r.answers, cut: r.cut }]);
  const p = median(r.prompt);
  const floor = median(r.short ?? []);
  const g = median(r.generate);
  const o = median(r.overhead);
  if (o !== undefined) out.overheadSeconds = o;
  if (p !== undefined) out.promptTokensPerSecond = p;
  else if (floor !== undefined) out.promptFloorTokensPerSecond = floor;
  if (g !== undefined) out.tokensPerSecond = g;
  return out;
}

/**
 * A task's answer lengths: the model's own on the host, else every model's there; undefined when none was seen.
 * A split job's part of a task none was seen of here is as long as the parts of other tasks ran here (the model's
 * own, else every model's): a part's answer is partial and short whatever the task — nearer theirs than the task's
 * whole answers, by which a new task's first split job was timed at 200–500 tokens a part where its parts wrote 12
 * (issue 82: its model passed over for the client's limit on that figure).
 */
export function taskLengths(book: SpeedBook, host: string, model: string, task: string): LearnedLength | undefined {
  const exact = lengthsAt(book, host, model, (r) => (r.tasks?.[task] ? [r.tasks[task]] : []));
  if (exact || !task.endsWith(PART)) return exact;
  return lengthsAt(book, host, model, (r) =>
    Object.entries(r.tasks ?? {}).flatMap(([key, v]) => (key.endsWith(PART) ? [v] : [])),
  );
}

/** The key suffix of a split job's parts' answers (answer-length.ts lengthKey). */
const PART = lengthKey('', 'part');

/** The lengths a place's record holds (`of`): the model's own on the host, else every model's there. */
function lengthsAt(
  book: SpeedBook,
  host: string,
  model: string,
  of: (r: SpeedRecord) => AnswerLengths[],
): LearnedLength | undefined {
  const mine = book[speedKey(host, model)];
  const own = mine ? of(mine) : [];
  if (own.length) return lengthOf(own);
  const here = hostPrefix(host);
  const others = Object.entries(book).flatMap(([key, r]) => (key.startsWith(here) ? of(r) : []));
  return others.length ? lengthOf(others) : undefined;
}

/** A stored record, its figures checked (a person may have edited the database); null when it is not one. */
export function parseSpeedRecord(raw: unknown): SpeedRecord | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  const list = (v: unknown, max: number) =>
    Array.isArray(v)
      ? v
          .filter((x): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= max)
          .slice(-KEEP_SAMPLES)
      : [];
  const lastMs = typeof r.lastMs === 'number' && Number.isFinite(r.lastMs) ? r.lastMs : 0;
  return {
    prompt: list(r.prompt, MAX_PROMPT_RATE).filter((x) => x >= MIN_RATE),
    generate: list(r.generate, MAX_GENERATE_RATE).filter((x) => x >= MIN_RATE),
    answers: list(r.answers, 100_000_000),
    cut: list(r.cut, 1),
    overhead: list(r.overhead, MAX_OVERHEAD_SECONDS),
    ...(Array.isArray(r.short) && { short: list(r.short, MAX_PROMPT_RATE).filter((x) => x >= MIN_RATE) }),
    ...(r.tasks !== undefined && { tasks: parseTaskLengths(r.tasks, list) }),
    ...(typeof r.bytes === 'number' && Number.isFinite(r.bytes) && r.bytes > 0 && { bytes: r.bytes }),
    lastMs,
  };
}
