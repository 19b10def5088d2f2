import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/orchestrator/config/index.js';
import { ENV_VARS } from '../../src/orchestrator/config/layers.js';
import { SECRET_VARIABLES } from '../../src/orchestrator/config/secrets.js';
import {
  MAX_SOCKET_PATH,
  SERVER_VARIABLES,
  SharedUnavailable,
  THIS_SYSTEM,
  VARIABLES_NOT_IN_KEY,
  placeIn,
  privateDir,
  retiringName,
  sharedKey,
  sharedPart,
  placeName,
  placeNamed,
  sharedPlace,
  socketBases,
  socketFolders,
  type System,
} from '../../src/server/shared/place.js';
import { darwinUserTemp, ownFolder, platformRuntimeDir } from '../../src/server/shared/rendezvous.js';
import { tempDir } from '../helpers/temp.js';

const config = (flags: Array<[string, unknown]> = [], env: Record<string, string> = {}) =>
  loadConfig({
    env: { OLLM_HOME: '/tmp/ollm-key-home', ...env },
    flags: flags.map(([path, value]) => ({ path, value, flag: `--set ${path}` })),
  });

// folders short enough for a socket path whatever $TMPDIR is (a mutation run's is long)
const short: string[] = [];
const shortDir = () => {
  const dir = mkdtempSync('/tmp/ollm-t-');
  short.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of short) rmSync(dir, { recursive: true, force: true });
});

describe('sharedPart', () => {
  it('drops the settings each client keeps, and keeps settings that lack their parent', () => {
    expect(sharedPart({ ollama: { host: 'x' } })).toEqual({ ollama: { host: 'x' } });
    expect(
      sharedPart({
        toolsets: ['memory'],
        model: { default: 'a', routing: { defaultProfile: 'code', allowCloud: true } },
      }),
    ).toEqual({
      model: { routing: { allowCloud: true } },
    });
  });
});

describe('sharedKey: what shapes the shared core', () => {
  it('is the same when only the settings each client keeps differ', async () => {
    const base = sharedKey(await config());
    expect(sharedKey(await config([['toolsets', ['memory']]]))).toBe(base);
    expect(sharedKey(await config([['model.default', 'llama3.2']]))).toBe(base);
    expect(sharedKey(await config([['model.routing.defaultProfile', 'code']]))).toBe(base);
    expect(sharedKey(await config([['shared.idleSeconds', 5]]))).toBe(base);
  });

  it('differs with the host, the memory budget, another setting or another $OLLM_HOME', async () => {
    const base = sharedKey(await config());
    expect(sharedKey(await config([['ollama.host', '10.0.0.2:11434']]))).not.toBe(base);
    expect(sharedKey(await config([['ram.budget', '4GB']]))).not.toBe(base);
    expect(sharedKey(await config([['model.routing.allowCloud', true]]))).not.toBe(base);
    expect(sharedKey(await config([], { OLLM_HOME: '/tmp/ollm-other-home' }))).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs with the key the environment gives the hosts, which the name does not show', async () => {
    const c = await config();
    const one = sharedKey(c, { OLLM_API_KEY: 'sk-first-key-0000000000' });
    expect(one).not.toBe(sharedKey(c, { OLLM_API_KEY: 'sk-other-key-000000000' }));
    expect(one).not.toBe(sharedKey(c, {}));
    expect(sharedKey(c, { OLLM_API_KEY: 'sk-first-key-0000000000' })).toBe(one);
    expect(sharedKey(c, { UNRELATED: 'x' })).toBe(sharedKey(c, {}));
  });

  it('depends on which keys are set, not on which variable holds which', async () => {
    const c = await config();
    const one = sharedKey(c, { OLLM_API_KEY: 'sk-first-key-0000000000', OLLAMA_API_KEY: 'sk-other-key-000000000' });
    expect(sharedKey(c, { OLLM_API_KEY: 'sk-other-key-000000000', OLLAMA_API_KEY: 'sk-first-key-0000000000' })).toBe(
      one,
    );
    expect(sharedKey(c, { OLLM_API_KEY: 'sk-other-key-000000000', OLLAMA_API_KEY: 'sk-third-key-000000000' })).not.toBe(
      one,
    );
  });
});

