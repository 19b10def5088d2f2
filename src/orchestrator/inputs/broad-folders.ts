/**
 * Folders that are never opened whole just because the server runs there. Clients start local
 * servers wherever suits them — Claude Desktop in `/`, others in the home folder or the system
 * folder — and a working folder that is not a project must not make every file below it readable
 * (`/etc/shadow`, shell history, keys). A folder the user named (`--project`, `OLLM_PROJECT`), the
 * client's MCP roots and `inputs.roots` are still opened as given.
 */
import { isAbsolute, parse, relative, resolve, sep, win32 } from 'node:path';

/** What of the system the judgement depends on: this process's, or another's in the tests. */
export interface FolderSystem {
  /** The user's home folder (its real path). */
  home: string;
  platform: NodeJS.Platform;
  /** Windows' system folders, from the environment (`SystemRoot`, `ProgramFiles`…). */
  env: NodeJS.ProcessEnv;
}

/** Unix folders that hold the system itself: opened as a working folder, they are not a project. */
const UNIX_SYSTEM = ['/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/boot', '/dev', '/proc', '/sys', '/run', '/var', '/opt', '/private', '/private/etc', '/private/var', '/System', '/Library', '/Applications', '/Volumes', '/home', '/Users'];

/** The Windows variables naming system folders; a working folder in any of them is not a project. */
const WINDOWS_SYSTEM_VARS = ['SystemRoot', 'windir', 'ProgramFiles', 'ProgramFiles(x86)', 'ProgramW6432', 'ProgramData'];

function inside(root: string, child: string, win: boolean): boolean {
  const rel = win ? win32.relative(root, child) : relative(root, child);
  const s = win ? '\\' : sep;
  return rel === '' || (!rel.startsWith(`..${s}`) && rel !== '..' && !(win ? win32.isAbsolute(rel) : isAbsolute(rel)));
}

/**
 * Why `folder`, the working folder in effect, is too broad to open whole — "the filesystem root",
 * "your home folder"… — or undefined when it may be read as the project folder.
 */
export function broadFolder(folder: string, sys: FolderSystem): string | undefined {
  const win = sys.platform === 'win32';
  const path = win ? win32.resolve(folder) : resolve(folder);
  const home = win ? win32.resolve(sys.home) : resolve(sys.home);
  const same = (a: string, b: string) => (win ? a.toLowerCase() === b.toLowerCase() : a === b);
  if (same((win ? win32.parse(path) : parse(path)).root, path)) return 'the filesystem root';
  if (same(path, home)) return 'your home folder';
  if (inside(win ? path.toLowerCase() : path, win ? home.toLowerCase() : home, win)) return 'a folder above your home folder';
  if (win) {
    for (const name of WINDOWS_SYSTEM_VARS) {
      const sysDir = sys.env[name];
      if (sysDir && win32.isAbsolute(sysDir) && inside(win32.resolve(sysDir).toLowerCase(), path.toLowerCase(), true)) return 'a system folder';
    }
    return undefined;
  }
  return UNIX_SYSTEM.includes(path) ? 'a system folder' : undefined;
}
