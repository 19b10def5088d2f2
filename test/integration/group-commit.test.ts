/**
 * Records no one was told about (track records, answers kept for a verdict, metrics) go to disk
 * in a group commit at most BATCH_MS later, never in the turn that asked for them; changes the
 * user is told about are on disk when they resolve, and take the records asked before them along.
 * "Another process" is a connection of its own on the file (SQLite's locks and visibility are the
 * same between connections as between processes).
 */
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/temp.js';

// a lock held by another process fails a commit after 100 ms here (not 10 s): set before the modules load
vi.stubEnv('OLLM_STATE_LOCK_WAIT_MS', '100');
const { BATCH_MS, closeStateDbs, flushWrites, queueWrite, stateDb, write } =
  await import('../../src/orchestrator/storage/db.js');
const { MAX_TRIES } = await import('../../src/orchestrator/storage/writes.js');
const { Outcomes } = await import('../../src/orchestrator/stores/outcomes.js');
const { MetricsStore } = await import('../../src/orchestrator/stores/metrics.js');

const other = (home: string) => new Database(join(home, 'state.db'));
const answers = (home: string): string[] => {
  const db = other(home);
  try {
    return (db.prepare('SELECT id FROM answers').all() as Array<{ id: string }>).map((r) => r.id);
  } finally {
    db.close();
  }
};
const turns = (n: number) => new Promise((r) => setTimeout(r, n));

afterEach(async () => {
  await closeStateDbs();
  vi.restoreAllMocks();
});

