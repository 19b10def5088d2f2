/**
 * A file swapped between the check and the read: whatever takes its place — a link to a secret
 * outside the project, another file, a folder on its path turned into a link — is refused with
 * "changed while it was read", and none of it is read.
 */
import { linkSync, mkdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readLocated } from '../../src/orchestrator/inputs/files.js';
import { locate } from '../../src/orchestrator/inputs/scope.js';
import { InputError, type InputScope } from '../../src/orchestrator/inputs/types.js';
import { tempDir } from '../helpers/temp.js';

const SECRET = 'OUTSIDE-SECRET-MARK';
let project: string;
let outside: string;
let scope: InputScope;

beforeEach(() => {
  const top = tempDir('ollm-race-');
  project = join(top, 'project');
  outside = join(top, 'outside');
  mkdirSync(join(project, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(project, 'notes.txt'), 'ALLOWED-MARK notes\n');
  writeFileSync(join(project, 'sub', 'notes.txt'), 'ALLOWED-MARK sub notes\n');
  writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
  scope = {
    base: project,
    roots: [project],
    allow: [],
    maxFileBytes: 1e6,
    maxImageBytes: 1e6,
    maxTotalBytes: 1e7,
    maxFiles: 100,
  };
});

async function refusalOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    (r) => r,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

describe('a file swapped between the check and the read', () => {
  it('reads a file that stayed as it was checked', async () => {
    const where = await locate('notes.txt', project, scope.roots);
    const r = await readLocated(where, scope, 1e7);
    expect(r.kind === 'text' && r.text).toBe('ALLOWED-MARK notes\n');
  });

  it('refuses a link to a secret outside the project put in its place', async () => {
    const where = await locate('notes.txt', project, scope.roots);
    unlinkSync(join(project, 'notes.txt'));
    symlinkSync(join(outside, 'secret.txt'), join(project, 'notes.txt'));
    const why = await refusalOf(readLocated(where, scope, 1e7));
    expect(why).toBe('notes.txt: changed while it was read (a link or another file took its place) — try again.');
  });

  it('refuses another file put in its place (not the same inode)', async () => {
    const where = await locate('notes.txt', project, scope.roots);
    writeFileSync(join(project, 'other.txt'), 'OTHER-MARK\n');
    renameSync(join(project, 'other.txt'), join(project, 'notes.txt'));
    expect(await refusalOf(readLocated(where, scope, 1e7))).toMatch(/^notes\.txt: changed while it was read/);
  });

  it('refuses a file that was removed after the check', async () => {
    const where = await locate('notes.txt', project, scope.roots);
    unlinkSync(join(project, 'notes.txt'));
    expect(await refusalOf(readLocated(where, scope, 1e7))).toMatch(/^notes\.txt: changed while it was read/);
  });

  it('refuses when a folder on its path became a link to a folder outside', async () => {
    const where = await locate('sub/notes.txt', project, scope.roots);
    renameSync(join(project, 'sub'), join(project, 'sub-old'));
    writeFileSync(join(outside, 'notes.txt'), `${SECRET}\n`);
    symlinkSync(outside, join(project, 'sub'));
    expect(await refusalOf(readLocated(where, scope, 1e7))).toMatch(/^sub\/notes\.txt: changed while it was read/);
  });

  it.runIf(process.platform === 'linux')(
    'refuses the very same file reached through a folder swapped for a link outside',
    async () => {
      // the same inode, so only where it was opened tells: a hard link to it outside the project
      const where = await locate('sub/notes.txt', project, scope.roots);
      linkSync(join(project, 'sub', 'notes.txt'), join(outside, 'notes.txt'));
      renameSync(join(project, 'sub'), join(project, 'sub-old'));
      symlinkSync(outside, join(project, 'sub'));
      expect(await refusalOf(readLocated(where, scope, 1e7))).toMatch(/^sub\/notes\.txt: changed while it was read/);
    },
  );
});
