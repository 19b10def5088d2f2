/**
 * When a split job's whole result is expected (split-run.ts), from how its parts went so far: the
 * parts left at the pace the run ones kept, then each combining round as long as one part took
 * (a combination reads the parts' answers, about a part's size). Pure.
 */
export interface SplitPace {
  /** When the first part asked of the engine started (ms, any clock `now` shares). */
  startedAt: number;
  now: number;
  /** Parts the engine answered so far (parts taken up from a lost job are not timed). */
  ran: number;
  /** Parts left to answer. */
  left: number;
  /** Parts run at once. */
  width: number;
  /** Combining rounds planned. */
  rounds: number;
}

/** Milliseconds until the whole result is expected; undefined before a part was answered. */
export function splitRemainingMs(p: SplitPace): number | undefined {
  if (p.ran <= 0 || p.now < p.startedAt) return undefined;
  const perPart = (p.now - p.startedAt) / p.ran; // wall time per part, the parallel ones together
  const onePart = perPart * Math.max(1, Math.min(p.width, p.ran)); // one part's own time
  return Math.round(perPart * Math.max(0, p.left) + onePart * Math.max(1, p.rounds));
}