describe('sharedKey: the variables that change what the server does', () => {
  it(
    'differs with each variable the server reads for itself (OLLM_ENGINE_CLAIMS=0 gets a server ' +
      'of its own), and is the same for the same values',
    async () => {
      const c = await config();
      const base = sharedKey(c, {});
      expect(sharedKey(c, { OLLM_ENGINE_CLAIMS: '0' })).not.toBe(base);
      expect(sharedKey(c, { OLLM_ENGINE_CLAIMS: '0' })).toBe(sharedKey(c, { OLLM_ENGINE_CLAIMS: '0' }));
      for (const name of SERVER_VARIABLES) expect(sharedKey(c, { [name]: '1' }), name).not.toBe(base);
      expect(new Set(SERVER_VARIABLES.map((name) => sharedKey(c, { [name]: '1' }))).size).toBe(SERVER_VARIABLES.length);
      // what does not change the server: another client's project, a variable not ollm-mcp's, and where libsql is
      // loaded from (the plugin's data folder or beside the server: a plugin and a hand-made entry share a server)
      expect(sharedKey(c, { OLLM_PROJECT: '/somewhere', PATH: '/usr/bin', UNRELATED: 'x' })).toBe(base);
      expect(sharedKey(c, { OLLM_NODE_MODULES: '/home/u/.claude/plugins/data/ollm-mcp/node_modules' })).toBe(base);
    },
  );

  it(
    'every OLLM_ variable read in src is in the key (SERVER_VARIABLES), a setting, a key, or ' +
      'named as not in it with why',
    () => {
      const root = join(import.meta.dirname, '../../src');
      const read = new Set<string>();
      for (const file of readdirSync(root, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts'))) {
        const text = readFileSync(join(root, file), 'utf8');
        for (const m of text.matchAll(/env(?:\??\.|\[')(OLLM_[A-Z0-9_]+)/g)) read.add(m[1]!);
      }
      expect(read.has('OLLM_ENGINE_CLAIMS')).toBe(true); // the scan finds what it must
      const known = new Set<string>([
        ...SERVER_VARIABLES,
        ...ENV_VARS,
        ...SECRET_VARIABLES,
        ...Object.keys(VARIABLES_NOT_IN_KEY),
      ]);
      expect([...read].filter((name) => !known.has(name))).toEqual([]);
    },
  );
});

describe('privateDir', () => {
  it('makes the folder 0700 and accepts it', async () => {
    const dir = join(tempDir('ollm-priv-'), 'sock');
    await privateDir(dir, THIS_SYSTEM.uid);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await expect(privateDir(dir, THIS_SYSTEM.uid)).resolves.toBeUndefined();
  });

  it('refuses a folder others may enter, and a link in its place', async () => {
    const open = join(tempDir('ollm-priv-'), 'open');
    mkdirSync(open);
    chmodSync(open, 0o750);
    await expect(privateDir(open, THIS_SYSTEM.uid)).rejects.toThrow(/open to other users \(mode 750\)/);
    const parent = tempDir('ollm-priv-');
    const real = join(parent, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(parent, 'link'));
    await expect(privateDir(join(parent, 'link'), THIS_SYSTEM.uid)).rejects.toThrow(SharedUnavailable);
    await expect(privateDir(join(parent, 'link'), THIS_SYSTEM.uid)).rejects.toThrow(/not a folder/);
  });
});

describe('privateDir as the owner sees it', () => {
  it("refuses a folder that is not the given user's, and checks no owner where there is no uid (Windows)", async () => {
    const dir = join(tempDir('ollm-priv-'), 'mine');
    mkdirSync(dir, { mode: 0o700 });
    const owner = statSync(dir).uid;
    await expect(privateDir(dir, owner)).resolves.toBeUndefined();
    await expect(privateDir(dir, owner + 1)).rejects.toThrow(
      new RegExp(`belongs to another user \\(uid ${owner}\\): remove it \\(ollm-mcp makes it again`),
    );
    await expect(privateDir(dir, undefined)).resolves.toBeUndefined();
  });

  it('refuses a folder of another user (made so by root, when the tests run as root)', async () => {
    if (process.getuid!() !== 0) return; // only root can give a folder away
    const dir = join(tempDir('ollm-priv-'), 'theirs');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 12345, 12345);
    await expect(privateDir(dir, THIS_SYSTEM.uid)).rejects.toThrow(/belongs to another user \(uid 12345\)/);
  });
});

const sys = (over: Partial<System>): System => ({ ...THIS_SYSTEM, lastResort: shortDir(), ...over });
const at = (dir: string | undefined) => () => Promise.resolve(dir);
const uidDir = (base: string) => join(base, `ollm-mcp-${THIS_SYSTEM.uid}`);

describe('sharedPlace', () => {
  it('takes a socket path of exactly the limit; the name a hash of the release and key, 20 hex digits', async () => {
    const c = await config();
    const name = placeName('1.0.0', sharedKey(c));
    expect(name).toMatch(/^[0-9a-f]{20}$/);
    const suffix = `/ollm-mcp-${process.getuid!()}/${name}.sock`;
    const base = shortDir();
    const runtime = join(base, 'r'.repeat(MAX_SOCKET_PATH - suffix.length - base.length - 1));
    mkdirSync(runtime, { mode: 0o700 });
    const place = await sharedPlace(c, '1.0.0', {}, sys({ runtimeDir: at(runtime) }));
    expect(Buffer.byteLength(place.address)).toBe(MAX_SOCKET_PATH);
    expect(place.address).toBe(join(uidDir(runtime), `${name}.sock`));
  });

  it('names the release: two versions or builds never share an address', async () => {
    const runtime = shortDir();
    const c = await config();
    const one = await sharedPlace(c, '1.0.0-aaaaaaaaaaaa', {}, sys({ runtimeDir: at(runtime) }));
    const two = await sharedPlace(c, '1.0.1-aaaaaaaaaaaa', {}, sys({ runtimeDir: at(runtime) }));
    const three = await sharedPlace(c, '1.0.0-bbbbbbbbbbbb', {}, sys({ runtimeDir: at(runtime) }));
    expect(new Set([one.address, two.address, three.address]).size).toBe(3);
    expect(one.lock).toMatch(/\/[0-9a-f]{20}\.lock$/);
  });

  it('leaves a runtime folder whose socket path would be too long for the last resort', async () => {
    const runtime = join(tempDir('ollm-rt-'), 'x'.repeat(90));
    mkdirSync(runtime);
    const last = shortDir();
    const place = await sharedPlace(await config(), '1.0.0', {}, sys({ runtimeDir: at(runtime), lastResort: last }));
    expect(place.dir).toBe(uidDir(last));
    expect(Buffer.byteLength(place.address)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
  });
});

// issue 80, finding 1: a launch with the whole environment and one with the SDK's minimal one met in two places
describe('sharedPlace: one place whatever the environment', () => {
  it('ignores XDG_RUNTIME_DIR, TMPDIR and HOME: the same place with the whole environment and with none', async () => {
    const runtime = shortDir();
    const c = await config();
    const system = sys({ runtimeDir: at(runtime) });
    const whole = {
      XDG_RUNTIME_DIR: shortDir(),
      TMPDIR: `/${'t'.repeat(59)}`,
      TMP: '/elsewhere',
      HOME: `/home/${'h'.repeat(80)}`,
    };
    const minimal = { HOME: '/home/u', LOGNAME: 'u', PATH: '/usr/bin', SHELL: '/bin/sh', TERM: 'xterm', USER: 'u' };
    const a = await sharedPlace(c, '1.0.0', whole, system);
    const b = await sharedPlace(c, '1.0.0', minimal, system);
    expect(a).toEqual(b);
    expect(a.dir).toBe(uidDir(runtime));
  });

  it("reads this process's system: its platform, uid, login name, and the runtime folder the tests stand in", async () => {
    expect(THIS_SYSTEM.platform).toBe(process.platform);
    expect(THIS_SYSTEM.uid).toBe(process.getuid!());
    expect(THIS_SYSTEM.username()).toBe(userInfo().username);
    // the test run's stand-in (test/global-setup.ts), never the machine's /run/user or /tmp
    expect(process.env.OLLM_TEST_RUNTIME_DIR).toBeTruthy();
    expect(await THIS_SYSTEM.runtimeDir()).toBe(process.env.OLLM_TEST_RUNTIME_DIR);
    expect(await socketBases()).toEqual([process.env.OLLM_TEST_RUNTIME_DIR, THIS_SYSTEM.lastResort ?? '/tmp']);
  });
});

describe('sharedPlace on another system', () => {
  it('on Windows: a named pipe for the login name (odd characters replaced), its lock in $OLLM_HOME/shared', async () => {
    const home = join(tempDir('ollm-home-'), 'not-made-yet');
    const c = await config([], { OLLM_HOME: home });
    const windows = sys({ platform: 'win32', uid: undefined, username: () => 'Jo Doe\\x' });
    const place = await sharedPlace(c, '1.0.0', {}, windows);
    const name = placeName('1.0.0', sharedKey(c, {}));
    expect(place).toEqual({
      address: `\\\\.\\pipe\\ollm-mcp-Jo_Doe_x-${name}`,
      dir: join(home, 'shared'),
      lock: join(home, 'shared', `${name}.lock`),
    });
    expect(statSync(join(home, 'shared')).isDirectory()).toBe(true);
    expect(await sharedPlace(c, '1.0.0', {}, windows)).toEqual(place); // the folder made already
  });

  it('on Unix: names the folder by the uid, never the login name', async () => {
    const runtime = shortDir();
    const owner = statSync(runtime).uid;
    const system = sys({ platform: 'linux', uid: owner, username: () => 'someone', runtimeDir: at(runtime) });
    expect((await sharedPlace(await config(), '1.0.0', {}, system)).dir).toBe(join(runtime, `ollm-mcp-${owner}`));
  });

  it('makes the folder in the last resort without a runtime folder', async () => {
    const last = shortDir();
    const place = await sharedPlace(await config(), '1.0.0', {}, sys({ runtimeDir: at(undefined), lastResort: last }));
    expect(place.dir).toBe(uidDir(last));
    // the last resort is /tmp itself where no test stands in for it
    expect(await socketBases({ ...THIS_SYSTEM, runtimeDir: at(undefined), lastResort: undefined })).toEqual(['/tmp']);
  });

  it('refuses when no folder gives a short enough socket path, naming those tried and the next step', async () => {
    const runtime = join(tempDir('ollm-rt-'), 'x'.repeat(90));
    const last = join(tempDir('ollm-rt-'), 'y'.repeat(90));
    const err = await placeNamed('n', '/nowhere', sys({ runtimeDir: at(runtime), lastResort: last })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SharedUnavailable);
    const long = `a socket path there is over ${MAX_SOCKET_PATH} bytes`;
    expect(String(err)).toBe(
      `SharedUnavailable: no folder can hold its socket (${uidDir(runtime)}: ${long}; ${uidDir(last)}: ${long}): ` +
        'make /tmp writable, or remove what stands there.',
    );
  });

  it('passes over a runtime folder that is a file for the last resort; a usable one is the first choice', async () => {
    const file = join(shortDir(), 'f');
    writeFileSync(file, 'x');
    const last = shortDir();
    const c = await config();
    expect((await sharedPlace(c, '1.0.0', {}, sys({ runtimeDir: at(file), lastResort: last }))).dir).toBe(uidDir(last));
    const runtime = shortDir();
    expect((await sharedPlace(c, '1.0.0', {}, sys({ runtimeDir: at(runtime), lastResort: last }))).dir).toBe(
      uidDir(runtime),
    );
  });

  it('with no folder it can use, refuses naming each and why, so the launch serves on its own', async () => {
    const file = join(shortDir(), 'f');
    writeFileSync(file, 'x');
    const err = await placeNamed('n', '/nowhere', sys({ runtimeDir: at(file), lastResort: join(file, 'last') })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SharedUnavailable);
    expect(String(err)).toBe(
      `SharedUnavailable: no folder can hold its socket (${uidDir(file)}: ENOTDIR; ${uidDir(join(file, 'last'))}: ` +
        'ENOTDIR): make /tmp writable, or remove what stands there.',
    );
  });

  it('a folder that is there but open to others is refused, never passed over for the next', async () => {
    const runtime = shortDir();
    mkdirSync(uidDir(runtime), { mode: 0o755 });
    chmodSync(uidDir(runtime), 0o755);
    const err = await sharedPlace(await config(), '1.0.0', {}, sys({ runtimeDir: at(runtime) })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SharedUnavailable);
    expect(String(err)).toMatch(/is open to other users/);
  });
});

describe('platformRuntimeDir: found without the environment', () => {
  const darwin = (dir: string | undefined) => () => Promise.resolve(dir);

  it("on macOS: the user's temporary folder the system names, when it is the user's and private", async () => {
    const mine = shortDir();
    chmodSync(mine, 0o700);
    const owner = statSync(mine).uid;
    expect(await platformRuntimeDir('darwin', owner, darwin(mine))).toBe(mine);
    // the other side: none named, a relative name, another user's, one open to others, a file
    expect(await platformRuntimeDir('darwin', owner, darwin(undefined))).toBeUndefined();
    expect(await platformRuntimeDir('darwin', owner, darwin('var/folders/x/T'))).toBeUndefined();
    expect(await platformRuntimeDir('darwin', owner + 1, darwin(mine))).toBeUndefined();
    const open = shortDir();
    chmodSync(open, 0o755);
    expect(await platformRuntimeDir('darwin', owner, darwin(open))).toBeUndefined();
    const file = join(mine, 'f');
    writeFileSync(file, 'x');
    expect(await platformRuntimeDir('darwin', owner, darwin(file))).toBeUndefined();
  });

  it('on Linux: /run/user/<uid> only when it is there and private to the user; none on Windows', async () => {
    // a uid no one has: no such folder
    expect(await platformRuntimeDir('linux', 2_000_000_000 + (process.pid % 1000))).toBeUndefined();
    expect(await platformRuntimeDir('win32', undefined)).toBeUndefined();
    const mine = shortDir();
    chmodSync(mine, 0o700);
    expect(await ownFolder(mine, statSync(mine).uid)).toBe(mine);
    expect(await ownFolder(mine, statSync(mine).uid + 1)).toBeUndefined();
  });

  it('asks the system on macOS (getconf DARWIN_USER_TEMP_DIR): nothing where it has no such name', async () => {
    // on Linux getconf knows no DARWIN_USER_TEMP_DIR: the answer is none, and /tmp is used
    if (process.platform === 'darwin') expect(await darwinUserTemp()).toMatch(/^\/.+\/T$/);
    else expect(await darwinUserTemp()).toBeUndefined();
  });
});

describe('OLLM_SHARED', () => {
  it('turns the shared server off with 0 or false, on with 1; other text is refused', async () => {
    expect((await config()).settings.shared).toEqual({ enabled: true, idleSeconds: 120 });
    expect((await config([], { OLLM_SHARED: '0' })).settings.shared.enabled).toBe(false);
    expect((await config([], { OLLM_SHARED: 'false' })).settings.shared.enabled).toBe(false);
    expect((await config([], { OLLM_SHARED: '1' })).settings.shared.enabled).toBe(true);
    await expect(config([], { OLLM_SHARED: 'maybe' })).rejects.toThrow(/shared\.enabled/);
  });
});

describe('retiringName', () => {
  it('names the place of a retiring server by its pid, beside the others in the folder', () => {
    expect(retiringName(4242)).toBe('retiring-4242');
    expect(placeIn('/run/x', retiringName(7), { ...THIS_SYSTEM, platform: 'linux' })).toEqual({
      address: '/run/x/retiring-7.sock',
      dir: '/run/x',
      lock: '/run/x/retiring-7.lock',
    });
  });
});

describe('socketFolders: where the servers are looked for', () => {
  const made = (base: string, name: string, mode = 0o700) => {
    const dir = join(base, name);
    mkdirSync(dir);
    chmodSync(dir, mode);
    return dir;
  };
  const tagged = (runtime: string, last: string): System => ({
    platform: 'linux',
    uid: undefined,
    username: () => 'tag',
    runtimeDir: () => Promise.resolve(runtime),
    lastResort: last,
  });

  it('lists the folders that exist, the runtime folder first, each once; none is made', async () => {
    const [runtime, last] = [tempDir('ollm-rt-'), tempDir('ollm-tmp-')];
    const system = tagged(runtime, last);
    expect(await socketFolders('/nowhere', system)).toEqual([]);
    expect(existsSync(join(runtime, 'ollm-mcp-tag'))).toBe(false);
    expect(existsSync(join(last, 'ollm-mcp-tag'))).toBe(false);
    const inLast = made(last, 'ollm-mcp-tag');
    expect(await socketFolders('/nowhere', system)).toEqual([inLast]);
    const inRuntime = made(runtime, 'ollm-mcp-tag');
    expect(await socketFolders('/nowhere', system)).toEqual([inRuntime, inLast]);
    // the runtime folder being the last resort: its folder listed once
    expect(await socketFolders('/nowhere', tagged(last, last))).toEqual([inLast]);
  });

  it('leaves out a folder others may enter, a link, and one of another user; lists the good one beside them', async () => {
    const [runtime, last] = [tempDir('ollm-rt-'), tempDir('ollm-tmp-')];
    const good = made(last, 'ollm-mcp-tag');
    made(runtime, 'ollm-mcp-tag', 0o750);
    expect(await socketFolders('/nowhere', tagged(runtime, last))).toEqual([good]);
    const linked = tempDir('ollm-rt-');
    symlinkSync(good, join(linked, 'ollm-mcp-tag'));
    expect(await socketFolders('/nowhere', tagged(linked, last))).toEqual([good]);
    // with a uid: the folder named by it, and only when it is that user's (a uid no one has)
    const other = 2_000_000_000 + (process.pid % 100_000);
    const theirs = made(runtime, `ollm-mcp-${other}`);
    const withUid: System = { ...tagged(runtime, last), uid: other };
    expect(await socketFolders('/nowhere', withUid)).toEqual([]);
    if (process.getuid!() !== 0) return; // only root can give a folder away
    chownSync(theirs, other, other);
    expect(await socketFolders('/nowhere', withUid)).toEqual([theirs]);
  });

  it('raises an error other than a failed check (a file where the folder should be: mkdir fails)', async () => {
    const runtime = tempDir('ollm-rt-');
    writeFileSync(join(runtime, 'ollm-mcp-tag'), 'not a folder');
    const err = await socketFolders('/nowhere', tagged(runtime, runtime)).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(SharedUnavailable);
    expect(err).toHaveProperty('code', 'EEXIST');
  });

  it('on Windows: the folder in $OLLM_HOME, when it is there', async () => {
    const home = tempDir('ollm-home-');
    const runtime = tempDir('ollm-rt-');
    made(runtime, 'ollm-mcp-tag');
    const windows: System = { ...tagged(runtime, runtime), platform: 'win32' };
    expect(await socketFolders(home, windows)).toEqual([]);
    const shared = made(home, 'shared');
    expect(await socketFolders(home, windows)).toEqual([shared]);
  });
});
