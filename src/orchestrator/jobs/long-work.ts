/**
 * Long work that a client's time limit may cut (issues 56, 62): a call runs as a job. Ended in time,
 * the call gets its result as ever; else it is answered shortly before the limit — not an error —
 * with the job and how far it is (never the parts' answers), and the job runs on in this server
 * (the shared one: it outlives the launch that asked), its result kept in the state database
 * (stores/job-store.ts). The agent collects it by its id (`wait`, sent once: `delivered`) or cancels
 * it; the same call again from the same agent (same tool, arguments, input contents: `key`)
 * attaches to its job instead of starting over. A client that cancels before the hand-over cancels
 * the job. A job is one agent's in one scope: its key (long-call.ts) hashes what the call could read,
 * so a call attaches only to work it could have done itself. A task (`begin`) is answered before its
 * inputs are read, so it is a job of its own whose work joins a running task's of the same owner and
 * full key (`JobControl.join`). Each owner runs at most MAX_RUNNING jobs here: one more is refused
 * (JobError), never made room for by dropping one. What an agent asks of its jobs once they run
 * (wait, delivered, charge, cancel, stop, list) is job-asks.ts, the class LongWork extends.
 */
import { log } from '../util/log.js';
import type { Job, JobStore, ReusablePart } from '../stores/job-store.js';
import { roomFor } from './job-bounds.js';
import { TaskJoins } from './task-joins.js';
import { answerWithin, settleWithin } from '../generation/hand-over.js';
import { controlOf, newLive, nowOf, stopWriting, type Live } from './job-live.js';
import { JobAsks } from './job-asks.js';

import type { JobCall, JobControl, CallOutcome } from './job-types.js';

export { answerWithin } from '../generation/hand-over.js';
export { JobError, jobOwner, MAX_RUNNING, noJobText } from './job-bounds.js';
export type { JobCall, JobControl, JobNow, CallOutcome, Waited } from './job-types.js';

export class LongWork extends JobAsks {
  /** Tasks' work running here, by owner and full key (bounded, as the live jobs are, per owner). */
  private readonly joins = new TaskJoins();
  /** Jobs being started, by owner: counted against the bound with those running. */
  private readonly starting = new Map<string, number>();

  constructor(
    store: JobStore,
    /** The server stopping: every job's work is cancelled with it (a job whose server stopped reads lost). */
    private readonly stopping?: AbortSignal,
  ) {
    super(store);
  }

  async run<R>(call: JobCall<R>): Promise<CallOutcome<R>> {
    const within = answerWithin(call.limitMs);
    // a job still running here, or ended after its call was handed over (its result maybe not kept yet): a
    // job not written yet is known here only
    const joinable = (l: Live | undefined) =>
      l &&
      l.job.owner === call.owner &&
      l.job.key === call.key &&
      (l.ended === undefined || (l.ended === 'done' && l.handed))
        ? l
        : undefined;
    let attached = [...this.live.values()].reverse().find(joinable);
    let lost: ReusablePart[] | undefined;
    if (!attached) {
      // one read: the job to attach to, else the parts a lost job of the same call left to take up
      const before = await this.store.previous(call.owner, call.key).catch(() => undefined);
      const same = before?.same;
      if (same?.state === 'done')
        return { kind: 'result', result: same.result as R, job: same, attached: true, stored: same.updatedAt };
      attached = joinable(same && this.live.get(same.id));
      lost = before?.lost ?? [];
    }
    // a job that ended before this call came: its kept result, not run again
    const stored = attached?.ended === 'done' ? attached.updatedAt : undefined;
    const live = attached ?? (await this.start(call, true, lost));
    // before the hand-over, the client's cancel is the job's; a call attached to another's job leaves it be
    const onCancel = () => !attached && live.controller.abort(call.signal.reason);
    call.signal.addEventListener('abort', onCancel, { once: true });
    // a call attached to a running job is told how it goes; the call that started it reports its own work's
    // phases already
    const watch = attached ? call.watch : undefined;
    if (watch) live.watchers.add(watch);
    try {
      // ended as the time came: answered with its result (its job, never written, is no hand-over)
      const ended = (await settleWithin(live.done, within)) || live.ended !== undefined;
      if (ended)
        return {
          kind: 'result',
          result: (await live.done) as R,
          job: live.job,
          attached: attached !== undefined,
          ...(stored !== undefined && { stored }),
        };
      live.handed = true;
      live.job.handed = true;
      await this.store
        .handedOver(live.job.id)
        .catch((err: unknown) => log.warn(`job ${live.job.id}: ${(err as Error).message}`));
      return {
        kind: 'handed',
        job: live.job,
        now: nowOf(live),
        ended: live.done.catch(() => undefined),
        attached: attached !== undefined,
      };
    } finally {
      call.signal.removeEventListener('abort', onCancel);
      if (watch) live.watchers.delete(watch);
    }
  }

