/**
 * Which working folders are too broad to open whole (src/orchestrator/inputs/broad-folders.ts):
 * where clients start servers that are not in a project — the filesystem root, the home folder
 * and above it, the system's folders — and, on the other side, the folders people open clients in.
 */
import { win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { broadFolder, type FolderSystem } from '../../src/orchestrator/inputs/broad-folders.js';

const unix: FolderSystem = { home: '/home/ana', platform: 'linux', env: {} };
const mac: FolderSystem = { home: '/Users/ana', platform: 'darwin', env: {} };
const win: FolderSystem = {
  home: 'C:\\Users\\ana',
  platform: 'win32',
  env: { SystemRoot: 'C:\\WINDOWS', ProgramFiles: 'C:\\Program Files' },
};

/**
 * Every folder of the system a Unix client may start a server in, each on its own (the list in the source
 * must hold them all).
 */
const UNIX_SYSTEM_FOLDERS = [
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/boot',
  '/dev',
  '/proc',
  '/sys',
  '/run',
  '/var',
  '/opt',
  '/private',
  '/private/etc',
  '/private/var',
  '/System',
  '/Library',
  '/Applications',
  '/Volumes',
  '/home',
  '/Users',
];

describe('a working folder too broad to open', () => {
  it('is the filesystem root, the home folder, or a folder above it', () => {
    expect(broadFolder('/', unix)).toBe('the filesystem root');
    expect(broadFolder('/home/ana', unix)).toBe('your home folder');
    expect(broadFolder('/home/ana/', unix)).toBe('your home folder');
    expect(broadFolder('/home/ana/work/..', unix)).toBe('your home folder');
    expect(broadFolder('/Users', mac)).toBe('a folder above your home folder');
    expect(broadFolder('/data', { ...unix, home: '/data/..hidden/ana' })).toBe('a folder above your home folder');
    expect(broadFolder('/root', { ...unix, home: '/root' })).toBe('your home folder');
    expect(broadFolder('C:\\', win)).toBe('the filesystem root');
    expect(broadFolder('D:\\', win)).toBe('the filesystem root');
    expect(broadFolder('c:\\users\\ANA', win)).toBe('your home folder');
    expect(broadFolder('C:\\Users', win)).toBe('a folder above your home folder');
  });

  it('is each folder of the system on Unix, and a folder in any system folder Windows names', () => {
    for (const folder of UNIX_SYSTEM_FOLDERS)
      expect(broadFolder(folder, { ...unix, home: '/root' }), folder).toBe('a system folder');
    const vars = {
      SystemRoot: 'C:\\Windows',
      windir: 'C:\\Win',
      ProgramFiles: 'C:\\Program Files',
      'ProgramFiles(x86)': 'C:\\Program Files (x86)',
      ProgramW6432: 'C:\\PW',
      ProgramData: 'C:\\ProgramData',
    };
    for (const [name, dir] of Object.entries(vars)) {
      const only = { ...win, env: { [name]: dir } };
      expect(broadFolder(dir, only), name).toBe('a system folder');
      expect(broadFolder(`${dir}\\System32`, only), name).toBe('a system folder');
      expect(broadFolder(`${dir.toLowerCase()}\\claude`, only), name).toBe('a system folder');
    }
  });

  it('is not a folder below home, a project elsewhere, or a folder inside a system folder', () => {
    expect(broadFolder('/home/ana/src', unix)).toBeUndefined();
    expect(broadFolder('/home/ana/work/app', unix)).toBeUndefined();
    expect(broadFolder('/tmp/build', unix)).toBeUndefined();
    expect(broadFolder('/srv/app', unix)).toBeUndefined();
    expect(broadFolder('/usr/local/src/app', unix)).toBeUndefined();
    expect(broadFolder('/home/anabel', unix)).toBeUndefined(); // a sibling whose name starts like home's
    expect(broadFolder('/data/..hidden/ana/app', { ...unix, home: '/data/..hidden/ana' })).toBeUndefined();
    expect(broadFolder('C:\\Users\\ana\\src\\app', win)).toBeUndefined();
    expect(broadFolder('D:\\work', win)).toBeUndefined(); // another drive: not above home
    expect(broadFolder('C:\\Windows-projects\\app', win)).toBeUndefined();
    // a Windows variable that is unset, or not an absolute path, names no system folder
    expect(broadFolder('C:\\Users\\ana\\src\\app', { ...win, env: {} })).toBeUndefined();
    expect(broadFolder(`C:\\Users\\ana\\src\\app`, { ...win, env: { ProgramData: 'src' } })).toBeUndefined();
    // a relative value would resolve against the working folder: the folder it would name is no system folder
    expect(
      broadFolder(`${win32.resolve('rel-dir')}\\app`, { ...win, env: { ProgramData: 'rel-dir' } }),
    ).toBeUndefined();
    expect(
      broadFolder(`${win32.resolve('rel-dir')}\\app`, { ...win, env: { ProgramData: win32.resolve('rel-dir') } }),
    ).toBe('a system folder');
  });
});
