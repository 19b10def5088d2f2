/**
 * The jobs of this server as their agents ask after them (long-work.ts starts them: its LongWork
 * extends this class): a job's result once it ends in time, else how far it is (`wait`); its
 * result returned once (`delivered`); what its hand-overs cost (`charge`); cancelled or stopped;
 * listed, and those running here. A job another server of this home runs is read from the state
 * database (kept-jobs.ts).
 */
import { log } from '../util/log.js';
import { expired, type Job, type JobStore } from '../stores/job-store.js';
import { settleWithin } from '../generation/hand-over.js';
import { waitKept } from './kept-jobs.js';
import { listed, nowOf, shown, type ListedJob, type Live } from './job-live.js';
import type { Waited } from './job-types.js';

export class JobAsks {
  /** The jobs known here, by id: running, or ended and not yet kept by the state database. */
  protected readonly live = new Map<string, Live>();

  constructor(protected readonly store: JobStore) {}

  /**
   * `owner`'s job `id` running here; undefined for another's, as for none (the state database is then asked
   * by both: job-store.ts get).
   */
  private mine(owner: string, id: string): Live | undefined {
    const live = this.live.get(id);
    return live?.job.owner === owner ? live : undefined;
  }

  /**
   * `owner`'s job: its result once it ends within `withinMs`, else how far it is (`watch` told its progress
   * meanwhile); undefined when it is no job of theirs.
   */
  async wait(
    owner: string,
    id: string,
    withinMs: number | undefined,
    watch?: (line: string) => void,
  ): Promise<Waited | undefined> {
    const live = this.mine(owner, id);
    if (live) {
      if (watch) live.watchers.add(watch);
      const settled = await settleWithin(live.done, withinMs).finally(() => watch && live.watchers.delete(watch));
      if (!settled) return { kind: 'running', job: live.job, now: nowOf(live), parts: shown(live.parts) };
      // ended here: its outcome as it came (the state database may not have it yet), unless past its ttl
      const waited = await live.done.then(
        (result): Waited => ({
          kind: 'result',
          job: {
            ...live.job,
            state: 'done',
            parts: shown(live.parts),
            ...(live.partsTotal !== undefined && { partsTotal: live.partsTotal }),
            updatedAt: live.updatedAt,
          },
          result,
        }),
        (err: unknown): Waited => ({
          kind: 'ended',
          job: {
            ...live.job,
            state: live.controller.signal.aborted ? 'cancelled' : 'failed',
            error: (err as Error).message ?? String(err),
          },
        }),
      );
      return expired(waited.job, Date.now()) ? undefined : waited;
    }
    // a job another server of this home runs: read again until it ends there or the time is up
    return waitKept(this.store, owner, id, withinMs);
  }

  /**
   * `owner`'s job `id`'s result was returned to them (a call answered with it, not cancelled): asked
   * again, it is not sent again. The time it was, when it was already.
   */
  async delivered(owner: string, id: string, at = Date.now()): Promise<number | undefined> {
    const job = this.mine(owner, id)?.job ?? (await this.store.get(owner, id).catch(() => undefined));
    if (!job) return undefined;
    if (job.deliveredAt !== undefined) return job.deliveredAt;
    job.deliveredAt = at;
    await this.store.delivered(id, at).catch((err: unknown) => log.warn(`job ${id}: ${(err as Error).message}`));
    return undefined;
  }

  /**
   * What a hand-over or a follow-up call of `owner`'s job `id` cost them (tokens read, written): the job's
   * ledger is net of it.
   */
  charge(owner: string, id: string, cost: { in: number; out: number }): void {
    const live = this.mine(owner, id);
    if (!live) return;
    live.spent.in += cost.in;
    live.spent.out += cost.out;
  }

  /** `owner`'s running job cancelled here: true when it was running in this server. */
  cancel(owner: string, id: string): boolean {
    const live = this.mine(owner, id);
    if (!live) return false;
    live.controller.abort(new Error('cancelled by its agent'));
    return true;
  }

  /**
   * `owner`'s job `id` stopped at their ask: cancelled when it runs here; else what it is — ended
   * already, running in another ollm-mcp server (its `runner`: that server's pid), or no job of
   * theirs (undefined).
   */
  async stop(
    owner: string,
    id: string,
  ): Promise<
    | { kind: 'cancelled' }
    | { kind: 'ended'; state: Job['state']; setAside?: boolean }
    | { kind: 'elsewhere'; runner: number }
    | undefined
  > {
    const here = this.mine(owner, id);
    if (here?.ended === 'done') return { kind: 'ended', state: 'done', setAside: await this.setAside(here.job) };
    if (this.cancel(owner, id)) return { kind: 'cancelled' };
    const job = await this.store.get(owner, id);
    if (!job) return undefined;
    if (job.state === 'done') return { kind: 'ended', state: 'done', setAside: await this.setAside(job) };
    return job.state === 'running' ? { kind: 'elsewhere', runner: job.runner } : { kind: 'ended', state: job.state };
  }

  /**
   * A done job's result set aside (issue 83, finding 5): still collected by its id, but the same call again
   * runs anew instead of getting it as stored — its key is no call's any more. True once set aside.
   */
  private async setAside(job: Job): Promise<boolean> {
    const key = `${job.key}\0set aside`;
    job.key = key;
    const live = this.live.get(job.id);
    if (live) live.job.key = key;
    return this.store.rekey(job.id, key).then(
      () => true,
      (err: unknown) => (log.warn(`job ${job.id}: ${(err as Error).message}`), false),
    );
  }

  /**
   * `owner`'s jobs, newest first: those running here as they are now, then those the state database keeps
   * (their result left out).
   */
  async list(owner: string, limit = 10): Promise<ListedJob[]> {
    const kept = await this.store.list(owner, limit).catch(() => [] as Job[]);
    return listed(
      [...this.live.values()].filter((l) => l.job.owner === owner),
      kept,
      limit,
    );
  }

  /** The jobs running in this server. */
  running(): Job[] {
    return [...this.live.values()].map((l) => l.job);
  }
}
