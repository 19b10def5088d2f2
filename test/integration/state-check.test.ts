// The state line of `ollm-mcp doctor` (src/orchestrator/storage/state-check.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS } from '../../src/orchestrator/storage/migrations.js';
import { closeStateDbs, queueWrite, stateDb } from '../../src/orchestrator/storage/db.js';
import { stateCheck } from '../../src/orchestrator/storage/state-check.js';
import { tempDir } from '../helpers/temp.js';

afterEach(async () => {
  await closeStateDbs();
  vi.restoreAllMocks();
});

async function remember(home: string, n: number): Promise<void> {
  const db = await stateDb(home);
  const now = new Date().toISOString();
  for (let i = 0; i < n; i++)
    await queueWrite(db, () =>
      db
        .prepare(
          'INSERT INTO memory (norm_key, key, value, category, source, created_at, updated_at) VALUES ' +
            '(?, ?, ?, ?, ?, ?, ?)',
        )
        .run(`k${i}`, `k${i}`, 'v', 'fact', 'test', now, now),
    );
}

describe('the state line of doctor', () => {
  it('all well: one ✓ line with the path, the size, the schema version and the entries', async () => {
    const home = tempDir('ollm-check-ok-');
    await remember(home, 3);
    const checks = await stateCheck(home);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'State', level: 'ok' });
    expect(checks[0]!.detail).toMatch(
      new RegExp(
        `^${join(home, 'state.db').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, [\\d.]+ ?[KMG]?B, ` +
          `schema version ${MIGRATIONS.length}, 3 memory entries$`,
      ),
    );
  });

  it('a file kept aside at open: a warning naming it and why', async () => {
    const home = tempDir('ollm-check-bad-');
    writeFileSync(join(home, 'state.db'), 'garbage, not a database\n'.repeat(200));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const checks = await stateCheck(home);
    expect(checks[0]).toMatchObject({ level: 'ok' });
    const warn = checks.find((c) => c.level === 'warn');
    expect(warn?.detail).toMatch(/state\.db\.[-\dTZ]+\.damaged was kept aside: state\.db is not a SQLite database/);
  });

  it('a file kept aside at an earlier start is still reported', async () => {
    const home = tempDir('ollm-check-old-');
    writeFileSync(join(home, 'state.db-wal.2026-01-01T00-00-00-000Z.damaged'), 'x');
    const checks = await stateCheck(home);
    expect(checks.filter((c) => c.level === 'warn').map((c) => c.detail)).toEqual([
      `${join(home, 'state.db-wal.2026-01-01T00-00-00-000Z.damaged')} was kept aside (a damaged ` +
        `or foreign state file; nothing was deleted)`,
    ]);
  });

  it('a lock another process holds: a warning', async () => {
    const home = tempDir('ollm-check-lock-');
    await remember(home, 1);
    const other = new Database(join(home, 'state.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const checks = await stateCheck(home);
      expect(checks.find((c) => c.level === 'warn')?.detail).toBe(
        `${join(home, 'state.db')} is locked by another process right now`,
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });
});
