/**
 * Which stored event goes first when the event store is over a limit (kept-events.ts): pure
 * decisions over what each event is and whose it is, so one client's traffic cannot evict another's
 * answer. In order: the events of a stream its client received in full (nobody resumes it); then
 * events that carry no answer (priming events, progress and other notifications); then answers and
 * requests. Oldest first within each.
 */

export interface Usage {
  events: number;
  bytes: number;
}

/** What the choice reads of a stored event. */
export interface EvictionCandidate {
  /** Its stream was written to its client in full. */
  delivered: boolean;
  /** An answer (result or error) or a request: a replay must never skip it. */
  essential: boolean;
  /** When it was stored, as a running count: lower is older. */
  order: number;
}

/** Whether `usage` is past `quota` in events or in bytes. */
export function over(usage: Usage, quota: Usage): boolean {
  return usage.events > quota.events || usage.bytes > quota.bytes;
}

/** How far into `quota` `usage` is: the larger of its shares of events and of bytes. */
export function share(usage: Usage, quota: Usage): number {
  return Math.max(usage.events / quota.events, usage.bytes / quota.bytes);
}

function rank(c: EvictionCandidate): number {
  return (c.delivered ? 0 : 2) + (c.essential ? 1 : 0);
}

/**
 * The event to drop first of `candidates`, or undefined when there are none. Given oldest first
 * (`ordered`), the first of the lowest rank ends the search: the store's own order, kept that way.
 */
export function victim<T extends EvictionCandidate>(candidates: Iterable<T>, ordered = false): T | undefined {
  let best: T | undefined;
  for (const c of candidates) {
    if (best === undefined || rank(c) < rank(best) || (rank(c) === rank(best) && c.order < best.order)) best = c;
    if (ordered && rank(best) === 0) break;
  }
  return best;
}

/** The one using the largest share of its quota (the first of equals), or undefined when there are none. */
export function biggest<T extends Usage>(users: Iterable<T>, quota: Usage): T | undefined {
  let best: T | undefined;
  for (const u of users) if (best === undefined || share(u, quota) > share(best, quota)) best = u;
  return best;
}
