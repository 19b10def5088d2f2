// Where `state backup` may write (src/orchestrator/storage/backup-target.ts): the live files of a
// state folder by any name that reaches them, and nothing else; a short temporary name.
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupPath, LIVE_FILES, liveFileAt, partialName } from '../../src/orchestrator/storage/backup-target.js';
import { tempDir } from '../helpers/temp.js';

function place() {
  const home = tempDir('ollm-backup-home-');
  const other = tempDir('ollm-backup-other-');
  writeFileSync(join(home, 'state.db'), 'db');
  writeFileSync(join(home, 'state.db-wal'), 'wal');
  writeFileSync(join(other, 'plain.db'), 'not the store');
  mkdirSync(join(home, 'inner'));
  symlinkSync(join(home, 'inner'), join(other, 'into-home'));
  symlinkSync(home, join(other, 'home-link'));
  return { home, other };
}
const at = async (home: string, given: string) => liveFileAt(home, (await backupPath(given))!);

describe('liveFileAt', () => {
  it('names each live file by its own name, in any case, existing or not', async () => {
    const { home } = place();
    expect(LIVE_FILES).toEqual(['state.db', 'state.db-wal', 'state.db-shm', 'state.db-journal', 'state.db-lock']);
    for (const name of LIVE_FILES) expect(await at(home, join(home, name))).toBe(name);
    expect(await at(home, join(home, 'STATE.DB-SHM'))).toBe('state.db-shm');
    expect(await at(home, join(home, 'State.Db'))).toBe('state.db');
  });

  it('finds them through a link, a hard link, a linked folder and ".." as the kernel takes it', async () => {
    const { home, other } = place();
    symlinkSync(join(home, 'state.db'), join(other, 'link.db'));
    linkSync(join(home, 'state.db-wal'), join(other, 'hard-wal'));
    expect(await at(home, join(other, 'link.db'))).toBe('state.db');
    expect(await at(home, join(other, 'hard-wal'))).toBe('state.db-wal');
    expect(await at(home, join(other, 'home-link', 'state.db-journal'))).toBe('state.db-journal');
    expect(await at(home, `${join(other, 'into-home')}/../state.db`)).toBe('state.db');
  });

  it('leaves every other file alone: other names in the state folder, the same names elsewhere, other files', async () => {
    const { home, other } = place();
    for (const given of [
      join(home, 'state.db.bak'),
      join(home, 'state-wal'),
      join(home, 'inner', 'state.db'),
      join(other, 'state.db'),
      join(other, 'plain.db'),
      join(other, 'new.db'),
    ]) {
      expect({ given, live: await at(home, given) }).toEqual({ given, live: undefined });
    }
    // a state folder not made yet has no live files
    expect(await at(join(other, 'no-home'), join(other, 'plain.db'))).toBeUndefined();
    // nor is a path in a folder that does not exist one of them
    expect(await liveFileAt(home, join(other, 'missing', 'state.db'))).toBeUndefined();
  });
});

describe('backupPath and partialName', () => {
  it('resolve the folder as the kernel does and keep the name; a missing folder is undefined', async () => {
    const { home, other } = place();
    expect(await backupPath(`${join(other, 'into-home')}/../x.db`)).toBe(join(home, 'x.db'));
    expect(await backupPath(join(other, 'home-link', 'y.db'))).toBe(join(home, 'y.db'));
    expect(await backupPath(join(other, 'missing', 'z.db'))).toBeUndefined();
  });

  it('a temporary name beside the target, short and new each time, whatever the target name', () => {
    const target = join('/srv/backups', 'b'.repeat(255));
    const a = partialName(target);
    expect(dirname(a)).toBe('/srv/backups');
    expect(basename(a)).toMatch(new RegExp(`^\\.ollm-backup-${process.pid}-[0-9a-f]{8}\\.partial$`));
    expect(partialName(target)).not.toBe(a);
  });
});
