/**
 * How long an answer is expected to run, pure (issue 73, Deliver 2): what such calls wrote before —
 * per task and model on a host, learned as its speeds are (speed-learning.ts keeps the lengths) —
 * and the request's limit, which bounds the answer and is not expected of it. Until a model's
 * answers of a task were seen, the answers other models wrote for that task on the host; until any
 * were, a modest figure for the task (TYPICAL_ANSWER_TOKENS). An answer cut at its limit wanted at
 * least what it wrote: with a larger limit it is expected to write as long (or as long as its
 * answers that ended by themselves, when longer), never the whole of a limit it never reached.
 */
import type { TaskType } from '../config/profiles.js';

/**
 * A task's answers at one place: lengths of those that ended by themselves, a 1/0 per answer for cut or not,
 * and the lengths of the cut ones.
 */
export interface AnswerLengths {
  answers: number[];
  cut: number[];
  cutAt: number[];
}

/**
 * What was learned of a model's answers for a task: the typical length of those that ended by themselves, the
 * share cut, and where those were cut.
 */
export interface LearnedLength {
  answerTokens?: number;
  cutShare?: number;
  cutTokens?: number;
}

/**
 * Tokens an answer of a task is taken to write before any was seen here: a short answer for fast
 * work, a few paragraphs for a question, a function for code, longer for reasoning (a thinking
 * model's thoughts count). A guess for a few calls only: the first answers replace it.
 */
const TYPICAL_ANSWER_TOKENS: Readonly<Record<TaskType, number>> = Object.freeze({
  fast: 120,
  general: 350,
  summarize: 300,
  vision: 250,
  creative: 500,
  code: 500,
  debugging: 500,
  reasoning: 700,
});

export const typicalAnswerTokens = (task: TaskType | undefined): number => TYPICAL_ANSWER_TOKENS[task ?? 'general'];

/**
 * What a split job's request answers (jobs/split-generations.ts): a part of the input, or a combination before the
 * last — the last combination is the task's answer. Each is learned apart from the task's answers (`lengthKey`):
 * a part's answer is partial and short, a combination as long as an answer to the task, and a job of 60 parts
 * would otherwise make the task's answers look like its parts' (the combining rounds and the last answer then
 * counted at a part's length: issue 82).
 */
export type AnswerKind = 'part' | 'combination';

/** The key a task's answers of `kind` are learned under: the task's own for a whole answer or a job's last. */
export const lengthKey = (task: string, kind?: AnswerKind): string => (kind ? `${task}/${kind}` : task);

/** Whether answers learned under `key` are whole ones (a task's, or none named): not a split job's parts or combinations. */
export const wholeAnswers = (key: string | undefined): boolean => !key?.includes('/');

/** The most samples kept per list (as speed-learning.ts keeps its rates). */
const KEEP = 9;
const keep = (list: readonly number[] | undefined, v: number) => [...(list ?? []), v].slice(-KEEP);

/** `had` with one answer of `tokens` learned. */
export function learnLength(had: Partial<AnswerLengths> | undefined, tokens: number, cut: boolean): AnswerLengths {
  return {
    answers: cut ? [...(had?.answers ?? [])] : keep(had?.answers, tokens),
    cut: keep(had?.cut, cut ? 1 : 0),
    cutAt: cut ? keep(had?.cutAt, tokens) : [...(had?.cutAt ?? [])],
  };
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

/** The figures of some answers (one place's, or several places' put together); nothing when there are none. */
export function lengthOf(lists: ReadonlyArray<Partial<AnswerLengths>>): LearnedLength {
  const all = (k: keyof AnswerLengths) => lists.flatMap((l) => l[k] ?? []);
  const flags = all('cut');
  const out: LearnedLength = {};
  const answers = median(all('answers'));
  const cutAt = median(all('cutAt'));
  if (answers !== undefined) out.answerTokens = answers;
  if (flags.length) out.cutShare = flags.reduce((a, b) => a + b, 0) / flags.length;
  if (cutAt !== undefined) out.cutTokens = cutAt;
  return out;
}

/**
 * The tokens an answer of at most `maxTokens` is expected to write: its answers that ended by
 * themselves run as long as they did (else `typical`); the share cut at their limit, as long as
 * they were cut at or as the others, whichever is more — all within this limit.
 */
export function expectedAnswerTokens(maxTokens: number, learned: LearnedLength, typical: number): number {
  const own = learned.answerTokens ?? typical;
  const cut = learned.cutShare ?? 0;
  const whenCut = learned.cutTokens !== undefined ? Math.max(learned.cutTokens, own) : maxTokens;
  return Math.round(cut * Math.min(maxTokens, whenCut) + (1 - cut) * Math.min(maxTokens, own));
}

/** A stored task's lengths, checked; undefined when it is none. */
function parseLengths(raw: unknown, list: (v: unknown, max: number) => number[]): AnswerLengths | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  return { answers: list(r.answers, 100_000_000), cut: list(r.cut, 1), cutAt: list(r.cutAt, 100_000_000) };
}

/**
 * Stored lengths by task, those that are one kept (in an object of no prototype: a task is any key). `list`
 * checks a stored list of numbers.
 */
export function parseTaskLengths(
  raw: unknown,
  list: (v: unknown, max: number) => number[],
): Record<string, AnswerLengths> {
  const out: Record<string, AnswerLengths> = Object.create(null) as Record<string, AnswerLengths>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const [task, v] of Object.entries(raw)) {
    const lengths = parseLengths(v, list);
    if (lengths) out[task] = lengths;
  }
  return out;
}
