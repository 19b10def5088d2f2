/**
 * Which loaded copy of a model a request goes to, when several hosts hold it (issue 64, Deliver 2):
 * the one whose engine already read the longest part of its prompt (prefix-memory.ts) — unless that
 * copy's queue is past QUEUE_FACTOR × the copies' average, when it is left out. With no copy
 * holding any of it, a copy with a slot holding nothing yet is taken before one whose every slot
 * holds another request's prompt (kept cached for that request's next question). Pure: plain data
 * in, a choice out.
 */

/** A copy whose queue is past this many times the copies' average is not chosen for its cache. */
export const QUEUE_FACTOR = 1.5;
/** Less of a prompt held than this is no reason to move a request, characters. */
export const MIN_HELD_CHARS = 1024;

export interface Copy {
  host: string;
  /** Characters of the request's prompt its slots hold already. */
  heldChars: number;
  /** One of its slots holds no prompt yet. */
  freeSlot: boolean;
  /** Requests running and waiting on the model there (this server's and, where its engine says, others'). */
  queue: number;
}

export interface AffinityChoice {
  /** The copy chosen, an index into the copies given. */
  index: number;
  /** Why, for the result's reason. */
  why: string;
}

/** The copy the request should go to instead of `copies[0]` (the placement's first choice), or undefined to keep it. */
export function affinityChoice(copies: readonly Copy[]): AffinityChoice | undefined {
  if (copies.length < 2) return undefined;
  const average = copies.reduce((n, c) => n + c.queue, 0) / copies.length;
  const eligible = (c: Copy) => c.queue <= QUEUE_FACTOR * average;
  const first = copies[0]!;
  let best = -1;
  copies.forEach((c, i) => {
    if (
      eligible(c) &&
      c.heldChars >= MIN_HELD_CHARS &&
      (best < 0 ||
        c.heldChars > copies[best]!.heldChars ||
        (c.heldChars === copies[best]!.heldChars && c.queue < copies[best]!.queue))
    )
      best = i;
  });
  if (best > 0 && copies[best]!.heldChars > first.heldChars)
    return {
      index: best,
      why:
        `its engine on ${copies[best]!.host} has ~${Math.round(copies[best]!.heldChars / 4)} tokens ` +
        `of this prompt cached`,
    };
  if (best >= 0) return undefined; // the first holds as much as any
  if (first.freeSlot || first.heldChars > 0) return undefined;
  const free = copies.findIndex((c, i) => i > 0 && c.freeSlot && eligible(c));
  return free > 0
    ? {
        index: free,
        why: `a free slot on ${copies[free]!.host} leaves what ${first.host}'s slots hold cached for their requests`,
      }
    : undefined;
}
