/**
 * Where the shared server of this user, build and settings listens: a Unix socket in a folder
 * only this user can enter (`<runtime>/ollm-mcp-<uid>`, the runtime folder found without the
 * environment — rendezvous.ts — else `/tmp/ollm-mcp-<uid>`; made 0700 and checked to be this
 * user's and closed to others), or on Windows a named pipe (whose default access is its
 * creator's). The name is a hash of the version, the build's id (build.ts: a rebuild of the same
 * version is another build) and of what shapes the shared core —
 * $OLLM_HOME, every setting but those each client keeps (CLIENT_SETTINGS) and the variables that
 * change what the server does (SERVER_VARIABLES) — so builds never
 * mix and clients with other settings get a server of their own. A server that retires (retire.ts)
 * leaves its place for `retiring-<pid>` in the same folder, where `ollm-mcp shared` still finds it.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig } from '../../orchestrator/config/index.js';
import { configuredSecrets } from '../../orchestrator/config/secrets.js';
import { stableJson } from '../../orchestrator/util/stable-json.js';
import { platformRuntimeDir, standIn } from './rendezvous.js';

/** A folder or socket path that cannot be used safely: the launch serves on its own, saying why. */
export class SharedUnavailable extends Error {
  override name = 'SharedUnavailable';
}

/** A Unix socket path longer than this cannot be bound on every system (macOS: 104 bytes). */
export const MAX_SOCKET_PATH = 100;

/** Settings each client keeps for itself in a shared server: they are not part of the key. */
const CLIENT_SETTINGS = ['toolsets', 'model.default', 'model.routing.defaultProfile', 'shared'] as const;

/** The settings without those each client keeps (a deep copy). */
export function sharedPart(settings: unknown): unknown {
  const copy = structuredClone(settings) as Record<string, unknown>;
  for (const dotted of CLIENT_SETTINGS) {
    const path = dotted.split('.');
    let node: Record<string, unknown> | undefined = copy;
    for (const step of path.slice(0, -1)) node = node?.[step] as Record<string, unknown> | undefined;
    if (node) delete node[path.at(-1)!];
  }
  return copy;
}

/**
 * Variables the server reads for itself, not through the settings, that change what it does. The
 * shared server runs with the environment of the launch that started it, so their values are in
 * the key: a launch with other values gets a server of its own, as with other settings, and never
 * has the first launch's rule for its own. (The variables that feed settings, OLLM_HOST and the
 * like, are in the key as the settings they set; the keys, as the secrets they are.)
 */
export const SERVER_VARIABLES = [
  'OLLM_ENGINE_CLAIMS',
  'OLLM_LOG_LEVEL',
  'OLLM_STATE_LOCK_WAIT_MS',
  'OLLM_STATE_BATCH_MS',
  'OLLM_UNLOAD_WAIT_PER_MODEL_MS',
  'OLLM_REMOTE_VRAM_RECOVERY_MS',
  'OLLM_READY_AHEAD',
  'OLLM_HOLD_RENEW_WAIT_MS',
] as const;

/** Variables the server reads that are not in the key, and why. */
export const VARIABLES_NOT_IN_KEY: Readonly<Record<string, string>> = {
  OLLM_HOME: 'the key holds the folder it names',
  OLLM_PROJECT: "each client's own: sent in its hello",
  OLLM_DAEMON_FRESH: 'set by a launch for the server it starts (spawn.ts)',
  // the Claude Code plugin sets it (its data folder), a `claude mcp add` entry does not: in the key, the two
  // retired each other's server at every start, blaming "other settings" (issue 75, finding 9)
  OLLM_NODE_MODULES: 'where libsql is loaded from: the same library of the same build, whichever copy',
  OLLM_TEST_LAST_RESORT: "the tests' stand-in for /tmp (THIS_SYSTEM): where the socket folder goes, not what it serves",
  OLLM_TEST_RUNTIME_DIR: "the tests' stand-in for the runtime folder (THIS_SYSTEM): where, not what",
};

