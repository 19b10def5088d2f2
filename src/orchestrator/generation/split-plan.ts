/**
 * Planning a job against a model's window before anything is sent (pure): whether the inputs, the
 * task and room for the answer fit it whole, and if not, how large each part may be, how many
 * combining rounds the partial answers will take, and how many generations that makes. The same
 * rule on every engine; the window is the usable one (trained, memory-bound or fixed by the engine).
 */
import { CONTEXT_SLACK } from './context-need.js';

/** Room for the prompt template and special tokens (the route's own slack), and the sentences that frame a part. */
export const FRAMING_TOKENS = CONTEXT_SLACK + 64;
/** The share of the window a part may fill when its tokens are estimated (exact counts fill more). */
export const ESTIMATE_FILL = 0.85;
export const EXACT_FILL = 0.95;
/** A part's answer is partial: at most this many tokens, and an eighth of the window. */
export const PART_ANSWER_MAX = 1024;
export const PART_ANSWER_MIN = 64;
/** The smallest part worth sending. */
export const MIN_PART_TOKENS = 128;

export interface WindowNeed {
  /** The model's usable window, in its tokens. */
  window: number;
  /** The task, the system prompt and the remembered facts, counted for this model. */
  fixedTokens: number;
  /** Tokens to reserve for the answer of a whole run. */
  answerTokens: number;
  /** The inputs rendered whole, counted for this model. */
  inputTokens: number;
  /** Counted by the engine's own tokenizer (less margin is kept). */
  exact?: boolean;
}

export type WindowPlan =
  | { whole: true; needTokens: number }
  | { whole: false; needTokens: number; partTokens: number; partAnswerTokens: number }
  | { whole: false; needTokens: number; impossible: string };

/** The whole job's need: inputs, task, answer and framing. */
export function wholeNeed(n: WindowNeed): number {
  return n.inputTokens + n.fixedTokens + n.answerTokens + FRAMING_TOKENS;
}

/** An answer for one part: an eighth of the window, between PART_ANSWER_MIN and PART_ANSWER_MAX (and never above what the caller allows). */
export function partAnswerTokens(window: number, asked?: number): number {
  return Math.max(PART_ANSWER_MIN, Math.min(PART_ANSWER_MAX, Math.floor(window / 8), asked ?? Infinity));
}

/** Whole when it fits, else the size of each part (the inputs' share of a part's prompt). */
export function planWindow(n: WindowNeed, askedMaxTokens?: number): WindowPlan {
  const needTokens = wholeNeed(n);
  if (needTokens <= n.window) return { whole: true, needTokens };
  const partAnswer = partAnswerTokens(n.window, askedMaxTokens);
  const room = Math.floor(n.window * (n.exact ? EXACT_FILL : ESTIMATE_FILL)) - n.fixedTokens - partAnswer - FRAMING_TOKENS;
  // a combining round must hold at least two partial answers, or it never ends
  if (room < Math.max(MIN_PART_TOKENS, 2 * partAnswer + 1)) {
    return {
      whole: false,
      needTokens,
      impossible: `its ${n.window}-token window leaves too little room beside the task and remembered facts (~${n.fixedTokens} tokens) and a part's answer (${partAnswer})`,
    };
  }
  return { whole: false, needTokens, partTokens: room, partAnswerTokens: partAnswer };
}

/**
 * How many rounds combine `parts` partial answers of up to `answerTokens` each, when a combining
 * prompt holds `roomTokens` of them; and the generations in all (parts, then every combination).
 */
export function combineRounds(parts: number, answerTokens: number, roomTokens: number): { rounds: number; calls: number } {
  const perGroup = Math.max(2, Math.floor(roomTokens / Math.max(1, answerTokens)));
  let n = parts;
  let rounds = 0;
  let calls = parts;
  while (n > 1 || rounds === 0) {
    n = Math.ceil(n / perGroup);
    rounds++;
    calls += n;
    if (n <= 1) break;
  }
  return { rounds, calls };
}
