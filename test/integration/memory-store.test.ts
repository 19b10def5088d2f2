import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryError } from '../../src/orchestrator/memory/memory-db.js';
import { MemoryStore } from '../../src/orchestrator/memory/memory-store.js';
import { queueWrite, stateDb } from '../../src/orchestrator/storage/db.js';
import { tempDir } from '../helpers/temp.js';

const LIMITS = { maxEntries: 5, maxValueChars: 40 };
let dir: string;
const store = (limits = LIMITS, legacyFile?: string) =>
  new MemoryStore(dir, limits, { flushDelayMs: 5, ...(legacyFile && { legacyFile }) });

interface Row {
  norm_key: string;
  key: string;
  value: string;
  category: string;
  source: string;
  created_at: string;
  updated_at: string;
  access_count: number;
}
/** The memory table as another connection reads it (what another process would see). */
function rows(): Row[] {
  const db = new Database(join(dir, 'state.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM memory ORDER BY rowid').all() as Row[];
  } finally {
    db.close();
  }
}
/** Files in the home other than the database and its WAL and shared-memory files. */
const otherFiles = async () =>
  (await readdir(dir)).filter((f) => !['state.db', 'state.db-wal', 'state.db-shm', 'state.db-lock'].includes(f));

beforeEach(() => {
  dir = tempDir('ollm-memory-');
});
afterEach(() => vi.restoreAllMocks());

