// A new call asks the state database for its earlier jobs only when the jobs table holds its key (issue 82,
// Deliver 3: a quick call's path): once another process committed or a key was written here, a call asks
// the rows (as before) and the keys are read again after it. A row written behind the store's back
// (through its own connection, bypassing both) shows the read was left out; every way a row really comes
// — another process, another store of this process, a key changed — is seen by the next call; a table of
// more keys than are kept is asked every time.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import Database from 'libsql';
import { JobStore } from '../../src/orchestrator/stores/job-store.js';
import { MAX_KEYS } from '../../src/orchestrator/stores/job-keys.js';
import { flushWrites, stateDb } from '../../src/orchestrator/storage/db.js';
import { statement } from '../../src/orchestrator/storage/statements.js';
import { tempDir } from '../helpers/temp.js';

const row = (id: string, owner: string, key: string) => [
  id,
  owner,
  'route_and_generate',
  key,
  'running',
  process.pid,
  0,
  Date.now(),
  Date.now(),
];
/** The keys read again after a call found them out of date: once the call has gone on. */
const afterCall = () => new Promise((r) => setImmediate(r));
const INSERT =
  'INSERT INTO jobs (id, owner, tool, call_key, state, runner, handed, created_at, updated_at) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

describe('the keys of the jobs kept', () => {
  it('a call of no key kept reads no row; once another process committed, the rows are read again', async () => {
    const home = tempDir('ollm-job-keys-');
    const store = new JobStore(home);
    expect(await store.previous('ann', 'k1')).toEqual({ lost: [] });
    await afterCall();
    // a row put in behind the store's back, through the same connection: neither another process's commit
    // nor a key written through a store — so it is not seen, because the rows were not read
    const db = await stateDb(home);
    statement(db, INSERT).run(...row('job-behind01', 'ann', 'k1'));
    expect((await store.previous('ann', 'k1')).same).toBeUndefined();
    // another process commits (anything): the keys are read again, and the row is found
    const other = new Database(join(home, 'state.db'));
    other.prepare(INSERT).run(...row('job-carol01', 'carol', 'k9'));
    other.close();
    expect((await store.previous('ann', 'k1')).same?.id).toBe('job-behind01');
    expect((await store.previous('bob', 'k1')).same).toBeUndefined(); // one agent's key is not another's
  });

  it("another process's job of the same call is found by the next call", async () => {
    const home = tempDir('ollm-job-keys-');
    const store = new JobStore(home);
    expect(await store.previous('ann', 'k2')).toEqual({ lost: [] });
    await afterCall(); // the keys read: none
    const script = `import { JobStore } from ${JSON.stringify(resolve(import.meta.dirname, '../../src/orchestrator/stores/job-store.ts'))};
      const s = new JobStore(${JSON.stringify(home)});
      const job = await s.create('ann', 'route_and_generate', 'k2');
      await s.handedOver(job.id);
      await s.end(job.id, 'done', { value: 'kept' }, false);
      process.stdout.write(job.id);`;
    const { stdout: id } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: resolve(import.meta.dirname, '../..') },
    );
    expect((await store.previous('ann', 'k2')).same).toMatchObject({ id, state: 'done' });
  }, 30_000);

  it('a job written, or its key changed, through another store of this process is found', async () => {
    const home = tempDir('ollm-job-keys-');
    const reader = new JobStore(home);
    const writer = new JobStore(home);
    expect(await reader.previous('ann', 'k3')).toEqual({ lost: [] });
    await afterCall();
    const job = await writer.create('ann', 'route_and_generate', 'k3');
    expect((await reader.previous('ann', 'k3')).same?.id).toBe(job.id);
    expect((await reader.previous('ann', 'k4')).same).toBeUndefined();
    await afterCall();
    await writer.rekey(job.id, 'k4');
    await flushWrites(await stateDb(home));
    expect((await reader.previous('ann', 'k4')).same?.id).toBe(job.id);
  });

  it(`a table of more than ${MAX_KEYS} keys is asked on every call`, async () => {
    const home = tempDir('ollm-job-keys-');
    const store = new JobStore(home);
    const db = await stateDb(home);
    db.transaction(() => {
      for (let i = 0; i <= MAX_KEYS; i++) statement(db, INSERT).run(...row(`job-many${i}`, 'carol', `k${i}`));
    })();
    expect(await store.previous('ann', 'k1')).toEqual({ lost: [] });
    await afterCall();
    statement(db, INSERT).run(...row('job-behind02', 'ann', 'k1')); // behind the store's back, as above
    expect((await store.previous('ann', 'k1')).same?.id).toBe('job-behind02'); // asked: found
  });
});