/**
 * 16 hex digits naming the shared core: $OLLM_HOME, the settings file and folders, the shared
 * settings, the keys the environment gives the hosts (only their hash is kept, in the name) and
 * the SERVER_VARIABLES set.
 */
export function sharedKey(
  config: Pick<LoadedConfig, 'home' | 'file' | 'settings' | 'templatesDir' | 'memoryFile'>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const keys = configuredSecrets(config.settings, env).sort();
  const set = SERVER_VARIABLES.filter((name) => env[name] !== undefined);
  const variables = set.length ? Object.fromEntries(set.map((name) => [name, env[name]])) : undefined;
  const shaped = {
    home: config.home,
    file: config.file,
    templatesDir: config.templatesDir,
    memoryFile: config.memoryFile,
    settings: sharedPart(config.settings),
    keys,
    variables,
  };
  return createHash('sha256').update(stableJson(shaped)).digest('hex').slice(0, 16);
}

export interface Place {
  /** The socket (or pipe) the shared server listens on. */
  address: string;
  /** The user's private folder holding the socket and the lock (on Windows: in $OLLM_HOME). */
  dir: string;
  /** The lock file a starting server holds for its life (its pid). */
  lock: string;
}

/**
 * What of the system the place depends on — never the environment a client passed: this process's, or another's in
 * the tests (Windows' side on Linux).
 */
export interface System {
  platform: NodeJS.Platform;
  /** The user's id; undefined where there is none (Windows). */
  uid: number | undefined;
  /** The user's login name (read only where there is no uid). */
  username: () => string;
  /** The platform's per-user runtime folder, usable (rendezvous.ts); undefined where there is none. */
  runtimeDir: () => Promise<string | undefined>;
  /** The folder tried last (`/tmp`; the tests name another). */
  lastResort?: string;
}

const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
/** Found once a process: the folder does not move while it runs. */
let runtimeFound: Promise<string | undefined> | undefined;

/**
 * This process's system. The tests and benchmarks stand in for the runtime folder and /tmp with folders of their own
 * (OLLM_TEST_RUNTIME_DIR, OLLM_TEST_LAST_RESORT: absolute, else ignored; read at first use), so their servers never
 * meet the machine's; a spawned launch whose runtime folder is unusable falls back to the stand-in for /tmp.
 */
export const THIS_SYSTEM: System = {
  platform: process.platform,
  uid,
  username: () => userInfo().username,
  runtimeDir: () => {
    const test = standIn(process.env.OLLM_TEST_RUNTIME_DIR);
    return (runtimeFound ??= test !== undefined ? Promise.resolve(test) : platformRuntimeDir(process.platform, uid));
  },
  get lastResort() {
    return standIn(process.env.OLLM_TEST_LAST_RESORT);
  },
};

