import {
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { link, lstat, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type LockFiles, type Proof, sweepLeftovers, takeLock } from '../../src/server/shared/lock.js';
import { tempDir } from '../helpers/temp.js';

describe("the shared server's lock", () => {
  it('is taken once: a second taker finds it held by a live process', async () => {
    const file = join(tempDir('ollm-lock-'), 'x.lock');
    expect(await takeLock(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    expect(await takeLock(file)).toBe(false);
  });

  it('left by a process that is gone, or unreadable, is removed and taken', async () => {
    const dead = deadPid();
    const file = join(tempDir('ollm-lock-'), 'x.lock');
    writeFileSync(file, String(dead));
    expect(await takeLock(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    writeFileSync(file, 'not a pid');
    expect(await takeLock(file)).toBe(true);
  });

  it('a link to nothing in its place (unreadable) is removed and taken', async () => {
    const dir = tempDir('ollm-lock-');
    const file = join(dir, 'x.lock');
    symlinkSync(join(dir, 'nowhere'), file);
    expect(await takeLock(file)).toBe(true);
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
  });

  it('left empty, or naming no process (0, a negative pid: signal 0 would reach a whole group), is taken', async () => {
    const file = join(tempDir('ollm-lock-'), 'x.lock');
    for (const text of ['', '0', '-1']) {
      writeFileSync(file, text);
      expect(await takeLock(file)).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    }
  });
});

describe(
  'a lock whose process lives, with a proof asked of its holder (issue 55: a pid reused after ' +
    'a crash, a server that stopped answering)',
  () => {
    const asked: number[] = [];
    const proof = (answer: 'proven' | 'silent' | 'absent'): Proof => ({
      startMs: 60_000,
      proves: async (pid) => (asked.push(pid), answer),
    });
    const old = (file: string) => utimesSync(file, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    const held = (age?: 'old') => {
      asked.length = 0;
      const file = join(tempDir('ollm-lock-'), 'x.lock');
      writeFileSync(file, String(process.ppid));
      if (age) old(file);
      return file;
    };

    it('held by the server that answers as itself: kept, the proof asked once', async () => {
      const file = held('old');
      expect(await takeLock(file, undefined, proof('proven'))).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe(String(process.ppid));
      expect(asked).toEqual([process.ppid]);
    });

    it(
      'something listening there that does not answer as it (suspended, hung): removed and taken, ' +
        'however young the lock',
      async () => {
        const file = held();
        expect(await takeLock(file, undefined, proof('silent'))).toBe(true);
        expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
        expect(asked).toContain(process.ppid);
      },
    );

    it('nothing listening, the lock past a start (a pid reused after a crash): removed and taken', async () => {
      const file = held('old');
      expect(await takeLock(file, undefined, proof('absent'))).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    });

    it(
      'nothing listening, the lock younger than a start (its server may not listen yet): kept at ' +
        'once, the proof asked once',
      async () => {
        const file = held();
        expect(await takeLock(file, undefined, proof('absent'))).toBe(false);
        expect(readFileSync(file, 'utf8')).toBe(String(process.ppid));
        expect(asked).toEqual([process.ppid]);
      },
    );

    it('its start counts to the millisecond: a lock as old as a start is past it, one a millisecond younger is not', async () => {
      const file = held();
      const fs = (age: number): LockFiles => ({
        link,
        lstat,
        readFile,
        rm,
        writeFile,
        writtenAt: async () => Date.now() - age,
      });
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        expect(await takeLock(file, fs(59_999), proof('absent'))).toBe(false);
        expect(await takeLock(file, fs(60_000), proof('absent'))).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });

    it('gone between its reading and its age: not taken for stale', async () => {
      const file = held();
      const fs: LockFiles = {
        link,
        lstat,
        readFile,
        rm,
        writeFile,
        writtenAt: async () => Promise.reject(Object.assign(new Error('gone'), { code: 'ENOENT' })),
      };
      expect(await takeLock(file, fs, proof('absent'))).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe(String(process.ppid));
    });

    it('held by a process that is gone: taken, no proof asked', async () => {
      const file = join(tempDir('ollm-lock-'), 'x.lock');
      asked.length = 0;
      writeFileSync(file, String(deadPid()));
      old(file);
      expect(await takeLock(file, undefined, proof('proven'))).toBe(true);
      expect(asked).toEqual([]);
    });
  },
);

describe('what takers killed while taking a lock left beside it', () => {
  it(
    "is removed by the holder when its process is gone; a live taker's, another lock's and " + 'other files are kept',
    async () => {
      const dir = tempDir('ollm-lock-');
      const file = join(dir, 'x.lock');
      const dead = deadPid();
      const names = [
        `x.lock.${dead}.new`,
        `x.lock.${process.ppid}.new`,
        `y.lock.${dead}.new`,
        `x.lock.${dead}.old`,
        'x.lock.0.new',
        'x.lock.abc.new',
        'x.lock.new',
        'x.lock',
      ];
      for (const n of names) writeFileSync(join(dir, n), '1');
      await sweepLeftovers(file);
      expect(readdirSync(dir).sort()).toEqual(names.filter((n) => n !== `x.lock.${dead}.new`).sort());
    },
  );

  it('is nothing to do when its folder is gone', async () => {
    await expect(sweepLeftovers(join(tempDir('ollm-lock-'), 'missing', 'x.lock'))).resolves.toBeUndefined();
  });
});

describe('a lock that cannot be made', () => {
  it('is an error, not a lock held by another (its folder is missing)', async () => {
    const file = join(tempDir('ollm-lock-'), 'missing', 'x.lock');
    await expect(takeLock(file)).rejects.toThrow(/ENOENT/);
  });
});

/**
 * The real file operations, each followed by what another process (or a hand) does right then:
 * `moves['link x.lock.break #1']` runs once the first link to that name has been tried.
 */
function interleaved(moves: Record<string, () => void> | ((call: string) => void)) {
  const calls: string[] = [];
  const fired: string[] = [];
  const seen = new Map<string, number>();
  const after = async <T>(op: string, path: string, run: () => Promise<T>): Promise<T> => {
    const call = `${op} ${basename(path)}`;
    const n = (seen.get(call) ?? 0) + 1;
    seen.set(call, n);
    calls.push(call);
    try {
      return await run();
    } finally {
      if (typeof moves === 'function') moves(call);
      else if (moves[`${call} #${n}`]) {
        fired.push(`${call} #${n}`);
        moves[`${call} #${n}`]!();
      }
    }
  };
  const fs: LockFiles = {
    link: (from, name) => after('link', name, () => link(from, name)),
    lstat: (file) => after('lstat', file, () => lstat(file)),
    readFile: (file) => after('readFile', file, () => readFile(file)),
    rm: (file, options) => after('rm', file, () => rm(file, options)),
    writeFile: (file, text, options) => after('writeFile', file, () => writeFile(file, text, options)),
    writtenAt: async (file) => (await stat(file)).mtimeMs,
  };
  return { fs, calls, fired };
}

const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no process now
const deadPid = () => dead;
const livePid = process.ppid; // the test runner's parent: alive throughout

describe('the lock among other takers (their moves put between its own)', () => {
  const place = () => {
    const dir = tempDir('ollm-lock-');
    return { dir, file: join(dir, 'x.lock'), breaker: join(dir, 'x.lock.break') };
  };
  const pidOf = (file: string) => readFileSync(file, 'utf8');

  it('is made readable by its owner alone, and leaves nothing else in the folder', async () => {
    const { dir, file } = place();
    writeFileSync(file, String(deadPid()));
    expect(await takeLock(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['x.lock']);
  });

  it('held by a live process: refused at the first look, neither the lock nor a breaker touched', async () => {
    const { file } = place();
    writeFileSync(file, String(livePid));
    const { fs, calls } = interleaved({});
    expect(await takeLock(file, fs)).toBe(false);
    expect(calls.filter((c) => c.startsWith('link') || c.startsWith('rm'))).toEqual([
      'link x.lock',
      `rm x.lock.${process.pid}.new`,
    ]);
    expect(pidOf(file)).toBe(String(livePid));
  });

  it(
    'while a live process holds the breaker, a dead lock is left to it: given up after the ' +
      'tries, lock and breaker as they were',
    async () => {
      const { dir, file, breaker } = place();
      const dead = String(deadPid());
      writeFileSync(file, dead);
      writeFileSync(breaker, String(livePid));
      expect(await takeLock(file)).toBe(false);
      expect([pidOf(file), pidOf(breaker), readdirSync(dir).length]).toEqual([dead, String(livePid), 2]);
    },
  );

  it('a breaker left by a dead process is removed, and the dead lock broken and taken', async () => {
    const { dir, file, breaker } = place();
    writeFileSync(file, String(deadPid()));
    writeFileSync(breaker, String(deadPid()));
    expect(await takeLock(file)).toBe(true);
    expect([pidOf(file), readdirSync(dir)]).toEqual([String(process.pid), ['x.lock']]);
  });

  it('a dead lock replaced by a live one while the breaker is taken is read again there and kept', async () => {
    const { file } = place();
    writeFileSync(file, String(deadPid()));
    const { fs, fired } = interleaved({ 'link x.lock.break #1': () => writeFileSync(file, String(livePid)) });
    expect(await takeLock(file, fs)).toBe(false);
    expect(fired).toEqual(['link x.lock.break #1']);
    expect(pidOf(file)).toBe(String(livePid));
  });

  it('a lock gone when read under the breaker is not removed: another that takes the name right then keeps it', async () => {
    const { file } = place();
    writeFileSync(file, String(deadPid()));
    const { fs, fired } = interleaved({
      'link x.lock.break #1': () => rmSync(file), // released meanwhile…
      'lstat x.lock #1': () => writeFileSync(file, String(livePid)), // …and taken by another, just after the look
    });
    expect(await takeLock(file, fs)).toBe(false);
    expect(fired).toEqual(['link x.lock.break #1', 'lstat x.lock #1']);
    expect(pidOf(file)).toBe(String(livePid));
  });

  it('a lock gone when read under the breaker and taken before the look is read again, never removed as a dead one', async () => {
    const { file } = place();
    writeFileSync(file, String(deadPid()));
    const { fs, fired } = interleaved({
      'link x.lock.break #1': () => rmSync(file), // released while the breaker is taken…
      // …and taken by another between the read and the look
      'readFile x.lock #2': () => writeFileSync(file, String(livePid)),
    });
    expect(await takeLock(file, fs)).toBe(false);
    expect(fired).toEqual(['link x.lock.break #1', 'readFile x.lock #2']);
    expect(pidOf(file)).toBe(String(livePid));
  });

  it.each([
    ['taken before the look is read again: its holder keeps it', 'readFile x.lock.break #1'],
    ['is not removed: another that takes it right then keeps it, and the lock it breaks', 'lstat x.lock.break #1'],
  ])('a breaker gone when read and %s', async (_, retaken) => {
    const { file, breaker } = place();
    writeFileSync(file, String(deadPid()));
    writeFileSync(breaker, String(livePid));
    const { fs, fired } = interleaved({
      'link x.lock.break #1': () => rmSync(breaker),
      [retaken]: () => writeFileSync(breaker, String(livePid)),
    });
    expect(await takeLock(file, fs)).toBe(false);
    expect(fired).toEqual(['link x.lock.break #1', retaken]);
    expect(pidOf(breaker)).toBe(String(livePid));
  });

  it(
    'a dead lock, or a dead breaker, removed by another (or by hand) just before this taker ' +
      'removes it: still taken',
    async () => {
      for (const [name, move] of [
        ['lock', 'readFile x.lock #2'],
        ['breaker', 'readFile x.lock.break #1'],
      ] as const) {
        const { dir, file, breaker } = place();
        writeFileSync(file, String(deadPid()));
        if (name === 'breaker') writeFileSync(breaker, String(deadPid()));
        const { fs, fired } = interleaved({ [move]: () => rmSync(name === 'lock' ? file : breaker) });
        expect([name, await takeLock(file, fs), fired]).toEqual([name, true, [move]]);
        expect([name, readdirSync(dir)]).toEqual([name, ['x.lock']]);
      }
    },
  );

  it('its own breaker or its own file removed by hand meanwhile: the lock is still taken', async () => {
    for (const move of ['rm x.lock #1', 'link x.lock #2']) {
      const { dir, file, breaker } = place();
      writeFileSync(file, String(deadPid()));
      const { fs, fired } = interleaved({
        [move]: () => rmSync(move === 'rm x.lock #1' ? breaker : `${file}.${process.pid}.new`),
      });
      expect([move, await takeLock(file, fs), fired]).toEqual([move, true, [move]]);
      expect([move, readdirSync(dir)]).toEqual([move, ['x.lock']]);
    }
  });

  it('gives up after 50 tries on a lock that keeps changing hands', async () => {
    const { file } = place();
    const { fs, calls } = interleaved((call) => {
      if (call === 'link x.lock') rmSync(file, { force: true }); // released as soon as it was seen…
      if (call === 'rm x.lock.break') writeFileSync(file, String(livePid)); // …and taken again
    });
    writeFileSync(file, String(livePid));
    expect(await takeLock(file, fs)).toBe(false);
    expect(calls.filter((c) => c === 'link x.lock').length).toBe(50);
  });

  it('a link the file system refuses (no hard links there) is an error, not a lock held by another', async () => {
    const { file } = place();
    const { fs } = interleaved({});
    const refusing: LockFiles = {
      ...fs,
      link: () => Promise.reject(Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' })),
    };
    await expect(takeLock(file, refusing)).rejects.toThrow(/EPERM/);
  });
});
