/**
 * Tasks' work that a task of the same agent and full key joins (long-work.ts JobControl.join): a
 * task is answered before its inputs are read, so it is a job of its own; once its tool has read
 * them and knows its full key — scope, arguments, input contents (tools/long-call.ts) — it waits for
 * a running work of that key instead of running it again. Kept while the work runs: as bounded as
 * the running jobs are.
 */
import { raceAbort } from '../util/race-abort.js';

interface Joinable {
  done: Promise<unknown>;
  /** Its own task's signal: aborted, its joiners run their own work. */
  signal: AbortSignal;
}

export class TaskJoins {
  private readonly running = new Map<string, Joinable>();

  /**
   * `work` run once per `slot` (owner and full key): a running one's result waited for, unless its own task
   * was cancelled; `signal`: the joining task's.
   */
  async run<T>(slot: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    const running = this.running.get(slot);
    if (running) {
      try {
        return (await raceAbort(running.done, signal)) as T;
      } catch (err) {
        // the work it joined was cancelled with its own task: this one runs its own
        if (signal.aborted || !running.signal.aborted) throw err;
      }
    }
    const done = work();
    const entry: Joinable = { done, signal };
    this.running.set(slot, entry);
    void done.catch(() => undefined).finally(() => this.running.get(slot) === entry && this.running.delete(slot));
    return done;
  }
}
