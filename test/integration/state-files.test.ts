// The state database's files (src/orchestrator/storage/db.ts, integrity.ts, busy.ts): a clean
// close leaves state.db holding everything; a write-ahead log or database that is not this store's
// is kept aside, never adopted; a writer waits for another process's lock without stopping the
// event loop, and gives up naming the database.
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeStateDbs, keptAsideAt, queueWrite, stateDb, type Db } from '../../src/orchestrator/storage/db.js';
import { checkBeforeOpen } from '../../src/orchestrator/storage/integrity.js';
import { tempDir } from '../helpers/temp.js';

afterEach(async () => {
  await closeStateDbs();
  vi.restoreAllMocks();
});
const quiet = () => vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
const logged = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map((c) => String(c[0])).join('');

/** Adds `n` rows to the memory table, named `<prefix>0` … (each a change of its own, as tools make them). */
async function remember(db: Db, prefix: string, n: number): Promise<void> {
  const now = new Date().toISOString();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      queueWrite(db, () =>
        db
          .prepare(
            'INSERT INTO memory (norm_key, key, value, category, source, created_at, updated_at) VALUES ' +
              '(?, ?, ?, ?, ?, ?, ?)',
          )
          .run(`${prefix}${i}`, `${prefix}${i}`, 'x'.repeat(300), 'fact', 'test', now, now),
      ),
    ),
  );
}

/** The keys in a database file, read by a connection of its own. */
function keysIn(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT key FROM memory ORDER BY key').all() as Array<{ key: string }>).map((r) => r.key);
  } finally {
    db.close();
  }
}

const damaged = (home: string, name: string) =>
  readdirSync(home).filter((f) => f.startsWith(`${name}.`) && f.endsWith('.damaged'));

/**
 * A home holding a closed store of `n` entries on which no connection of this process is open. A
 * store closed here is not enough: libsql's close() leaves the connection open while statements
 * compiled on it live, until the garbage collector takes them, and that last close removes the log
 * beside state.db — whichever log lies there by then (on Node 22 the collector ran between a test's
 * planting a log and its open). So the store is made in a home of its own and its state.db, which
 * after a clean close holds everything (the first test), is copied in.
 */
async function closedStore(name: string, prefix: string, n: number): Promise<string> {
  const made = tempDir('ollm-state-made-');
  await remember(await stateDb(made), prefix, n);
  await closeStateDbs();
  const home = tempDir(name);
  copyFileSync(join(made, 'state.db'), join(home, 'state.db'));
  return home;
}

describe('a clean close', () => {
  it(
    'folds the write-ahead log into state.db: the log is empty or gone, and a copy of state.db ' +
      'alone holds every entry',
    async () => {
      const home = tempDir('ollm-state-close-');
      const db = await stateDb(home);
      await remember(db, 'k', 50);
      // the stores keep prepared statements; one still alive stops SQLite's own checkpoint at close
      const kept = db.prepare('SELECT count(*) AS n FROM memory');
      expect(statSync(join(home, 'state.db-wal')).size).toBeGreaterThan(0); // the entries are in the log until the close
      await closeStateDbs();
      void kept; // alive until here
      const wal = join(home, 'state.db-wal');
      expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
      const copy = join(tempDir('ollm-state-copy-'), 'state.db');
      copyFileSync(join(home, 'state.db'), copy);
      expect(keysIn(copy)).toHaveLength(50);
    },
  );

  it('another connection still open makes it a partial checkpoint, without an error', async () => {
    const home = tempDir('ollm-state-close2-');
    await remember(await stateDb(home), 'k', 5);
    const other = new Database(join(home, 'state.db'));
    try {
      other.exec('BEGIN');
      other.prepare('SELECT count(*) FROM memory').get(); // a reader holds its snapshot
      await expect(closeStateDbs()).resolves.toBeUndefined();
      other.exec('COMMIT');
    } finally {
      other.close();
    }
    expect(keysIn(join(home, 'state.db'))).toHaveLength(5);
  });
});

