// The state database ($OLLM_HOME/state.db, src/orchestrator/storage/db.ts): opened and migrated by
// several processes at once, refused when something else is in its place, the shared document and
// the summed table across instances and processes, and the one-time import of an earlier version's
// JSON files (storage/legacy-import.ts).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { chmod, mkdir, open, readFile, readlink, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'libsql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Comparisons } from '../../src/orchestrator/stores/comparisons.js';
import { MetricsStore } from '../../src/orchestrator/stores/metrics.js';
import { Preferences } from '../../src/orchestrator/stores/preferences.js';
import { MemoryError } from '../../src/orchestrator/memory/memory-db.js';
import { MemoryStore } from '../../src/orchestrator/memory/memory-store.js';
import { SavingsStore } from '../../src/orchestrator/stores/savings-store.js';
import { closeStateDbs, stateDb, StorageError } from '../../src/orchestrator/storage/db.js';
import { MAX_LEGACY_BYTES } from '../../src/orchestrator/storage/legacy-import.js';
import { MIGRATIONS } from '../../src/orchestrator/storage/migrations.js';
import { SharedDocument } from '../../src/orchestrator/storage/shared-doc.js';
import { SummedTable } from '../../src/orchestrator/storage/summed-table.js';
import { tempDir } from '../helpers/temp.js';

afterEach(() => vi.restoreAllMocks());

const src = (path: string) => JSON.stringify(resolve(import.meta.dirname, '../../src/orchestrator', path));
const LIMITS = { maxEntries: 1000, maxValueChars: 1000 };

/** Runs a module script in a child process with tsx; resolves with its stdout. */
async function child(
  script: string,
  options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: resolve(import.meta.dirname, '../..'), ...options },
  );
  return stdout;
}

