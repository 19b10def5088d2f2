/**
 * Reading one located file (src/orchestrator/inputs/files.ts) against a real folder: which limit
 * applies (an image's or a file's, told by the head's signature), the budget of the call, the exact
 * words of each refusal, and what a read returns.
 */
import { execFileSync } from 'node:child_process';
import {
  linkSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileInput, readLocated } from '../../src/orchestrator/inputs/files.js';
import { locate, type Located } from '../../src/orchestrator/inputs/scope.js';
import { InputError, type InputScope } from '../../src/orchestrator/inputs/types.js';
import { openRegular, SafeReadError } from '../../src/orchestrator/util/safe-read.js';
import { PNG_1X1 } from '../helpers/project-fixture.js';
import { tempDir } from '../helpers/temp.js';

// the system's own answers, except where a test makes one fail as a disk error or a race would
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return { ...real, lstat: vi.fn(real.lstat), readlink: vi.fn(real.readlink) };
});
vi.mock('../../src/orchestrator/util/safe-read.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/orchestrator/util/safe-read.js')>();
  return { ...real, openRegular: vi.fn(real.openRegular) };
});

let project: string;
let scope: InputScope;
afterEach(() => vi.clearAllMocks());

beforeEach(() => {
  project = realpathSync(tempDir('ollm-file-reads-'));
  mkdirSync(join(project, 'img'));
  scope = {
    base: project,
    roots: [project],
    allow: [],
    maxFileBytes: 1_000,
    maxImageBytes: 10_000,
    maxTotalBytes: 100_000,
    maxFiles: 100,
  };
});

