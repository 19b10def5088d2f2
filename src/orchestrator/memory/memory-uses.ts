/**
 * How often each memory is used, counted in this process and written a moment later, so reading
 * never waits for a write: the counts not yet written and those being written right now both show
 * in what the store returns. A failed write keeps its counts for the next one.
 */
import { log } from '../util/log.js';

export class UseCounter {
  private pending = new Map<string, number>();
  private writing = new Map<string, number>();
  private flushing: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    /** Writes the counts; throws when it cannot. */
    private readonly write: (uses: ReadonlyMap<string, number>) => Promise<void>,
    private readonly delayMs: number,
    private readonly label: string,
  ) {}

  /** Counts one use of each key and schedules a write. */
  count(norms: readonly string[]): void {
    if (norms.length === 0) return;
    for (const norm of norms) this.pending.set(norm, (this.pending.get(norm) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Uses of this key not in the database yet. */
  unwritten(norm: string): number {
    return (this.pending.get(norm) ?? 0) + (this.writing.get(norm) ?? 0);
  }

  /** Forgets the counts of a key (it was forgotten), or of every key. */
  drop(norm?: string): void {
    if (norm === undefined) this.pending.clear();
    else this.pending.delete(norm);
  }

  /** Writes the counts now (after any write under way). Failures are logged; the counts wait for the next flush. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeNow());
    return this.flushing;
  }

  /** Resolves once every count so far is written (or has failed, and waits for the next flush). */
  async settled(): Promise<void> {
    await this.flushing;
  }

  private async writeNow(): Promise<void> {
    if (this.pending.size === 0) return;
    const uses = (this.writing = this.pending);
    this.pending = new Map();
    try {
      await this.write(uses);
    } catch (e) {
      for (const [norm, n] of uses) this.pending.set(norm, (this.pending.get(norm) ?? 0) + n);
      log.warn(`memory: cannot record uses in ${this.label} (will retry): ${(e as Error).message}`);
    } finally {
      this.writing = new Map();
    }
  }
}