/** Reads a home's database through a connection of its own, as another process would. */
function query<T>(home: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(home, 'state.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const logged = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map((c) => String(c[0])).join('');
const quiet = () => vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

/** A list kept as one shared document (what preferences and comparisons are built on). */
const listDoc = (home: string) =>
  new SharedDocument<string[]>(home, {
    name: 'test-list',
    parse: (raw) =>
      Array.isArray(raw)
        ? {
            value: raw.filter((v): v is string => typeof v === 'string'),
            rejected: raw.filter((v) => typeof v !== 'string'),
          }
        : null,
    empty: () => [],
    serialise: (v) => v,
    count: (v) => v.length,
  });

/** Counts by key, summed across processes (what metrics and the savings ledger are built on). */
class Counter extends SummedTable<{ n: number }> {
  constructor(home: string, options: { flushDelayMs?: number } = {}) {
    const isCount = (v: unknown): v is { n: number } =>
      typeof v === 'object' && v !== null && typeof (v as { n?: unknown }).n === 'number';
    super(
      home,
      'test-counter',
      {
        parseRow: (v) => (isCount(v) ? { n: v.n } : null),
        serialiseRow: (r) => r,
        parseFile: () => null,
        zero: () => ({ n: 0 }),
        add: (a, b) => ((a.n += b.n), a),
      },
      options,
    );
  }
  add(key: string, n = 1): void {
    this.addDelta(key, { n });
  }
  get(key: string): number {
    return this.row(key)?.n ?? 0;
  }
  all(): Record<string, number> {
    return Object.fromEntries([...this.rows()].map(([k, v]) => [k, v.n]));
  }
  reset(): Promise<void> {
    return this.forgetAll();
  }
}
/** The same class in a child's script. */
const COUNTER = `
  import { SummedTable } from ${src('storage/summed-table.ts')};
  class Counter extends SummedTable {
    constructor(home) { super(home, 'test-counter', { parseRow: (v) => (v && typeof v.n === 'number' ? { n: v.n } : null), serialiseRow: (r) => r, parseFile: () => null, zero: () => ({ n: 0 }), add: (a, b) => ((a.n += b.n), a) }, { flushDelayMs: 1 }); }
    add(key, n = 1) { this.addDelta(key, { n }); }
  }`;

describe('opening the database', () => {
  it('two processes opening and migrating a new database at once make one schema, in WAL mode', async () => {
    for (let round = 0; round < 2; round++) {
      const home = tempDir('ollm-state-');
      const open = `import { stateDb } from ${src('storage/db.ts')};
        const db = await stateDb(${JSON.stringify(home)});
        console.log(db.prepare('PRAGMA user_version').get().user_version);`;
      const versions = await Promise.all([child(open), child(open)]);
      expect(versions.map((v) => Number(v.trim()))).toEqual([MIGRATIONS.length, MIGRATIONS.length]);
      const tables = query<{ name: string }>(
        home,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      ).map((t) => t.name);
      expect(tables).toEqual([
        'answers',
        'documents',
        'imports',
        'jobs',
        'memory',
        'records',
        'sqlite_sequence',
        'sums',
      ]);
      expect(query<{ user_version: number }>(home, 'PRAGMA user_version')[0]!.user_version).toBe(MIGRATIONS.length);
      expect(query<{ journal_mode: string }>(home, 'PRAGMA journal_mode')[0]!.journal_mode).toBe('wal');
    }
  }, 60_000);

  it(
    'five processes making a brand-new state.db at once, each writing 40 rows: state.db is only ' +
      'ever a whole store, every acknowledged row is in it, and nothing is set aside',
    async () => {
      for (let round = 0; round < 3; round++) {
        const home = tempDir('ollm-state-');
        // every child waits for one moment, after its start-up, so their opens meet
        const at = Date.now() + 4_000;
        const writer = `import { stateDb, write } from ${src('storage/db.ts')};
        await new Promise((r) => setTimeout(r, ${at} - Date.now()));
        const db = await stateDb(${JSON.stringify(home)});
        let n = 0;
        for (let i = 0; i < 40; i++) { await write(db, () => db.prepare("INSERT INTO documents (name, json) VALUES (?, '1')").run(process.pid + '-' + i)); n++; }
        console.log(n);`;
        // meanwhile state.db, whenever it is there, is a whole store: a SQLite header and every migration in it
        const seen = new Set<string>();
        let watching = true;
        const watch = (async () => {
          const head = Buffer.alloc(100);
          while (watching) {
            const h = await open(join(home, 'state.db'), 'r').catch(() => undefined);
            if (h) {
              const { bytesRead } = await h.read(head, 0, 100, 0);
              await h.close();
              seen.add(
                bytesRead < 100
                  ? `${bytesRead} bytes`
                  : head.toString('latin1', 0, 16) !== 'SQLite format 3\0'
                    ? 'not a SQLite header'
                    : `user_version ${head.readUInt32BE(60)}`,
              );
            }
            await new Promise((r) => setTimeout(r, 1));
          }
        })();
        const acked = (await Promise.all(Array.from({ length: 5 }, () => child(writer)))).map((out) =>
          Number(out.trim().split('\n').at(-1)),
        );
        watching = false;
        await watch;
        expect([...seen]).toEqual([`user_version ${MIGRATIONS.length}`]);
        expect(acked).toEqual([40, 40, 40, 40, 40]);
        expect(query<{ n: number }>(home, 'SELECT count(*) AS n FROM documents')[0]!.n).toBe(200);
        expect(readdirSync(home).filter((f) => f.includes('.damaged') || f.includes('.new-'))).toEqual([]);
      }
    },
    120_000,
  );

  it(
    'a damaged state.db another process has open is not set aside (the message says what to ' +
      'do); once that process is gone, it is set aside and a new store is used',
    async () => {
      const home = tempDir('ollm-state-');
      const file = join(home, 'state.db');
      // a server with the store open, everything folded into state.db
      const holder = execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { stateDb } from ${src('storage/db.ts')};
      const db = await stateDb(${JSON.stringify(home)});
      db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
      console.log('held'); setTimeout(() => {}, 60_000);`,
        ],
        { cwd: resolve(import.meta.dirname, '../..') },
      );
      try {
        await new Promise<void>((ok) => holder.stdout!.on('data', (d: Buffer) => String(d).includes('held') && ok()));
        const bytes = await readFile(file);
        bytes.fill(0xaa, 4096); // page 2 on: garbage where the tables were
        await writeFile(file, bytes);
        const refused = await child(`import { stateDb } from ${src('storage/db.ts')};
        try { await stateDb(${JSON.stringify(home)}); console.log('opened'); } catch (e) { console.log(e.name + ': ' + e.message); }`);
        expect(refused).toMatch(
          /StorageError: .*state\.db could not be opened: SQLite reports it damaged \(.*\), but another process has it open, so nothing was set aside\. Stop the other ollm-mcp servers using .* and try again\./,
        );
        expect(readdirSync(home).filter((f) => f.includes('.damaged'))).toEqual([]);
      } finally {
        holder.kill('SIGKILL');
        await new Promise((r) => holder.once('exit', r));
      }
      const alone = await child(`import { stateDb } from ${src('storage/db.ts')};
      const db = await stateDb(${JSON.stringify(home)});
      console.log(db.prepare('SELECT count(*) AS n FROM memory').get().n);`);
      expect(alone.trim().split('\n').at(-1)).toBe('0');
      // the database itself, with what SQLite had made beside it
      expect(readdirSync(home).filter((f) => /^state\.db\.\d{4}-\d\d-\d\dT[\d-]+Z\.damaged$/.test(f))).toHaveLength(1);
    },
    60_000,
  );

  it('a database of an earlier schema version is migrated forward, its data kept', async () => {
    const home = tempDir('ollm-state-');
    const old = new Database(join(home, 'state.db'));
    old.exec(MIGRATIONS[0]!);
    old.exec('PRAGMA user_version = 1');
    old
      .prepare(
        'INSERT INTO memory (norm_key, key, value, category, source, created_at, updated_at) VALUES ' +
          "('editor', 'editor', 'vim', 'fact', 'user', 'x', 'x')",
      )
      .run();
    old.close();
    const db = await stateDb(home);
    expect((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'answers'").get()).toBeDefined();
    expect((db.prepare('SELECT value FROM memory').get() as { value: string }).value).toBe('vim');
  });

  it('one connection per database in a process, opened again after closeStateDbs', async () => {
    const home = tempDir('ollm-state-');
    const [a, b] = await Promise.all([stateDb(home), stateDb(home)]);
    expect(a).toBe(b);
    expect(await stateDb(tempDir('ollm-state-'))).not.toBe(a);
    await closeStateDbs();
    expect(a.open).toBe(false);
    const c = await stateDb(home);
    expect(c).not.toBe(a);
    expect(c.open).toBe(true);
  });

  describe('something else in its place is refused, saying what it is and what to do, without hanging', () => {
    const refusal = async (home: string, what: RegExp, place = 'state.db') => {
      const err = await stateDb(home).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toMatch(
        new RegExp(
          `${join(home, place).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is ${what.source}; ollm-mcp ` +
            `keeps its state only in a regular file there\\. Move it away \\(or remove it\\) and try again\\.`,
        ),
      );
      // the memory tools say the same
      const memory = await new MemoryStore(home, LIMITS).remember('k', 'v').catch((e: unknown) => e);
      expect(memory).toBeInstanceOf(MemoryError);
      expect((memory as Error).message).toMatch(what);
    };

    it('a FIFO', async () => {
      const home = tempDir('ollm-state-');
      execFileSync('mkfifo', [join(home, 'state.db')]);
      await refusal(home, /a named pipe \(FIFO\)/);
      expect(lstatSync(join(home, 'state.db')).isFIFO()).toBe(true); // left as it is
    });

    it('a FIFO in the place of its write-ahead log', async () => {
      const home = tempDir('ollm-state-');
      execFileSync('mkfifo', [join(home, 'state.db-wal')]);
      await refusal(home, /a named pipe \(FIFO\)/, 'state.db-wal');
    });

    it('a FIFO in the place of its lock file (state.db-lock)', async () => {
      const home = tempDir('ollm-state-');
      execFileSync('mkfifo', [join(home, 'state.db-lock')]);
      await refusal(home, /a named pipe \(FIFO\)/, 'state.db-lock');
    });

    it('a lock file that is not one (text in it): named, with what to do; removed, the next use opens the database', async () => {
      const home = tempDir('ollm-state-');
      await writeFile(join(home, 'state.db-lock'), 'x'.repeat(200));
      const err = await stateDb(home).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toBe(
        `${join(home, 'state.db-lock')} is not ollm-mcp's lock file (it says which processes have ` +
          `the state database open, and holds nothing else). Remove it while no ollm-mcp runs on this ` +
          `folder, and try again.`,
      );
      await rm(join(home, 'state.db-lock'));
      await expect(new MemoryStore(home, LIMITS).remember('k', 'v')).resolves.toMatchObject({ action: 'created' });
    });

    it('a symbolic link, whose target is left untouched', async () => {
      const home = tempDir('ollm-state-');
      const target = join(tempDir('ollm-state-elsewhere-'), 'precious.txt');
      await writeFile(target, 'not a database');
      await symlink(target, join(home, 'state.db'));
      await refusal(home, /a symbolic link/);
      expect(await readFile(target, 'utf8')).toBe('not a database');
      expect(await readlink(join(home, 'state.db'))).toBe(target);
    });

    it('a folder; once it is moved away the next use opens the database', async () => {
      const home = tempDir('ollm-state-');
      await mkdir(join(home, 'state.db'));
      await refusal(home, /a folder/);
      execFileSync('mv', [join(home, 'state.db'), join(home, 'moved-away')]);
      const s = new MemoryStore(home, LIMITS);
      await expect(s.remember('k', 'v')).resolves.toMatchObject({ action: 'created' });
      expect(query<{ key: string }>(home, 'SELECT key FROM memory')).toEqual([{ key: 'k' }]);
    });
  });

  it('a home that cannot be written: a MemoryError saying it is the disk or a permission, never a bug', async (ctx) => {
    // root writes into a 0555 folder anyway: the check then runs as an unprivileged user (nobody),
    // in a folder that user can reach (the test run's own temporary folder is private to root)
    const root = process.getuid?.() === 0;
    const asUser = root ? { uid: 65534, gid: 65534 } : {};
    const parent = root
      ? mkdtempSync(
          join(process.env.OLLM_TEST_TMPDIR ? dirname(process.env.OLLM_TEST_TMPDIR) : tmpdir(), 'ollm-state-ro-'),
        )
      : tempDir('ollm-state-ro-');
    const fresh = join(parent, 'fresh');
    const existing = join(parent, 'existing');
    const childTmp = join(parent, 'tmp');
    try {
      await chmod(parent, 0o755);
      await mkdir(childTmp, { mode: 0o777 });
      await chmod(childTmp, 0o777);
      await mkdir(fresh);
      await new MemoryStore(existing, LIMITS).remember('kept', 'v');
      await closeStateDbs(); // the WAL files are folded in and removed
      await chmod(join(existing, 'state.db'), 0o444);
      for (const home of [fresh, existing]) await chmod(home, 0o555);
      const script = (home: string) => `
        import { writeFileSync, unlinkSync } from 'node:fs';
        import { MemoryStore } from ${src('memory/memory-store.ts')};
        try { writeFileSync(${JSON.stringify(join(home, 'probe'))}, 'x'); unlinkSync(${JSON.stringify(join(home, 'probe'))}); console.log(JSON.stringify({ writable: true })); process.exit(0); } catch {}
        const s = new MemoryStore(${JSON.stringify(home)}, { maxEntries: 10, maxValueChars: 100 });
        const out = {};
        for (const [name, op] of [['remember', () => s.remember('k', 'v')], ['list', () => s.list()]]) {
          try { await op(); out[name] = { ok: true }; } catch (e) { out[name] = { name: e.name, message: e.message }; }
        }
        console.log(JSON.stringify(out));`;
      type Outcome = { ok?: boolean; name?: string; message?: string };
      const results = new Map<string, Record<'remember' | 'list', Outcome>>();
      for (const home of [fresh, existing]) {
        let out: string;
        try {
          out = await child(script(home), { ...asUser, env: { ...process.env, TMPDIR: childTmp } });
        } catch (e) {
          ctx.skip(`cannot run the check as an unprivileged user here (${(e as Error).message.split('\n')[0]})`);
          return;
        }
        const r = JSON.parse(out.trim().split('\n').at(-1)!) as { writable?: boolean } & Record<
          'remember' | 'list',
          Outcome
        >;
        if (r.writable)
          ctx.skip(
            `${home} is still writable after chmod 0555 (permissions do not stop this user), so a ` +
              `read-only home cannot be tested here`,
          );
        results.set(home, r);
      }
      expect(results.get(fresh)!.remember).toMatchObject({
        name: 'MemoryError',
        message: expect.stringContaining(join(fresh, 'state.db')),
      });
      // nothing to read: it cannot even be made
      expect(results.get(fresh)!.list).toMatchObject({ name: 'MemoryError' });
      expect(results.get(existing)!.remember).toMatchObject({
        name: 'MemoryError',
        message: expect.stringContaining(join(existing, 'state.db')),
      });
      for (const r of results.values()) {
        for (const op of ['remember', 'list'] as const) {
          if (r[op].ok) continue; // reading a read-only database may well work
          expect(r[op].name).toBe('MemoryError');
          expect(r[op].message).toMatch(
            /read-only disk or folder|No permission to use|cannot be opened \(SQLITE_CANTOPEN\) — check that its folder exists and is writable/,
          );
          expect(r[op].message).not.toMatch(/bug/i);
        }
      }
    } finally {
      for (const home of [fresh, existing]) await chmod(home, 0o755).catch(() => undefined);
      if (root) await rm(parent, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a shared document', () => {
  it('two instances: each sees the other’s changes, and concurrent changes are all kept', async () => {
    const home = tempDir('ollm-state-');
    const a = listDoc(home);
    const b = listDoc(home);
    expect(await a.snapshot()).toEqual([]);
    await a.update((l) => [...l, 'first']);
    expect(await b.snapshot()).toEqual(['first']);
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).update((l) => [...l, `item ${i}`])));
    expect(new Set(await a.snapshot()).size).toBe(31);
    expect(await b.snapshot()).toEqual(await a.snapshot());
    expect(
      JSON.parse(query<{ json: string }>(home, "SELECT json FROM documents WHERE name = 'test-list'")[0]!.json),
    ).toHaveLength(31);
  });

  it('a stored value that is not valid reads as empty, with a warning, and the next change starts from empty', async () => {
    const stderr = quiet();
    const home = tempDir('ollm-state-');
    const doc = listDoc(home);
    await doc.update(() => ['x']);
    const db = new Database(join(home, 'state.db'));
    db.prepare("UPDATE documents SET json = '{not json' WHERE name = 'test-list'").run();
    db.close();
    expect(await doc.snapshot()).toEqual([]);
    expect(logged(stderr)).toMatch(/warn: test-list: the stored value is not valid; starting empty\./);
    expect(await doc.update((l) => [...l, 'y'])).toEqual(['y']);
  });
});

describe('a summed table', () => {
  it('two instances flushing at once lose nothing, and each sees the other’s sums after a load', async () => {
    const home = tempDir('ollm-state-');
    const a = new Counter(home, { flushDelayMs: 1 });
    const b = new Counter(home, { flushDelayMs: 1 });
    for (let r = 0; r < 10; r++) {
      for (let i = 0; i < 10; i++) {
        a.add('k');
        b.add(i % 2 ? 'k' : 'other');
      }
      await Promise.all([a.flush(), b.flush()]);
    }
    await Promise.all([a.close(), b.close()]);
    await a.load();
    await b.load();
    expect([a.get('k'), a.get('other')]).toEqual([150, 50]);
    expect([b.get('k'), b.get('other')]).toEqual([150, 50]);
    expect(
      query<{ key: string; json: string }>(
        home,
        "SELECT key, json FROM sums WHERE store = 'test-counter' ORDER BY key",
      ),
    ).toEqual([
      { key: 'k', json: '{"n":150}' },
      { key: 'other', json: '{"n":50}' },
    ]);
  });

  it(
    'its rows as this process sees them (kept between changes) follow each change: a record, a ' +
      'load, a flush that reads the others’ rows, a reset',
    async () => {
      const home = tempDir('ollm-state-');
      const a = new Counter(home, { flushDelayMs: 1 });
      const b = new Counter(home, { flushDelayMs: 1 });
      a.add('k');
      expect(a.all()).toEqual({ k: 1 });
      a.add('k', 2);
      expect(a.all()).toEqual({ k: 3 });
      b.add('j', 5);
      await b.flush();
      await a.load();
      expect(a.all()).toEqual({ k: 3, j: 5 });
      const c = new Counter(home, { flushDelayMs: 1 }); // nothing of its own to flush: only a load reads the others' rows
      await c.load();
      expect(c.all().j).toBe(5);
      b.add('j', 2);
      await b.flush();
      await c.load();
      expect(c.all().j).toBe(7);
      b.add('j', 1);
      await b.flush();
      a.add('k');
      await a.flush(); // its commit reads every row back, the other's new sum too
      expect(a.all()).toEqual({ k: 4, j: 8 });
      await a.reset();
      expect(a.all()).toEqual({});
      await Promise.all([a.close(), b.close(), c.close()]);
    },
  );
});

describe('across two child processes', () => {
  it('a shared document and a summed table: every change of both is kept, and each read sees the other’s', async () => {
    const home = tempDir('ollm-state-');
    await listDoc(home).update(() => ['from the parent']);
    const script = (who: string) => `
      import { SharedDocument } from ${src('storage/shared-doc.ts')};
      ${COUNTER}
      const doc = new SharedDocument(${JSON.stringify(home)}, { name: 'test-list', parse: (raw) => (Array.isArray(raw) ? { value: raw, rejected: [] } : null), empty: () => [], serialise: (v) => v, count: (v) => v.length });
      const first = await doc.snapshot();
      const counter = new Counter(${JSON.stringify(home)});
      for (let i = 0; i < 40; i++) {
        await doc.update((l) => [...l, ${JSON.stringify(who)} + ' ' + i]);
        counter.add('calls');
        counter.add(${JSON.stringify(who)}, 2);
        if (i % 10 === 9) await counter.flush();
      }
      await counter.close();
      console.log(JSON.stringify({ first }));`;
    const outs = await Promise.all([child(script('a')), child(script('b'))]);
    for (const out of outs)
      expect(JSON.parse(out)).toMatchObject({ first: expect.arrayContaining(['from the parent']) });
    const doc = await listDoc(home).snapshot();
    expect(doc).toHaveLength(81);
    for (const who of ['a', 'b'])
      // each process's in its order
      expect(doc.filter((e) => e.startsWith(`${who} `))).toEqual(Array.from({ length: 40 }, (_, i) => `${who} ${i}`));
    const counter = new Counter(home);
    await counter.load();
    expect([counter.get('calls'), counter.get('a'), counter.get('b')]).toEqual([80, 80, 80]);
  }, 60_000);
});

describe('the JSON files of an earlier version', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const memoryEntry = (i: number) => ({
    key: `fact ${i}`,
    value: `value ${i}`,
    category: 'fact',
    source: 'user',
    createdAt: at,
    updatedAt: at,
    accessCount: 0,
  });
  const hundred = () => Array.from({ length: 100 }, (_, i) => memoryEntry(i));
  const FILES = {
    'memory.json': JSON.stringify({ version: 1, entries: [memoryEntry(1), memoryEntry(2)] }, null, 2),
    'metrics.json': JSON.stringify({
      version: 1,
      models: { 'llama3.2:latest': { requests: 7, successes: 7, latencySumMs: 700, latencyCount: 7, lastUsed: at } },
    }),
    'preferences.json': JSON.stringify({
      version: 1,
      byProfile: { code: { model: 'qwen2.5-coder:7b', task: 'code', at } },
    }),
    'comparisons.json': JSON.stringify({
      version: 1,
      comparisons: [{ id: 'cmp-1', task: 'code', models: ['a:1b', 'b:2b'], at }],
    }),
    'savings.json': JSON.stringify({
      version: 1,
      days: { '2026-01-01': { 'phi3:mini': { code: { calls: 3, savedTokens: 900, savedMoney: 0.01 } } } },
    }),
  } as const;

  /** Every store of a process, as the orchestrator makes them on `home`. */
  async function openAll(home: string) {
    const memory = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
    const metrics = new MetricsStore(home, { legacyFile: join(home, 'metrics.json') });
    const savings = new SavingsStore(
      home,
      { inputPerMillion: 3, outputPerMillion: 15, currency: '$' },
      { legacyFile: join(home, 'savings.json') },
    );
    const preferences = new Preferences(home, { legacyFile: join(home, 'preferences.json') });
    const comparisons = new Comparisons();
    await Promise.all([metrics.load(), savings.load(), preferences.load()]);
    return {
      memory: (await memory.list()).map((e) => e.key).sort(),
      metrics: metrics.get('llama3.2:latest')?.requests,
      savings: savings.summary().total.calls,
      preferences: preferences.byProfile(),
      comparison: (await comparisons.get(home, 'cmp-1'))?.models,
      store: memory,
    };
  }

  it('each is imported once and kept, byte for byte, as <file>.imported-backup; the import is recorded', async () => {
    const stderr = quiet();
    const home = tempDir('ollm-state-');
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(home, name), text);
    const first = await openAll(home);
    expect(first).toMatchObject({
      memory: ['fact 1', 'fact 2'],
      metrics: 7,
      savings: 3,
      preferences: { code: 'qwen2.5-coder:7b' },
      comparison: ['a:1b', 'b:2b'],
    });
    expect(first.store.takeNotice()).toBeUndefined();
    for (const [name, text] of Object.entries(FILES)) {
      expect(existsSync(join(home, name))).toBe(false);
      expect(await readFile(join(home, `${name}.imported-backup`), 'utf8')).toBe(text);
    }
    const imports = query<{ file: string; kept: number; set_aside: number; backup: string }>(
      home,
      'SELECT file, kept, set_aside, backup FROM imports ORDER BY file',
    );
    expect(imports).toEqual(
      ['comparisons.json', 'memory.json', 'metrics.json', 'preferences.json', 'savings.json'].map((name) => ({
        file: join(home, name),
        kept: name === 'memory.json' ? 2 : 1,
        set_aside: 0,
        backup: join(home, `${name}.imported-backup`),
      })),
    );
    expect(logged(stderr)).toMatch(
      /memory: imported 2 entries from .*memory\.json into the state database; the file is kept as .*memory\.json\.imported-backup/,
    );
    // a later process (another instance of each store) imports nothing again: nothing is counted twice
    const later = await openAll(home);
    expect(later).toMatchObject({ memory: ['fact 1', 'fact 2'], metrics: 7, savings: 3 });
  });

  it('a file of the same name that appears after the import is not read, is left as it is, and the log says why', async () => {
    const stderr = quiet();
    const home = tempDir('ollm-state-');
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(home, name), text);
    await openAll(home);
    // an earlier version still running on this home writes its files again
    const again = {
      'memory.json': JSON.stringify({ version: 1, entries: [memoryEntry(3)] }),
      'metrics.json': FILES['metrics.json'],
      'preferences.json': JSON.stringify({
        version: 1,
        byProfile: { code: { model: 'other:7b', task: 'code', at } },
      }),
      'comparisons.json': JSON.stringify({
        version: 1,
        comparisons: [{ id: 'cmp-2', task: 'code', models: ['c:1b'], at }],
      }),
      'savings.json': FILES['savings.json'],
    };
    for (const [name, text] of Object.entries(again)) await writeFile(join(home, name), text);
    stderr.mockClear();
    const later = await openAll(home);
    // the database stays the truth: the sums are not added twice, nothing is overwritten
    expect(later).toMatchObject({
      memory: ['fact 1', 'fact 2'],
      metrics: 7,
      savings: 3,
      preferences: { code: 'qwen2.5-coder:7b' },
    });
    expect(await new Comparisons().get(home, 'cmp-2')).toBeUndefined();
    for (const [name, text] of Object.entries(again)) {
      expect(await readFile(join(home, name), 'utf8')).toBe(text);
      expect(await readFile(join(home, `${name}.imported-backup`), 'utf8')).toBe(FILES[name as keyof typeof FILES]);
      expect(logged(stderr)).toContain(`${join(home, name)} is not read:`);
    }
    expect(logged(stderr)).toMatch(
      /warn: memory: .*memory\.json is not read: a file of that name was imported into the state database on \d{4}-\d\d-\d\dT[\d:.]+Z, which holds the memory now\. Move this one away/,
    );
    expect(query(home, 'SELECT file FROM imports')).toHaveLength(5);
  });

  it(
    'a memory.json first seen when the database already holds memory merges into it: the newer ' +
      'of each entry stays',
    async () => {
      const stderr = quiet();
      const home = tempDir('ollm-state-');
      // this version ran first (no file then) and remembered two facts
      const first = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
      await first.remember('editor', 'Helix');
      await first.remember('shell', 'fish');
      const { updatedAt: helixAt } = (await first.recall('editor'))!;
      // then an earlier version still running on the home wrote its file
      const older = new Date(Date.parse(helixAt) - 60_000).toISOString();
      const newer = new Date(Date.parse(helixAt) + 60_000).toISOString();
      await writeFile(
        join(home, 'memory.json'),
        JSON.stringify({
          version: 1,
          entries: [
            { key: 'Editor', value: 'Neovim', createdAt: older, updatedAt: older, accessCount: 9 },
            { key: 'shell', value: 'zsh', createdAt: older, updatedAt: newer },
            { key: 'pager', value: 'less', createdAt: older, updatedAt: older },
          ],
        }),
      );
      const later = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
      expect(Object.fromEntries((await later.list()).map((e) => [e.key, e.value]))).toEqual({
        editor: 'Helix',
        shell: 'zsh',
        pager: 'less',
      });
      expect(query<{ kept: number }>(home, 'SELECT kept FROM imports')).toEqual([{ kept: 2 }]);
      expect(logged(stderr)).toMatch(/memory: imported 2 entries from .*memory\.json/);
    },
  );

  describe('a damaged memory.json: what can be read is imported, the backup keeps every byte, and the store says so once', () => {
    it('cut off in the middle of an entry', async () => {
      const stderr = quiet();
      const home = tempDir('ollm-state-');
      const cut = '{"version":1,"entries":[\n{"key":"kept","value":"yes"},\n{"key":"a","val';
      await writeFile(join(home, 'memory.json'), cut);
      const s = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
      expect((await s.list()).map((e) => e.key)).toEqual(['kept']);
      expect(await readFile(join(home, 'memory.json.imported-backup'), 'utf8')).toBe(cut);
      expect(s.setAside).toBe(join(home, 'memory.json.imported-backup'));
      expect(s.takeNotice()).toMatch(
        /^Note: .*memory\.json was imported into .*state\.db with 1 entries; 2 unreadable parts are kept in .*memory\.json\.imported-backup — nothing was deleted\.$/,
      );
      expect(s.takeNotice()).toBeUndefined();
      expect(logged(stderr)).toMatch(/memory: imported 1 entries from .*\(2 unreadable, kept in the backup\)/);
      await s.remember('fresh', 'start');
      expect(query<{ key: string }>(home, 'SELECT key FROM memory ORDER BY rowid').map((r) => r.key)).toEqual([
        'kept',
        'fresh',
      ]);
    });

    it('one bad entry among 100 (an empty key) is left out alone; the 99 others are recalled', async () => {
      quiet();
      const home = tempDir('ollm-state-');
      const entries: unknown[] = hundred();
      entries[37] = { ...memoryEntry(37), key: '' };
      const text = JSON.stringify({ version: 1, entries });
      await writeFile(join(home, 'memory.json'), text);
      const s = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
      expect(await s.count()).toBe(99);
      for (let i = 0; i < 100; i++) if (i !== 37) expect((await s.recall(`fact ${i}`))?.value).toBe(`value ${i}`);
      expect(await readFile(join(home, 'memory.json.imported-backup'), 'utf8')).toBe(text);
      expect(s.takeNotice()).toMatch(
        /with 99 entries; 1 unreadable part is kept in .*memory\.json\.imported-backup — nothing was deleted/,
      );
    });

    it('text after the JSON: every entry is imported, and the backup keeps the text', async () => {
      quiet();
      const home = tempDir('ollm-state-');
      const text = `${JSON.stringify({ version: 1, entries: hundred() })}\n}]garbage from a crash`;
      await writeFile(join(home, 'memory.json'), text);
      const s = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
      expect(await s.count()).toBe(100);
      expect(await readFile(join(home, 'memory.json.imported-backup'), 'utf8')).toBe(text);
      expect(s.takeNotice()).toMatch(/with 100 entries; 1 unreadable part is kept in/);
    });

    it('a byte-order mark is read past: all 100 entries, and no notice', async () => {
      quiet();
      const home = tempDir('ollm-state-');
      await writeFile(
        join(home, 'memory.json'),
        `\uFEFF${JSON.stringify({ version: 1, entries: hundred() }, null, 2)}`,
      );
      const s = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
      for (let i = 0; i < 100; i++) expect((await s.recall(`fact ${i}`))?.value).toBe(`value ${i}`);
      expect(s.takeNotice()).toBeUndefined();
      expect(s.setAside).toBeUndefined();
    });
  });

  describe('what is not a regular file within the bound is not imported, and nothing waits on it', () => {
    it('a FIFO memory.json', async () => {
      const stderr = quiet();
      const home = tempDir('ollm-state-');
      execFileSync('mkfifo', [join(home, 'memory.json')]);
      const s = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
      await expect(s.remember('k', 'v')).resolves.toMatchObject({ action: 'created' });
      expect(lstatSync(join(home, 'memory.json')).isFIFO()).toBe(true);
      expect(existsSync(join(home, 'memory.json.imported-backup'))).toBe(false);
      // not recorded: a real file put there later is imported
      expect(query(home, 'SELECT file FROM imports')).toEqual([]);
      expect(logged(stderr)).toMatch(/warn: memory: .*memory\.json was not imported: it is not a regular file\./);
      expect(s.takeNotice()).toBeUndefined();
    });

    it('a symbolic link, whose target is neither read nor moved', async () => {
      const stderr = quiet();
      const home = tempDir('ollm-state-');
      const target = join(tempDir('ollm-state-elsewhere-'), 'memory.json');
      await writeFile(target, JSON.stringify({ entries: [memoryEntry(1)] }));
      await symlink(target, join(home, 'memory.json'));
      const s = new MemoryStore(home, LIMITS, { legacyFile: join(home, 'memory.json') });
      expect(await s.list()).toEqual([]);
      expect(existsSync(target)).toBe(true);
      expect(lstatSync(join(home, 'memory.json')).isSymbolicLink()).toBe(true);
      expect(logged(stderr)).toMatch(/warn: memory: .*memory\.json was not imported: it is a symbolic link/);
    });

    it('a file larger than the bound', async () => {
      const stderr = quiet();
      const home = tempDir('ollm-state-');
      await writeFile(join(home, 'metrics.json'), '{"models":{}}');
      await truncate(join(home, 'metrics.json'), MAX_LEGACY_BYTES + 1); // sparse: no disk used
      const s = new MetricsStore(home, { legacyFile: join(home, 'metrics.json') });
      await s.load();
      expect(s.all()).toEqual({});
      expect((await stat(join(home, 'metrics.json'))).size).toBe(MAX_LEGACY_BYTES + 1);
      expect(logged(stderr)).toMatch(
        new RegExp(
          `warn: metrics: .*metrics\\.json was not imported: ${MAX_LEGACY_BYTES + 1} bytes is more ` +
            `than ${MAX_LEGACY_BYTES}\\.`,
        ),
      );
    });
  });

  it('two processes starting at once on a home with a memory.json import it once', async () => {
    const home = tempDir('ollm-state-');
    await writeFile(join(home, 'memory.json'), JSON.stringify({ version: 1, entries: hundred() }));
    const script = `import { MemoryStore } from ${src('memory/memory-store.ts')};
      const s = new MemoryStore(${JSON.stringify(home)}, { maxEntries: 1000, maxValueChars: 100 }, { legacyFile: ${JSON.stringify(join(home, 'memory.json'))} });
      await s.remember('from ' + process.pid, 'v');
      console.log(await s.count());`;
    await Promise.all([child(script), child(script)]);
    expect(query<{ n: number }>(home, 'SELECT count(*) AS n FROM memory')[0]!.n).toBe(102);
    expect(query(home, 'SELECT file FROM imports')).toHaveLength(1);
    expect(existsSync(join(home, 'memory.json.imported-backup'))).toBe(true);
    expect(existsSync(join(home, 'memory.json'))).toBe(false);
  }, 60_000);
});
