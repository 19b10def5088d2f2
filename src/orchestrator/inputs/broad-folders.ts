/**
 * Folders that are never opened whole just because the server runs there. Clients start local
 * servers wherever suits them — Claude Desktop in `/`, others in the home folder or the system
 * folder — and a working folder that is not a project must not make every file below it readable
 * (`/etc/shadow`, shell history, keys). A folder the user named (`--project`, `OLLM_PROJECT`), the
 * client's MCP roots and `inputs.roots` are still opened as given.
 */
import { posix, win32 } from 'node:path';

/** What of the system the judgement depends on: this process's, or another's in the tests. */
export interface FolderSystem {
  /** The user's home folder (its real path). */
  home: string;
  platform: NodeJS.Platform;
  /** Windows' system folders, from the environment (`SystemRoot`, `ProgramFiles`…). */
  env: NodeJS.ProcessEnv;
}

/** Unix folders that hold the system itself: opened as a working folder, they are not a project. */
const UNIX_SYSTEM = [
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

/** The Windows variables naming system folders; a working folder in any of them is not a project. */
const WINDOWS_SYSTEM_VARS = [
  'SystemRoot',
  'windir',
  'ProgramFiles',
  'ProgramFiles(x86)',
  'ProgramW6432',
  'ProgramData',
];

/** `child` is `root` or below it, by the platform's own rules (Windows': any case, any drive). */
function within(P: typeof posix, root: string, child: string): boolean {
  const rel = P.relative(root, child);
  return rel !== '..' && !rel.startsWith(`..${P.sep}`) && !P.isAbsolute(rel);
}

/**
 * Why `folder`, the working folder in effect, is too broad to open whole — "the filesystem root",
 * "your home folder"… — or undefined when it may be read as the project folder.
 */
export function broadFolder(folder: string, sys: FolderSystem): string | undefined {
  const P = sys.platform === 'win32' ? win32 : posix;
  const path = P.resolve(folder);
  const home = P.resolve(sys.home);
  if (P.parse(path).root === path) return 'the filesystem root';
  if (P.relative(path, home) === '') return 'your home folder';
  if (within(P, path, home)) return 'a folder above your home folder';
  if (P === posix) return UNIX_SYSTEM.includes(path) ? 'a system folder' : undefined;
  const systemDirs = WINDOWS_SYSTEM_VARS.map((name) => sys.env[name]).filter(
    (d): d is string => d !== undefined && win32.isAbsolute(d),
  );
  return systemDirs.some((d) => within(win32, d, path)) ? 'a system folder' : undefined;
}
