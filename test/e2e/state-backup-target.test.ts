// `ollm-mcp state backup FILE` (src/server/state-command.ts, storage/backup-target.ts), run from
// the built CLI beside a spawned server (issue 41): the store is never swapped under a running
// server — FILE is refused when it is the state database or a file SQLite keeps beside it, by any
// name — a target name of up to 255 bytes works, and "-" is the output, never a file named "-".
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOllama } from '../fake-ollama/server.js';
import { CLI, run, serverEnv, tempHome } from '../helpers/spawn.js';
import { stdioServer } from '../helpers/stdio-server.js';

let fake: FakeOllama;
beforeAll(async () => {
  fake = await FakeOllama.start({ memoryBytes: 24e9 });
});
afterAll(async () => {
  await fake?.stop();
});

const keys = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT key FROM memory').all() as Array<{ key: string }>).map((r) => r.key).sort();
  } finally {
    db.close();
  }
};
const listed = async (home: string) => {
  const r = await run(['memory', 'list', '--json'], { OLLM_HOME: home });
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { entries: Array<{ key: string }> }).entries.map((e) => e.key).sort();
};
const inode = (file: string) => statSync(file).ino;

describe('state backup never replaces the live store', () => {
  it(
    'refuses $OLLM_HOME/state.db with --force while a server runs; the five remembers that ' +
      'follow reach the next process',
    async () => {
      const h = tempHome();
      const s = await stdioServer(h, fake.host);
      try {
        await s.remember('before');
        const db = join(h, 'state.db');
        const ino = inode(db);
        const r = await run(['state', 'backup', db, '--force'], { OLLM_HOME: h });
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(
          `ollm-mcp: ${db} is the state database itself: a backup there would replace the store under ` +
            `any running server. Nothing was written; choose a file outside ${h}.\n`,
        );
        expect(r.stdout).toBe('');
        expect(inode(db)).toBe(ino);
        for (let i = 0; i < 5; i++) await s.remember(`k${i}`);
      } finally {
        await s.close();
      }
      expect(await listed(h)).toEqual(['before', 'k0', 'k1', 'k2', 'k3', 'k4']);
    },
  );

  it(
    'refuses every other name of the live files (links, "..", a hard link, -wal/-shm/-journal, ' +
      'another case), with or without --force; nothing in the state folder changes',
    async () => {
      const h = tempHome();
      const s = await stdioServer(h, fake.host);
      const elsewhere = tempHome();
      try {
        await s.remember('kept');
        const db = join(h, 'state.db');
        symlinkSync(db, join(elsewhere, 'link.db'));
        linkSync(db, join(elsewhere, 'hard.db'));
        mkdirSync(join(h, 'inner'));
        symlinkSync(join(h, 'inner'), join(elsewhere, 'into-home'));
        symlinkSync(h, join(elsewhere, 'home-link'));
        const cases: Array<[string, string]> = [
          [join(elsewhere, 'link.db'), 'the state database itself'],
          [join(elsewhere, 'hard.db'), 'the state database itself'],
          // the kernel takes "into-home/.." to $OLLM_HOME (the text alone would say `elsewhere`)
          [`${join(elsewhere, 'into-home')}/../state.db`, 'the state database itself'],
          [join(elsewhere, 'home-link', 'state.db-wal'), `${join(h, 'state.db-wal')}, a file SQLite keeps beside`],
          [join(h, 'state.db-shm'), `${join(h, 'state.db-shm')}, a file SQLite keeps beside`],
          [join(h, 'state.db-journal'), `${join(h, 'state.db-journal')}, a file SQLite keeps beside`],
          [join(h, 'STATE.DB'), 'the state database itself'],
          [join(h, 'State.db-Wal'), `${join(h, 'state.db-wal')}, a file SQLite keeps beside`],
        ];
        const before = readdirSync(h).sort();
        const ino = inode(db);
        // --force is the harmful form; without it a name that exists is refused anyway, so the last two (no
        // such file yet) are tried both ways
        const runs = [
          ...cases.map(([target, said]) => [target, said, ['--force']] as const),
          ...cases.slice(-2).map(([target, said]) => [target, said, []] as const),
        ];
        for (const [target, said, force] of runs) {
          const r = await run(['state', 'backup', target, ...force], { OLLM_HOME: h });
          expect({ target, code: r.code }).toEqual({ target, code: 1 });
          expect(r.stderr).toContain(` is ${said}`);
          expect(r.stderr).toContain('would replace the store under any running server. Nothing was written');
        }
        expect(readdirSync(h).sort()).toEqual(before);
        expect(inode(db)).toBe(ino);
        await s.remember('after');
      } finally {
        await s.close();
      }
      expect(await listed(h)).toEqual(['after', 'kept']);
    },
    60_000,
  );

  it('still writes a file of another name in the state folder, and one beside a link to it', async () => {
    const h = tempHome();
    await run(['memory', 'add', 'a', 'b'], { OLLM_HOME: h });
    const elsewhere = tempHome();
    symlinkSync(h, join(elsewhere, 'home-link'));
    for (const target of [join(h, 'state.db.bak'), join(h, 'state-wal'), join(elsewhere, 'home-link', 'copy.db')]) {
      const r = await run(['state', 'backup', target], { OLLM_HOME: h });
      expect({ target, code: r.code, stderr: r.stderr }).toEqual({ target, code: 0, stderr: '' });
      expect(keys(target)).toEqual(['a']);
    }
  });
});

