// Owner first (issue 72, finding 6): a job is looked up by its id and its owner together, so another
// agent's job is found no more than an unknown id is — its row (a ~900 KB result here) is never read
// back nor parsed — while its owner still gets it whole. Every way a caller reaches a job (wait,
// stop, delivered, cancel, charge) passes the owner down to the store.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LongWork } from '../../src/orchestrator/jobs/long-work.js';
import { JobStore } from '../../src/orchestrator/stores/job-store.js';
import { flushWrites, stateDb } from '../../src/orchestrator/storage/db.js';
import { tempDir } from '../helpers/temp.js';

const BIG = 'x'.repeat(900_000);

/** A home whose state database keeps agent-a's ended job with a ~900 KB result; read by another server of it. */
async function kept() {
  const home = tempDir('ollm-job-owner-');
  const store = new JobStore(home);
  const job = await store.create('agent-a', 'route_and_generate', 'k1');
  await store.end(job.id, 'done', { value: { text: BIG } });
  await flushWrites(await stateDb(home));
  return { home, id: job.id, store: new JobStore(home) };
}

/** Spies on JSON.parse: whether the big result's text was parsed since. */
function parses() {
  const spy = vi.spyOn(JSON, 'parse');
  return { ofResult: () => spy.mock.calls.some(([text]) => typeof text === 'string' && text.length > BIG.length) };
}

/** The SQL of every statement compiled on `home`'s connection from now on, and each one's bound values. */
async function statementsOf(home: string) {
  const db = await stateDb(home);
  const seen: Array<{ sql: string; args: unknown[] }> = [];
  const prepare = db.prepare.bind(db);
  vi.spyOn(db, 'prepare').mockImplementation((sql: string) => {
    const stmt = prepare(sql);
    const get = stmt.get.bind(stmt);
    stmt.get = (...args: unknown[]) => (seen.push({ sql, args }), get(...args));
    return stmt;
  });
  return seen;
}

afterEach(() => vi.restoreAllMocks());

describe("another agent's job", () => {
  it(
    'is looked up with its owner bound in the statement: nothing of the row comes back, its ' +
      'result is never parsed',
    async () => {
      const { id, store } = await kept();
      const parsed = parses();
      expect(await store.get('agent-b', id)).toBeUndefined();
      expect(parsed.ofResult()).toBe(false);
      // the owner's own lookup: the same statement, the whole result
      expect(await store.get('agent-a', id)).toMatchObject({ owner: 'agent-a', state: 'done', result: { text: BIG } });
      expect(parsed.ofResult()).toBe(true);
    },
  );

  it('binds id and owner together in the one statement that reads a job', async () => {
    const { home, id, store } = await kept(); // its read not compiled yet on this connection (kept() never reads a job)
    const seen = await statementsOf(home);
    await store.get('agent-b', id);
    await store.get('agent-a', id);
    const reads = seen.filter((s) => /FROM jobs WHERE id = /.test(s.sql));
    const byOwner = expect.stringMatching(/WHERE id = \? AND owner = \?$/);
    expect(reads).toEqual([
      { sql: byOwner, args: [id, 'agent-b'] },
      { sql: byOwner, args: [id, 'agent-a'] },
    ]);
  });

  it('reads as no job through every way a caller reaches one, parsing nothing of it; its owner still gets it, once', async () => {
    const { id, store } = await kept();
    const jobs = new LongWork(store);
    const parsed = parses();
    expect(await jobs.wait('agent-b', id, 0)).toBeUndefined();
    expect(await jobs.stop('agent-b', id)).toBeUndefined();
    expect(await jobs.delivered('agent-b', id, 1234)).toBeUndefined();
    expect(jobs.cancel('agent-b', id)).toBe(false);
    expect(parsed.ofResult()).toBe(false);
    // another's "delivered" marked nothing: the owner's result is still sent, then once
    expect(await jobs.wait('agent-a', id, 0)).toMatchObject({ kind: 'result', result: { text: BIG } });
    expect(await jobs.delivered('agent-a', id, 5678)).toBeUndefined();
    expect(await jobs.delivered('agent-a', id, 9999)).toBe(5678);
    // the owner's stop of a finished job sets its result aside (the same call then runs anew)
    expect(await jobs.stop('agent-a', id)).toEqual({ kind: 'ended', state: 'done', setAside: true });
  });

  it('a job not written yet (lazy) or running here is no one else’s either', async () => {
    const store = new JobStore(tempDir('ollm-job-owner-'));
    const lazy = await store.create('agent-a', 'route_and_generate', 'k1', undefined, true);
    expect(await store.get('agent-b', lazy.id)).toBeUndefined();
    expect(await store.get('agent-a', lazy.id)).toMatchObject({ id: lazy.id, state: 'running' });
    const jobs = new LongWork(store);
    let release = () => undefined as void;
    const job = await jobs.begin({
      owner: 'agent-a',
      tool: 'route_and_generate',
      key: 'k2',
      work: () => new Promise<string>((r) => (release = () => r('done'))),
    });
    expect(await jobs.wait('agent-b', job.id, 0)).toBeUndefined();
    expect(jobs.cancel('agent-b', job.id)).toBe(false);
    expect(await jobs.wait('agent-a', job.id, 0)).toMatchObject({ kind: 'running' });
    release();
    expect(await jobs.wait('agent-a', job.id, undefined)).toMatchObject({ kind: 'result', result: 'done' });
  });
});
