/**
 * The combining rounds' window (issue 82): a split job's parts are sized to its plan's window, but a
 * copy it uses that is loaded wider (kept so: its window is not changed from under others) holds more
 * of their answers in one combining prompt — fewer rounds, and each round is a whole answer's
 * generation. A combining prompt's room for answers is the parts' room grown by what the wider window
 * adds (the same carried text, framing and answer); such a combination goes only to a copy that wide
 * (jobs/part-slots.ts combineOn). Pure.
 */
import { ESTIMATE_FILL, EXACT_FILL } from '../generation/split-plan.js';

export interface CombineSizing {
  /** The window the combining prompts are sized to: the widest copy's the job uses, at least the parts'. */
  combineWindow: number;
  /** The answers' tokens a combining prompt holds at that window. */
  combineTokens: number;
}

export function combineSizing(plan: {
  window: number;
  partTokens: number;
  copies: ReadonlyArray<{ window: number }>;
  /** Counted by the engine's tokenizer (a fuller window), else estimated. */
  exact: boolean;
}): CombineSizing {
  const fill = plan.exact ? EXACT_FILL : ESTIMATE_FILL;
  const combineWindow = Math.max(plan.window, ...plan.copies.map((c) => c.window));
  const grown = Math.floor(combineWindow * fill) - Math.floor(plan.window * fill);
  return { combineWindow, combineTokens: plan.partTokens + grown };
}
