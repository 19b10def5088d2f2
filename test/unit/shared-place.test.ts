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
import { tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
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
  sharedPlace,
  socketBases,
  socketFolders,
  type System,
} from '../../src/server/shared/place.js';
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
      new RegExp(`belongs to another user \\(uid ${owner}\\): remove it, or set XDG_RUNTIME_DIR`),
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

describe('sharedPlace', () => {
  it('takes a socket path of exactly the limit, and ignores a runtime folder that is not absolute', async () => {
    const c = await config();
    const suffix = `/ollm-mcp-${process.getuid!()}/1.0.0-${sharedKey(c)}.sock`;
    const base = shortDir();
    const runtime = join(base, 'r'.repeat(MAX_SOCKET_PATH - suffix.length - base.length - 1));
    mkdirSync(runtime);
    const place = await sharedPlace(c, '1.0.0', { XDG_RUNTIME_DIR: runtime });
    expect(Buffer.byteLength(place.address)).toBe(MAX_SOCKET_PATH);
    expect(place.address.startsWith(runtime)).toBe(true);
    // the temporary folder one of the test's own, never the machine's
    const tmp = shortDir();
    const relative = await sharedPlace(
      c,
      '1.0.0',
      { XDG_RUNTIME_DIR: 'rel/dir' },
      { ...THIS_SYSTEM, tmpdir: () => tmp },
    );
    expect(relative.address).toBe(
      join(tmp, `ollm-mcp-${process.getuid!()}`, `1.0.0-${sharedKey(c, { XDG_RUNTIME_DIR: 'rel/dir' })}.sock`),
    );
  });

  it('names the version: two versions never share an address', async () => {
    const runtime = shortDir();
    const c = await config();
    const one = await sharedPlace(c, '1.0.0', { XDG_RUNTIME_DIR: runtime });
    const two = await sharedPlace(c, '1.0.1', { XDG_RUNTIME_DIR: runtime });
    expect(one.address).toBe(join(runtime, `ollm-mcp-${process.getuid!()}`, `1.0.0-${sharedKey(c)}.sock`));
    expect(two.address).not.toBe(one.address);
    expect(one.lock).toMatch(/1\.0\.0-[0-9a-f]{16}\.lock$/);
  });

  it('leaves a runtime folder whose socket path would be too long for the temporary folder', async () => {
    const runtime = join(tempDir('ollm-rt-'), 'x'.repeat(90));
    mkdirSync(runtime);
    const tmp = shortDir();
    const place = await sharedPlace(
      await config(),
      '1.0.0',
      { XDG_RUNTIME_DIR: runtime },
      { ...THIS_SYSTEM, tmpdir: () => tmp },
    );
    expect(place.dir).toBe(join(tmp, `ollm-mcp-${process.getuid!()}`));
    expect(Buffer.byteLength(place.address)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
  });
});

describe('sharedPlace on another system', () => {
  const system = (over: Partial<System>): System => ({ ...THIS_SYSTEM, ...over });

  it("reads this process's system: its platform, uid, login name and temporary folder", () => {
    expect(THIS_SYSTEM.platform).toBe(process.platform);
    expect(THIS_SYSTEM.uid).toBe(process.getuid!());
    expect(THIS_SYSTEM.username()).toBe(userInfo().username);
    expect(THIS_SYSTEM.tmpdir()).toBe(tmpdir());
  });

  it('on Windows: a named pipe for the login name (odd characters replaced), its lock in $OLLM_HOME/shared', async () => {
    const home = join(tempDir('ollm-home-'), 'not-made-yet');
    const c = await config([], { OLLM_HOME: home });
    const windows = system({ platform: 'win32', uid: undefined, username: () => 'Jo Doe\\x' });
    const place = await sharedPlace(c, '1.0.0', {}, windows);
    expect(place).toEqual({
      address: `\\\\.\\pipe\\ollm-mcp-Jo_Doe_x-1.0.0-${sharedKey(c, {})}`,
      dir: join(home, 'shared'),
      lock: join(home, 'shared', `1.0.0-${sharedKey(c, {})}.lock`),
    });
    expect(statSync(join(home, 'shared')).isDirectory()).toBe(true);
    expect(await sharedPlace(c, '1.0.0', {}, windows)).toEqual(place); // the folder made already
  });

  it('on Unix: names the folder by the uid, never the login name', async () => {
    const runtime = shortDir();
    const place = await sharedPlace(
      await config(),
      '1.0.0',
      { XDG_RUNTIME_DIR: runtime },
      system({ platform: 'linux', uid: statSync(runtime).uid, username: () => 'someone' }),
    );
    expect(place.dir).toBe(join(runtime, `ollm-mcp-${statSync(runtime).uid}`));
  });

  it(
    "makes the folder in the temporary folder without a runtime folder, and names a version's " + 'odd characters',
    async () => {
      const tmp = shortDir();
      const c = await config();
      const place = await sharedPlace(c, '1.0.0+b/x', {}, system({ tmpdir: () => tmp }));
      expect(place.address).toBe(join(tmp, `ollm-mcp-${THIS_SYSTEM.uid}`, `1.0.0_b_x-${sharedKey(c, {})}.sock`));
    },
  );

  it('refuses when no folder gives a short enough socket path, naming those tried and the next step', async () => {
    const runtime = tempDir('ollm-rt-');
    const err = await sharedPlace(
      await config(),
      'v'.repeat(MAX_SOCKET_PATH),
      { XDG_RUNTIME_DIR: runtime },
      system({ tmpdir: () => '/var/tmp' }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SharedUnavailable);
    const long = `a socket path there is over ${MAX_SOCKET_PATH} bytes`;
    expect(String(err)).toBe(
      `SharedUnavailable: no folder can hold its socket (${runtime}: ${long}; /var/tmp: ${long}; ` +
        `/tmp: ${long}): set XDG_RUNTIME_DIR to a short private folder.`,
    );
  });

  // issue 55, finding 6: an unusable TMPDIR or XDG_RUNTIME_DIR ended the launch with a stack trace
  it('passes over a runtime or temporary folder that is a file, or under one, for the next one', async () => {
    const base = shortDir();
    const file = join(base, 'f');
    writeFileSync(file, 'x');
    const tmp = shortDir();
    const c = await config();
    // the last resort is /tmp itself (socketBases); a folder of the test's stands for it, so nothing is left in /tmp
    expect(socketBases({}, '/var/tmp').at(-1)).toBe('/tmp');
    const last = shortDir();
    const place = await sharedPlace(
      c,
      '1.0.0',
      { XDG_RUNTIME_DIR: file },
      system({ tmpdir: () => join(file, 'tmp'), lastResort: last }),
    );
    expect(place.dir).toBe(join(last, `ollm-mcp-${THIS_SYSTEM.uid}`));
    // the other side: a usable runtime folder is still the first choice
    expect(
      (await sharedPlace(c, '1.0.0', { XDG_RUNTIME_DIR: tmp }, system({ tmpdir: () => join(file, 'tmp') }))).dir,
    ).toBe(join(tmp, `ollm-mcp-${THIS_SYSTEM.uid}`));
  });

  it('with no folder it can use, refuses naming each and why, so the launch serves on its own', async () => {
    const file = join(shortDir(), 'f');
    writeFileSync(file, 'x');
    const err = await sharedPlace(
      await config(),
      '1.0.0',
      { XDG_RUNTIME_DIR: file },
      system({ tmpdir: () => join(file, 't'), lastResort: join(file, 'last') }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SharedUnavailable);
    expect(String(err)).toBe(
      `SharedUnavailable: no folder can hold its socket (${file}: ENOTDIR; ${join(file, 't')}: ` +
        `ENOTDIR; ${join(file, 'last')}: ENOTDIR): set XDG_RUNTIME_DIR to a short private folder.`,
    );
  });

  it('a folder that is there but open to others is refused, never passed over for the next', async () => {
    const runtime = shortDir();
    mkdirSync(join(runtime, `ollm-mcp-${THIS_SYSTEM.uid}`), { mode: 0o755 });
    chmodSync(join(runtime, `ollm-mcp-${THIS_SYSTEM.uid}`), 0o755);
    const err = await sharedPlace(
      await config(),
      '1.0.0',
      { XDG_RUNTIME_DIR: runtime },
      system({ tmpdir: () => shortDir() }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SharedUnavailable);
    expect(String(err)).toMatch(/is open to other users/);
  });
});

describe('socketBases', () => {
  it('tries an absolute runtime folder (trimmed) first, then the temporary folder, then /tmp', () => {
    expect(socketBases({ XDG_RUNTIME_DIR: ' /run/user/1 ' }, '/t')).toEqual(['/run/user/1', '/t', '/tmp']);
    expect(socketBases({ XDG_RUNTIME_DIR: 'rel' }, '/t')).toEqual(['/t', '/tmp']);
    expect(socketBases({ XDG_RUNTIME_DIR: '  ' }, '/t')).toEqual(['/t', '/tmp']);
    expect(socketBases({}, '/t')).toEqual(['/t', '/tmp']);
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
  // Every base ends with /tmp: the tests name the folder by a tag of their own (a login name where
  // there is no uid, or a uid no one has), never the machine's real one; a folder a mutant made
  // there is removed at the end.
  const inTmp: string[] = [];
  afterAll(() => {
    for (const dir of inTmp) rmSync(dir, { recursive: true, force: true });
  });
  const tagged = () => {
    const tag = basename(tempDir('ollm-tag-'));
    const dir = join('/tmp', `ollm-mcp-${tag}`);
    if (!existsSync(dir)) inTmp.push(dir);
    return tag;
  };
  const made = (base: string, name: string, mode = 0o700) => {
    const dir = join(base, name);
    mkdirSync(dir);
    chmodSync(dir, mode);
    return dir;
  };

  it('lists the folders that exist, the runtime folder first, each once; none is made', async () => {
    const tag = tagged();
    const runtime = tempDir('ollm-rt-');
    const tmp = tempDir('ollm-tmp-');
    const system: System = { platform: 'linux', uid: undefined, username: () => tag, tmpdir: () => tmp };
    expect(await socketFolders('/nowhere', { XDG_RUNTIME_DIR: runtime }, system)).toEqual([]);
    expect(existsSync(join(runtime, `ollm-mcp-${tag}`))).toBe(false);
    expect(existsSync(join('/tmp', `ollm-mcp-${tag}`))).toBe(false);
    const inTmpdir = made(tmp, `ollm-mcp-${tag}`);
    expect(await socketFolders('/nowhere', { XDG_RUNTIME_DIR: runtime }, system)).toEqual([inTmpdir]);
    const inRuntime = made(runtime, `ollm-mcp-${tag}`);
    expect(await socketFolders('/nowhere', { XDG_RUNTIME_DIR: runtime }, system)).toEqual([inRuntime, inTmpdir]);
    // the runtime folder being the temporary folder: its folder listed once
    expect(await socketFolders('/nowhere', { XDG_RUNTIME_DIR: tmp }, system)).toEqual([inTmpdir]);
    expect(existsSync(join('/tmp', `ollm-mcp-${tag}`))).toBe(false);
  });

  it('leaves out a folder others may enter, a link, and one of another user; lists the good one beside them', async () => {
    const tag = tagged();
    const runtime = tempDir('ollm-rt-');
    const tmp = tempDir('ollm-tmp-');
    const system: System = { platform: 'linux', uid: undefined, username: () => tag, tmpdir: () => tmp };
    const good = made(tmp, `ollm-mcp-${tag}`);
    made(runtime, `ollm-mcp-${tag}`, 0o750);
    expect(await socketFolders('/nowhere', { XDG_RUNTIME_DIR: runtime }, system)).toEqual([good]);
    const linked = tempDir('ollm-rt-');
    symlinkSync(good, join(linked, `ollm-mcp-${tag}`));
    expect(await socketFolders('/nowhere', { XDG_RUNTIME_DIR: linked }, system)).toEqual([good]);
    // with a uid: the folder named by it, and only when it is that user's (a uid no one has, never the
    // machine's own folder)
    const other = 2_000_000_000 + (process.pid % 100_000);
    if (!existsSync(join('/tmp', `ollm-mcp-${other}`))) inTmp.push(join('/tmp', `ollm-mcp-${other}`));
    const theirs = made(runtime, `ollm-mcp-${other}`);
    const withUid: System = { platform: 'linux', uid: other, username: () => 'unused', tmpdir: () => tmp };
    expect(await socketFolders('/nowhere', { XDG_RUNTIME_DIR: runtime }, withUid)).toEqual([]);
    if (process.getuid!() !== 0) return; // only root can give a folder away
    chownSync(theirs, other, other);
    expect(await socketFolders('/nowhere', { XDG_RUNTIME_DIR: runtime }, withUid)).toEqual([theirs]);
  });

  it('raises an error other than a failed check (a file where the folder should be: mkdir fails)', async () => {
    const tag = tagged();
    const runtime = tempDir('ollm-rt-');
    writeFileSync(join(runtime, `ollm-mcp-${tag}`), 'not a folder');
    const err = await socketFolders(
      '/nowhere',
      { XDG_RUNTIME_DIR: runtime },
      { platform: 'linux', uid: undefined, username: () => tag, tmpdir: () => runtime },
    ).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(SharedUnavailable);
    expect(err).toHaveProperty('code', 'EEXIST');
  });

  it('on Windows: the folder in $OLLM_HOME, when it is there', async () => {
    const tag = tagged();
    const home = tempDir('ollm-home-');
    const runtime = tempDir('ollm-rt-');
    made(runtime, `ollm-mcp-${tag}`);
    const windows: System = { platform: 'win32', uid: undefined, username: () => tag, tmpdir: () => runtime };
    expect(await socketFolders(home, { XDG_RUNTIME_DIR: runtime }, windows)).toEqual([]);
    const shared = made(home, 'shared');
    expect(await socketFolders(home, { XDG_RUNTIME_DIR: runtime }, windows)).toEqual([shared]);
  });
});
