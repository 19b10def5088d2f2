/**
 * Tables of sums shared by every ollm-mcp process through the state database (metrics, the
 * savings ledger): rows hold sums and counts, never means, so contributions add up. Each process
 * records in memory and flushes with the next group commit (writes.ts, at most BATCH_MS later; a
 * flushDelayMs waits that long first): the commit adds every delta recorded until it runs to the
 * rows, in the transaction of the other records of that moment. A failed flush keeps its deltas
 * for the next one. After a commit the process's copy takes the rows it wrote, and reads every row
 * again only when another process, or another copy of the same table here, wrote since it last read
 * (a ledger keeps a row per day: read whole after every commit, a year's 6,000 rows cost ~33 ms a
 * commit). The JSON file of an earlier version is imported once.
 */
import { ChangeCount, commitSoon, queueWrite, stateDb, type Db } from './db.js';
import { importLegacy } from './legacy-import.js';
import { statement } from './statements.js';
import { log } from '../util/log.js';

export type Table<V> = Map<string, V>;

/** After a failed flush, the deltas are tried again this much later (or at the next explicit flush). */
const RETRY_MS = 1000;

export interface SumsCodec<V> {
  /** One row's sums, or null when the stored JSON is not valid (the row is then skipped). */
  parseRow(raw: unknown): V | null;
  serialiseRow(row: V): unknown;
  /** An earlier version's file: its rows and the entries that are not valid; null when its shape is not ours. */
  parseFile(raw: unknown): { value: Table<V>; rejected: unknown[] } | null;
  zero(): V;
  /** a += b, returning a. */
  add(a: V, b: V): V;
}

/**
 * The changes of each table made through each connection (writes.ts ChangeCount): a process's copy is read
 * whole again only when another process committed, or another copy of the same table in this process wrote.
 */
