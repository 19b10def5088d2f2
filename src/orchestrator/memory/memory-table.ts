/**
 * The memory table of the state database: rows to entries and back, and the statements the store
 * runs. Entries keep the order they were first made in (SQLite's rowid).
 */
import type { Db } from '../storage/db.js';
import { statement as sql } from '../storage/statements.js';
import { normalizeKey } from './memory-search.js';
import { MEMORY_CATEGORIES, MEMORY_SOURCES, type MemoryEntry } from './types.js';

interface Row {
  key: string;
  value: string;
  category: string;
  source: string;
  created_at: string;
  updated_at: string;
  access_count: number;
}

const oneOf = <T extends string>(list: readonly T[], v: string, fallback: T): T =>
  list.includes(v as T) ? (v as T) : fallback;

function toEntry(r: Row): MemoryEntry {
  return {
    key: r.key,
    value: r.value,
    category: oneOf(MEMORY_CATEGORIES, r.category, 'fact'),
    source: oneOf(MEMORY_SOURCES, r.source, 'user'),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    accessCount: Number(r.access_count),
  };
}

export function allEntries(db: Db): MemoryEntry[] {
  return (
    sql(
      db,
      'SELECT key, value, category, source, created_at, updated_at, access_count FROM memory ORDER BY rowid',
    ).all() as Row[]
  ).map(toEntry);
}

export function entryFor(db: Db, norm: string): MemoryEntry | undefined {
  const row = sql(
    db,
    'SELECT key, value, category, source, created_at, updated_at, access_count FROM memory WHERE norm_key = ?',
  ).get(norm) as Row | undefined;
  return row && toEntry(row);
}

export function countEntries(db: Db): number {
  return Number((sql(db, 'SELECT count(*) AS n FROM memory').get() as { n: number }).n);
}

/** Inserts the entry, or replaces the one with the same normalised key in place (its position kept). */
export function putEntry(db: Db, e: MemoryEntry): void {
  sql(
    db,
    `INSERT INTO memory (norm_key, key, value, category, source, created_at, updated_at, access_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (norm_key) DO UPDATE SET key = excluded.key, value = excluded.value, category = excluded.category, source = excluded.source,
       created_at = excluded.created_at, updated_at = excluded.updated_at, access_count = excluded.access_count`,
  ).run(normalizeKey(e.key), e.key, e.value, e.category, e.source, e.createdAt, e.updatedAt, e.accessCount);
}

export function deleteEntry(db: Db, norm: string): boolean {
  return sql(db, 'DELETE FROM memory WHERE norm_key = ?').run(norm).changes > 0;
}

export function deleteAll(db: Db): number {
  return sql(db, 'DELETE FROM memory').run().changes;
}

export function addUses(db: Db, norm: string, n: number): void {
  sql(db, 'UPDATE memory SET access_count = access_count + ? WHERE norm_key = ?').run(n, norm);
}

/**
 * An entry from a file (an export, or an earlier version's memory.json) merged into the table: a
 * key already there takes it only when it is newer — or, with `ties: 'file'`, as new — and keeps
 * the higher use count.
 */
export function mergeEntry(db: Db, e: MemoryEntry, ties: 'table' | 'file'): 'added' | 'updated' | 'unchanged' {
  const old = entryFor(db, normalizeKey(e.key));
  if (old && (old.updatedAt > e.updatedAt || (ties === 'table' && old.updatedAt === e.updatedAt))) return 'unchanged';
  putEntry(db, old ? { ...e, accessCount: Math.max(old.accessCount, e.accessCount) } : e);
  return old ? 'updated' : 'added';
}