describe('state backup target names', () => {
  const names: Array<[string, string]> = [
    ['243 characters (the issue)', 'b'.repeat(240) + '.db'],
    ['255 bytes', 'c'.repeat(252) + '.db'],
    ['255 bytes of 3-byte characters', '日'.repeat(85)],
  ];
  it.each(names)('a name of %s is written, and no temporary file is left', async (_what, name) => {
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    const h = tempHome();
    await run(['memory', 'add', 'a', 'b'], { OLLM_HOME: h });
    const out = tempHome();
    const r = await run(['state', 'backup', join(out, name)], { OLLM_HOME: h });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out)).toEqual([name]);
    expect(keys(join(out, name))).toEqual(['a']);
  });

  it('a missing folder is said as such', async () => {
    const h = tempHome();
    const r = await run(['state', 'backup', join(tempHome(), 'no-such', 'x.db')], { OLLM_HOME: h });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ollm-mcp: The folder of .*no-such\/x\.db does not exist; nothing was written\./);
  });
});

/** Runs the CLI with stdout kept as bytes (a database is binary). */
function runBinary(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: serverEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

describe('state backup -', () => {
  it('writes the database to the output, creates no file named "-", and leaves nothing in the state folder', async () => {
    const h = tempHome();
    const s = await stdioServer(h, fake.host);
    const cwd = tempHome();
    try {
      for (const k of ['x', 'y']) await s.remember(k);
      const before = readdirSync(h).sort();
      const r = await runBinary(['state', 'backup', '-'], { OLLM_HOME: h }, cwd);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(
        new RegExp(`^Backed up ${join(h, 'state.db').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} to the output \\(\\d`),
      );
      expect(r.stdout.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
      expect(existsSync(join(cwd, '-'))).toBe(false);
      expect(readdirSync(cwd)).toEqual([]);
      expect(readdirSync(h).sort()).toEqual(before);
      const copy = join(tempHome(), 'from-output.db');
      writeFileSync(copy, r.stdout);
      expect(keys(copy)).toEqual(['x', 'y']);
    } finally {
      await s.close();
    }
  });

  it('"./-" is still a file of that name', async () => {
    const h = tempHome();
    await run(['memory', 'add', 'a', 'b'], { OLLM_HOME: h });
    const cwd = tempHome();
    const r = await run(['state', 'backup', './-'], { OLLM_HOME: h }, [], 0, cwd);
    expect(r.code).toBe(0);
    expect(keys(join(cwd, '-'))).toEqual(['a']);
  });
});
