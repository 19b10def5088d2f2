/**
 * The import of an earlier version's file records where its backup went after renaming the file:
 * another process holding the state database's write lock at that moment is waited for, as any
 * write waits, and never fails the open (CI once saw "database is locked" from two servers starting
 * at once on a home with a memory.json).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeStateDbs, stateDb } from '../../src/orchestrator/storage/db.js';
import { importLegacy } from '../../src/orchestrator/storage/legacy-import.js';
import { tempDir } from '../helpers/temp.js';

/** Set by the test: runs inside the import's rename, before the rename itself. */
let duringRename: (() => void) | undefined;

vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      duringRename?.();
      return real.rename(from, to);
    },
  };
});

afterEach(async () => {
  duringRename = undefined;
  await closeStateDbs();
});

describe('importing a legacy file while another process writes', () => {
  it('waits for the other writer before recording the backup, and records it', async () => {
    const home = tempDir('ollm-legacy-lock-');
    const file = join(home, 'notes.json');
    await writeFile(file, JSON.stringify({ items: [1, 2, 3] }));
    const db = await stateDb(home);
    const other = new Database(join(home, 'state.db'), { timeout: 1 });
    let released = false;
    duringRename = () => {
      other.exec('BEGIN IMMEDIATE'); // the other process takes the write lock ...
      setTimeout(() => {
        other.exec('COMMIT'); // ... and lets it go a moment later
        released = true;
      }, 150);
    };
    try {
      const report = await importLegacy(db, {
        file,
        label: 'notes',
        parse: (raw) => ({ value: (raw as { items: number[] }).items, rejected: [] }),
        insert: (_db, items) => items.length,
      });
      expect(report).toMatchObject({ kept: 3, backup: `${file}.imported-backup` });
      expect(released).toBe(true);
      const row = other.prepare('SELECT backup FROM imports WHERE file = ?').get(file) as { backup: string };
      expect(row.backup).toBe(`${file}.imported-backup`);
    } finally {
      other.close();
    }
  });
});