/** This user's name for folder and pipe names: the uid on Unix, the login name on Windows. */
function userTag(system: System): string {
  if (system.uid !== undefined) return String(system.uid);
  return system.username().replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * The folder made (0700) when missing, then checked: a real folder (not a link), user `uid`'s (any
 * user's where there is no uid), and neither group nor others may enter it. A folder failing any of these is
 * never used.
 */
export async function privateDir(dir: string, uid: number | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const s = await lstat(dir);
  if (!s.isDirectory())
    throw new SharedUnavailable(
      `${dir} is not a folder (a link or a file): remove it (ollm-mcp makes it again, private to you).`,
    );
  if (uid !== undefined && s.uid !== uid)
    throw new SharedUnavailable(
      `${dir} belongs to another user (uid ${s.uid}): remove it (ollm-mcp makes it again, private to you).`,
    );
  if ((s.mode & 0o077) !== 0)
    throw new SharedUnavailable(
      `${dir} is open to other users (mode ${(s.mode & 0o777).toString(8)}): chmod 700 it, or remove it.`,
    );
}

/**
 * The folders a socket's folder may be made in, first choice first: the platform's runtime folder when it has a
 * usable one, then /tmp — the same for every launch of the user, whatever environment its client passed.
 */
export async function socketBases(system: System = THIS_SYSTEM): Promise<string[]> {
  const runtime = await system.runtimeDir();
  return [...new Set([...(runtime ? [runtime] : []), system.lastResort ?? '/tmp'])];
}

/** This user's socket folders, first choice first (none made). */
export const socketDirs = async (system: System = THIS_SYSTEM): Promise<string[]> =>
  (await socketBases(system)).map((base) => join(base, `ollm-mcp-${userTag(system)}`));

/** The place named `name` in the socket folder `dir`: its socket (on Windows its pipe) and its lock. */
export function placeIn(dir: string, name: string, system: System = THIS_SYSTEM): Place {
  const address =
    system.platform === 'win32' ? `\\\\.\\pipe\\ollm-mcp-${userTag(system)}-${name}` : join(dir, `${name}.sock`);
  return { address, dir, lock: join(dir, `${name}.lock`) };
}

/** The name of the place a retiring server moves to (retire.ts): its own, so the next server may take the old one. */
export const retiringName = (pid: number): string => `retiring-${pid}`;

/**
 * The name of the place of this release (the version and the build's id: `release()`) and key: 20 hex digits of
 * their hash, so a socket path stays short (macOS's runtime folder is ~49 bytes, its limit 104).
 */
export const placeName = (release: string, key: string): string =>
  createHash('sha256').update(`${release}\0${key}`).digest('hex').slice(0, 20);

/**
 * Where the shared server for these settings and this release (`release()`: version and build) listens; the
 * folder made and checked.
 */
export async function sharedPlace(
  config: Pick<LoadedConfig, 'home' | 'file' | 'settings' | 'templatesDir' | 'memoryFile'>,
  release: string,
  env: NodeJS.ProcessEnv = process.env,
  system: System = THIS_SYSTEM,
): Promise<Place> {
  return placeNamed(placeName(release, sharedKey(config, env)), config.home, system);
}

/**
 * The place named `name` (placeName) in the first socket folder that can hold it (`home`: $OLLM_HOME, where
 * Windows keeps it); the folder made and checked.
 */
export async function placeNamed(name: string, home: string, system: System = THIS_SYSTEM): Promise<Place> {
  if (system.platform === 'win32') {
    const dir = join(home, 'shared');
    await mkdir(dir, { recursive: true });
    return placeIn(dir, name, system);
  }
  const unusable: string[] = [];
  for (const dir of await socketDirs(system)) {
    const place = placeIn(dir, name, system);
    if (Buffer.byteLength(place.address) > MAX_SOCKET_PATH) {
      unusable.push(`${dir}: a socket path there is over ${MAX_SOCKET_PATH} bytes`);
      continue;
    }
    try {
      await privateDir(dir, system.uid);
    } catch (err) {
      // a folder that is not private is never passed over for another: it is to be fixed
      if (err instanceof SharedUnavailable) throw err;
      // not a folder, not writable, gone: the next base
      unusable.push(`${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    return place;
  }
  throw new SharedUnavailable(
    `no folder can hold its socket (${unusable.join('; ')}): make /tmp writable, or remove what stands there.`,
  );
}

/**
 * The socket folders of this user that exist and pass privateDir's checks (none is made): where
 * `ollm-mcp shared` and doctor look for servers. On Windows, the one of this $OLLM_HOME.
 */
export async function socketFolders(home: string, system: System = THIS_SYSTEM): Promise<string[]> {
  const dirs = system.platform === 'win32' ? [join(home, 'shared')] : await socketDirs(system);
  const found: string[] = [];
  for (const dir of dirs) {
    if ((await lstat(dir).catch(() => undefined)) === undefined) continue;
    try {
      await privateDir(dir, system.uid);
      found.push(dir);
    } catch (err) {
      if (!(err instanceof SharedUnavailable)) throw err; // a folder failing the checks is never read
    }
  }
  return found;
}
