/**
 * A store's entries kept one row per key in the state database (the `records` table, migration 6),
 * shared by every ollm-mcp process on the home: what every answer changes — the speeds learned, the
 * evidence routing learns from — where one shared document (shared-doc.ts) was read, checked and
 * written whole by every answer, its cost growing with all that was ever learned (issue 82: +51 ms
 * of CPU a quick call with 300 places of speeds). A change is a function of the key's entry, run
 * inside one write transaction (shared with the other writes of the moment), so two processes'
 * changes never overwrite each other; it applies to this process's copy at once, and its row as
 * committed replaces that after the commit. Rows are numbered in the order written (AUTOINCREMENT:
 * a row written again takes a new number, never reused), so a process takes only the rows newer
 * than it saw — however many the store holds — and reads the store whole only when rows were
 * forgotten (past `limit`, the oldest numbers first, or cleared): whoever forgets them writes the
 * store's row of key '' (FORGOT) anew, which every reader meets among the rows newer than it saw.
 * Deferred changes of one key that wait for the same group commit are one write: the key's row read
 * once, each change applied in turn, written once, and the rows newer than seen read once after the
 * commit — a hot model's answers cost one row a commit, not one each (issue 82: ~5 ms of event loop
 * a group commit of twenty quick calls).
 */
import { commitSoon, queueWrite, stateDb, type Db } from './db.js';
import { statement } from './statements.js';

export interface KeyedSpec<T> {
  /** The store's name in the table, e.g. "speeds". */
  store: string;
  /** A stored entry, checked (a person may have edited the database); null when it is not one. */
  parse(raw: unknown): T | null;
  /** The most keys kept: past it, the least recently written are forgotten (none: unbounded). */
  limit?: number;
  /** This process's copy bounded its own way when it outgrows `limit` (as the store's rows are by number). */
  bound?(book: Record<string, T>): Record<string, T>;
}

/** The key of a store's row that says rows were forgotten: no entry's key is empty. */
const FORGOT = '';

/** Changes of one key run as one write. */
interface Joined<T> {
  changes: Array<(had: T | undefined) => T | undefined>;
  queued: Promise<unknown>;
}

interface Row {
  seq: number;
  key: string;
  json: string;
}

export class KeyedRows<T> {
  private current = Object.create(null) as Record<string, T>;
  /** How many keys the copy holds. */
  private keys = 0;
  /** The copy outgrew the store's limit: writes forget the oldest rows, until some were. */
  private over = false;
  /** The newest row read. */
  private seen = 0;
  /** This process's changes not yet committed: a read waits for these (never for other stores' writes). */
  private readonly unsettled = new Set<Promise<unknown>>();
  /** Deferred changes by key, queued and not yet run in their write transaction: a later one joins them. */
  private readonly waiting = new Map<string, Joined<T>>();
  /** Commits whose rows were taken up already (by the first of the changes that waited for it). */
  private readonly caughtUp = new WeakSet<Promise<unknown>>();

  constructor(
    private readonly home: string,
    private readonly spec: KeyedSpec<T>,
  ) {}

  /** The entries this process last saw (changed in place: a later reader sees newer ones). */
  book(): Record<string, T> {
    return this.current;
  }

  /** Reads every entry (other processes' too), this process's changes waiting for their commit included. */
  async load(): Promise<Record<string, T>> {
    const db = await stateDb(this.home);
    if (this.unsettled.size > 0) {
      commitSoon(db);
      await Promise.allSettled([...this.unsettled]);
    }
    this.readAll(db);
    return this.current;
  }

  /**
   * Changes one key's entry by `change` — in this process's copy at once, and in its row inside a write
   * transaction (`defer`: with the next group commit, storage/writes.ts) — then takes up the rows others
   * wrote meanwhile. Undefined from `change`: nothing to write. Resolves with the entry as committed.
   */
  async change(
    key: string,
    change: (had: T | undefined) => T | undefined,
    options: { defer?: boolean } = {},
  ): Promise<T | undefined> {
    this.put(key, change(this.current[key]));
    const db = await stateDb(this.home);
    const joined = options.defer ? this.waiting.get(key) : undefined;
    if (joined) joined.changes.push(change);
    const queued = joined?.queued ?? this.queue(db, key, change, options);
    this.unsettled.add(queued);
    try {
      await queued;
    } finally {
      this.unsettled.delete(queued);
    }
    if (!this.caughtUp.has(queued)) {
      this.caughtUp.add(queued);
      this.catchUp(db);
    }
    return this.current[key];
  }

