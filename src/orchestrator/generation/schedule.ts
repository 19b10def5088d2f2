/**
 * Fairness between clients, as a pure function over plain data: a call whose first-ranked model
 * has every slot taken — by any client's requests, a long split job's parts among them — goes to
 * another candidate that can do the work when that one answers sooner: loaded with a free slot, or
 * fitting in free memory without unloading anything, its expected time (cold load + generation)
 * less than the wait behind the busy model (its requests in flight, by their expected remaining
 * time) plus its own generation there. Answers are as long as expected (answer-length.ts), the
 * call's limit only without that. Times are estimated as the dry run estimates them
 * (advice.ts, learning-prior.ts): the measured tokens/s where there is one, else a guess from the
 * size; the cold load from the host's measured load speed.
 */
import { expectedSeconds, priorTokensPerSecond } from './learning-prior.js';

/** A request in flight on a model: how long it has run, and the most tokens it may write. */
export interface InFlightRequest {
  elapsedMs: number;
  tokens: number;
}

/** A candidate of the route as the schedule sees it. */
export interface Contender {
  model: string;
  host?: string | undefined;
  loaded: boolean;
  /** Not loaded: it fits in free memory now, so loading it unloads nothing. */
  fitsFree: boolean;
  /** Requests in flight on it, in the order they began, and the requests it answers at once. */
  running: readonly InFlightRequest[];
  slots: number;
  /** Its estimated cold load (s), when not loaded; without one, a guess from its size. */
  coldLoadSeconds?: number;
  /** Output tokens/s measured here, when there is a measure (0: none). */
  tokensPerSecond?: number;
  sizeBytes: number;
  parameterSize?: string;
  /** The tokens its answer is expected to write (answer-length.ts); without it, the call's limit. */
  answerTokens?: number;
}

export interface Moved {
  /** Where the candidate that goes first is in the queue. */
  index: number;
  /**
   * Seconds to wait for a slot of the busy model, its own answer there, and the expected time of the one
   * chosen (its load included).
   */
  waitSeconds: number;
  busySeconds: number;
  seconds: number;
  loadSeconds: number;
}

const speed = (c: Contender) => {
  const measured = c.tokensPerSecond ?? 0;
  return measured > 0 ? measured : priorTokensPerSecond(c);
};

/**
 * Seconds until one of the busy model's slots frees: the first `slots` requests run (each has its
 * expected time left), the rest wait their turn for the slot that frees first, then run whole.
 */
export function waitForSlot(running: readonly InFlightRequest[], slots: number, tokensPerSecond: number): number {
  const width = Math.max(1, slots);
  if (running.length < width) return 0;
  const whole = (r: InFlightRequest) => r.tokens / tokensPerSecond;
  const free = running.slice(0, width).map((r) => Math.max(0, whole(r) - r.elapsedMs / 1000));
  for (const queued of running.slice(width)) {
    free.sort((a, b) => a - b);
    free[0] = free[0]! + whole(queued);
  }
  return Math.min(...free);
}

/** Can take the call at once, or after a load that unloads nothing. */
const free = (c: Contender) => (c.loaded ? c.running.length < Math.max(1, c.slots) : c.fitsFree);

/**
 * The candidate the call goes to instead of the first, or undefined when the first keeps it: its
 * slots are not all taken, no other can take it without unloading, or none answers sooner. The
 * first in the route's order of those that answer sooner is chosen.
 */
export function fairChoice(queue: readonly Contender[], maxTokens: number): Moved | undefined {
  const first = queue[0];
  if (!first || first.running.length < Math.max(1, first.slots)) return undefined;
  const answer = (c: Contender) => c.answerTokens ?? maxTokens;
  const waitSeconds = waitForSlot(first.running, first.slots, speed(first));
  const busySeconds = waitSeconds + answer(first) / speed(first);
  for (let index = 1; index < queue.length; index++) {
    const c = queue[index]!;
    if ((c.model === first.model && c.host === first.host) || !free(c)) continue;
    const { loadSeconds } = expectedSeconds(c, maxTokens); // the cold load, none when loaded
    const seconds = loadSeconds + answer(c) / speed(c);
    if (seconds < busySeconds) return { index, waitSeconds, busySeconds, seconds, loadSeconds };
  }
  return undefined;
}
