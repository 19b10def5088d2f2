// What every answer changes, kept one row per key (storage/keyed-rows.ts, migration 6) — the speeds
// learned, one row per host and model, and routing's evidence: an answer
// changes its own place's row only, whatever the book holds; what other stores and processes wrote is
// taken up after this process's next record; places past MAX_PLACES, or a reset, are noticed; the
// documents an earlier version kept are taken over once.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PLACES, speedKey, type SpeedSample } from '../../src/orchestrator/generation/speed-learning.js';
import { closeStateDbs, stateDb } from '../../src/orchestrator/storage/db.js';
import { MIGRATIONS } from '../../src/orchestrator/storage/migrations.js';
import { SpeedStore } from '../../src/orchestrator/stores/speeds.js';
import { KeyedRows } from '../../src/orchestrator/storage/keyed-rows.js';
import { Outcomes } from '../../src/orchestrator/stores/outcomes.js';
import { evidenceKey } from '../../src/orchestrator/generation/learning-evidence.js';
import { tempDir } from '../helpers/temp.js';

/** 2,000 prompt tokens in 4 s (500/s), 100 tokens in 5 s (20/s). */
const sample: SpeedSample = { promptTokens: 2000, promptMs: 4000, outputTokens: 100, generationMs: 5000, cut: false };
const slower: SpeedSample = { ...sample, generationMs: 10_000 }; // 10 tokens/s

/** The stored rows: key, number. */
async function rows(home: string): Promise<Map<string, number>> {
  const db = await stateDb(home);
  const all = db.prepare("SELECT key, seq FROM records WHERE store = 'speeds' AND key <> ''").all() as Array<{
    key: string;
    seq: number;
  }>;
  return new Map(all.map((r) => [r.key, r.seq]));
}

afterEach(async () => {
  await closeStateDbs();
});

describe('the speeds, a row per place', () => {
  it("an answer writes its own place's row only: the others keep theirs untouched", async () => {
    const home = tempDir('ollm-speeds-');
    const store = new SpeedStore(home);
    for (let i = 0; i < 20; i++) await store.record('gpubox', `m${i}`, sample, { defer: false });
    const before = await rows(home);
    expect(before.size).toBe(20);
    await store.record('gpubox', 'm3', slower);
    const after = await rows(home);
    const changed = [...after].filter(([key, seq]) => before.get(key) !== seq).map(([key]) => key);
    expect(changed).toEqual([speedKey('gpubox', 'm3')]);
    expect(store.at('gpubox', 'm3').tokensPerSecond).toBe(15); // the median of 20 and 10
  });

  it("takes up what another store wrote meanwhile with its next record, and learns on another's row", async () => {
    const home = tempDir('ollm-speeds-');
    const a = new SpeedStore(home);
    const b = new SpeedStore(home);
    await a.record('gpubox', 'qwen3:8b', sample);
    await b.record('gpubox', 'llama3.1:8b', sample);
    expect(a.at('gpubox', 'llama3.1:8b')).toEqual({}); // not read yet
    await b.record('gpubox', 'qwen3:8b', slower); // b learns on the row a wrote: both answers count
    expect(b.book()[speedKey('gpubox', 'qwen3:8b')]!.generate).toEqual([20, 10]);
    await a.record('laptop', 'phi3', sample);
    expect(a.at('gpubox', 'llama3.1:8b').tokensPerSecond).toBe(20);
    expect(a.book()[speedKey('gpubox', 'qwen3:8b')]!.generate).toEqual([20, 10]);
  });

  it('takes up the rows another process wrote', async () => {
    const home = tempDir('ollm-speeds-');
    const here = new SpeedStore(home);
    await here.record('gpubox', 'qwen3:8b', sample);
    const script = `import { SpeedStore } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/orchestrator/stores/speeds.ts'))};
      const s = new SpeedStore(${JSON.stringify(home)});
      await s.load();
      await s.record('gpubox', 'qwen3:8b', ${JSON.stringify(slower)});
      await s.record('gpubox', 'mistral', ${JSON.stringify(sample)});`;
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '../..'),
    });
    await here.record('laptop', 'phi3', sample);
    expect(here.at('gpubox', 'mistral').tokensPerSecond).toBe(20);
    expect(here.book()[speedKey('gpubox', 'qwen3:8b')]!.generate).toEqual([20, 10]);
  }, 30_000);

  it(`keeps the newest ${MAX_PLACES} places; another store notices the ones forgotten`, async () => {
    const home = tempDir('ollm-speeds-');
    const a = new SpeedStore(home);
    const b = new SpeedStore(home);
    await b.record('h', 'm0', sample);
    for (let i = 0; i <= MAX_PLACES; i++) void a.record('h', `m${i}`, sample, { defer: false });
    await a.load();
    expect((await rows(home)).size).toBe(MAX_PLACES);
    expect((await rows(home)).has(speedKey('h', 'm0'))).toBe(false);
    expect(Object.keys(a.book())).toHaveLength(MAX_PLACES);
    await b.record('h', `m${MAX_PLACES}`, sample);
    expect(Object.keys(b.book())).toHaveLength(MAX_PLACES);
    expect(b.at('h', 'm0')).toEqual({});
    expect(b.at('h', 'm1').tokensPerSecond).toBe(20);
  }, 30_000);

  it("a reset is noticed by another store's next record; a row that is no record is passed over", async () => {
    const home = tempDir('ollm-speeds-');
    const a = new SpeedStore(home);
    const b = new SpeedStore(home);
    await a.record('h', 'm1', sample);
    await b.record('h', 'm2', sample);
    await a.reset();
    await b.record('h', 'm3', sample);
    expect(Object.keys(b.book())).toEqual([speedKey('h', 'm3')]);
    const db = await stateDb(home);
    db.prepare(
      "INSERT INTO records (store, key, json) VALUES ('speeds', '[\"h\",\"bad\"]', 'not json'), " +
        "('speeds', '[\"h\",\"odd\"]', '[1]')",
    ).run();
    const c = new SpeedStore(home);
    await c.load();
    expect(Object.keys(c.book())).toEqual([speedKey('h', 'm3')]);
    await c.record('h', 'bad', sample); // its row is written again, whole
    expect(c.at('h', 'bad').tokensPerSecond).toBe(20);
  });
});