  /** A write transaction of `key`'s changes, `first` and (deferred) those that join it before it runs. */
  private queue(
    db: Db,
    key: string,
    first: (had: T | undefined) => T | undefined,
    options: { defer?: boolean },
  ): Promise<unknown> {
    const joined: Joined<T> = { changes: [first], queued: Promise.resolve() };
    // a change that may not wait goes after those queued before it, and those after it after it
    if (options.defer) this.waiting.set(key, joined);
    else this.waiting.delete(key);
    const done = () => {
      if (this.waiting.get(key) === joined) this.waiting.delete(key); // failed before it ran: none joins it
    };
    joined.queued = queueWrite(
      db,
      () => {
        if (this.waiting.get(key) === joined) this.waiting.delete(key); // running: a later change waits anew
        let entry = this.stored(db, key);
        let changed = false;
        for (const change of joined.changes) {
          const next = change(entry);
          if (next === undefined) continue;
          entry = next;
          changed = true;
        }
        if (changed) this.write(db, key, entry!);
      },
      options,
    );
    joined.queued.then(done, done);
    return joined.queued;
  }

  /** Forgets every entry, committed before this resolves. */
  async clear(): Promise<void> {
    const db = await stateDb(this.home);
    await queueWrite(db, () => {
      statement(db, 'DELETE FROM records WHERE store = ?').run(this.spec.store);
      this.forgot(db);
    });
    this.current = Object.create(null) as Record<string, T>;
    this.keys = 0;
    this.over = false;
  }

  private parsed(json: string): T | null {
    try {
      return this.spec.parse(JSON.parse(json));
    } catch {
      return null;
    }
  }

  private stored(db: Db, key: string): T | undefined {
    const row = statement(db, 'SELECT json FROM records WHERE store = ? AND key = ?').get(this.spec.store, key) as
      { json: string } | undefined;
    return (row && this.parsed(row.json)) ?? undefined;
  }

  /** One key's row, under a new number; past the limit, the rows beyond the newest `limit` forgotten. */
  private write(db: Db, key: string, value: T): void {
    const { store, limit } = this.spec;
    statement(db, 'INSERT OR REPLACE INTO records (store, key, json) VALUES (?, ?, ?)').run(
      store,
      key,
      JSON.stringify(value),
    );
    if (limit === undefined || !this.over) return;
    const gone = statement(
      db,
      "DELETE FROM records WHERE store = ?1 AND key <> '' AND seq <= (SELECT seq FROM records " +
        "WHERE store = ?1 AND key <> '' ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
    ).run(store, limit);
    if (gone.changes === 0) return; // not past the limit yet: this process's new keys are still being written
    this.over = false;
    this.forgot(db);
  }

  /** Says rows of the store were forgotten: its FORGOT row written anew, newer than any reader saw. */
  private forgot(db: Db): void {
    statement(db, "INSERT OR REPLACE INTO records (store, key, json) VALUES (?, '', '{}')").run(this.spec.store);
  }

  /** One key's entry into the copy, in place; past `limit` keys, bounded the store's way. */
  private put(key: string, value: T | null | undefined): void {
    if (value === undefined || value === null) return;
    if (!(key in this.current)) this.keys++;
    this.current[key] = value;
    const { limit, bound } = this.spec;
    if (limit === undefined || this.keys <= limit) return;
    this.over = true;
    if (bound) {
      this.current = bound(this.current);
      this.keys = Object.keys(this.current).length;
    }
  }

  private rowsSince(db: Db, since: number): Row[] {
    return statement(db, 'SELECT seq, key, json FROM records WHERE store = ? AND seq > ? ORDER BY seq').all(
      this.spec.store,
      since,
    ) as Row[];
  }

  private readAll(db: Db): void {
    this.current = Object.create(null) as Record<string, T>;
    this.keys = 0;
    this.over = false;
    this.seen = 0;
    this.takeRows(this.rowsSince(db, 0));
  }

  /** Rows into the copy (those that are no entry passed over); false when one says rows were forgotten. */
  private takeRows(rows: Row[]): boolean {
    let whole = true;
    for (const row of rows) {
      this.seen = Math.max(this.seen, row.seq);
      if (row.key === FORGOT) whole = false;
      else this.put(row.key, this.parsed(row.json));
    }
    return whole;
  }

  /** The rows written since this process last read; the store read whole when some were forgotten meanwhile. */
  private catchUp(db: Db): void {
    if (!this.takeRows(this.rowsSince(db, this.seen))) this.readAll(db);
  }
}
