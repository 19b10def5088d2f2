/**
 * A small value that every ollm-mcp process on a home shares as one whole — the preferred models,
 * the recent comparisons — kept as one JSON document in the state database. A change is a
 * function of the current value, run inside one write transaction, so two processes' changes
 * never overwrite each other. Reads are kept until another process commits (data_version).
 * The JSON file of an earlier version is imported once.
 */
import { commitSoon, queueWrite, stateDb, stateVersion, type Db } from './db.js';
import { importLegacy } from './legacy-import.js';
import { statement } from './statements.js';
import { log } from '../util/log.js';

export interface DocumentSpec<T> {
  /** The document's name in the database, e.g. "preferences". */
  name: string;
  /** The valid content and the entries that are not; null when the value is not ours at all. */
  parse(raw: unknown): { value: T; rejected: unknown[] } | null;
  empty(): T;
  serialise(value: T): unknown;
  /** How many entries a value holds (for the import's log line). */
  count(value: T): number;
  /** An earlier version's JSON file, imported once. */
  legacyFile?: string;
}

export class SharedDocument<T> {
  private cache?: { version: string; value: T };
  private ready?: Promise<Db>;
  /** This document's own changes not yet committed (a read waits for these, never for other stores' writes). */
  private readonly unsettled = new Set<Promise<unknown>>();

  constructor(
    private readonly home: string,
    private readonly spec: DocumentSpec<T>,
  ) {}

  /**
   * The current value (read again only when another process changed the database), this
   * process's own changes to it that wait for their group commit included. Only those are waited
   * for: a write of another store waiting for another process's lock never holds this read up.
   */
  async snapshot(): Promise<T> {
    const db = await this.db();
    if (this.unsettled.size > 0) {
      commitSoon(db);
      await Promise.allSettled([...this.unsettled]);
    }
    const version = stateVersion(db);
    if (this.cache?.version !== version) this.cache = { version, value: this.read(db) };
    return this.cache.value;
  }

  /**
   * Applies `change` to the current value in one transaction (shared with the other writes of the
   * moment); resolves with the new value once committed. `defer`: a record no one was told about,
   * committed with the next group commit (storage/writes.ts).
   */
  async update(change: (current: T) => T, options: { defer?: boolean } = {}): Promise<T> {
    const db = await this.db();
    this.cache = undefined;
    const queued = queueWrite(
      db,
      () => {
        const next = change(this.read(db));
        statement(
          db,
          'INSERT INTO documents (name, json) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET json = excluded.json',
        ).run(this.spec.name, JSON.stringify(this.spec.serialise(next)));
        return next;
      },
      options,
    );
    this.unsettled.add(queued);
    try {
      const { value, after } = await queued;
      this.cache = { version: after, value };
      return value;
    } finally {
      this.unsettled.delete(queued);
    }
  }

  private read(db: Db): T {
    const row = statement(db, 'SELECT json FROM documents WHERE name = ?').get(this.spec.name) as
      { json: string } | undefined;
    if (!row) return this.spec.empty();
    let raw: unknown;
    try {
      raw = JSON.parse(row.json);
    } catch {
      raw = null;
    }
    const parsed = this.spec.parse(raw);
    if (!parsed) log.warn(`${this.spec.name}: the stored value is not valid; starting empty.`);
    return parsed ? parsed.value : this.spec.empty();
  }

  private db(): Promise<Db> {
    this.ready ??= (async () => {
      const db = await stateDb(this.home);
      const { legacyFile, name, parse, serialise, count } = this.spec;
      if (legacyFile) {
        await importLegacy(db, {
          file: legacyFile,
          label: name,
          parse,
          insert: (d, value) => {
            d.prepare(
              'INSERT INTO documents (name, json) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET json = excluded.json',
            ).run(name, JSON.stringify(serialise(value)));
            return count(value);
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
}
