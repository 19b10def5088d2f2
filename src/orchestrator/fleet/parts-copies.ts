/**
 * Which copies of its model a split job's parts go to, and how many at once on each (issue 82, Deliver 1): every
 * copy loaded, with its slots — but one so slow that the parts it takes would end after the others had ended them
 * all (copies-pace.ts helps, judged fastest first: its host named in `slowLeft`, the plan's own too) —, and a copy
 * to load on a host with room when loading it takes less than the wait it saves: the parts' wait on the slots free
 * now of the copies already used — less those others' requests hold, this server's and, where its engine says,
 * other clients' —, the same rule a hot model's busy copy is weighed by (copy-spread.ts worthLoading). The job's
 * width is the slots of the copies it uses, so its estimate counts them; the combining round goes to the copy that
 * read most of the parts' prompts (combineCopy), and each copy says the window it serves with, so the plan can size
 * its combining prompts at the widest (route/combine-window.ts). Pure: plain data in, a choice out; the plan makes
 * it (route/split-copies.ts), the run keeps to it (jobs/part-slots.ts).
 */
import { worthLoading } from './copy-spread.js';
import { byPace, helps } from './copies-pace.js';
import { article, tokensInWords } from './kept-window.js';

/** "an 8k window", as said. */
const inWords = (w: number) => `${article(tokensInWords(w))} ${tokensInWords(w)}`;
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
  /** The window it serves the job with, no reload: its loaded one, else the parts' (a copy the job loads takes theirs). */
  window: number;
  /**
   * Loaded with this smaller window, idle, and nothing else using it or what its reload would unload: the job may
   * reload it at the parts' window (not loaded to the choice; its reload is `loadMs`), weighed as a load is.
   */
  reloadFrom?: number;
  /** A part's time there, loaded and free (seconds; undefined while its speeds are assumed): copies-pace.ts. */
  partSeconds?: number | undefined;
}

/** A copy the job uses: its host, the job's requests at once there, and whether the job loads it. */
export interface PartsCopy {
  host: string;
  slots: number;
  /** The window it serves with (CopyState.window): a combination sized wider goes only where it fits. */
  window: number;
  load?: { ms: number; waitMs: number | undefined; reloadFrom?: number };
}

export interface CopiesChoice {
  copies: PartsCopy[];
  /** The job's requests at once: the slots it uses on every copy. */
  width: number;
  /**
   * Hosts whose copy was left out as too slow to help (copies-pace.ts helps): the job's requests keep to `copies`,
   * even one (jobs/part-slots.ts), so none goes there as a busy copy's spill.
   */
  slowLeft?: string[];
}

/** The job's parts and how long one takes (undefined: its speed unknown). */
export interface PartsWork {
  /** The requests it has to ask (its parts, then its combinations). */
  requests: number;
  /** Of them, its parts: what a copy too slow to help is judged by (copies-pace.ts helps); unsaid, `requests`. */
  parts?: number;
  partMs: number | undefined;
}

const free = (c: CopyState) => Math.max(0, c.slots - c.taken);

/**
 * Whether the job's requests end sooner with `c` beside `chosen` (copies-pace.ts helps): a copy so much slower that
 * the parts it takes end after the others would have ended them all is not used; where a speed is not measured —
 * the plan host's or the copy's — every copy helps, as before.
 */
const sooner = (chosen: readonly CopyState[], c: CopyState, work: PartsWork) =>
  helps(chosen, c, work.parts ?? work.requests, work.partMs === undefined ? undefined : work.partMs / 1000);

/**
 * The copies `work` uses of `states` (the plan's own copy first: the first part loads it when nothing holds the
 * model): every loaded copy, fastest first (copies-pace.ts byPace: the plan's order among alike) of those with a
 * slot free now, then of those others' requests fill, with its slots — where others' requests hold some, the job's
 * parts wait their turns there (the run sends each to the copy with most slots free then, in this order among
 * alike: jobs/part-slots.ts) —; then, cheapest load first, a copy with room whose load takes less than the parts'
 * wait on the copies chosen so far: the job's requests at a part's time over the slots free there now (at least
 * one; unknown speed: it is loaded, as a hot model's). A copy, loaded or to load, whose parts would end the job
 * later than the faster copies chosen before it is left out (`sooner`) — the plan host's own too —, its host in
 * `slowLeft`.
 */
export function partsCopies(states: readonly CopyState[], work: PartsWork): CopiesChoice {
  const chosen: CopyState[] = [];
  const slowLeft: string[] = [];
  // fastest first among those with a slot free now, then those others' requests fill: a faster copy that is full
  // (the route passed it for the free one) does not leave out the copy free now
  const loaded = states.filter((c) => c.loaded && c.slots > 0);
  const planSeconds = work.partMs === undefined ? undefined : work.partMs / 1000;
  const withRoom = (room: boolean) => loaded.filter((c) => room === free(c) > 0);
  const judged = [...byPace(withRoom(true), planSeconds), ...byPace(withRoom(false), planSeconds)];
  for (const c of judged) {
    if (sooner(chosen, c, work)) chosen.push(c);
    else slowLeft.push(c.host);
  }
  const first = states[0];
  if (chosen.length === 0 && first) chosen.push(first);
  const copies: PartsCopy[] = chosen.map((c) => ({ host: c.host, slots: Math.max(1, c.slots), window: c.window }));
  let freeSlots = chosen.reduce((n, c) => n + (c.loaded ? free(c) : c.slots), 0);
  const toLoad = states
    .filter((c) => !c.loaded && c.room && c.slots > 0 && !chosen.includes(c))
    .sort((a, b) => a.loadMs - b.loadMs);
  for (const c of toLoad) {
    const waitMs =
      work.partMs === undefined ? undefined : (Math.max(0, work.requests) * work.partMs) / Math.max(1, freeSlots);
    if (!worthLoading(c.loadMs, waitMs)) break;
    if (!sooner(chosen, c, work)) {
      slowLeft.push(c.host);
      continue;
    }
    chosen.push(c);
    const reload = c.reloadFrom === undefined ? {} : { reloadFrom: c.reloadFrom };
    copies.push({ host: c.host, slots: c.slots, window: c.window, load: { ms: c.loadMs, waitMs, ...reload } });
    freeSlots += c.slots;
  }
  return { copies, width: copies.reduce((n, c) => n + c.slots, 0), ...(slowLeft.length > 0 && { slowLeft }) };
}

/**
 * The reloads `choice` makes, in the result's words: "reloads qwen2.5-coder:7b on second with an 8k window for the
 * parts (it was loaded with 4k, and nothing else was using it): ~1 s, where the parts would wait ~6 s"; undefined
 * when it makes none.
 */
export function partsReloadWhy(model: string, choice: CopiesChoice): string | undefined {
  const s = (ms: number) => `~${Math.max(1, Math.round(ms / 1000))} s`;
  const said = choice.copies.flatMap(({ host, window, load }) =>
    load?.reloadFrom === undefined
      ? []
      : [
          `reloads ${model} on ${host} with ${inWords(window)} window for the parts (it was loaded with ` +
            `${tokensInWords(load.reloadFrom)}, and nothing else was using it): ${s(load.ms)}, ` +
            (load.waitMs === undefined
              ? `the parts' speed not yet measured`
              : `where the parts would wait ${s(load.waitMs)}`),
        ],
  );
  return said.length > 0 ? said.join('; ') : undefined;
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