const changeCounts = new Map<string, ChangeCount>();
function changesOf(label: string): ChangeCount {
  let count = changeCounts.get(label);
  if (!count) changeCounts.set(label, (count = new ChangeCount()));
  return count;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

export class SummedTable<V> {
  private readonly flushDelayMs: number;
  private persisted: Table<V> = new Map(); // the rows as last read or written
  private persistedVersion?: string; // the database's state version when they were
  private inflight: Table<V> = new Map(); // deltas being flushed right now
  private pending: Table<V> = new Map(); // deltas recorded since
  /** The three merged (rows()), kept until one of them changes: read for every model on every call's path. */
  private merged?: Table<V>;
  private ready?: Promise<Db>;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private failing = false;
  /** A commit is queued whose transaction has not taken the pending deltas yet. */
  private queued = false;
  /** An explicit flush was asked for: a commit queued before it does not wait for its window. */
  private hurry = false;

  constructor(
    private readonly home: string,
    private readonly label: string,
    private readonly codec: SumsCodec<V>,
    private readonly options: { flushDelayMs?: number; legacyFile?: string } = {},
  ) {
    this.flushDelayMs = Math.max(0, options.flushDelayMs ?? 0);
  }

  /** Adds a delta to the row `key` in memory and schedules a flush. */
  protected addDelta(key: string, delta: V): void {
    this.pending.set(key, this.codec.add(this.pending.get(key) ?? this.codec.zero(), delta));
    this.merged = undefined;
    this.schedule();
  }

  /** One row as this process sees it (persisted plus not yet flushed); undefined when it has none. */
  protected row(key: string): V | undefined {
    const parts = [this.persisted, this.inflight, this.pending]
      .map((t) => t.get(key))
      .filter((v): v is V => v !== undefined);
    return parts.length ? parts.reduce((a, b) => this.codec.add(a, b), this.codec.zero()) : undefined;
  }

  /** An object replaced whenever the rows this process sees change (the merged table itself). */
  revision(): object {
    return this.rows();
  }

  /**
   * Every row as this process sees it: the file as last read or written plus what is not yet flushed. Not to
   * be changed.
   */
  protected rows(): ReadonlyMap<string, V> {
    return (this.merged ??= this.merge(this.persisted, this.inflight, this.pending));
  }

  private merge(...tables: Array<Table<V>>): Table<V> {
    const out: Table<V> = new Map();
    for (const t of tables) for (const [k, v] of t) out.set(k, this.codec.add(out.get(k) ?? this.codec.zero(), v));
    return out;
  }

  /** Reads the rows (nothing when no process changed them since): failures are logged, not thrown. */
  load(): Promise<void> {
    return this.serial(async () => {
      try {
        const db = await this.db();
        const version = changesOf(this.label).version(db);
        if (version !== this.persistedVersion) {
          this.persisted = this.readRows(db);
          this.persistedVersion = version;
          this.merged = undefined;
        }
      } catch (e) {
        log.warn(`${this.label}: cannot read the state database: ${errText(e)}`);
      }
    });
  }

  /** Writes this process's deltas now, in one transaction. Failures are logged; the deltas wait for the next flush. */
  flush(): Promise<void> {
    this.stopTimer();
    this.hurry = true;
    // a commit of ours already waiting for its window goes now
    if (this.ready) void this.ready.then(commitSoon, () => undefined);
    return this.commit(false);
  }

  /**
   * Adds the pending deltas to the rows in a queued write (`defer`: with the next group commit).
   * The transaction takes the deltas recorded until it runs, not those of the moment it was asked for.
   */
  private commit(defer: boolean): Promise<void> {
    if (defer && this.queued) return this.chain;
    this.queued = true;
    return this.serial(async () => {
      if (this.pending.size === 0) {
        this.queued = false;
        return;
      }
      try {
        const db = await this.db();
        const waits = defer && !this.hurry;
        this.hurry = false;
        const changes = changesOf(this.label);
        const { value } = await queueWrite(
          db,
          () => {
            this.queued = false;
            // a batch tried again after another process's lock still holds the deltas it took before
            this.inflight = this.merge(this.inflight, this.pending);
            this.pending = new Map();
            // nothing changed the rows since this process read them but its own writes: the rows it writes are
            // all that is new (reading every row again cost ~33 ms a commit at 6,000 rows of a year's ledger)
            const current = changes.version(db) === this.persistedVersion;
            const get = statement(db, 'SELECT json FROM sums WHERE store = ? AND key = ?');
            const put = statement(
              db,
              'INSERT INTO sums (store, key, json) VALUES (?, ?, ?) ON CONFLICT (store, key) DO UPDATE ' +
                'SET json = excluded.json',
            );
            const written: Table<V> = new Map();
            for (const [key, delta] of this.inflight) {
              const row = get.get(this.label, key) as { json: string } | undefined;
              const sums = this.codec.add((row && this.codec.parseRow(safeJson(row.json))) ?? this.codec.zero(), delta);
              put.run(this.label, key, JSON.stringify(this.codec.serialiseRow(sums)));
              written.set(key, sums);
            }
            changes.changed(db);
            return { written, table: current ? undefined : this.readRows(db), version: changes.version(db) };
          },
          { defer: waits },
        );
        if (value.table) this.persisted = value.table;
        else for (const [key, sums] of value.written) this.persisted.set(key, sums);
        this.persistedVersion = value.version;
        this.inflight = new Map();
        this.merged = undefined;
        this.failing = false;
      } catch (e) {
        this.queued = false;
        this.pending = this.merge(this.inflight, this.pending); // the same sums: rows() stays as it is
        this.inflight = new Map();
        (this.failing ? log.debug : log.warn)(
          `${this.label}: cannot write to the state database (will retry): ${errText(e)}`,
        );
        this.failing = true;
        this.schedule(RETRY_MS);
      }
    });
  }

  private readRows(db: Db): Table<V> {
    const rows: Table<V> = new Map();
    for (const r of statement(db, 'SELECT key, json FROM sums WHERE store = ?').all(this.label) as Array<{
      key: string;
      json: string;
    }>) {
      const v = this.codec.parseRow(safeJson(r.json));
      if (v) rows.set(r.key, v);
    }
    return rows;
  }

  private db(): Promise<Db> {
    this.ready ??= (async () => {
      const db = await stateDb(this.home);
      const legacyFile = this.options.legacyFile;
      if (legacyFile) {
        await importLegacy(db, {
          file: legacyFile,
          label: this.label,
          parse: (raw) => this.codec.parseFile(raw),
          insert: (d, table) => {
            const put = d.prepare(
              'INSERT INTO sums (store, key, json) VALUES (?, ?, ?) ON CONFLICT (store, key) DO UPDATE ' +
                'SET json = excluded.json',
            );
            for (const [key, v] of table) put.run(this.label, key, JSON.stringify(this.codec.serialiseRow(v)));
            return table.size;
          },
        });
      }
      return db;
    })().catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  /** Deletes every row of this table, whichever process added it, and this process's unflushed deltas. */
  protected forgetAll(): Promise<void> {
    this.stopTimer();
    if (this.ready) void this.ready.then(commitSoon, () => undefined);
    return this.serial(async () => {
      this.pending = new Map();
      const db = await this.db();
      const changes = changesOf(this.label);
      const { value: version } = await queueWrite(db, () => {
        db.prepare('DELETE FROM sums WHERE store = ?').run(this.label);
        changes.changed(db);
        return changes.version(db);
      });
      this.persisted = new Map();
      this.persistedVersion = version;
      this.merged = undefined;
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

  /** The next flush: with the next group commit, after flushDelayMs (or `atLeastMs`, after a failure) when set. */
  private schedule(atLeastMs = 0): void {
    if (this.closed || this.timer) return;
    const delay = Math.max(this.flushDelayMs, atLeastMs);
    if (delay === 0) {
      void this.commit(true);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.commit(true);
    }, delay);
    this.timer.unref();
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
