/**
 * Which copies of its model a split job's parts go to, and how many at once on each (issue 82,
 * Deliver 1): every copy loaded with a free slot — its slots less those others' requests hold now,
 * this server's and, where its engine says, other clients' —, and a copy to load on a host with
 * room when loading it takes less than the wait it saves: the parts' wait on the copies already
 * used, the same rule a hot model's busy copy is weighed by (copy-spread.ts worthLoading). The
 * job's width is the slots of the copies it uses, so its estimate counts them; the combining round
 * goes to the copy that read most of the parts' prompts (combineCopy). Pure: plain data in, a
 * choice out; the plan makes it (route/split-copies.ts), the run keeps to it (jobs/part-slots.ts).
 */
import { worthLoading } from './copy-spread.js';

/** One copy of the job's model, as the plan sees it now. */
export interface CopyState {
  host: string;
  loaded: boolean;
  /** Its parallel slots for the model (the host's numParallel). */
  slots: number;
  /** Of them, taken now by other requests (this server's and, where its engine says, other clients'). */
  taken: number;
  /** Not loaded: whether it fits in its host's free memory now (a copy for a job unloads nothing). */
  room: boolean;
  /** Not loaded: how long loading it takes here, ms. */
  loadMs: number;
}

/** A copy the job uses: its host, the job's requests at once there, and whether the job loads it. */
export interface PartsCopy {
  host: string;
  slots: number;
  load?: { ms: number; waitMs: number | undefined };
}

export interface CopiesChoice {
  copies: PartsCopy[];
  /** The job's requests at once: the slots it uses on every copy. */
  width: number;
}

/** The job's parts and how long one takes (undefined: its speed unknown). */
export interface PartsWork {
  /** The requests it has to ask (its parts, then its combinations). */
  requests: number;
  partMs: number | undefined;
}

const free = (c: CopyState) => Math.max(0, c.slots - c.taken);

/**
 * The copies `work` uses of `states` (the plan's own copy first: the first part loads it when nothing
 * holds the model): each loaded copy with a free slot, with those free slots — the first at least one,
 * where the job waits its turn when every copy is busy —; then, cheapest load first, a copy with room
 * whose load takes less than the parts' wait on the copies chosen so far (their requests over those
 * slots, at a part's time; unknown, it is loaded, as a hot model's).
 */
export function partsCopies(states: readonly CopyState[], work: PartsWork): CopiesChoice {
  const copies: PartsCopy[] = [];
  for (const c of states) if (c.loaded && free(c) > 0) copies.push({ host: c.host, slots: free(c) });
  const first = states[0];
  if (copies.length === 0 && first)
    copies.push({ host: first.host, slots: Math.max(1, first.loaded ? free(first) : first.slots) });
  const width = () => copies.reduce((n, c) => n + c.slots, 0);
  const toLoad = states
    .filter((c) => !c.loaded && c.room && c.slots > 0 && !copies.some((u) => u.host === c.host))
    .sort((a, b) => a.loadMs - b.loadMs);
  for (const c of toLoad) {
    const waitMs = work.partMs === undefined ? undefined : (Math.max(0, work.requests) * work.partMs) / width();
    if (!worthLoading(c.loadMs, waitMs)) break;
    copies.push({ host: c.host, slots: c.slots, load: { ms: c.loadMs, waitMs } });
  }
  return { copies, width: width() };
}

/**
 * The copy a combining round goes to: the one that answered most of the job's parts (its engine read their
 * prompts, what they share cached there), the plan's order among alike; undefined before any answered.
 */
export function combineCopy(order: readonly string[], ran: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  for (const host of order) if ((ran.get(host) ?? 0) > (best === undefined ? 0 : ran.get(best)!)) best = host;
  return best;
}
