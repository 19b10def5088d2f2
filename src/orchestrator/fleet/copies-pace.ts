/**
 * A split job's parts over copies of different speeds (issue 82: the same copies were timed at 20.1 s at one
 * host's speeds and 5.0 s at the other's). The run sends each part to a copy with a slot of the job's free
 * (jobs/part-slots.ts) — the one free soonest takes the next —, so the job ends when its last part does:
 * `partsMakespan` plays that out at each copy's pace, and `pacedWidth` says it as the width the job's estimate,
 * made at its plan's host's speeds (route/plan-estimate.ts), counts: copies of one pace count as their slots; a
 * faster copy for more, and a slow one whose parts end after the rest for less. Where either speed is assumed the
 * copy runs at the plan host's pace — a guess against a measure is no ratio —, and so does one within a quarter of
 * it. Pure.
 */

/** A copy's slots for the job, and a part's time there (seconds; undefined while its speeds are assumed). */
export interface PacedCopy {
  slots: number;
  partSeconds?: number | undefined;
}

/**
 * Paces within this factor of the plan host's count as its own: hosts of one kind differ by what their speeds were
 * measured beside (another request's share of the engine, a request's fixed cost), not by what they can do.
 */
const ALIKE = 1.25;

/** Whether two paces (a request's seconds on two copies) are within a quarter of each other: the same pace. */
export const alikePaces = (a: number, b: number) => a < b * ALIKE && a * ALIKE > b;

/** A part's seconds on `c`: its own where measured and not alike the plan host's, else the plan host's. */
function paceOf(c: PacedCopy, planSeconds: number): number {
  const own = c.partSeconds;
  if (own === undefined || !(own > 0) || !Number.isFinite(own)) return planSeconds;
  return alikePaces(own, planSeconds) ? planSeconds : own;
}

/**
 * The seconds `parts` take over `copies` when each goes to the slot free soonest (the first copy among alike), a
 * part taking its copy's time (`planSeconds` where unknown); with no slot at all, one part after another at it.
 */
export function partsMakespan(copies: readonly PacedCopy[], parts: number, planSeconds: number): number {
  const slots = copies.flatMap((c) =>
    Array.from({ length: Math.max(0, Math.floor(c.slots)) }, () => ({ at: 0, each: paceOf(c, planSeconds) })),
  );
  const n = Math.max(0, Math.floor(parts));
  if (slots.length === 0) return n * planSeconds;
  let end = 0;
  for (let p = 0; p < n; p++) {
    let k = 0;
    for (let j = 1; j < slots.length; j++) if (slots[j]!.at < slots[k]!.at) k = j;
    slots[k]!.at += slots[k]!.each;
    end = Math.max(end, slots[k]!.at);
  }
  return end;
}

/**
 * Whether `parts` end sooner with `c` beside `chosen`: a copy so much slower that the parts it takes end after the
 * others would have ended them all helps nothing. Where the copy's speed is a guess, or the plan host's, it helps (a
 * guess against a measure is no ratio); the first copy always does.
 */
export function helps(
  chosen: readonly PacedCopy[],
  c: PacedCopy,
  parts: number,
  planSeconds: number | undefined,
): boolean {
  if (chosen.length === 0 || planSeconds === undefined || !(planSeconds > 0) || c.partSeconds === undefined)
    return true;
  const n = Math.max(1, parts);
  return partsMakespan([...chosen, c], n, planSeconds) < partsMakespan(chosen, n, planSeconds);
}

/**
 * `copies` fastest first (a part's seconds there: `paceOf`), in their order among alike and where the plan host's
 * pace is a guess: each is judged beside the faster ones (`helps`), so a slow copy is left out wherever it comes —
 * the plan host's own too —, and the run, whose parts go to the copy with most slots free in this order among alike
 * (jobs/part-slots.ts), gives the faster copy the tie.
 */
export function byPace<C extends PacedCopy>(copies: readonly C[], planSeconds: number | undefined): C[] {
  if (planSeconds === undefined || !(planSeconds > 0)) return [...copies];
  return copies
    .map((c, i) => ({ c, i, pace: paceOf(c, planSeconds) }))
    .sort((a, b) => a.pace - b.pace || a.i - b.i)
    .map((x) => x.c);
}

/** Of `copies`, those that help end the parts sooner, fastest first (`byPace`, `helps`). */
export function helpful<C extends PacedCopy>(
  copies: readonly C[],
  parts: number,
  planSeconds: number | undefined,
): C[] {
  const kept: C[] = [];
  for (const c of byPace(copies, planSeconds)) if (helps(kept, c, parts, planSeconds)) kept.push(c);
  return kept;
}

/**
 * The job's width at the plan host's pace (its part: `planSeconds`; undefined: assumed there, every copy's slots as
 * they are): the copies' slots, scaled by how much sooner (or later) `parts` end over them than they would were
 * every copy as fast as the plan's host. At least 1.
 */
export function pacedWidth(copies: readonly PacedCopy[], planSeconds: number | undefined, parts: number): number {
  const slots = copies.reduce((n, c) => n + Math.max(0, Math.floor(c.slots)), 0);
  if (planSeconds === undefined || !(planSeconds > 0) || slots === 0) return Math.max(1, slots);
  const even = partsMakespan(
    copies.map((c) => ({ slots: c.slots, partSeconds: planSeconds })),
    parts,
    planSeconds,
  );
  const paced = partsMakespan(copies, parts, planSeconds);
  return paced > 0 ? Math.max(1, (slots * even) / paced) : Math.max(1, slots);
}