async function refusal(raw: string, s = scope, budget = 100_000): Promise<string> {
  const err: unknown = await readFileInput(raw, s, budget).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

/** A BMP of `length` bytes: "BM", and a 40-byte DIB header size at offset 14. */
function bmp(length: number): Buffer {
  const b = Buffer.alloc(length);
  b.write('BM', 0, 'latin1');
  b[14] = 40;
  return b;
}

describe('the limit that applies', () => {
  it('an image by any signature gets the image limit, a file of text the file limit', async () => {
    writeFileSync(join(project, 'img', 'pic.bmp'), bmp(5_000));
    const read = await readFileInput('img/pic.bmp', scope, 100_000);
    expect(read).toMatchObject({ kind: 'image', format: 'bmp', bytes: 5_000 });
    writeFileSync(join(project, 'img', 'big.png'), Buffer.concat([PNG_1X1, Buffer.alloc(20_000)]));
    expect(await refusal('img/big.png')).toBe(
      'img/big.png: 20.1 KB, more than the 10.0 KB allowed for an image (inputs.maxImageBytes) — ' +
        'name a smaller file or part of it.',
    );
    writeFileSync(join(project, 'notes.txt'), 'x'.repeat(1_001));
    expect(await refusal('notes.txt')).toBe(
      'notes.txt: 1.0 KB, more than the 1.0 KB allowed for a file (inputs.maxFileBytes) — name a ' +
        'smaller file or part of it.',
    );
  });

  it('a file shorter than any signature is text', async () => {
    writeFileSync(join(project, 'tiny.txt'), 'BM');
    expect(await readFileInput('tiny.txt', scope, 100_000)).toMatchObject({
      kind: 'text',
      text: 'BM',
      bytes: 2,
      encoding: 'utf-8',
    });
  });
});

/** The file as located, but without the identity locate took (as when its lstat failed): taken again when read. */
const unchecked = (name: string): Located => ({
  asked: join(project, name),
  real: join(project, name),
  root: project,
  shown: name,
});

async function refusalOf(p: Promise<unknown>): Promise<string> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

describe('the identity taken when the file is read', () => {
  it('reads a regular file, and refuses a folder, a FIFO, a link and a file gone, each in its words', async () => {
    writeFileSync(join(project, 'notes.txt'), 'hello\n');
    expect(await readLocated(unchecked('notes.txt'), scope, 1_000)).toMatchObject({
      kind: 'text',
      text: 'hello\n',
      bytes: 6,
    });
    expect(await refusalOf(readLocated(unchecked('img'), scope, 1_000))).toBe(
      'img: is a folder — name its files, or a pattern such as img/**/*.md.',
    );
    execFileSync('mkfifo', [join(project, 'pipe')]);
    expect(await refusalOf(readLocated(unchecked('pipe'), scope, 1_000))).toBe(
      'pipe: not a regular file (a device, FIFO or socket), so it is not read.',
    );
    symlinkSync(join(project, 'notes.txt'), join(project, 'link.txt'));
    expect(await refusalOf(readLocated(unchecked('link.txt'), scope, 1_000))).toBe(
      'link.txt: changed while it was read (a link or another file took its place) — try again.',
    );
    expect(await refusalOf(readLocated(unchecked('gone.txt'), scope, 1_000))).toBe(
      'gone.txt: changed while it was read (a link or another file took its place) — try again.',
    );
    expect(await refusalOf(readLocated(unchecked('notes.txt/x'), scope, 1_000))).toBe(
      'notes.txt/x: changed while it was read (a link or another file took its place) — try again.',
    );
  });

  it('says what the system said when the file cannot be looked at', async () => {
    writeFileSync(join(project, 'notes.txt'), 'hello\n');
    vi.mocked(lstat).mockRejectedValueOnce(Object.assign(new Error('i/o error'), { code: 'EIO' }));
    expect(await refusalOf(readLocated(unchecked('notes.txt'), scope, 1_000))).toBe(
      'notes.txt: cannot be opened (EIO).',
    );
    vi.mocked(lstat).mockRejectedValueOnce(new Error('no code'));
    expect(await refusalOf(readLocated(unchecked('notes.txt'), scope, 1_000))).toBe(
      'notes.txt: cannot be opened (no code).',
    );
  });
});

describe('what takes the place of a checked file', () => {
  it('a link put in its place is refused even when it leads to the very same file', async () => {
    writeFileSync(join(project, 'notes.txt'), 'hello\n');
    const where = await locate('notes.txt', project, [project]);
    linkSync(join(project, 'notes.txt'), join(project, 'same.txt')); // the same inode by another name
    unlinkSync(join(project, 'notes.txt'));
    symlinkSync(join(project, 'same.txt'), join(project, 'notes.txt'));
    expect(await refusalOf(readLocated(where, scope, 1_000))).toBe(
      'notes.txt: changed while it was read (a link or another file took its place) — try again.',
    );
  });

  it('a folder put in its place is named as a folder', async () => {
    writeFileSync(join(project, 'notes.txt'), 'hello\n');
    const where = await locate('notes.txt', project, [project]);
    rmSync(join(project, 'notes.txt'));
    mkdirSync(join(project, 'notes.txt'));
    expect(await refusalOf(readLocated(where, scope, 1_000))).toBe(
      'notes.txt: is a folder — name its files, or a pattern such as notes.txt/**/*.md.',
    );
  });

  it('a FIFO put in its place is refused at once', async () => {
    writeFileSync(join(project, 'notes.txt'), 'hello\n');
    const where = await locate('notes.txt', project, [project]);
    renameSync(join(project, 'notes.txt'), join(project, 'old.txt'));
    execFileSync('mkfifo', [join(project, 'notes.txt')]);
    expect(await refusalOf(readLocated(where, scope, 1_000))).toBe(
      'notes.txt: not a regular file (a device, FIFO or socket), so it is not read.',
    );
  });

  it('any other failure to open says what the system said', async () => {
    writeFileSync(join(project, 'notes.txt'), 'hello\n');
    const where = await locate('notes.txt', project, [project]);
    vi.mocked(openRegular).mockRejectedValueOnce(
      new SafeReadError('failed', where.real, 'could not be read', {
        cause: Object.assign(new Error('io'), { code: 'EIO' }),
      }),
    );
    expect(await refusalOf(readLocated(where, scope, 1_000))).toBe('notes.txt: cannot be opened (EIO).');
    vi.mocked(openRegular).mockRejectedValueOnce(new SafeReadError('timeout', where.real, 'took too long'));
    expect(await refusalOf(readLocated(where, scope, 1_000))).toBe(
      `notes.txt: cannot be opened (${where.real} took too long).`,
    );
    vi.mocked(openRegular).mockRejectedValueOnce(new Error('odd'));
    expect(await refusalOf(readLocated(where, scope, 1_000))).toBe('notes.txt: cannot be opened (odd).');
    vi.mocked(openRegular).mockRejectedValueOnce(new SafeReadError('loop', where.real, 'loops'));
    expect(await refusalOf(readLocated(where, scope, 1_000))).toBe(
      'notes.txt: changed while it was read (a link or another file took its place) — try again.',
    );
  });
});

describe('limits and what a read returns', () => {
  it('a file exactly at its limit or the budget is read; a byte more is not', async () => {
    writeFileSync(join(project, 'at-limit.txt'), 'x'.repeat(1_000));
    expect(await readFileInput('at-limit.txt', scope, 1_000)).toMatchObject({ kind: 'text', bytes: 1_000 });
    expect(await refusal('at-limit.txt', scope, 999)).toBe(
      'at-limit.txt: reading it (1.0 KB) would pass the 100.0 KB one call may read ' +
        '(inputs.maxTotalBytes) — name fewer files.',
    );
  });

  it('an empty file is empty text', async () => {
    writeFileSync(join(project, 'empty.txt'), '');
    expect(await readFileInput('empty.txt', scope, 1_000)).toEqual({
      kind: 'text',
      where: expect.objectContaining({ shown: 'empty.txt' }),
      text: '',
      bytes: 0,
      encoding: 'utf-8',
    });
  });

  it('looks for a private key in the first 64 KiB of text', async () => {
    const big = { ...scope, maxFileBytes: 100_000 };
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    writeFileSync(join(project, 'early.txt'), `notes\n${key}`);
    expect(await refusal('early.txt', big)).toBe(
      'early.txt: refused: it holds a private key, which is never sent to a model.',
    );
    writeFileSync(join(project, 'late.txt'), `${'x'.repeat(70_000)}\n${key}`);
    expect(await readFileInput('late.txt', big, 100_000)).toMatchObject({ kind: 'text' });
  });

  it('reads a private key that inputs.allow names, and only that one', async () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    writeFileSync(join(project, 'deploy.txt'), key);
    writeFileSync(join(project, 'other.txt'), key);
    const allowed = { ...scope, allow: ['deploy.txt'] };
    expect(await readFileInput('deploy.txt', allowed, 1_000)).toMatchObject({ kind: 'text', text: key });
    expect(await refusal('other.txt', allowed)).toBe(
      'other.txt: refused: it holds a private key, which is never sent to a model.',
    );
  });

  it.runIf(process.platform === 'linux')(
    'reads the file when /proc cannot say where the open file is (its identity was checked)',
    async () => {
      writeFileSync(join(project, 'notes.txt'), 'hello\n');
      vi.mocked(readlink).mockRejectedValueOnce(Object.assign(new Error('EACCES'), { code: 'EACCES' }));
      expect(await readFileInput('notes.txt', scope, 1_000)).toMatchObject({ kind: 'text', text: 'hello\n' });
      expect(readlink).toHaveBeenCalledTimes(1);
    },
  );

  it('a secret reached by a link outside the roots is judged by the file it leads to', async () => {
    const outside = realpathSync(tempDir('ollm-file-reads-out-'));
    writeFileSync(join(project, 'notes.txt'), 'plain\n');
    symlinkSync(join(project, 'notes.txt'), join(outside, '.env'));
    expect(await readFileInput(join(outside, '.env'), scope, 1_000)).toMatchObject({ kind: 'text', text: 'plain\n' });
    symlinkSync(join(project, 'notes.txt'), join(project, '.env'));
    // the name asked for, inside the roots, counts
    expect(await refusal('.env')).toMatch(/^notes\.txt: refused: it looks like an environment file/);
  });

  it('a plain name linked to a secret inside the roots is judged by the file it leads to', async () => {
    writeFileSync(join(project, '.env'), 'TOKEN=1\n');
    symlinkSync(join(project, '.env'), join(project, 'notes.txt'));
    // the name asked for is harmless: only the file it leads to stands between the user and the harm
    expect(await refusal('notes.txt')).toMatch(/^\.env: refused: it looks like an environment file/);
    const allowed = { ...scope, allow: ['.env'] };
    expect(await readFileInput('notes.txt', allowed, 1_000)).toMatchObject({ kind: 'text', text: 'TOKEN=1\n' });
  });

  it.runIf(process.platform === 'linux')('closes every file it opens, read or refused', async () => {
    writeFileSync(join(project, 'notes.txt'), 'hello\n');
    writeFileSync(join(project, 'big.txt'), 'x'.repeat(2_000));
    const open = () => readdirSync('/proc/self/fd').length;
    await readFileInput('notes.txt', scope, 1_000); // anything opened once for good is open now
    const before = open();
    for (let i = 0; i < 20; i++) {
      await readFileInput('notes.txt', scope, 1_000);
      await readFileInput('big.txt', scope, 100_000).catch(() => undefined);
    }
    expect(open()).toBe(before);
  });
});