/** A store of numbers whose parses are counted (`parsed.n`): how many rows a change read. */
function counting() {
  const parsed = { n: 0 };
  const spec = {
    store: 'counts',
    parse: (raw: unknown) => {
      parsed.n++;
      return typeof raw === 'number' ? raw : null;
    },
  };
  return { spec, parsed };
}

describe('a keyed store', () => {
  it('after a change, reads the rows written since it last read, not the store whole', async () => {
    const home = tempDir('ollm-keyed-');
    const { spec, parsed } = counting();
    const a = new KeyedRows<number>(home, spec);
    const b = new KeyedRows<number>(home, spec);
    for (let i = 0; i < 50; i++) void a.change(`k${i}`, () => i, { defer: false });
    await a.load();
    await b.load();
    parsed.n = 0;
    await b.change('k7', (n) => (n ?? 0) + 100, { defer: false }); // its own row, read in the write and after it
    expect(parsed.n).toBe(2);
    expect(b.book().k7).toBe(107);
    parsed.n = 0;
    await a.change('k8', (n) => (n ?? 0) + 100, { defer: false }); // and b's row, newer than a saw
    expect(parsed.n).toBe(3);
    expect(a.book()).toMatchObject({ k7: 107, k8: 108 });
    expect(Object.keys(a.book())).toHaveLength(50);
  });

  it("a key's deferred changes waiting for one group commit are one write, each applied; one after it writes again", async () => {
    const home = tempDir('ollm-keyed-');
    const { spec, parsed } = counting();
    const a = new KeyedRows<number>(home, spec);
    const b = new KeyedRows<number>(home, spec);
    await a.change('hot', () => 1, { defer: false });
    await b.load(); // b's copy at 1, before the answers below
    const seq = async () =>
      (await stateDb(home)).prepare("SELECT seq FROM records WHERE key = 'hot'").get() as { seq: number };
    const before = (await seq()).seq;
    parsed.n = 0;
    const answers = Array.from({ length: 20 }, () => a.change('hot', (n) => (n ?? 0) + 1, { defer: true }));
    expect(a.book().hot).toBe(21); // counted here at once
    await Promise.all(answers);
    // one read of the row in the write, one of the row written after it: 21 when each answer wrote its own
    expect(parsed.n).toBe(2);
    expect((await seq()).seq).toBe(before + 1); // one row written
    expect(await Promise.all(answers)).toEqual(Array(20).fill(21));
    await b.change('other', () => 0, { defer: false }); // b takes the row up with its next change
    expect(b.book().hot).toBe(21);
    // a change queued once the write ran is a write of its own, never lost
    await a.change('hot', (n) => (n ?? 0) + 1, { defer: true });
    expect((await seq()).seq).toBeGreaterThan(before + 1);
    expect((await new KeyedRows<number>(home, spec).load()).hot).toBe(22);
  });

  it('a change that may not wait keeps its place among the deferred ones of its key', async () => {
    const home = tempDir('ollm-keyed-');
    const spec = { store: 'words', parse: (raw: unknown) => (typeof raw === 'string' ? raw : null) };
    const a = new KeyedRows<string>(home, spec);
    const add = (w: string) => (had: string | undefined) => `${had ?? ''}${w}`;
    const changes = [
      a.change('k', add('a'), { defer: true }),
      a.change('k', add('b'), { defer: false }),
      a.change('k', add('c'), { defer: true }),
    ];
    await Promise.all(changes);
    expect(a.book().k).toBe('abc');
    expect((await new KeyedRows<string>(home, spec).load()).k).toBe('abc'); // 'acb' when c joined a's write
  });
});

