/**
 * The user's global excludes (issue 80, finding 6): a file named in the file core.excludesFile names
 * — or, with none named, in $XDG_CONFIG_HOME/git/ignore or ~/.config/git/ignore — was matched by a
 * glob, read and sent. Now that file joins info/exclude below every .gitignore, read once a walk
 * under the bounds of any file of rules. Every test runs git with a home of its own: the machine's
 * home and git configuration are neither read nor written.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gatherInputs } from '../../src/orchestrator/inputs/gather.js';
import {
  GITIGNORE_MAX_BYTES,
  GitignoreRules,
  RULES_TEXT,
  RulesUnreadable,
} from '../../src/orchestrator/inputs/gitignore.js';
import { readTopRules } from '../../src/orchestrator/inputs/gitignore-read.js';
import { ReadOrigins } from '../../src/orchestrator/inputs/origins.js';
import { inputScope } from '../../src/orchestrator/inputs/scope.js';
import { tempDir } from '../helpers/temp.js';

const LIMITS = {
  roots: [] as string[],
  allow: [] as string[],
  maxFileBytes: 2_000_000,
  maxImageBytes: 20_000_000,
  maxTotalBytes: 8_000_000,
  maxFiles: 500,
};
const hasGit = spawnSync('git', ['--version']).status === 0;

/** A home of its own, no system configuration, and `gitconfig` (if given) as the user's global one. */
function userEnv(gitconfig?: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = tempDir('ollm-gitignore-home-');
  const global = join(home, '.gitconfig');
  if (gitconfig !== undefined) writeFileSync(global, gitconfig);
  return { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: global, ...extra };
}

