/**
 * The split jobs' parts not yet begun on one host's models (host-requests.ts holds one per host): a job
 * running its parts over copies (jobs/split-run.ts) says how many it has left and what share of its
 * slots each copy's host gives it, so that another job planned meanwhile counts the turns it would
 * take with them (route/limit-split.ts, generation/estimate.ts `sharedParts`) — a job's parts wait
 * inside the job for its slots, unseen by the slot gate until they begin. One entry is the job's on
 * every host; what it has left falls as its parts begin, and it is gone once the job ends, however.
 */
import { withTag } from '../engines/model-names.js';

/** A job's parts left to begin, shared by its entries on every host it uses. */
export interface Backlog {
  left: number;
}

export class PartsBacklog {
  private readonly entries = new Map<Backlog, { model: string; share: number }>();

  /** `job`'s parts on `model` here: `share` of them (0–1, the share of its slots this host's copy gives it). */
  add(model: string, job: Backlog, share: number): void {
    this.entries.set(job, { model: withTag(model), share: Math.min(1, Math.max(0, share)) });
  }

  remove(job: Backlog): void {
    this.entries.delete(job);
  }

  /** The parts of jobs but `except` left to begin on `model` here (each job's share, rounded up). */
  on(model: string, except?: Backlog): number {
    const name = withTag(model);
    let sum = 0;
    for (const [job, e] of this.entries)
      if (job !== except && e.model === name) sum += Math.ceil(Math.max(0, job.left) * e.share);
    return sum;
  }
}

/** The parts of other jobs left to begin on `model` over `hosts` (each host's loader's backlog). */
export function backlogOver(hosts: Iterable<{ loader: { backlog: PartsBacklog } }>, model: string): number {
  let sum = 0;
  for (const h of hosts) sum += h.loader.backlog.on(model);
  return sum;
}
