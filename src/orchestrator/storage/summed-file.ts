/**
 * Tables of sums shared by every ollm-mcp process through one file (metrics, the savings ledger):
 * the file holds sums and counts, never means, so contributions add up. Each process records in
 * memory and, debounced, flushes: under the shared file's lock it reads the file, adds the deltas
 * it recorded since its last flush, and writes it back atomically (shared-file.ts). A failed
 * flush keeps its deltas for the next one.
 */
import { SharedJsonFile } from './shared-file.js';
import { log } from '../util/log.js';

export type Table<V> = Map<string, V>;

export interface SumsCodec<V> {
  /** The file's rows and the entries that are not valid; null when its shape is not ours. */
  parse(raw: unknown): { value: Table<V>; rejected: unknown[] } | null;
  serialise(table: Table<V>): unknown;
  zero(): V;
  /** a += b, returning a. */
  add(a: V, b: V): V;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class SummedFile<V> {
  private readonly flushDelayMs: number;
  private persisted: Table<V> = new Map(); // the file as last read or written
  private inflight: Table<V> = new Map(); // deltas being flushed right now
  private pending: Table<V> = new Map(); // deltas recorded since
  private readonly store: SharedJsonFile<Table<V>>;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private failing = false;

  constructor(
    private readonly file: string,
    private readonly label: string,
    private readonly codec: SumsCodec<V>,
    options: { flushDelayMs?: number } = {},
  ) {
    this.flushDelayMs = Math.max(0, options.flushDelayMs ?? 1000);
    this.store = new SharedJsonFile<Table<V>>(file, { parse: (raw) => codec.parse(raw), serialise: (t) => codec.serialise(t), empty: () => new Map(), count: (t) => t.size, label });
  }

  /** Adds a delta to the row `key` in memory and schedules a flush. */
  protected addDelta(key: string, delta: V): void {
    this.pending.set(key, this.codec.add(this.pending.get(key) ?? this.codec.zero(), delta));
    this.schedule();
  }

  /** One row as this process sees it (persisted plus not yet flushed); undefined when it has none. */
  protected row(key: string): V | undefined {
    const parts = [this.persisted, this.inflight, this.pending].map((t) => t.get(key)).filter((v): v is V => v !== undefined);
    return parts.length ? parts.reduce((a, b) => this.codec.add(a, b), this.codec.zero()) : undefined;
  }

  /** Every row as this process sees it: the file as last read or written plus what is not yet flushed. */
  protected rows(): Table<V> {
    return this.merge(this.persisted, this.inflight, this.pending);
  }

  private merge(...tables: Array<Table<V>>): Table<V> {
    const out: Table<V> = new Map();
    for (const t of tables) for (const [k, v] of t) out.set(k, this.codec.add(out.get(k) ?? this.codec.zero(), v));
    return out;
  }

  /** Reads the file (one stat when unchanged): missing = empty, damaged = salvaged. Failures are logged, not thrown. */
  load(): Promise<void> {
    return this.serial(async () => {
      try {
        this.persisted = await this.store.snapshot();
      } catch (e) {
        log.warn(`${this.label}: cannot read ${this.file}: ${errText(e)}`);
      }
    });
  }

  /** Writes this process's deltas now. Failures are logged; the deltas wait for the next flush. */
  flush(): Promise<void> {
    this.stopTimer();
    return this.serial(async () => {
      if (this.pending.size === 0) return;
      this.inflight = this.pending;
      this.pending = new Map();
      try {
        let merged: Table<V> = new Map();
        await this.store.update((current) => {
          merged = this.merge(current, this.inflight);
          return merged;
        });
        this.persisted = merged;
        this.inflight = new Map();
        this.failing = false;
      } catch (e) {
        this.pending = this.merge(this.inflight, this.pending);
        this.inflight = new Map();
        (this.failing ? log.debug : log.warn)(`${this.label}: cannot write ${this.file} (will retry): ${errText(e)}`);
        this.failing = true;
        this.schedule();
      }
    });
  }

  /** Flushes and stops the timer; later records stay in memory until an explicit flush. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushDelayMs);
    this.timer.unref();
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
