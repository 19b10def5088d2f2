// A damaged or foreign state file as a spawned server and `doctor` see it: kept aside byte for
// byte, said so once at start, and the server works on (src/orchestrator/storage/integrity.ts);
// and a clean stop that leaves state.db alone holding everything (storage/db.ts). Each case is one
// an outside tester met on the old code (issue 28): a log copied from another home adopted, a copy
// of state.db that held nothing, a zeroed page that failed every call, an empty file made a store.
import { MIGRATIONS } from '../../src/orchestrator/storage/migrations.js';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { connect, run, startHttp, tempHome } from '../helpers/spawn.js';
import { gone } from '../helpers/processes.js';
import { keysInDb } from '../helpers/state-db.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

/** A value long enough that a few dozen entries fill several pages of the database. */
const valueOf = (key: string) => `value of ${key}: ${'lorem ipsum '.repeat(25)}`;
const keysNamed = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

type Caller = Pick<Client, 'callTool'>;
async function remember(client: Caller, key: string): Promise<void> {
  const r = await client.callTool({ name: 'remember', arguments: { key, value: valueOf(key) } });
  if (r.isError) throw new Error(`remember ${key}: ${(r.content as Array<{ text: string }>)[0]!.text}`);
}

/** What `recall` (no key, no query: the most recent entries) shows: the total and the keys, sorted. */
async function recalled(client: Caller): Promise<{ total: number; keys: string[] }> {
  const r = await client.callTool({ name: 'recall', arguments: { limit: 100 } });
  expect(r.isError).toBeFalsy();
  const s = r.structuredContent as { total: number; entries: Array<{ key: string }> };
  return { total: s.total, keys: s.entries.map((e) => e.key).sort() };
}

/** A server on `home` (over the suite's transport), its log at warn level and above. */
const serverOn = (home: string) => connect({ OLLM_HOME: home, OLLAMA_HOST: fake.host, OLLM_LOG_LEVEL: 'warn' });

async function exited(pid: number): Promise<void> {
  for (let i = 0; i < 400 && !gone(pid); i++) await new Promise((r) => setTimeout(r, 25));
  expect(gone(pid)).toBe(true);
}

/** The files of `home` kept aside as `<name>.<timestamp>.damaged`. */
const keptAside = (home: string, name: string) =>
  readdirSync(home).filter(
    (f) => f.startsWith(`${name}.`) && /\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.damaged$/.test(f),
  );
const walSize = (home: string) =>
  existsSync(join(home, 'state.db-wal')) ? statSync(join(home, 'state.db-wal')).size : 0;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A new home holding a copy of `file` as its state.db, and nothing else. */
function homeWith(file: string): string {
  const h = tempHome();
  copyFileSync(file, join(h, 'state.db'));
  return h;
}

/** Home A, built once: 50 entries remembered through a server, stopped cleanly (its stdin closed). */
let storeA: Promise<string> | undefined;
const A_KEYS = keysNamed('a', 50);
function cleanStoreA(): Promise<string> {
  storeA ??= (async () => {
    const h = tempHome();
    const s = await stdioServer(h, fake.host);
    try {
      for (const key of A_KEYS) await remember(s.client, key);
    } finally {
      await s.close();
    }
    await exited(s.pid);
    return h;
  })();
  return storeA;
}

describe('a state.db that is not a database', () => {
  it('is kept aside byte for byte; the log says so; remember works; doctor warns about the file kept aside', async () => {
    const h = tempHome();
    const garbage = 'this is not a database\n'.repeat(300);
    writeFileSync(join(h, 'state.db'), garbage);
    const s = await stdioServer(h, fake.host);
    try {
      await s.remember('fresh');
      expect(s.stderr()).toMatch(
        /state\.db was not used: state\.db is not a SQLite database\. It is kept as .*state\.db\.[-\dTZ]+\.damaged \(nothing was deleted\)/,
      );
    } finally {
      await s.close();
    }
    const kept = readdirSync(h).filter((f) => /^state\.db\..*\.damaged$/.test(f));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(h, kept[0]!), 'utf8')).toBe(garbage);
    const doctor = await run(['doctor'], { OLLM_HOME: h, OLLAMA_HOST: fake.host });
    expect(doctor.stdout).toMatch(
      new RegExp(`✓ State: .*state\\.db, .*schema version ${MIGRATIONS.length}, 1 memory entry`),
    );
    expect(doctor.stdout).toContain(`! State: ${join(h, kept[0]!)} was kept aside`);
  });
});

describe('a clean stop leaves state.db alone holding everything', () => {
  it('stdin closed: the log is empty or gone, and a copy of state.db alone gives a new server every entry', async () => {
    const a = await cleanStoreA();
    expect(walSize(a)).toBe(0);
    const copy = homeWith(join(a, 'state.db'));
    const s = await serverOn(copy);
    try {
      expect(await recalled(s.client)).toEqual({ total: 50, keys: [...A_KEYS].sort() });
    } finally {
      await s.close();
    }
  }, 60_000);

  it('SIGTERM over HTTP: the log is empty or gone, and a copy of state.db alone gives a new server every entry', async () => {
    const h = tempHome();
    const server = await startHttp({ OLLM_HOME: h, OLLAMA_HOST: fake.host });
    const client = new Client({ name: 'ollm-e2e', version: '1.0.0' });
    const keys = keysNamed('t', 20);
    let stopped;
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      for (const key of keys) await remember(client, key);
    } finally {
      stopped = await server.stop('SIGTERM');
      await client.close().catch(() => undefined);
    }
    expect(stopped.code).toBe(0);
    expect(walSize(h)).toBe(0);
    const copy = homeWith(join(h, 'state.db'));
    const s = await serverOn(copy);
    try {
      expect(await recalled(s.client)).toEqual({ total: 20, keys: [...keys].sort() });
    } finally {
      await s.close();
    }
  }, 60_000);
});

