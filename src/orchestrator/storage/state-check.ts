/**
 * The state database's line in `ollm-mcp doctor`: where it is, how big, its schema version and
 * how many memory entries it holds; a warning for a file kept aside (now or at an earlier start)
 * and for a lock another process holds.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../config/units.js';
import { isBusy, keptAsideAt, stateDb, STATE_FILE } from './db.js';

export interface StateCheck {
  name: string;
  level: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

const sizeOf = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );

/** The files of `home` kept aside as `state.db….damaged`, this run or an earlier one. */
async function damagedFiles(home: string): Promise<string[]> {
  const names = await readdir(home).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(`${STATE_FILE}`) && n.endsWith('.damaged')).map((n) => join(home, n));
}

export async function stateCheck(home: string): Promise<StateCheck[]> {
  const path = join(home, STATE_FILE);
  const name = 'State';
  let db;
  try {
    db = await stateDb(home);
  } catch (err) {
    return [
      {
        name,
        level: 'fail',
        detail: err instanceof Error ? err.message : String(err),
        fix: 'see the message; memory, metrics and preferences cannot be kept until it is fixed',
      },
    ];
  }
  const checks: StateCheck[] = [];
  const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  const entries = Number((db.prepare('SELECT count(*) AS n FROM memory').get() as { n: number }).n);
  const size = (await sizeOf(path)) + (await sizeOf(`${path}-wal`));
  checks.push({
    name,
    level: 'ok',
    detail:
      `${path}, ${formatBytes(size)}, schema version ${version}, ${entries} memory ` +
      `entr${entries === 1 ? 'y' : 'ies'}`,
  });
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
  } catch (err) {
    // another failure here is not the lock's: the line above already says what the database holds
    if (isBusy(err))
      checks.push({
        name,
        level: 'warn',
        detail: `${path} is locked by another process right now`,
        fix:
          'if this lasts, close the program holding it (a backup, the sqlite3 shell); changes wait ' +
          'for it, up to 10 s each',
      });
  }
  const kept = new Set([...keptAsideAt(home).map((k) => k.keptAs), ...(await damagedFiles(home))]);
  for (const file of kept) {
    const why = keptAsideAt(home).find((k) => k.keptAs === file)?.why;
    checks.push({
      name,
      level: 'warn',
      detail: `${file} was kept aside${why ? `: ${why}` : ''} (a damaged or foreign state file; nothing was deleted)`,
      fix: 'keep it if it may hold entries you want (ask for help recovering them), or remove it',
    });
  }
  return checks;
}
