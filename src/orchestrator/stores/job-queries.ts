/**
 * The job store's SQL (job-store.ts): a job's row written, the rows swept and bounded per owner,
 * its progress and its end written, and the rows read back — plain statements on the state
 * database, the clock, the bounds and the jobs not written yet kept by the store.
 */
import { statement } from '../storage/statements.js';
import type { Db } from '../storage/writes.js';
import { expired, fromRow, type Job, type ReusablePart, type Row } from './job-rows.js';

/** A running job's row inserted, and its owner's oldest ended rows past `maxJobs` (less its running ones) removed. */
export function insertRow(db: Db, job: Job, maxJobs: number, sweepDue: () => void): void {
  const { id, owner, tool, key, runner, createdAt: at, ttlMs } = job;
  statement(
    db,
    'INSERT INTO jobs (id, owner, tool, call_key, state, runner, handed, created_at, ' +
      'updated_at, keep_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(id, owner, tool, key, 'running', runner, job.handed ? 1 : 0, at, at, ttlMs ?? null);
  sweepDue();
  // then this owner's oldest ended rows past its bound: a flood of one agent's calls removes its own rows alone
  const running = (
    statement(db, "SELECT count(*) AS n FROM jobs WHERE owner = ? AND state = 'running'").get(owner) as {
      n: number;
    }
  ).n;
  statement(
    db,
    "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE owner = ? AND state != 'running' " +
      'ORDER BY updated_at DESC, rowid DESC LIMIT -1 OFFSET ?)',
  ).run(owner, Math.max(0, maxJobs - running));
}

/**
 * Running jobs whose server is gone marked lost; ended jobs last updated before `keptSince`, or past their
 * ttl at `at`, removed.
 */
export function sweepRows(db: Db, at: number, keptSince: number, alive: (pid: number) => boolean): void {
  for (const { runner } of statement(db, "SELECT DISTINCT runner FROM jobs WHERE state = 'running'").all() as Array<{
    runner: number;
  }>) {
    if (runner !== process.pid && !alive(runner))
      statement(db, "UPDATE jobs SET state = 'lost' WHERE state = 'running' AND runner = ?").run(runner);
  }
  statement(
    db,
    "DELETE FROM jobs WHERE state != 'running' AND (updated_at < ? OR (keep_ms IS NOT NULL AND " +
      'created_at + keep_ms < ?))',
  ).run(keptSince, at);
}

/** A running job's progress line, its status (as JSON) if given, and its parts (as JSON) if given, written at `at`. */
export function updateProgress(
  db: Db,
  id: string,
  progress: string,
  partsText: string | undefined,
  statusText: string | null,
  at: number,
): void {
  if (partsText === undefined)
    statement(
      db,
      "UPDATE jobs SET progress = ?, status = coalesce(?, status), updated_at = ? WHERE id = ? AND state = 'running'",
    ).run(progress.slice(0, 500), statusText, at, id);
  else
    statement(
      db,
      'UPDATE jobs SET progress = ?, parts = ?, status = coalesce(?, status), updated_at = ? ' +
        "WHERE id = ? AND state = 'running'",
    ).run(progress.slice(0, 500), partsText, statusText, at, id);
}

/** `owner`'s job `id` as its row says, unless past its ttl at `now` or ended before `keptSince`. */
export function selectJob(
  db: Db,
  owner: string,
  id: string,
  alive: (pid: number) => boolean,
  now: number,
  keptSince: number,
): Job | undefined {
  const row = statement(db, 'SELECT * FROM jobs WHERE id = ? AND owner = ?').get(id, owner) as Row | undefined;
  const job = row && fromRow(row, alive);
  return job && !expired(job, now) && !(job.state !== 'running' && job.updatedAt < keptSince) ? job : undefined;
}

/**
 * The newest jobs of `owner`'s call `key` updated since `keptSince` that a new call attaches to or takes
 * parts from (JobStore.previous).
 */
export function selectPrevious(
  db: Db,
  owner: string,
  key: string,
  keptSince: number,
  alive: (pid: number) => boolean,
  now: () => number,
): { same?: Job; lost: ReusablePart[] } {
  const rows = statement(
    db,
    "SELECT * FROM jobs WHERE owner = ? AND call_key = ? AND (state IN ('running', 'lost') OR " +
      "(state = 'done' AND handed = 1)) AND updated_at >= ? ORDER BY created_at DESC LIMIT 10",
  ).all(owner, key, keptSince) as Row[];
  const at = now();
  const jobs = rows.map((r) => fromRow(r, alive));
  const same = jobs.find(
    (j): j is Job => j !== undefined && (j.state === 'running' || j.state === 'done') && !expired(j, at),
  );
  const lost = jobs.find((j) => j?.state === 'lost' && j.reusable !== undefined)?.reusable ?? [];
  return { ...(same && { same }), lost };
}

/**
 * `owner`'s jobs (all owners' without one), newest first, at most `limit`: those updated since `keptSince`
 * and within their ttl at `now`.
 */
export function selectList(
  db: Db,
  owner: string | undefined,
  limit: number,
  alive: (pid: number) => boolean,
  now: number,
  keptSince: number,
): Job[] {
  const kept = "updated_at >= ? AND (state = 'running' OR keep_ms IS NULL OR created_at + keep_ms >= ?)";
  const rows = (
    owner === undefined
      ? statement(db, `SELECT * FROM jobs WHERE ${kept} ORDER BY created_at DESC LIMIT ?`).all(keptSince, now, limit)
      : statement(db, `SELECT * FROM jobs WHERE owner = ? AND ${kept} ORDER BY created_at DESC LIMIT ?`).all(
          owner,
          keptSince,
          now,
          limit,
        )
  ) as Row[];
  return rows.map((r) => fromRow(r, alive)).filter((j): j is Job => j !== undefined && !expired(j, now));
}