describe('the group commit of records', () => {
  it(
    'a record is not committed in the turn that asked for it; another process sees it after the ' +
      'window, without a flush',
    async () => {
      const home = tempDir('ollm-group-');
      await stateDb(home); // opened and migrated: what follows is only the record
      const outcomes = new Outcomes(home);
      const id = outcomes.answered({ model: 'm', work: 'code' });
      await turns(20); // several turns of the event loop: the old queue had committed by now
      expect(answers(home)).toEqual([]);
      await vi.waitFor(() => expect(answers(home)).toEqual([id]), { timeout: BATCH_MS * 8, interval: 20 });
    },
  );

  it(
    'records alone commit without waiting for the disk (synchronous NORMAL); a batch with a ' +
      'change the user is told about waits for it (FULL)',
    async () => {
      const home = tempDir('ollm-group-');
      const db = await stateDb(home);
      // 1 NORMAL, 2 FULL
      const mode = () => (db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous;
      const record = await queueWrite(db, mode, { defer: true });
      expect(record.value).toBe(1);
      const told = await queueWrite(db, mode);
      expect(told.value).toBe(2);
      // a record asked before a told change goes in its transaction: FULL
      const [early, late] = await Promise.all([queueWrite(db, mode, { defer: true }), queueWrite(db, mode)]);
      expect([early.value, late.value]).toEqual([2, 2]);
      expect((await queueWrite(db, mode, { defer: true })).value).toBe(1);
      expect((await queueWrite(db, mode)).value).toBe(2);
      await queueWrite(db, mode, { defer: true });
      expect((await write(db, mode)).value).toBe(2); // a change made alone (write) too
    },
  );

  it('a record is on disk after flushWrites, and after close', async () => {
    const home = tempDir('ollm-group-');
    const db = await stateDb(home);
    const outcomes = new Outcomes(home);
    const first = 'kept-first';
    const queued = queueWrite(
      db,
      () => db.prepare("INSERT INTO answers (id, model, host, work, at) VALUES (?, 'm', NULL, 'code', '')").run(first),
      { defer: true },
    );
    await flushWrites(db);
    expect(answers(home)).toEqual([first]);
    await queued;
    const second = outcomes.answered({ model: 'm', work: 'code' });
    const metrics = new MetricsStore(home);
    metrics.record({ model: 'm', ok: true, latencyMs: 5 });
    await metrics.close(); // as the server's shutdown does, before closeStateDbs
    await closeStateDbs();
    expect(answers(home).sort()).toEqual([first, second].sort());
    const check = other(home);
    const row = check.prepare("SELECT json FROM sums WHERE store = 'metrics' AND key = 'm'").get() as
      { json: string } | undefined;
    check.close();
    expect(JSON.parse(row?.json ?? '{}')).toMatchObject({ requests: 1 });
  });

  it('a change the user is told about is on disk when it resolves, with the records asked before it, in order', async () => {
    const home = tempDir('ollm-group-');
    const db = await stateDb(home);
    const order: string[] = [];
    const record = queueWrite(db, () => order.push('record'), { defer: true });
    await queueWrite(db, () => {
      order.push('told');
      db.prepare("INSERT INTO documents (name, json) VALUES ('told', '1')").run();
    });
    expect(order).toEqual(['record', 'told']);
    const check = other(home);
    expect(check.prepare("SELECT json FROM documents WHERE name = 'told'").get()).toMatchObject({ json: '1' });
    check.close();
    await record; // committed in the same transaction
  });

  it('a verdict finds the answer kept a moment before (the verdict takes the record into its transaction)', async () => {
    const home = tempDir('ollm-group-');
    const outcomes = new Outcomes(home);
    const id = outcomes.answered({ model: 'm', work: 'code' });
    const { evidence } = await outcomes.verdict(id, true);
    expect(evidence).toMatchObject({ good: 1 });
    expect(answers(home)).toEqual([id]);
  });

  it('a track record is read back at once in this process (a read takes the waiting records along)', async () => {
    const home = tempDir('ollm-group-');
    const outcomes = new Outcomes(home);
    void outcomes.record({ model: 'm', work: 'code' }, { kind: 'failure' });
    expect((await outcomes.load())['m||code']).toMatchObject({ failures: 1 });
  });
});

describe('a group commit that meets another process lock', () => {
  it('is tried again at the next window and written once the lock is gone; the log says so', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const home = tempDir('ollm-group-');
    const db = await stateDb(home);
    const holder = other(home);
    holder.exec('BEGIN IMMEDIATE');
    const outcomes = new Outcomes(home);
    const id = outcomes.answered({ model: 'm', work: 'code' });
    await vi.waitFor(
      () =>
        expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
          /1 record\(s\) not written yet \(The state database .* is locked by another process.*trying again in \d+ ms/,
        ),
      { timeout: 5000, interval: 20 },
    );
    holder.exec('COMMIT');
    holder.close();
    await flushWrites(db);
    expect(answers(home)).toEqual([id]);
  });

  it(`is given up after ${MAX_TRIES} tries and logged: the call that recorded it never sees an error`, async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const home = tempDir('ollm-group-');
    const db = await stateDb(home);
    const holder = other(home);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const outcomes = new Outcomes(home);
      // record() resolves (never rejects) once it is given up; answered() returned its id at once
      const id = outcomes.answered({ model: 'm', work: 'code' });
      expect(typeof id).toBe('string');
      await expect(outcomes.record({ model: 'm', work: 'code' }, { kind: 'failure' })).resolves.toBeUndefined();
      await flushWrites(db);
      const log = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(log).toMatch(
        /learning: cannot record the outcome of m: The state database .* is locked by another process/,
      );
      expect(log).toMatch(/learning: cannot keep answer .*: The state database .* is locked/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(answers(home)).toEqual([]);
  });

  it('a record given up leaves the next one of its place to a write of its own, written once the lock is gone', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const home = tempDir('ollm-group-');
    const place = { model: 'm', work: 'code' } as const;
    const holder = other(home);
    await stateDb(home);
    holder.exec('BEGIN IMMEDIATE');
    const outcomes = new Outcomes(home);
    try {
      await outcomes.record(place, { kind: 'failure' }); // given up after MAX_TRIES windows
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    await outcomes.record(place, { kind: 'timeout' }); // a later answer's: not joined to the one given up
    const row = other(home);
    try {
      const stored = row.prepare("SELECT json FROM records WHERE store = 'evidence' AND key <> ''").all() as Array<{
        json: string;
      }>;
      expect(stored).toHaveLength(1);
      expect(JSON.parse(stored[0]!.json)).toMatchObject({ timeouts: 1, failures: 0 }); // the one given up is not there
    } finally {
      row.close();
    }
  });

  it('a change the user is told about fails at once with the lock error, and is not tried again', async () => {
    const home = tempDir('ollm-group-');
    const db = await stateDb(home);
    const holder = other(home);
    holder.exec('BEGIN IMMEDIATE');
    let runs = 0;
    try {
      await expect(queueWrite(db, () => runs++)).rejects.toThrow(/locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    await flushWrites(db);
    expect(runs).toBe(0);
  });
});
