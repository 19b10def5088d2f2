/**
 * Which working folders are too broad to open whole (src/orchestrator/inputs/broad-folders.ts):
 * where clients start servers that are not in a project — the filesystem root, the home folder
 * and above it, the system's folders — and, on the other side, the folders people open clients in.
 */
import { describe, expect, it } from 'vitest';
import { broadFolder, type FolderSystem } from '../../src/orchestrator/inputs/broad-folders.js';

const unix: FolderSystem = { home: '/home/ana', platform: 'linux', env: {} };
const mac: FolderSystem = { home: '/Users/ana', platform: 'darwin', env: {} };
const win: FolderSystem = { home: 'C:\\Users\\ana', platform: 'win32', env: { SystemRoot: 'C:\\WINDOWS', ProgramFiles: 'C:\\Program Files' } };

describe('a working folder too broad to open', () => {
  it('is the filesystem root, the home folder, a folder above it, or a system folder', () => {
    expect(broadFolder('/', unix)).toBe('the filesystem root');
    expect(broadFolder('/home/ana', unix)).toBe('your home folder');
    expect(broadFolder('/home/ana/', unix)).toBe('your home folder');
    expect(broadFolder('/home', unix)).toBe('a folder above your home folder');
    expect(broadFolder('/Users', mac)).toBe('a folder above your home folder');
    expect(broadFolder('/root', { ...unix, home: '/root' })).toBe('your home folder');
    expect(broadFolder('/home', { ...unix, home: '/root' })).toBe('a system folder');
    for (const sys of ['/etc', '/usr', '/var', '/private/etc', '/System']) expect(broadFolder(sys, unix)).toBe('a system folder');
    expect(broadFolder('C:\\', win)).toBe('the filesystem root');
    expect(broadFolder('c:\\users\\ANA', win)).toBe('your home folder');
    expect(broadFolder('C:\\Users', win)).toBe('a folder above your home folder');
    expect(broadFolder('C:\\Windows\\System32', win)).toBe('a system folder');
    expect(broadFolder('C:\\Program Files\\Claude', win)).toBe('a system folder');
  });

  it('is not a folder below home, a project elsewhere, or a folder inside a system folder', () => {
    expect(broadFolder('/home/ana/work/app', unix)).toBeUndefined();
    expect(broadFolder('/home/ana/.config/x', unix)).toBeUndefined();
    expect(broadFolder('/tmp/build', unix)).toBeUndefined();
    expect(broadFolder('/srv/app', unix)).toBeUndefined();
    expect(broadFolder('/usr/local/src/app', unix)).toBeUndefined();
    expect(broadFolder('/home/anabel', unix)).toBeUndefined(); // a sibling whose name starts like home's
    expect(broadFolder('C:\\Users\\ana\\src\\app', win)).toBeUndefined();
    expect(broadFolder('D:\\work', win)).toBeUndefined();
    expect(broadFolder('C:\\Users\\ana\\src\\app', { ...win, env: {} })).toBeUndefined();
  });
});
