/**
 * Planning a job against a model's window before anything is sent (pure): whether the inputs, the
 * task and room for the answer fit it whole, and if not, how large each part may be, what each part
 * carries beside the task, how many combining rounds the partial answers will take, and how many
 * generations that makes. The same rule on every engine; the window is the usable one (trained,
 * memory-bound or fixed by the engine).
 *
 * A small window is shrunk into before it is refused: what a part may go without is left out of
 * the parts in this order until a part of a useful size fits — remembered facts, then the citation
 * guide (its short form first, then none), then the part's answer budget, down to PART_ANSWER_MIN.
 * Only when even the task alone beside the smallest part and its answer cannot fit is the work
 * refused, with the window (or the shorter task) it would take.
 */
import { CONTEXT_SLACK } from './context-need.js';

/** Room for the prompt template and special tokens (the route's own slack), and the sentences that frame a part. */
export const FRAMING_TOKENS = CONTEXT_SLACK + 64;
/** The share of the window a part may fill when its tokens are estimated (exact counts fill more). */
export const ESTIMATE_FILL = 0.85;
export const EXACT_FILL = 0.95;
/** A part's answer is partial: at most this many tokens, and an eighth of the window. */
const PART_ANSWER_MAX = 1024;
const PART_ANSWER_MIN = 64;
/** The smallest part worth sending. */
const MIN_PART_TOKENS = 128;

/** What a part may go without, counted for this model (0: there is none). */
export interface OptionalTokens {
  /** Remembered facts (their budget: what the route may add). */
  memory: number;
  /** The citation guide, and its short form (0: it has none). */
  guide: number;
  shortGuide: number;
}

export interface WindowNeed {
  /** The model's usable window, in its tokens. */
  window: number;
  /** What every request carries: the task and the system, project and agent prompts, counted for this model. */
  fixedTokens: number;
  /** What a part may be sent without when the window is small; a whole run carries all of it. */
  optional?: OptionalTokens;
  /** Tokens to reserve for the answer of a whole run. */
  answerTokens: number;
  /** The inputs rendered whole, counted for this model. */
  inputTokens: number;
  /** Counted by the engine's own tokenizer (less margin is kept). */
  exact?: boolean;
  /** inputs.maxParts: a part so small that the input would take more parts is not of a useful size. */
  maxParts?: number;
}

/** What each part's request carries beside the task and the system prompts. */
export interface PartCarry {
  memory: boolean;
  guide: 'full' | 'short' | 'none';
}

export type WindowPlan =
  | { whole: true; needTokens: number }
  | {
      whole: false;
      needTokens: number;
      partTokens: number;
      partAnswerTokens: number;
      carry: PartCarry;
      /**
       * What every part's request carries beside its input: the fixed tokens and what it keeps of the
       * optional ones.
       */
      carriedTokens: number;
      /** What was left out of the parts to make room, in words; empty when nothing was. */
      leftOut: string[];
      /** The part's answer budget it would have had, when it was cut to make room. */
      shrunkFrom?: number;
    }
  | { whole: false; needTokens: number; impossible: string; minWindow: number };

const NONE: OptionalTokens = { memory: 0, guide: 0, shortGuide: 0 };

/** The whole job's need: inputs, task, everything optional, answer and framing. */
export function wholeNeed(n: WindowNeed): number {
  const o = n.optional ?? NONE;
  return n.inputTokens + n.fixedTokens + o.memory + o.guide + n.answerTokens + FRAMING_TOKENS;
}

/**
 * An answer for one part: an eighth of the window, between PART_ANSWER_MIN and PART_ANSWER_MAX — and never
 * above what the caller allows, the floor included (issue 83, finding 7: `maxTokens: 60` ran as 64 a part).
 */
export function partAnswerTokens(window: number, asked?: number): number {
  const usual = Math.max(PART_ANSWER_MIN, Math.min(PART_ANSWER_MAX, Math.floor(window / 8)));
  return asked !== undefined && asked >= 1 ? Math.min(usual, Math.floor(asked)) : usual;
}

/**
 * The smallest room for a part's input beside an answer of `answer` tokens: a useful part, and a combining
 * round holding two answers (or it never ends).
 */
function minRoom(answer: number, n: WindowNeed): number {
  const useful = n.maxParts ? Math.ceil(n.inputTokens / n.maxParts) : 0;
  return Math.max(MIN_PART_TOKENS, 2 * answer + 1, useful);
}

/**
 * What parts carry, from all of it to none of it, in the order things are left out (each step only where
 * there is something to leave).
 */
function carries(o: OptionalTokens): PartCarry[] {
  const all: PartCarry[] = [
    { memory: true, guide: 'full' },
    { memory: false, guide: 'full' },
    { memory: false, guide: 'short' },
    { memory: false, guide: 'none' },
  ];
  const real = all
    .filter((c) => c.guide !== 'short' || o.shortGuide > 0)
    .map((c): PartCarry => ({ memory: c.memory && o.memory > 0, guide: o.guide > 0 ? c.guide : 'none' }));
  return real.filter((c, i) => i === 0 || c.memory !== real[i - 1]!.memory || c.guide !== real[i - 1]!.guide);
}

function carriedTokens(n: WindowNeed, c: PartCarry): number {
  const o = n.optional ?? NONE;
  return (
    n.fixedTokens + (c.memory ? o.memory : 0) + (c.guide === 'full' ? o.guide : c.guide === 'short' ? o.shortGuide : 0)
  );
}

