/**
 * Where a path may be read from (src/orchestrator/inputs/scope.ts): `~`, client roots as file
 * URLs, roots by their real paths, how a path is shown, and every refusal's exact words — a path
 * that does not exist, cannot be read, contains NUL, or leads outside the allowed folders.
 */
import { mkdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  expandHome,
  inputScope,
  locate,
  outsideMessage,
  realRoots,
  rootPath,
  shownPath,
} from '../../src/orchestrator/inputs/scope.js';
import { InputError } from '../../src/orchestrator/inputs/types.js';
import { tempDir } from '../helpers/temp.js';

// the file system's own answers, except where a test makes realpath or lstat fail as a permission
// error or a race would (this suite runs as root, where no permission is ever denied)
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return { ...real, realpath: vi.fn(real.realpath), lstat: vi.fn(real.lstat) };
});

const LIMITS = {
  roots: [] as string[],
  allow: [] as string[],
  maxFileBytes: 1e6,
  maxImageBytes: 1e6,
  maxTotalBytes: 1e7,
  maxFiles: 100,
};
let project: string;
let outside: string;

beforeEach(() => {
  const top = realpathSync(tempDir('ollm-scope-'));
  project = join(top, 'project');
  outside = join(top, 'outside');
  mkdirSync(join(project, 'src'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(project, 'src', 'a.ts'), 'a\n');
  writeFileSync(join(outside, 'secret.txt'), 'secret\n');
  symlinkSync(join(outside, 'secret.txt'), join(project, 'link-out.txt'));
});
afterEach(() => vi.mocked(realpath).mockClear());

async function refusal(raw: string, base = project, roots = [project]): Promise<string> {
  const err: unknown = await locate(raw, base, roots).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

describe('paths as the caller writes them', () => {
  it('reads ~ as the home folder, in both separators, and leaves other tildes alone', () => {
    expect(expandHome('~')).toBe(homedir());
    expect(expandHome('~/notes/a.md')).toBe(join(homedir(), 'notes/a.md'));
    expect(expandHome('~\\notes')).toBe(join(homedir(), 'notes'));
    for (const p of ['~user/x', 'a/~/b', 'src/~\\x', '~~', 'x~']) expect(expandHome(p)).toBe(p);
  });

  it('takes a client root as a local file URL, and nothing else', () => {
    expect(rootPath(pathToFileURL(project).href)).toBe(project);
    expect(rootPath('file://localhost/tmp/x')).toBe('/tmp/x');
    for (const uri of ['https://example.com/x', '/tmp/x', 'tmp/x', 'file://otherhost/x', 'not a uri'])
      expect(rootPath(uri), uri).toBeUndefined();
  });

  it('keeps each root that exists once, by its real path', async () => {
    symlinkSync(project, join(outside, 'alias'));
    expect(
      await realRoots([project, join(outside, 'alias'), join(outside, 'missing'), outside, `${project}/src/..`]),
    ).toEqual([project, outside]);
    expect(await realRoots([])).toEqual([]);
  });

  it('shows a path inside the base relative to it, the base itself and anything else whole', () => {
    expect(shownPath('/a/b', '/a/b/c/d.ts')).toBe('c/d.ts');
    expect(shownPath('/a/b', '/a/b')).toBe('/a/b');
    expect(shownPath('/a/b', '/a/bc/d.ts')).toBe('/a/bc/d.ts');
  });
});

describe('locate', () => {
  it('finds a file by its real path, in its root, shown relative, with the identity it was checked by', async () => {
    const at = await locate('src/../src/a.ts', project, [outside, project]);
    const st = statSync(join(project, 'src', 'a.ts'));
    expect(at).toEqual({
      asked: join(project, 'src', 'a.ts'),
      real: join(project, 'src', 'a.ts'),
      root: project,
      shown: 'src/a.ts',
      checked: { dev: st.dev, ino: st.ino },
    });
  });

  it(
    'still locates a file gone between its realpath and its lstat, without an identity (the ' +
      'read then finds it changed)',
    async () => {
      vi.mocked(lstat).mockRejectedValueOnce(Object.assign(new Error('gone'), { code: 'ENOENT' }));
      const at = await locate('src/a.ts', project, [project]);
      expect(at.real).toBe(join(project, 'src', 'a.ts'));
      expect(at.checked).toBeUndefined();
    },
  );

  it('refuses a path with NUL, quoting at most its first 80 characters', async () => {
    expect(await refusal('a\0b')).toBe('The path "a\\u0000b" contains a NUL character.');
    const long = `${'x'.repeat(100)}\0`;
    expect(await refusal(long)).toBe(`The path "${'x'.repeat(80)}" contains a NUL character.`);
  });

  it('says a missing path does not exist, and where relative paths start', async () => {
    expect(await refusal('src/missing.ts')).toBe(`src/missing.ts: does not exist (paths are relative to ${project}).`);
    expect(await refusal(join(project, 'missing.ts'))).toBe(`${join(project, 'missing.ts')}: does not exist.`);
    // a file used as a folder (ENOTDIR): the same words, without the hint about relative paths
    expect(await refusal('src/a.ts/x')).toBe('src/a.ts/x: does not exist.');
  });

  it('says why a path cannot be read: permission, a loop of links, anything else', async () => {
    vi.mocked(realpath).mockRejectedValueOnce(Object.assign(new Error('denied'), { code: 'EACCES' }));
    expect(await refusal('src/a.ts')).toBe('src/a.ts: cannot be read (permission denied).');
    symlinkSync(join(project, 'loop-b'), join(project, 'loop-a'));
    symlinkSync(join(project, 'loop-a'), join(project, 'loop-b'));
    expect(await refusal('loop-a')).toBe('loop-a: cannot be read (ELOOP).');
    vi.mocked(realpath).mockRejectedValueOnce(new Error('boom'));
    expect(await refusal('src/a.ts')).toBe('src/a.ts: cannot be read (Error: boom).');
  });

  it('refuses a path outside every root, naming the roots, and where a link led', async () => {
    const secret = join(outside, 'secret.txt');
    const tail =
      'To read it, open the client in your project folder (or give it as an MCP root), name it ' +
      'with --project DIR or OLLM_PROJECT, or add it to inputs.roots in settings.';
    const other = join(project, 'src');
    expect(await refusal(secret, project, [project, other])).toBe(
      `${secret}: outside the folders ollm-mcp may read — allowed: ${project}, ${other}. ${tail}`,
    );
    expect(await refusal('link-out.txt')).toBe(
      `link-out.txt: outside the folders ollm-mcp may read (it leads to ${secret}) — allowed: ${project}. ${tail}`,
    );
    expect(await refusal('../outside/secret.txt')).toBe(
      `../outside/secret.txt: outside the folders ollm-mcp may read — allowed: ${project}. ${tail}`,
    );
  });
});

describe('the scope of a call', () => {
  it('resolves the project by its real path and reads there, in client roots and in roots from settings', async () => {
    const alias = join(outside, 'project-alias');
    symlinkSync(project, alias);
    const scope = await inputScope({ ...LIMITS, roots: [join(outside, 'missing'), outside] }, alias, [project]);
    expect(scope).toEqual({
      base: project,
      roots: [project, outside],
      allow: [],
      maxFileBytes: 1e6,
      maxImageBytes: 1e6,
      maxTotalBytes: 1e7,
      maxFiles: 100,
    });
    // the project stays a root when other roots are given and no client names it
    expect((await inputScope({ ...LIMITS, roots: [outside] }, alias, [])).roots).toEqual([project, outside]);
  });

  it('falls back to the working folder without a project, and to the folder as written when it does not exist', async () => {
    expect((await inputScope(LIMITS, undefined, [])).base).toBe(realpathSync(process.cwd()));
    const missing = join(outside, 'not-yet', '..', 'gone');
    const scope = await inputScope(LIMITS, missing, []);
    expect(scope.base).toBe(join(outside, 'gone'));
    expect(scope.roots).toEqual([join(outside, 'gone')]);
  });
});

describe('a working folder too broad to open whole (issue 54: Claude Desktop starts servers in /)', () => {
  let home: string;
  beforeEach(() => {
    home = join(realpathSync(tempDir('ollm-scope-home-')), 'me');
    mkdirSync(join(home, 'work', 'app'), { recursive: true });
    writeFileSync(join(home, '.bash_history'), 'export TOKEN=1\n');
    writeFileSync(join(home, 'work', 'app', 'a.ts'), 'a\n');
    vi.stubEnv('HOME', home);
  });
  afterEach(() => vi.unstubAllEnvs());
  const closedRefusal = async (raw: string, scope: Awaited<ReturnType<typeof inputScope>>) =>
    locate(raw, scope.base, scope.roots, scope.closed).then(
      () => 'read',
      (e: unknown) => (e as Error).message,
    );

  it(
    'opens neither the filesystem root nor the home folder as the working folder: nothing is ' +
      'readable, and the refusal says how to allow a folder',
    async () => {
      for (const [folder, why] of [
        ['/', 'the filesystem root'],
        [home, 'your home folder'],
      ] as const) {
        const scope = await inputScope(LIMITS, folder, []);
        expect(scope.roots).toEqual([]);
        expect(scope.base).toBe(folder); // still where the server runs, for the messages
        expect(scope.closed).toEqual({ folder, why });
        const msg = await closedRefusal(join(home, '.bash_history'), scope);
        expect(msg).toBe(
          `${join(home, '.bash_history')}: no folder is open to ollm-mcp — ollm-mcp runs in ` +
            `${folder}, ${why}, which is not opened as a project. To read files, open the client in ` +
            `your project folder (or give it as an MCP root), name it with --project DIR or ` +
            `OLLM_PROJECT, or add it to inputs.roots in settings.`,
        );
        expect(await closedRefusal('.bash_history', scope)).toMatch(/no folder is open to ollm-mcp/);
      }
    },
  );

  it('reads only in the client roots and inputs.roots then, resolving relative paths in the first of them', async () => {
    const app = join(home, 'work', 'app');
    const viaClient = await inputScope(LIMITS, '/', [app]);
    expect(viaClient).toMatchObject({ base: app, roots: [app], closed: { folder: '/', why: 'the filesystem root' } });
    expect(await closedRefusal('a.ts', viaClient)).toBe('read');
    expect(await closedRefusal(join(home, '.bash_history'), viaClient)).toMatch(
      /outside the folders ollm-mcp may read — allowed: .*app \(ollm-mcp runs in \/, the filesystem root, which is not opened as a project\)/,
    );
    const viaSettings = await inputScope({ ...LIMITS, roots: [app] }, home, []);
    expect(viaSettings.roots).toEqual([app]);
    expect(await closedRefusal(join(app, 'a.ts'), viaSettings)).toBe('read');
  });

  it('says "none is allowed" when no folder is open and none was closed', () => {
    expect(outsideMessage('a.txt', undefined, [])).toBe(
      'a.txt: no folder is open to ollm-mcp — none is allowed. To read files, open the client in ' +
        'your project folder (or give it as an MCP root), name it with --project DIR or ' +
        'OLLM_PROJECT, or add it to inputs.roots in settings.',
    );
  });

  it('knows the home folder by its real path when HOME is a link to it', async () => {
    const link = join(realpathSync(tempDir('ollm-scope-link-')), 'home-link');
    symlinkSync(home, link);
    vi.stubEnv('HOME', link);
    expect((await inputScope(LIMITS, home, [])).closed).toEqual({ folder: home, why: 'your home folder' });
    expect((await inputScope(LIMITS, link, [])).closed).toEqual({ folder: home, why: 'your home folder' });
  });

  it('keeps relative paths in an ordinary working folder when client roots are given too', async () => {
    const app = join(home, 'work', 'app');
    const other = join(home, 'work');
    const scope = await inputScope(LIMITS, app, [other]);
    expect(scope).toMatchObject({ base: app, roots: [app, other] });
    expect(await closedRefusal(join(home, 'work', '..'), scope)).toMatch(
      /outside the folders ollm-mcp may read — allowed: [^(]*\. To read it/,
    ); // a root's parent is outside it
  });

  it('opens a folder the user named, and an ordinary working folder, as before', async () => {
    const named = await inputScope(LIMITS, { path: home, named: true }, []);
    expect(named.roots).toEqual([home]);
    expect(named.closed).toBeUndefined();
    expect(await closedRefusal('.bash_history', named)).toBe('read');
    const app = join(home, 'work', 'app');
    const working = await inputScope(LIMITS, { path: app }, []);
    expect(working).toMatchObject({ base: app, roots: [app] });
    expect(working.closed).toBeUndefined();
  });
});
