/**
 * The speeds table of the state database (migration 6): one row per host and model, its record as
 * JSON, numbered in the order written — a row written again takes a new number (INSERT OR REPLACE
 * with AUTOINCREMENT: numbers are never reused), so a reader takes only the rows newer than it saw,
 * and the oldest numbers are the places least recently seen.
 */
import type { Db } from '../storage/db.js';
import { statement } from '../storage/statements.js';
import { MAX_PLACES, parseSpeedRecord, type SpeedRecord } from '../generation/speed-learning.js';

interface Row {
  seq: number;
  key: string;
  json: string;
}

/** A stored record, checked (a person may have edited the database); null when it is not one. */
function recordOf(json: string): SpeedRecord | null {
  try {
    return parseSpeedRecord(JSON.parse(json));
  } catch {
    return null;
  }
}

/** The rows written after number `since` (0: every row), their records checked, and the newest number read. */
export function rowsSince(db: Db, since: number): { records: Array<[string, SpeedRecord]>; last: number } {
  const rows = statement(db, 'SELECT seq, key, json FROM speeds WHERE seq > ? ORDER BY seq').all(since) as Row[];
  const records: Array<[string, SpeedRecord]> = [];
  let last = since;
  for (const row of rows) {
    last = Math.max(last, row.seq);
    const record = recordOf(row.json);
    if (record) records.push([row.key, record]);
  }
  return { records, last };
}

/** How many places the table holds. */
export function placeCount(db: Db): number {
  return (statement(db, 'SELECT count(*) AS n FROM speeds').get() as { n: number }).n;
}

/** One place's stored record, checked; undefined when there is none (or it is not one). */
export function storedRecord(db: Db, key: string): SpeedRecord | undefined {
  const row = statement(db, 'SELECT json FROM speeds WHERE key = ?').get(key) as { json: string } | undefined;
  return (row && recordOf(row.json)) ?? undefined;
}

/** Writes one place's record under a new number, and forgets the places beyond the newest MAX_PLACES. */
export function writeRecord(db: Db, key: string, record: SpeedRecord): void {
  statement(db, 'INSERT OR REPLACE INTO speeds (key, json) VALUES (?, ?)').run(key, JSON.stringify(record));
  statement(db, 'DELETE FROM speeds WHERE seq <= (SELECT seq FROM speeds ORDER BY seq DESC LIMIT 1 OFFSET ?)').run(
    MAX_PLACES,
  );
}

/** Forgets every place. */
export function clearRecords(db: Db): void {
  statement(db, 'DELETE FROM speeds').run();
}