/** What was left out of the parts, in words. */
function leftOutOf(n: WindowNeed, c: PartCarry): string[] {
  const o = n.optional ?? NONE;
  return [
    ...(o.memory > 0 && !c.memory ? ['remembered facts'] : []),
    ...(o.guide > 0 && c.guide === 'none'
      ? ['the citation guide']
      : o.guide > 0 && c.guide === 'short'
        ? ['the full citation guide (a short one sent)']
        : []),
  ];
}

/**
 * The result's note on what a small window left out of the parts, e.g. "remembered facts and the citation
 * guide left out of parts: 1536-token window"; undefined when nothing was.
 */
export function leftOutNote(
  plan: { leftOut: readonly string[]; partAnswerTokens: number; shrunkFrom?: number | undefined },
  window: number,
): string | undefined {
  const cut =
    plan.shrunkFrom !== undefined
      ? `partial answers cut to ${plan.partAnswerTokens} tokens (from ${plan.shrunkFrom})`
      : '';
  const items =
    plan.leftOut.length > 1
      ? `${plan.leftOut.slice(0, -1).join(', ')} and ${plan.leftOut.at(-1)!}`
      : (plan.leftOut[0] ?? '');
  if (!items && !cut) return undefined;
  return `${items ? `${items} left out of parts${cut ? `, and ${cut}` : ''}` : cut}: ${window}-token window`;
}

/** Whole when it fits, else the size of each part (the inputs' share of a part's prompt) and what each part carries. */
export function planWindow(n: WindowNeed, askedMaxTokens?: number): WindowPlan {
  const needTokens = wholeNeed(n);
  if (needTokens <= n.window) return { whole: true, needTokens };
  const usual = partAnswerTokens(n.window, askedMaxTokens);
  const fill = Math.floor(n.window * (n.exact ? EXACT_FILL : ESTIMATE_FILL));
  const split = (c: PartCarry, answer: number) => {
    const carried = carriedTokens(n, c);
    return {
      whole: false as const,
      needTokens,
      partTokens: fill - carried - answer - FRAMING_TOKENS,
      partAnswerTokens: answer,
      carry: c,
      carriedTokens: carried,
      leftOut: leftOutOf(n, c),
      ...(answer < usual && { shrunkFrom: usual }),
    };
  };
  const steps = carries(n.optional ?? NONE);
  for (const c of steps) {
    const plan = split(c, usual);
    if (plan.partTokens >= minRoom(usual, n)) return plan;
  }
  // the barest parts: the answer budget shrunk until a useful part fits beside it, down to the floor
  const bare = steps.at(-1)!;
  const avail = fill - carriedTokens(n, bare) - FRAMING_TOKENS;
  // the largest answer with room for a part beside it of `least` tokens, and for two answers in a combining prompt
  const shrunk = (least: number) => Math.min(usual, Math.floor((avail - 1) / 3), avail - least);
  // the floor: PART_ANSWER_MIN, or the caller's own limit when it is lower
  const floor = Math.min(PART_ANSWER_MIN, usual);
  const answer = shrunk(minRoom(0, n));
  if (answer >= floor) return split(bare, answer);
  // no part is large enough to keep the input within maxParts: the barest parts, for the caller to say how
  // many they would take
  const any = shrunk(MIN_PART_TOKENS);
  if (any >= floor) return split(bare, any);
  return refusal(n, needTokens);
}

/**
 * The refusal when even the task alone leaves no room for the smallest part and its answer: the window it
 * would take, or how much shorter the task must be.
 */
function refusal(n: WindowNeed, needTokens: number): WindowPlan {
  const ratio = n.exact ? EXACT_FILL : ESTIMATE_FILL;
  const smallest = Math.max(MIN_PART_TOKENS, 2 * PART_ANSWER_MIN + 1);
  const least = n.fixedTokens + FRAMING_TOKENS + PART_ANSWER_MIN + smallest;
  let minWindow = Math.ceil(least / ratio);
  while (Math.floor(minWindow * ratio) < least) minWindow++;
  const over = least - Math.floor(n.window * ratio);
  const o = n.optional ?? NONE;
  const without = [o.memory > 0 && 'remembered facts', o.guide > 0 && 'the citation guide']
    .filter(Boolean)
    .join(' and ');
  const shorter = over < n.fixedTokens ? `, or a task and system prompts ~${over} tokens shorter` : '';
  return {
    whole: false,
    needTokens,
    minWindow,
    impossible:
      `its ${n.window}-token window leaves too little room beside the task and system prompts ` +
      `(~${n.fixedTokens} tokens) for even the smallest part (${smallest} tokens) and its answer ` +
      `(${PART_ANSWER_MIN})${without ? `, with ${without} left out` : ''}: it takes a window of ` +
      `at least ${minWindow} tokens${shorter}`,
  };
}

/**
 * How many rounds combine `parts` partial answers of up to `answerTokens` each, when a combining
 * prompt holds `roomTokens` of them; and the generations in all (parts, then every combination — an answer
 * left alone in its group going on to the next round as it is).
 */
export function combineRounds(
  parts: number,
  answerTokens: number,
  roomTokens: number,
): { rounds: number; calls: number } {
  const perGroup = Math.max(2, Math.floor(roomTokens / Math.max(1, answerTokens)));
  let n = parts;
  let rounds = 0;
  let calls = parts;
  while (n > 1 || rounds === 0) {
    const groups = Math.ceil(n / perGroup);
    // an answer left alone in a round that combines others goes on as it is (jobs/split-combine.ts)
    const passed = groups > 1 && n % perGroup === 1 ? 1 : 0;
    n = groups;
    rounds++;
    calls += groups - passed;
    if (n <= 1) break;
  }
  return { rounds, calls };
}