describe("routing's evidence, a row per model, host and kind of work", () => {
  const place = { model: 'qwen3:8b', host: 'gpubox', work: 'code' } as const;

  it("two processes' outcomes at one place both count; the other's are taken up with the next record", async () => {
    const home = tempDir('ollm-evidence-');
    const a = new Outcomes(home);
    const b = new Outcomes(home);
    await a.recordNow(place, { kind: 'speed', tokensPerSecond: 30 });
    expect(a.evidence()[evidenceKey(place)]).toMatchObject({ speedSamples: 1, tokensPerSecond: 30 });
    await b.recordNow(place, { kind: 'failure' }, { kind: 'cut' });
    expect(b.evidence()[evidenceKey(place)]).toMatchObject({ speedSamples: 1, failures: 1, cut: 1 });
    await a.recordNow({ ...place, work: 'fast' }, { kind: 'timeout' });
    expect(a.evidence()[evidenceKey(place)]).toMatchObject({ speedSamples: 1, failures: 1, cut: 1 });
    expect(Object.keys(await new Outcomes(home).load())).toHaveLength(2);
  });

  it('a deferred outcome counts at once in this process, and in the database with its group commit', async () => {
    const home = tempDir('ollm-evidence-');
    const a = new Outcomes(home);
    const recorded = a.record(place, { kind: 'failure' });
    expect(a.evidence()[evidenceKey(place)]).toMatchObject({ failures: 1 });
    await recorded;
    expect((await new Outcomes(home).load())[evidenceKey(place)]).toMatchObject({ failures: 1 });
  });
});

describe('migration 6: the speeds document of an earlier version', () => {
  /** A database at schema 5 whose speeds document is `json`. */
  function earlier(json: string): string {
    const home = tempDir('ollm-speeds-');
    const old = new Database(join(home, 'state.db'));
    for (const step of MIGRATIONS.slice(0, 5)) old.exec(step);
    old.exec('PRAGMA user_version = 5');
    old.prepare("INSERT INTO documents (name, json) VALUES ('speeds', ?)").run(json);
    old.close();
    return home;
  }

  it('takes its places over, oldest first, the entries that are not records left out', async () => {
    const record = (lastMs: number, g: number) => ({
      prompt: [500],
      generate: [g],
      answers: [],
      cut: [],
      overhead: [],
      lastMs,
    });
    const home = earlier(
      JSON.stringify({
        version: 1,
        speeds: {
          [speedKey('gpubox', 'newer')]: record(20, 30),
          [speedKey('gpubox', 'older')]: record(10, 40),
          [speedKey('gpubox', 'odd')]: [1, 2],
          '': record(30, 50), // the key that says rows were forgotten: no entry's
        },
      }),
    );
    const store = new SpeedStore(home);
    await store.load();
    expect(store.at('gpubox', 'newer').tokensPerSecond).toBe(30);
    expect(store.at('gpubox', 'older').tokensPerSecond).toBe(40);
    expect(Object.keys(store.book())).toHaveLength(2);
    const seqs = await rows(home);
    expect(seqs.get(speedKey('gpubox', 'older'))!).toBeLessThan(seqs.get(speedKey('gpubox', 'newer'))!);
    const db = await stateDb(home);
    expect(db.prepare("SELECT count(*) AS n FROM records WHERE key = ''").get()).toMatchObject({ n: 0 });
  });

  it("takes the evidence document's entries over too", async () => {
    const home = earlier('{}');
    const old = new Database(join(home, 'state.db'));
    old
      .prepare("INSERT INTO documents (name, json) VALUES ('evidence', ?)")
      .run(JSON.stringify({ version: 1, evidence: { 'qwen3:8b|gpubox|code': { good: 3, bad: 1 }, odd: 7 } }));
    old.close();
    const book = await new Outcomes(home).load();
    expect(Object.keys(book)).toEqual(['qwen3:8b|gpubox|code']);
    expect(book['qwen3:8b|gpubox|code']).toMatchObject({ good: 3, bad: 1, failures: 0 });
  });

  for (const [what, json] of [
    ['is no JSON', '{"speeds": {'],
    ['holds no places', '{"version": 1, "speeds": [1, 2]}'],
  ] as const)
    it(`opens the database all the same when the document ${what}`, async () => {
      const home = earlier(json);
      const store = new SpeedStore(home);
      await store.load();
      expect(store.book()).toEqual({});
      await store.record('h', 'm', sample);
      expect(store.at('h', 'm').tokensPerSecond).toBe(20);
    });
});
