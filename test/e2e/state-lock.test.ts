// The state database as a spawned server sees it: another process holding its write lock never
// freezes the server (pings and list_models are answered while a remember waits) and a lock held
// past the limit fails naming the database; a clean stop leaves state.db holding everything; and
// `ollm-mcp state backup` (src/server/state-command.ts).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { run, tempHome } from '../helpers/spawn.js';
import { gone } from '../helpers/processes.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

/** Another process holding `home`'s write lock (BEGIN IMMEDIATE) until it is told to release it. */
async function lockHolder(home: string): Promise<{ release(): Promise<void> }> {
  const script = `
    import Database from 'libsql';
    const db = new Database(${JSON.stringify(join(home, 'state.db'))});
    db.exec('PRAGMA busy_timeout = 10000'); // the server may be committing its own records this moment
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: resolve(import.meta.dirname, '../..'),
  });
  await new Promise<void>((res, rej) => {
    child.stdout.once('data', () => res());
    child.once('exit', (code) => rej(new Error(`the lock holder exited (${code})`)));
  });
  return {
    release: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.stdin.write('go\n');
      }),
  };
}

const text = (r: { content?: unknown }) => (r.content as Array<{ text: string }>)[0]!.text;
const keys = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT key FROM memory').all() as Array<{ key: string }>).map((r) => r.key).sort();
  } finally {
    db.close();
  }
};

describe('another process holding the state database’s write lock', () => {
  it('pings and list_models are answered while a remember waits; the remember then succeeds', async () => {
    const h = tempHome();
    const s = await stdioServer(h, fake.host);
    try {
      await s.remember('before');
      const holder = await lockHolder(h);
      const events: string[] = [];
      const remembered = s.client.callTool({ name: 'remember', arguments: { key: 'during', value: 'v' } }).then((r) => {
        events.push('remember');
        return r;
      });
      for (let i = 0; i < 3; i++) {
        await s.client.ping();
        events.push('ping');
      }
      const models = await s.client.callTool({ name: 'list_models', arguments: {} });
      events.push('list_models');
      await holder.release();
      const r = await remembered;
      expect(events).toEqual(['ping', 'ping', 'ping', 'list_models', 'remember']);
      expect(models.isError).toBeFalsy();
      expect(r.isError).toBeFalsy();
    } finally {
      await s.close();
    }
    expect(keys(join(h, 'state.db'))).toEqual(['before', 'during']);
  });

  it(
    'a remember that waits says so in its progress: waiting for the state database, which file, ' +
      'locked by another process',
    async () => {
      const h = tempHome();
      const s = await stdioServer(h, fake.host);
      try {
        await s.remember('before');
        const holder = await lockHolder(h);
        const messages: string[] = [];
        const remembered = s.client.callTool(
          { name: 'remember', arguments: { key: 'during', value: 'v' } },
          { onprogress: (p) => messages.push(p.message ?? '') },
        );
        await vi.waitFor(
          () =>
            expect(messages.join('\n')).toContain(
              `waiting for the state database (${join(h, 'state.db')}), locked by another process`,
            ),
          { timeout: 15_000, interval: 50 },
        );
        await holder.release();
        expect((await remembered).isError).toBeFalsy();
      } finally {
        await s.close();
      }
      expect(keys(join(h, 'state.db'))).toEqual(['before', 'during']);
    },
  );

  it('held past the limit: remember fails naming the state database and what to do, never Ollama', async () => {
    const h = tempHome();
    const s = await stdioServer(h, fake.host, { OLLM_STATE_LOCK_WAIT_MS: '800' });
    try {
      await s.remember('before');
      const holder = await lockHolder(h);
      try {
        const r = await s.client.callTool({ name: 'remember', arguments: { key: 'during', value: 'v' } });
        expect(r.isError).toBe(true);
        expect(text(r)).toContain(`The state database ${join(h, 'state.db')} is locked by another process (waited`);
        expect(text(r)).toMatch(/try again/);
        expect(text(r)).not.toMatch(/Ollama/);
      } finally {
        await holder.release();
      }
      await s.remember('after'); // the server goes on once the lock is gone
    } finally {
      await s.close();
    }
  });
});

describe('a clean stop', () => {
  it.each(['stdin closed', 'SIGTERM'])(
    '%s: state.db-wal is empty or gone, and a copy of state.db alone holds every entry',
    async (how) => {
      const h = tempHome();
      const s = await stdioServer(h, fake.host);
      for (let i = 0; i < 20; i++) await s.remember(`k${i}`);
      if (how === 'SIGTERM') process.kill(s.pid, 'SIGTERM');
      else await s.close();
      for (let i = 0; i < 200 && !gone(s.pid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(gone(s.pid)).toBe(true);
      const wal = join(h, 'state.db-wal');
      expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
      const copy = join(tempHome(), 'copy.db');
      copyFileSync(join(h, 'state.db'), copy);
      expect(keys(copy)).toHaveLength(20);
      await s.close();
    },
  );
});

describe('ollm-mcp state backup FILE', () => {
  it(
    'copies the database while a server runs; another home opens it with every entry; an ' +
      'existing FILE is replaced only with --force',
    async () => {
      const h = tempHome();
      const s = await stdioServer(h, fake.host);
      const out = join(tempHome(), 'backup.db');
      try {
        for (let i = 0; i < 5; i++) await s.remember(`k${i}`);
        const first = await run(['state', 'backup', out], { OLLM_HOME: h });
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(
          new RegExp(
            `^Backed up ${join(h, 'state.db').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} to ` +
              `${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d`,
          ),
        );
        await s.remember('k5');
        const again = await run(['state', 'backup', out], { OLLM_HOME: h });
        expect(again.code).toBe(1);
        expect(again.stderr).toContain('already exists; nothing was written');
        expect(keys(out)).toHaveLength(5); // untouched
        const forced = await run(['state', 'backup', out, '--force'], { OLLM_HOME: h });
        expect(forced.code).toBe(0);
      } finally {
        await s.close();
      }
      const other = tempHome();
      copyFileSync(out, join(other, 'state.db'));
      const listed = await run(['memory', 'list', '--json'], { OLLM_HOME: other });
      expect(listed.code).toBe(0);
      expect(
        (JSON.parse(listed.stdout) as { entries: Array<{ key: string }> }).entries.map((e) => e.key).sort(),
      ).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    },
  );
});
