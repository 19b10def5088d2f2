import { describe, expect, it } from 'vitest';
import { diskErrorCode, diskProblem } from '../../src/orchestrator/util/disk-errors.js';
import { describeFailure } from '../../src/tools/tool-failure.js';

const sysErr = (code: string, path?: string) =>
  Object.assign(new Error(`${code}: failed, open '${path ?? ''}'`), { code, ...(path && { path }) });
/** The shape of libsql's SqliteError: a SQLite code name and its numeric result code. */
const sqliteErr = (code: string, rawCode: number) =>
  Object.assign(new Error('sqlite said no'), { name: 'SqliteError', code, rawCode });

describe('diskProblem', () => {
  it.each([
    ['EROFS', /read-only/, /writable/],
    ['ENOSPC', /disk holding .* is full/, /free some space/],
    ['EDQUOT', /quota is used up/, /free some of your space/],
    ['EACCES', /No permission/, /chown or chmod/],
    ['EPERM', /No permission/, /chown or chmod/],
    ['EMFILE', /Too many files are open/, /ulimit -n/],
    ['ENFILE', /Too many files are open/, /ulimit -n/],
    ['EIO', /input\/output error/, /check it/],
  ])('says %s in plain words, naming the path and what to do', (code, problem, todo) => {
    const text = diskProblem(sysErr(code), '/home/u/.ollm/templates/x.yaml')!;
    expect(text).toContain('/home/u/.ollm/templates/x.yaml');
    expect(text).toMatch(problem);
    expect(text).toMatch(todo);
    expect(text).toContain(`(${code})`);
    expect(text).not.toMatch(/bug/i);
  });

  it.each([
    ['SQLITE_FULL', 13, /is full/],
    ['SQLITE_READONLY', 8, /read-only/],
    ['SQLITE_READONLY_DBMOVED', 1032, /moved or deleted/],
    ['SQLITE_CANTOPEN', 14, /cannot be opened/],
    ['SQLITE_IOERR_WRITE', 778, /input\/output error/],
    ['SQLITE_IOERR', 10, /input\/output error/],
    ['SQLITE_PERM', 3, /No permission/],
    ['SQLITE_CORRUPT', 11, /damaged or is not a database/],
    ['SQLITE_NOTADB', 26, /damaged or is not a database/],
  ])('says the SQLite error %s as a disk problem', (code, raw, problem) => {
    const text = diskProblem(sqliteErr(code, raw), '/h/state.db')!;
    expect(text).toMatch(problem);
    expect(text).toContain('/h/state.db');
  });

  it(
    "knows a SQLite error by its numeric code alone, and libsql's connection failure by the " + 'number it ends with',
    () => {
      expect(diskErrorCode(Object.assign(new Error('x'), { rawCode: 13 }))).toBe('SQLITE_FULL');
      // SQLITE_READONLY_RECOVERY
      expect(diskErrorCode(Object.assign(new Error('x'), { rawCode: 8 | (1 << 8) }))).toBe('SQLITE_READONLY');
      expect(
        diskErrorCode(new Error('ConnectionFailed("Unable to open connection to local database /x/state.db: 14")')),
      ).toBe('SQLITE_CANTOPEN');
    },
  );

  it('finds the code through causes', () => {
    const wrapped = new Error('saving failed', { cause: sysErr('ENOSPC') });
    expect(diskProblem(wrapped, '/h/templates')).toMatch(/The disk holding \/h\/templates is full/);
  });

  it("uses the error's own path when none is given", () => {
    expect(diskProblem(sysErr('EROFS', '/mnt/ro/config.yaml'))).toContain('/mnt/ro/config.yaml');
  });

  it('is undefined for what is not a disk problem', () => {
    expect(diskProblem(new Error('boom'), '/x')).toBeUndefined();
    expect(diskProblem(sysErr('ECONNRESET'), '/x')).toBeUndefined();
    expect(diskProblem(sysErr('ENOENT'), '/x')).toBeUndefined();
    expect(diskProblem(sqliteErr('SQLITE_CONSTRAINT', 19), '/x')).toBeUndefined();
    expect(diskProblem(undefined)).toBeUndefined();
    expect(diskProblem('EROFS')).toBeUndefined();
  });

  it('does not take a permission error with no file to it (a port, a signal) for a disk problem', () => {
    expect(diskProblem(sysErr('EACCES'))).toBeUndefined();
    expect(diskProblem(sysErr('EPERM'))).toBeUndefined();
  });
});

describe('a tool failing on the disk', () => {
  it('is told the disk problem, never "a bug in ollm-mcp"', () => {
    const text = describeFailure('save_template', sysErr('EROFS', '/h/templates/.x.tmp'));
    expect(text).toMatch(/^save_template failed: \/h\/templates\/\.x\.tmp is on a read-only disk/);
    expect(text).not.toMatch(/bug/);
    expect(describeFailure('prefer_model', sqliteErr('SQLITE_FULL', 13))).toMatch(/is full .*free some space/);
  });

  it('still calls an unexpected error a bug', () => {
    expect(describeFailure('x', new Error('boom'))).toMatch(/bug in ollm-mcp/);
  });
});