describe('a write-ahead log copied from another home', () => {
  it(
    'is kept aside byte for byte, never adopted: recall shows this home’s 50 entries, not the ' +
      'other’s 30; the log and doctor say so',
    async () => {
      // home B: 30 entries, its server killed, so they are still in its write-ahead log
      const b = tempHome();
      const sb = await stdioServer(b, fake.host);
      try {
        for (const key of keysNamed('b', 30)) await remember(sb.client, key);
      } finally {
        process.kill(sb.pid, 'SIGKILL');
        await exited(sb.pid);
        await sb.close();
      }
      const foreign = readFileSync(join(b, 'state.db-wal'));
      expect(foreign.length).toBeGreaterThan(32); // a header and frames: B's entries are in it

      const h = homeWith(join(await cleanStoreA(), 'state.db'));
      writeFileSync(join(h, 'state.db-wal'), foreign);
      const s = await serverOn(h);
      try {
        expect(await recalled(s.client)).toEqual({ total: 50, keys: [...A_KEYS].sort() });
        expect(s.stderr()).toMatch(
          new RegExp(
            `${escape(join(h, 'state.db-wal'))} was not used: it belongs to another store \\(copied ` +
              `from another home\\?\\)\\. It is kept as ` +
              `${escape(join(h, 'state.db-wal.'))}[-\\dTZ]+\\.damaged \\(nothing was deleted\\)\\. ` +
              `ollm-mcp goes on with the database alone\\.`,
          ),
        );
      } finally {
        await s.close();
      }
      const kept = keptAside(h, 'state.db-wal');
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(h, kept[0]!)).equals(foreign)).toBe(true);
      expect(keptAside(h, 'state.db')).toEqual([]); // the database itself stayed in place

      const doctor = await run(['doctor'], { OLLM_HOME: h, OLLAMA_HOST: fake.host });
      expect(doctor.stdout).toMatch(
        new RegExp(`✓ State: .*state\\.db, .*schema version ${MIGRATIONS.length}, 50 memory entries`),
      );
      expect(doctor.stdout).toContain(`! State: ${join(h, kept[0]!)} was kept aside`);
    },
    60_000,
  );
});

describe('a state.db whose last page is zeroed', () => {
  it('is kept aside byte for byte; the log says why; remember works on a new store; doctor warns', async () => {
    const a = await cleanStoreA();
    const h = homeWith(join(a, 'state.db'));
    const file = join(h, 'state.db');
    const bytes = readFileSync(file);
    const field = bytes.readUInt16BE(16); // the page size (1 stands for 65536)
    const pageSize = field === 1 ? 65536 : field;
    expect(bytes.length / pageSize).toBeGreaterThanOrEqual(8); // several pages: the last is not page 1
    bytes.fill(0, bytes.length - pageSize);
    writeFileSync(file, bytes);

    const s = await serverOn(h);
    try {
      await remember(s.client, 'after');
      expect(await recalled(s.client)).toEqual({ total: 1, keys: ['after'] });
      expect(s.stderr()).toMatch(
        new RegExp(
          `${escape(file)} was not used: SQLite reports it damaged: .+\\. It is kept as ` +
            `${escape(file)}\\.[-\\dTZ]+\\.damaged \\(nothing was deleted\\).*\\. ollm-mcp goes on with ` +
            `a new, empty state database\\.`,
        ),
      );
    } finally {
      await s.close();
    }
    const kept = keptAside(h, 'state.db');
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(h, kept[0]!)).equals(bytes)).toBe(true);

    const doctor = await run(['doctor'], { OLLM_HOME: h, OLLAMA_HOST: fake.host });
    expect(doctor.stdout).toMatch(
      new RegExp(`✓ State: .*state\\.db, .*schema version ${MIGRATIONS.length}, 1 memory entry`),
    );
    expect(doctor.stdout).toContain(`! State: ${join(h, kept[0]!)} was kept aside`);
  }, 60_000);
});

describe('a 0-byte state.db', () => {
  it(
    'where a store was written (an earlier version’s imported backup is there): kept aside and ' +
      'said so; remember works',
    async () => {
      const h = tempHome();
      writeFileSync(join(h, 'state.db'), '');
      writeFileSync(join(h, 'memory.json.imported-backup'), '{"entries":[]}');
      const s = await serverOn(h);
      try {
        await remember(s.client, 'after');
        expect(await recalled(s.client)).toEqual({ total: 1, keys: ['after'] });
        expect(s.stderr()).toContain(
          `${join(h, 'state.db')} was not used: state.db is empty: what is left of a truncated store. ` +
            `It is kept as ${join(h, 'state.db.')}`,
        );
      } finally {
        await s.close();
      }
      const kept = keptAside(h, 'state.db');
      expect(kept).toHaveLength(1);
      expect(statSync(join(h, kept[0]!)).size).toBe(0);
    },
  );

  it('with no sign of a store (a file just made): used as the new store; nothing kept aside, nothing said', async () => {
    const h = tempHome();
    writeFileSync(join(h, 'state.db'), '');
    const s = await serverOn(h);
    try {
      await remember(s.client, 'after');
      expect(await recalled(s.client)).toEqual({ total: 1, keys: ['after'] });
      expect(s.stderr()).not.toContain('was not used');
    } finally {
      await s.close();
    }
    expect(readdirSync(h).filter((f) => f.endsWith('.damaged'))).toEqual([]);
    expect([...keysInDb(h)]).toEqual(['after']); // the store is in that file
  });
});
