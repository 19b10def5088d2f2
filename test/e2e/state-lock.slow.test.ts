// The real limit (10 s) of a write waiting for another process's lock on the state database: the
// server answers pings all along, and the remember fails after it naming the database.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { tempHome } from '../helpers/spawn.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

describe('a lock held longer than 10 s', () => {
  it('pings are answered all through the wait; the remember then fails naming the state database', async () => {
    const h = tempHome();
    const s = await stdioServer(h, fake.host);
    const script = `
      import Database from 'libsql';
      const db = new Database(${JSON.stringify(join(h, 'state.db'))});
      db.exec('PRAGMA busy_timeout = 10000'); // the server may be committing its own records this moment
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      process.stdin.once('data', () => { db.exec('ROLLBACK'); process.exit(0); });`;
    try {
      await s.remember('before');
      const holder = spawn(process.execPath, ['--input-type=module', '-e', script], {
        cwd: resolve(import.meta.dirname, '../..'),
      });
      await new Promise((r) => holder.stdout.once('data', r));
      let done = false;
      const remembered = s.client
        .callTool({ name: 'remember', arguments: { key: 'during', value: 'v' } })
        .finally(() => (done = true));
      let pings = 0;
      while (!done) {
        await s.client.ping();
        pings++;
        await new Promise((r) => setTimeout(r, 200));
      }
      const r = await remembered;
      holder.stdin.write('go\n');
      expect(pings).toBeGreaterThan(10); // answered all through the wait, not only after it
      expect(r.isError).toBe(true);
      expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(
        /^The state database .*state\.db is locked by another process \(waited 1\d\.\d s\)/,
      );
    } finally {
      await s.close();
    }
  }, 60_000);
});