describe('a file that is not this store’s is kept aside, never adopted', () => {
  it('a write-ahead log copied from another home: kept aside, and this home’s entries remain', async () => {
    const home = await closedStore('ollm-state-mine-', 'mine', 50);
    const other = tempDir('ollm-state-other-');
    await remember(await stateDb(other), 'theirs', 30); // still open: its entries are in its log
    const foreign = readFileSync(join(other, 'state.db-wal'));
    expect(foreign.length).toBeGreaterThan(32);
    writeFileSync(join(home, 'state.db-wal'), foreign);
    const spy = quiet();
    const db = await stateDb(home);
    const said = logged(spy);
    spy.mockRestore();
    expect((db.prepare('SELECT count(*) AS n FROM memory WHERE key LIKE ?').get('mine%') as { n: number }).n).toBe(50);
    expect((db.prepare('SELECT count(*) AS n FROM memory WHERE key LIKE ?').get('theirs%') as { n: number }).n).toBe(0);
    const kept = damaged(home, 'state.db-wal');
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(home, kept[0]!)).equals(foreign)).toBe(true); // every byte kept
    expect(keptAsideAt(home).map((k) => k.file)).toContain(join(home, 'state.db-wal'));
    expect(said).toContain('another store');
  });

  it('this store’s own log after a crash is adopted: nothing is kept aside', async () => {
    const home = tempDir('ollm-state-crash-');
    await remember(await stateDb(home), 'k', 20);
    // what a killed process leaves: state.db and its log, copied while it was open
    const copyHome = tempDir('ollm-state-crashcopy-');
    copyFileSync(join(home, 'state.db'), join(copyHome, 'state.db'));
    copyFileSync(join(home, 'state.db-wal'), join(copyHome, 'state.db-wal'));
    const db = await stateDb(copyHome);
    expect((db.prepare('SELECT count(*) AS n FROM memory').get() as { n: number }).n).toBe(20);
    expect(keptAsideAt(copyHome)).toEqual([]);
    expect(damaged(copyHome, 'state.db-wal')).toEqual([]);
  });

  it('a damaged log header: kept aside, the database alone is used', async () => {
    const home = await closedStore('ollm-state-badwal-', 'k', 10);
    writeFileSync(join(home, 'state.db-wal'), Buffer.alloc(4096, 7));
    const spy = quiet();
    const db = await stateDb(home);
    const said = logged(spy);
    spy.mockRestore();
    expect((db.prepare('SELECT count(*) AS n FROM memory').get() as { n: number }).n).toBe(10);
    expect(damaged(home, 'state.db-wal')).toHaveLength(1);
    expect(said).toContain('not a valid write-ahead log header');
  });

  it.each([
    ['a garbage file', (f: string) => writeFileSync(f, 'not a database at all\n'.repeat(500))],
    [
      'a zeroed last page',
      (f: string) => {
        const b = readFileSync(f);
        b.fill(0, b.length - 4096);
        writeFileSync(f, b);
      },
    ],
  ])('%s: kept aside byte for byte, with a clear message; a new store works', async (_name, spoil) => {
    const home = await closedStore('ollm-state-bad-', 'k', 200);
    const file = join(home, 'state.db');
    spoil(file);
    const spoiled = readFileSync(file);
    const spy = quiet();
    const db = await stateDb(home);
    const said = logged(spy);
    spy.mockRestore();
    const kept = damaged(home, 'state.db');
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(home, kept[0]!)).equals(spoiled)).toBe(true);
    expect(said).toMatch(/state\.db was not used: .*kept as .*\.damaged/);
    await remember(db, 'new', 3);
    expect(keysIn(file)).toHaveLength(3);
  });

  it('a 0-byte state.db where a store was written (its import backups are there): kept aside, and said so', async () => {
    const home = tempDir('ollm-state-zero-');
    writeFileSync(join(home, 'state.db'), '');
    writeFileSync(join(home, 'memory.json.imported-backup'), '{"entries":[]}');
    const spy = quiet();
    await stateDb(home);
    const said = logged(spy);
    spy.mockRestore();
    expect(damaged(home, 'state.db')).toHaveLength(1);
    expect(said).toContain('what is left of a truncated store');
  });

  it('a 0-byte state.db with no sign of a store (a file just made): used as the new store, nothing kept aside', async () => {
    const home = tempDir('ollm-state-new-');
    writeFileSync(join(home, 'state.db'), '');
    const db = await stateDb(home);
    await remember(db, 'k', 1);
    expect(damaged(home, 'state.db')).toEqual([]);
    expect(keptAsideAt(home)).toEqual([]);
  });
});

describe('a new store another process is writing', () => {
  it(
    'a 0-byte state.db beside a log with data (what a reader can see while another process ' +
      'creates the store) is never kept aside, even where import backups show a store existed',
    async () => {
      const home = tempDir('ollm-state-live-');
      writeFileSync(join(home, 'memory.json.imported-backup'), '{}');
      // a log with committed frames, as the creating process writes it, beside a database file not yet written
      const made = join(tempDir('ollm-state-maker-'), 'state.db');
      const maker = new Database(made);
      try {
        maker.exec('PRAGMA journal_mode = WAL');
        maker.exec('PRAGMA wal_autocheckpoint = 0');
        maker.exec('CREATE TABLE early (v TEXT)');
        copyFileSync(`${made}-wal`, join(home, 'state.db-wal'));
      } finally {
        maker.close();
      }
      writeFileSync(join(home, 'state.db'), '');
      expect(statSync(join(home, 'state.db-wal')).size).toBeGreaterThan(0);
      expect(await checkBeforeOpen(join(home, 'state.db'))).toEqual([]);
      expect(readdirSync(home).sort()).toEqual(['memory.json.imported-backup', 'state.db', 'state.db-wal']);
    },
  );
});

describe('another process holding the write lock', () => {
  it('a write waits without blocking the event loop, in order, and commits once the lock is released', async () => {
    const home = tempDir('ollm-state-lock-');
    const db = await stateDb(home);
    const other = new Database(join(home, 'state.db'));
    other.exec('BEGIN IMMEDIATE');
    const events: string[] = [];
    const first = remember(db, 'a', 1).then(() => events.push('a'));
    const second = remember(db, 'b', 1).then(() => events.push('b'));
    // timers keep firing while the writes wait
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      events.push('tick');
    }
    other.exec('COMMIT');
    other.close();
    await Promise.all([first, second]);
    expect(events.slice(0, 5)).toEqual(['tick', 'tick', 'tick', 'tick', 'tick']);
    expect(events.slice(5)).toEqual(['a', 'b']);
    expect(keysIn(join(home, 'state.db'))).toEqual(['a0', 'b0']);
  });
});