/** Writes `text` at `path` under `root`, making its folders. */
function put(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** A repository (made by git when it is there) holding `files`, each file's text its name in capitals. */
function repository(env: NodeJS.ProcessEnv, files: readonly string[]): string {
  const root = tempDir('ollm-gitignore-global-');
  // no template: no info/exclude of comments counted against a walk's bound
  if (hasGit) git(root, env, 'init', '-q', '--template=', '.');
  else mkdirSync(join(root, '.git'));
  for (const f of files) put(root, f, `${f.toUpperCase()}-MARK\n`);
  return root;
}

function git(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  const run = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** Which of `files` a walk in `root` leaves out, with `env` as the user's environment. */
async function ignoredIn(root: string, env: NodeJS.ProcessEnv, files: readonly string[]): Promise<string[]> {
  const rules = new GitignoreRules(root, undefined, undefined, (top) => readTopRules(top, env));
  const out: string[] = [];
  for (const f of files) if (await rules.ignored(join(root, f))) out.push(f);
  return out;
}

describe.skipIf(!hasGit)('core.excludesFile', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it("leaves out of a glob, unread, a file named in the user's excludes file (~/ expanded)", async () => {
    const env = userEnv('[core]\n\texcludesFile = ~/my-excludes\n');
    put(env.HOME!, 'my-excludes', 'diary.txt\n*.draft\nbuilt/\n');
    // with core.excludesFile set, the default file is not read
    put(env.HOME!, '.config/git/ignore', 'kept.txt\n');
    const root = repository(env, ['diary.txt', 'sub/diary.txt', 'a.draft', 'built/x.js', 'kept.txt']);
    // the server's own environment, as a glob reads it: set for this test alone
    Object.assign(process.env, env);
    delete process.env.XDG_CONFIG_HOME;
    const gathered = await gatherInputs({ files: ['**/*'] }, await inputScope(LIMITS, root, []), new ReadOrigins());
    expect(gathered.docs.map((d) => d.label)).toEqual(['kept.txt']);
    const sent = gathered.docs.map((d) => d.text).join('\n');
    for (const mark of ['DIARY', 'A.DRAFT', 'BUILT']) expect(sent).not.toContain(mark);
    expect(sent).toContain('KEPT.TXT-MARK');
  });

  it("follows includes, and the repository's own setting (relative to its top) over the user's", async () => {
    const env = userEnv('[include]\n\tpath = ~/more.gitconfig\n');
    writeFileSync(join(env.HOME!, 'more.gitconfig'), '[core]\n\texcludesFile = ~/included-excludes\n');
    put(env.HOME!, 'included-excludes', 'included.txt\n');
    const files = ['included.txt', 'own.txt', 'sub/own.txt', 'plain.txt'];
    const root = repository(env, files);
    expect(await ignoredIn(root, env, files)).toEqual(['included.txt']);
    git(root, env, 'config', 'core.excludesFile', 'own-excludes');
    put(root, 'own-excludes', 'own.txt\n');
    expect(await ignoredIn(root, env, files)).toEqual(['own.txt', 'sub/own.txt']);
  });
});

describe('the default excludes file, with no core.excludesFile', () => {
  const files = ['xdg.txt', 'home.txt', 'plain.txt'];

  it('is $XDG_CONFIG_HOME/git/ignore when that is an absolute path, else ~/.config/git/ignore', async () => {
    const xdg = tempDir('ollm-gitignore-xdg-');
    put(xdg, 'git/ignore', 'xdg.txt\n');
    const env = userEnv(undefined, { XDG_CONFIG_HOME: xdg });
    put(env.HOME!, '.config/git/ignore', 'home.txt\n');
    const root = repository(env, files);
    expect(await ignoredIn(root, env, files)).toEqual(['xdg.txt']);
    expect(await ignoredIn(root, { ...env, XDG_CONFIG_HOME: 'relative/config' }, files)).toEqual(['home.txt']);
    const { XDG_CONFIG_HOME: _, ...noXdg } = env;
    expect(await ignoredIn(root, noXdg, files)).toEqual(['home.txt']);
  });

  it('is read when git cannot be run, whatever a configuration would name', async () => {
    const env = userEnv('[core]\n\texcludesFile = ~/named\n');
    put(env.HOME!, 'named', 'xdg.txt\n');
    put(env.HOME!, '.config/git/ignore', 'home.txt\n');
    const root = repository(env, files);
    expect(await ignoredIn(root, { ...env, PATH: join(env.HOME!, 'no-git-here') }, files)).toEqual(['home.txt']);
  });
});

describe('precedence: every .gitignore, then info/exclude, then the excludes file', () => {
  it('lets a negation nearer the file bring it back, reads a file named nowhere, and agrees with git', async () => {
    const env = userEnv();
    put(env.HOME!, '.config/git/ignore', '*.log\nback.txt\ninfo-back.txt\n!info-off.txt\nbuilt/\n');
    const files = ['a.log', 'keep.log', 'sub/keep.log', 'sub/deep.log', 'back.txt', 'sub/back.txt'];
    files.push('info-back.txt', 'info-off.txt', 'built/out.js', 'plain.txt', 'sub/plain.txt');
    const root = repository(env, files);
    put(root, '.gitignore', '!back.txt\n!keep.log\n');
    put(root, 'sub/.gitignore', 'keep.log\n!deep.log\n');
    put(root, '.git/info/exclude', '!info-back.txt\ninfo-off.txt\n');
    const expected = ['a.log', 'sub/keep.log', 'info-off.txt', 'built/out.js'];
    expect(await ignoredIn(root, env, files)).toEqual(expected);
    if (hasGit) {
      const says = git(root, env, 'ls-files', '-o', '-i', '--exclude-standard', '-z').split('\0').filter(Boolean);
      expect(says.sort()).toEqual([...expected].sort());
    }
  });
});

describe('the bounds of the excludes file', () => {
  const savedText = { ...RULES_TEXT };
  afterEach(() => Object.assign(RULES_TEXT, savedText));

  it(`refuses the walk when it is over ${GITIGNORE_MAX_BYTES / 1e6} MB, exactly as for such a .gitignore`, async () => {
    const huge = `${'#'.repeat(GITIGNORE_MAX_BYTES + 500_000)}\nsecret.txt\n`;
    const env = userEnv();
    put(env.HOME!, '.config/git/ignore', huge);
    const root = repository(env, ['secret.txt', 'notes.txt']);
    const global = await ignoredIn(root, env, ['secret.txt']).catch((e: unknown) => e);
    const other = repository(userEnv(), ['sub/secret.txt']);
    put(other, 'sub/.gitignore', huge);
    const local = await ignoredIn(other, userEnv(), ['sub/secret.txt']).catch((e: unknown) => e);
    for (const err of [global, local]) expect(err).toBeInstanceOf(RulesUnreadable);
    const said = (err: unknown, file: string) => (err as Error).message.replace(file, '<file>');
    expect(said(global, join(env.HOME!, '.config/git/ignore'))).toBe(said(local, join(other, 'sub/.gitignore')));
    expect(said(local, join(other, 'sub/.gitignore'))).toBe(
      '<file> is 16.5 MB, more than the 16.0 MB read of such a file, so which files git ignores cannot be told',
    );
  });

  it("counts it in a walk's bound of rules in all, read once a walk", async () => {
    const env = userEnv();
    put(env.HOME!, '.config/git/ignore', 'a.txt\nb.txt\n'); // 12 characters
    const root = repository(env, ['a.txt', 'sub/c.txt', 'sub/d.txt']);
    put(root, 'sub/.gitignore', 'c.txt\nd.txt\n'); // 12 more
    RULES_TEXT.walkBytes = 20;
    await expect(ignoredIn(root, env, ['a.txt', 'sub/c.txt'])).rejects.toThrow(/hold more than the 0\.0 MB/);
    RULES_TEXT.walkBytes = 24;
    let reads = 0;
    const rules = new GitignoreRules(root, undefined, undefined, (top) => {
      reads++;
      return readTopRules(top, env);
    });
    const kept: string[] = [];
    for (const f of ['a.txt', 'sub/c.txt', 'sub/e.txt', 'f.txt'])
      if (!(await rules.ignored(join(root, f)))) kept.push(f);
    expect(kept).toEqual(['sub/e.txt', 'f.txt']);
    expect(reads).toBe(1);
  });
});

describe.skipIf(!hasGit)('the setting asked of git', () => {
  /** `env` with a `git` on its PATH that counts its runs in `count` and runs the real one. */
  function counted(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; runs: () => number } {
    const bin = tempDir('ollm-git-count-');
    const count = join(bin, 'runs');
    const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho x >> '${count}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    const runs = () => (spawnSync('cat', [count], { encoding: 'utf8' }).stdout.match(/x/g) ?? []).length;
    return { env: { ...env, PATH: `${bin}:${env.PATH ?? ''}` }, runs };
  }

  it('is asked once for the walks of one top within seconds (a call walks once a pattern); another top asks', async () => {
    const base = userEnv();
    put(base.HOME!, '.config/git/ignore', 'a.txt\n');
    const root = repository(base, ['a.txt', 'b.txt']);
    const other = repository(base, ['a.txt']);
    const { env, runs } = counted(base);
    const files = async (top: string) => (await readTopRules(top, env)).map((r) => r.file);
    expect(await files(root)).toEqual([join(base.HOME!, '.config/git/ignore')]);
    await files(root);
    await files(root);
    expect(runs()).toBe(1);
    expect(await files(other)).toEqual([join(base.HOME!, '.config/git/ignore')]);
    expect(runs()).toBe(2);
  });
});