  /**
   * `call`'s work started as a job without waiting for it: a task's (MCP Tasks), whose client polls
   * by the job's id. It counts as handed over at once — the agent knows it by its id — and is
   * cancelled only by `cancel` or the server stopping. Every task is a job of its own: it is
   * answered before its inputs are read, and a key of its arguments alone would hand one scope's
   * work to another (the same `notes.txt` of two projects); its work joins another's only once its
   * full key is known (JobControl.join).
   */
  async begin<R>(call: Omit<JobCall<R>, 'limitMs' | 'signal'>): Promise<Job> {
    const live = await this.start({ ...call, limitMs: undefined, signal: new AbortController().signal }, false);
    live.handed = true;
    await this.store
      .handedOver(live.job.id)
      .catch((err: unknown) => log.warn(`job ${live.job.id}: ${(err as Error).message}`));
    return { ...live.job, handed: true };
  }

  /**
   * A new job of `call`'s; `takeUp`: parts of a lost job of its key are taken up now (a task's, once its full
   * key is known: join) — `lost`, when read already.
   */
  private async start<R>(call: JobCall<R>, takeUp = true, lost?: ReusablePart[]): Promise<Live> {
    // counted from before the first await: calls arriving at once never run past the bound together
    let theirs = this.starting.get(call.owner) ?? 0;
    for (const l of this.live.values()) if (l.job.owner === call.owner && l.ended === undefined) theirs++;
    roomFor(theirs);
    this.starting.set(call.owner, (this.starting.get(call.owner) ?? 0) + 1);
    try {
      return await this.started(call, takeUp, lost);
    } finally {
      const left = (this.starting.get(call.owner) ?? 1) - 1;
      if (left > 0) this.starting.set(call.owner, left);
      else this.starting.delete(call.owner);
    }
  }

  private async started<R>(call: JobCall<R>, takeUp: boolean, lost?: ReusablePart[]): Promise<Live> {
    // a state database that cannot be written (a FIFO, a full disk) keeps no job: the call runs as ever
    // a call's job is written only once it lasts (job-store.ts: lazy); a task's at once, its client polls it by its id
    const job = await this.store.create(call.owner, call.tool, call.key, call.ttlMs, takeUp).catch((err: unknown) => {
      log.warn(`long work: no job kept for this call (${(err as Error).message})`);
      return unkept(call);
    });
    const controller = new AbortController();
    // removed when the job ends: the server's signal lives as long as the server, and a listener
    // left on it keeps the whole call (its server, request and response over HTTP) for ever
    const onStopping = () => controller.abort(this.stopping?.reason);
    if (this.stopping?.aborted) controller.abort(this.stopping.reason);
    else this.stopping?.addEventListener('abort', onStopping, { once: true });
    const live = newLive(job, controller);
    const control = await this.control(call.owner, live, takeUp, lost);
    // the call's answer never waits on the state database (a stopping server answers, then exits):
    // the job is kept meanwhile, and stays known here until it is
    let kept: Promise<void> = Promise.resolve();
    live.done = call.work(control).then(
      (result) => {
        live.ended = 'done';
        live.updatedAt = Date.now(); // when it ended: a later call of the same gets it as stored then
        stopWriting(live);
        kept = this.store
          .end(job.id, 'done', { value: result }, !live.handed)
          .catch((err: unknown) => log.warn(`job ${job.id}: its result could not be kept: ${(err as Error).message}`));
        return result;
      },
      (err: unknown) => {
        live.ended = 'failed';
        stopWriting(live);
        kept = this.store
          .end(
            job.id,
            controller.signal.aborted ? 'cancelled' : 'failed',
            { error: (err as Error).message ?? String(err) },
            !live.handed,
          )
          .catch(() => undefined);
        throw err;
      },
    );
    void live.done
      .catch(() => undefined)
      .then(() => kept)
      .finally(() => {
        this.live.delete(job.id);
        this.stopping?.removeEventListener('abort', onStopping);
      });
    this.live.set(job.id, live);
    return live;
  }

  /** What `live`'s work is given; `takeUp`: the parts of a lost job of its key now, else once it joins (a task's). */
  private async control(owner: string, live: Live, takeUp: boolean, read?: ReusablePart[]): Promise<JobControl> {
    const { job, controller } = live;
    const reused = new Map<string, string>();
    const takeUpLost = async (key: string, known?: ReusablePart[]) => {
      // a job of the same call whose server went: its parts are taken up, not asked again
      const lost = known ?? (await this.store.lostParts(owner, key).catch(() => [] as ReusablePart[]));
      if (lost.length > 0)
        log.info(
          `job ${job.id}: taking up ${lost.length} part(s) a job of the same call answered before its server stopped`,
        );
      for (const p of lost) reused.set(p.key, p.answer);
    };
    if (takeUp) await takeUpLost(job.key, read);
    return {
      ...controlOf(this.store, live, reused),
      join: async (key, work) => {
        job.key = key;
        await Promise.all([this.store.rekey(job.id, key).catch(() => undefined), takeUpLost(key)]);
        return this.joins.run(`${owner}\0${key}`, controller.signal, work);
      },
    };
  }
}

/** A job the state database could not keep: known to this server only. */
function unkept(call: { owner: string; tool: string; key: string; ttlMs?: number }): Job {
  const at = Date.now();
  return {
    id: `job-${Math.random().toString(16).slice(2, 10).padEnd(8, '0')}`,
    owner: call.owner,
    tool: call.tool,
    key: call.key,
    state: 'running',
    runner: process.pid,
    handed: false,
    createdAt: at,
    updatedAt: at,
    ...(call.ttlMs !== undefined && { ttlMs: call.ttlMs }),
  };
}