describe('memory store', () => {
  it('creates, then updates the same key however it is written, keeping createdAt', async () => {
    const s = store();
    expect(s.path).toBe(join(dir, 'state.db'));
    const first = await s.remember('Preferred Language', 'TypeScript', { category: 'preference', source: 'llm' });
    expect(first.action).toBe('created');
    expect(first.entry).toMatchObject({
      key: 'Preferred Language',
      value: 'TypeScript',
      category: 'preference',
      source: 'llm',
      accessCount: 0,
    });
    await new Promise((r) => setTimeout(r, 5));
    const second = await s.remember('  preferred   language ', 'Rust', { source: 'user' });
    expect(second.action).toBe('updated');
    expect(second.entry).toMatchObject({
      key: 'preferred language',
      value: 'Rust',
      category: 'preference',
      source: 'user',
      createdAt: first.entry.createdAt,
    });
    expect(second.entry.updatedAt > first.entry.createdAt).toBe(true);
    expect(rows()).toEqual([
      {
        norm_key: 'preferred language',
        key: 'preferred language',
        value: 'Rust',
        category: 'preference',
        source: 'user',
        created_at: first.entry.createdAt,
        updated_at: second.entry.updatedAt,
        access_count: 0,
      },
    ]);
  });

  it(
    'keeps entries across instances (a later session), committed before remember resolves, ' +
      'leaving only the database',
    async () => {
      await store().remember('editor', 'Neovim');
      expect(rows().map((r) => r.key)).toEqual(['editor']); // already readable by another connection
      await store().remember('shell', 'fish');
      const later = store();
      expect((await later.list()).map((e) => e.key)).toEqual(['shell', 'editor']);
      expect(await later.recall('EDITOR')).toMatchObject({ value: 'Neovim' });
      // no temporary or JSON file; the one lock file is the store's gate (storage/gate.ts)
      expect(await otherFiles()).toEqual([]);
    },
  );

  it('counts recalls, searches and prompt uses, and writes the counts a moment later', async () => {
    const s = store();
    await s.remember('editor', 'Neovim');
    await s.recall('editor');
    expect((await s.search('editor'))[0]).toMatchObject({ key: 'editor', accessCount: 2 });
    expect(await s.factsFor('which editor?', 100)).toContain('- editor: Neovim');
    expect(rows()[0]!.access_count).toBe(0); // counted in memory, not written yet
    expect((await s.recall('editor'))!.accessCount).toBe(4);
    await s.flush();
    expect(rows()[0]!.access_count).toBe(4);
    await s.recall('editor');
    await vi.waitFor(() => expect(rows()[0]!.access_count).toBe(5)); // the last recall's count, by the timer
    expect((await store().list())[0]!.accessCount).toBe(5); // a later session reads the written count
  });

  it('searches by relevance, filtered by category', async () => {
    const s = store({ maxEntries: 10, maxValueChars: 100 });
    await s.remember('test runner', 'vitest for TypeScript projects', { category: 'preference' });
    await s.remember('language', 'TypeScript', { category: 'fact' });
    await s.remember('pet', 'cat');
    expect((await s.search('typescript')).map((e) => e.key)).toEqual(['language', 'test runner']);
    expect((await s.search('typescript', { category: 'preference' })).map((e) => e.key)).toEqual(['test runner']);
    expect(await s.search('typescript', { limit: 1 })).toHaveLength(1);
    expect(await s.search('zebra')).toEqual([]);
  });

  it('forgets one entry, and clear keeps a JSON backup of what it removed', async () => {
    const s = store();
    await s.remember('a', '1');
    await s.remember('b', '2');
    expect(await s.forget('A')).toMatchObject({ key: 'a' });
    expect(await s.forget('a')).toBeUndefined();
    expect((await s.list()).map((e) => e.key)).toEqual(['b']);
    const cleared = await s.clear();
    expect(cleared.removed).toBe(1);
    expect(cleared.backup).toMatch(
      new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/memory-cleared-[\\dT-]+Z\\.json$`),
    );
    expect(await s.list()).toEqual([]);
    expect(rows()).toEqual([]);
    const backup = JSON.parse(await readFile(cleared.backup!, 'utf8')) as {
      entries: Array<{ key: string; value: string }>;
    };
    expect(backup.entries).toEqual([expect.objectContaining({ key: 'b', value: '2' })]);
    expect(await s.clear()).toEqual({ removed: 0 });
    // the backup is an export: importing it brings the entry back
    expect(await s.importAll(backup)).toEqual({ added: 1, updated: 0, unchanged: 0, rejected: 0, tooLong: 0 });
    expect(rows().map((r) => r.key)).toEqual(['b']);
  });

  it('clear refuses, forgetting nothing, when the backup cannot be written', async () => {
    const s = store();
    await s.remember('a', '1');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-03-04T05:06:07.089Z'));
      // the backup's name is taken
      await writeFile(join(dir, 'memory-cleared-2026-03-04T05-06-07-089Z.json'), 'in the way');
      await expect(s.clear()).rejects.toThrow(/Nothing was forgotten\./);
    } finally {
      vi.useRealTimers();
    }
    expect(rows().map((r) => r.key)).toEqual(['a']);
    expect(await readFile(join(dir, 'memory-cleared-2026-03-04T05-06-07-089Z.json'), 'utf8')).toBe('in the way');
  });

  it('refuses bad input and full memory with messages that say what to do', async () => {
    const s = store();
    await expect(s.remember(' ', 'x')).rejects.toThrow(/key is empty/);
    await expect(s.remember('k'.repeat(201), 'x')).rejects.toThrow(/at most 200/);
    await expect(s.remember('k', '  ')).rejects.toThrow(/empty: to remove a memory use forget/);
    await expect(s.remember('k', 'v'.repeat(41))).rejects.toThrow(
      /41 characters; the limit is 40 \(memory.maxValueChars\)/,
    );
    for (let i = 0; i < 5; i++) await s.remember(`k${i}`, 'v');
    const full = s.remember('one more', 'v');
    await expect(full).rejects.toBeInstanceOf(MemoryError);
    await expect(full).rejects.toThrow(/Memory is full: 5 entries/);
    await expect(s.remember('k0', 'updating is fine')).resolves.toMatchObject({ action: 'updated' });
    expect(rows()).toHaveLength(5);
  });

  it('two instances on one database see each other’s writes and lose none', async () => {
    const a = store({ maxEntries: 500, maxValueChars: 40 });
    const b = store({ maxEntries: 500, maxValueChars: 40 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).remember(`key ${i}`, `value ${i}`)));
    expect(await a.count()).toBe(40);
    expect(await b.count()).toBe(40);
    await b.forget('key 3');
    expect(await a.recall('key 3')).toBeUndefined();
    expect(rows()).toHaveLength(39);
  });

  it(
    "keeps its entries across this process's commits of other records (a call's metrics), and " +
      'reads them again after its own change',
    async () => {
      const s = store();
      await s.remember('editor', 'Neovim');
      const db = await stateDb(dir);
      expect(await s.count()).toBe(1);
      const all = vi.spyOn(
        Object.getPrototypeOf(db.prepare('SELECT 1')) as { all(...args: unknown[]): unknown[] },
        'all',
      );
      // another record committed through the same connection, as every call's metrics are
      await queueWrite(db, () =>
        db
          .prepare(
            "INSERT INTO documents (name, json) VALUES ('other', '{}') ON CONFLICT (name) DO UPDATE SET " +
              'json = excluded.json',
          )
          .run(),
      );
      expect(await s.factsFor('which editor?', 500)).toContain('Neovim');
      expect(all).not.toHaveBeenCalled(); // the entries kept were used, not read again
      // the other side: a change of the memory itself is seen, by every store of this home
      await store().remember('shell', 'fish');
      expect((await s.list()).map((e) => e.key).sort()).toEqual(['editor', 'shell']);
      expect(all).toHaveBeenCalled();
    },
  );

  it('a change made through another connection is seen at once', async () => {
    const s = store();
    await s.remember('editor', 'Neovim');
    expect(await s.count()).toBe(1); // read and kept
    const other = new Database(join(dir, 'state.db'));
    try {
      other.prepare("UPDATE memory SET value = 'Helix' WHERE norm_key = 'editor'").run();
      other
        .prepare(
          'INSERT INTO memory (norm_key, key, value, category, source, created_at, updated_at) VALUES ' +
            "('shell', 'shell', 'fish', 'fact', 'user', '2026-01-01T00:00:00.000Z', " +
            "'2026-01-01T00:00:00.000Z')",
        )
        .run();
    } finally {
      other.close();
    }
    expect(await s.recall('editor')).toMatchObject({ value: 'Helix' });
    expect((await s.list()).map((e) => e.key).sort()).toEqual(['editor', 'shell']);
  });
});

describe('export and import', () => {
  const entry = (key: string, value: string, updatedAt: string, accessCount = 0) => ({
    key,
    value,
    category: 'fact',
    source: 'user',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt,
    accessCount,
  });

  it('exports every entry as JSON, one per line, that imports into another home unchanged', async () => {
    const s = store();
    await s.remember('editor', 'Neovim', { category: 'preference' });
    await s.remember('shell', 'fish');
    await s.recall('editor');
    await s.flush();
    const text = await s.exportAll();
    expect(text.split('\n').filter((l) => l.startsWith('{"key"'))).toHaveLength(2);
    const exported = JSON.parse(text) as { entries: unknown[] };
    const from = dir;
    dir = tempDir('ollm-memory-');
    const other = store();
    expect(await other.importAll(exported)).toEqual({ added: 2, updated: 0, unchanged: 0, rejected: 0, tooLong: 0 });
    expect(await other.list()).toEqual(await new MemoryStore(from, LIMITS).list());
  });

  it('merges: a newer imported entry wins, an older or equal one does not, bad ones are counted', async () => {
    const s = store({ maxEntries: 10, maxValueChars: 100 });
    expect(
      await s.importAll({
        entries: [entry('a', 'old a', '2026-01-02T00:00:00.000Z', 3), entry('b', 'kept b', '2026-01-05T00:00:00.000Z')],
      }),
    ).toMatchObject({ added: 2 });
    const counts = await s.importAll({
      entries: [
        entry('A', 'new a', '2026-01-03T00:00:00.000Z', 1),
        entry('b', 'older b', '2026-01-04T00:00:00.000Z'),
        entry('c', 'c', '2026-01-01T00:00:00.000Z'),
        { key: 'no value' },
      ],
    });
    expect(counts).toEqual({ added: 1, updated: 1, unchanged: 1, rejected: 1, tooLong: 0 });
    expect(Object.fromEntries(rows().map((r) => [r.norm_key, [r.value, r.access_count]]))).toEqual({
      a: ['new a', 3],
      b: ['kept b', 0],
      c: ['c', 0],
    });
  });

  it('is all or nothing against memory.maxEntries, and refuses what is not an export', async () => {
    const s = store({ maxEntries: 3, maxValueChars: 100 });
    await s.remember('mine', 'v');
    const four = ['w', 'x', 'y', 'z'].map((k) => entry(k, 'v', '2026-01-01T00:00:00.000Z'));
    await expect(s.importAll({ entries: four })).rejects.toThrow(
      /Importing would make 5 entries; the limit is 3 \(memory.maxEntries\)\. Nothing was imported/,
    );
    expect(rows().map((r) => r.key)).toEqual(['mine']);
    expect((await s.list()).map((e) => e.key)).toEqual(['mine']);
    await expect(s.importAll([1, 2, 3])).rejects.toThrow(/This is not a memory export/);
    expect(await s.importAll({ entries: four.slice(0, 2) })).toMatchObject({ added: 2 });
    expect(rows()).toHaveLength(3);
  });

  it('leaves out a value longer than memory.maxValueChars, as remember would refuse it, and counts it', async () => {
    const s = store({ maxEntries: 10, maxValueChars: 5 });
    const counts = await s.importAll({
      entries: [
        entry('short', '12345', '2026-01-01T00:00:00.000Z'),
        entry('long', '123456', '2026-01-01T00:00:00.000Z'),
      ],
    });
    expect(counts).toEqual({ added: 1, updated: 0, unchanged: 0, rejected: 0, tooLong: 1 });
    expect(rows().map((r) => r.key)).toEqual(['short']);
  });
});

describe('a memory.json of an earlier version', () => {
  it(
    'a file that is not a memory file at all: nothing is imported, every byte is kept in the ' +
      'backup, and it says so once',
    async () => {
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const legacy = join(dir, 'memory.json');
      await writeFile(legacy, '[1, 2, 3]');
      const s = store(LIMITS, legacy);
      expect(await s.list()).toEqual([]);
      expect(await readFile(`${legacy}.imported-backup`, 'utf8')).toBe('[1, 2, 3]');
      expect(s.setAside).toBe(`${legacy}.imported-backup`);
      expect(s.takeNotice()).toMatch(
        /memory\.json was imported into .*state\.db with 0 entries; 1 unreadable part is kept in .*memory\.json\.imported-backup — nothing was deleted/,
      );
      expect(s.takeNotice()).toBeUndefined();
      await s.remember('fresh', 'start');
      expect(rows().map((r) => r.key)).toEqual(['fresh']);
    },
  );

  it('an entry without a value is set aside alone; missing optional fields are filled in', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const legacy = join(dir, 'memory.json');
    await writeFile(
      legacy,
      JSON.stringify({
        entries: [{ key: 'k' }, { key: 'good', value: 'v' }, { key: 'hand written', value: 'v', category: 'nonsense' }],
      }),
    );
    const s = store(LIMITS, legacy);
    expect(await s.recall('hand written')).toEqual({
      key: 'hand written',
      value: 'v',
      category: 'fact',
      source: 'user',
      createdAt: new Date(0).toISOString(),
      updatedAt: new Date(0).toISOString(),
      accessCount: 1,
    });
    expect(rows().map((r) => r.key)).toEqual(['good', 'hand written']);
    expect(s.takeNotice()).toMatch(/with 2 entries; 1 unreadable part is kept in/);
    expect(JSON.parse(await readFile(`${legacy}.imported-backup`, 'utf8')).entries[0]).toEqual({ key: 'k' });
  });

  it('a whole file is imported without a notice, its order, counts and times kept', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const legacy = join(dir, 'memory.json');
    const entries = [
      {
        key: 'Zed',
        value: 'an editor',
        category: 'preference',
        source: 'llm',
        createdAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-02-01T00:00:00.000Z',
        accessCount: 7,
      },
      {
        key: 'alpha',
        value: 'first letter',
        category: 'context',
        source: 'user',
        createdAt: '2025-03-01T00:00:00.000Z',
        updatedAt: '2025-03-01T00:00:00.000Z',
        accessCount: 0,
      },
    ];
    await writeFile(legacy, JSON.stringify({ version: 1, entries }));
    const s = store(LIMITS, legacy);
    expect(await s.recall('zed')).toEqual({ ...entries[0], accessCount: 8 });
    expect(rows().map((r) => r.key)).toEqual(['Zed', 'alpha']);
    expect(s.takeNotice()).toBeUndefined();
    expect(s.setAside).toBeUndefined();
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
      /memory: imported 2 entries from .*memory\.json into the state database; the file is kept as .*memory\.json\.imported-backup/,
    );
  });
});
