/**
 * The diff reader (src/orchestrator/inputs/diff.ts) against small real repositories, checked
 * whole: the text is git's own patch of the allowed paths and nothing else, whatever the number
 * of paths; a private key leaves out exactly the entry holding it (both sides of a rename judged
 * together); each refusal and each empty answer in its exact words; the budget to the byte.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readDiff } from '../../src/orchestrator/inputs/diff.js';
import { InputError, type DiffRequest, type InputScope } from '../../src/orchestrator/inputs/types.js';
import { git, KEY } from '../helpers/diff-repos.js';
import { tempDir } from '../helpers/temp.js';

let repo: string;
let scope: InputScope;

function put(rel: string, text: string): void {
  mkdirSync(join(repo, rel, '..'), { recursive: true });
  writeFileSync(join(repo, rel), text);
}

beforeEach(() => {
  repo = tempDir('ollm-diff-reads-');
  git(repo, 'init', '-q', '-b', 'main');
  put('app.ts', 'export const v = 1;\n');
  put('notes.txt', 'notes\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'first');
  const top = git(repo, 'rev-parse', '--show-toplevel').trim();
  scope = {
    base: top,
    roots: [top],
    allow: [],
    maxFileBytes: 1e6,
    maxImageBytes: 1e6,
    maxTotalBytes: 1e7,
    maxFiles: 100,
  };
});

/** git's own patch, as the reader asks for it. */
const gitPatch = (...args: string[]) =>
  git(
    repo,
    'diff',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--relative',
    '--find-renames',
    '--find-copies',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    ...args,
  );

async function refusal(req: DiffRequest, s = scope, budget = 1e7): Promise<string> {
  const err: unknown = await readDiff(req, s, budget).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

describe('where the diff is read', () => {
  it(
    'is the repository of an allowed project folder, and never one of a folder that is not open ' +
      "(a home folder under git, Claude Desktop's /)",
    async () => {
      put('app.ts', 'export const v = 3;\n');
      expect((await readDiff({}, scope, 1e7)).text).toContain('v = 3');
      const closed = { ...scope, roots: [], closed: { folder: scope.base, why: 'your home folder' } };
      expect(await refusal({}, closed)).toBe(
        `diff: no folder is open to ollm-mcp — ollm-mcp runs in ${scope.base}, your home folder, ` +
          `which is not opened as a project. To read files, open the client in your project folder ` +
          `(or give it as an MCP root), name it with --project DIR or OLLM_PROJECT, or add it to ` +
          `inputs.roots in settings.`,
      );
      const elsewhere = { ...scope, roots: [join(scope.base, 'sub')] };
      expect(await refusal({}, elsewhere)).toMatch(
        /^diff: outside the folders ollm-mcp may read — allowed: .*sub\. To read it/,
      );
    },
  );
});

describe('what is sent', () => {
  it("is git's own patch of the paths allowed, labelled by what was asked", async () => {
    put('app.ts', 'export const v = 2;\n');
    put('.env', 'SECRET=1\n');
    git(repo, 'add', '.env');
    const d = await readDiff({}, scope, 1e7);
    expect(d).toEqual({
      label: 'git diff (working tree)',
      text: gitPatch('--', 'app.ts'),
      bytes: Buffer.byteLength(gitPatch('--', 'app.ts')),
      skipped: [],
    });
    git(repo, 'add', 'app.ts');
    const staged = await readDiff({ staged: true }, scope, 1e7);
    expect(staged.label).toBe('git diff --cached (staged changes)');
    expect(staged.text).toBe(gitPatch('--cached', '--', 'app.ts'));
    git(repo, 'commit', '-q', '-m', 'second');
    expect((await readDiff({ range: 'HEAD~1..HEAD' }, scope, 1e7)).label).toBe('git diff HEAD~1..HEAD');
  });

  it(
    "is the plain patch whatever the repository's own colour, prefix and text-conversion " +
      'settings, and runs no command of theirs',
    async () => {
      const ran = join(tempDir('ollm-diff-textconv-'), 'ran');
      git(repo, 'config', 'color.diff', 'always');
      git(repo, 'config', 'diff.noprefix', 'true'); // no a/ and b/ at all, were it not overridden
      git(repo, 'config', 'diff.shout.textconv', `touch '${ran}'; tr a-z A-Z <`);
      put('.gitattributes', 'notes.txt diff=shout\n');
      git(repo, 'add', '.gitattributes');
      git(repo, 'commit', '-q', '-m', 'attributes');
      put('notes.txt', 'more notes\n');
      const d = await readDiff({}, scope, 1e7);
      expect(d.text).toBe(gitPatch('--', 'notes.txt'));
      expect(d.text).toContain('\n+more notes\n'); // not MORE NOTES, and no colour codes around it
      expect(d.text).toContain('\n--- a/notes.txt\n+++ b/notes.txt\n');
      expect(existsSync(ran)).toBe(false);
    },
  );

  it(
    "shows a submodule as its commits, whatever the repository's submodule settings, and not " +
      'its untracked or changed files',
    async () => {
      const sub = tempDir('ollm-diff-sub-');
      git(sub, 'init', '-q', '-b', 'main');
      writeFileSync(join(sub, 'lib.txt'), 'one\n');
      git(sub, 'add', '-A');
      git(sub, 'commit', '-q', '-m', 'one');
      git(repo, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub, 'sub');
      git(repo, 'commit', '-q', '-m', 'submodule');
      const inner = join(repo, 'sub');
      writeFileSync(join(inner, 'lib.txt'), 'two\n');
      git(inner, 'commit', '-q', '-am', 'two');
      writeFileSync(join(inner, 'lib.txt'), 'three, not committed\n'); // the submodule is dirty too
      git(repo, 'config', 'diff.submodule', 'log'); // "Submodule sub a..b:" and its log, in place of the commit lines
      const d = await readDiff({}, scope, 1e7);
      expect(d.text).toMatch(/\n-Subproject commit [0-9a-f]{40}\n\+Subproject commit [0-9a-f]{40}\n$/); // not "…-dirty"
      expect(d.text).not.toContain('Submodule sub');
    },
  );

  it('finds renames and copies whatever the repository says of them', async () => {
    git(repo, 'config', 'diff.renames', 'false');
    git(repo, 'mv', 'notes.txt', 'moved.txt');
    writeFileSync(join(repo, 'copy.ts'), 'export const v = 1;\n');
    put('app.ts', 'export const v = 2;\n');
    git(repo, 'add', '-A');
    const d = await readDiff({ staged: true }, scope, 1e7);
    expect(d.text).toContain('\nrename from notes.txt\nrename to moved.txt\n');
    expect(d.text).toContain('\ncopy from app.ts\ncopy to copy.ts\n');
  });

  it('a path named like a branch is read as the path', async () => {
    put('main', 'one\n');
    git(repo, 'add', 'main');
    git(repo, 'commit', '-q', '-m', 'a file named main');
    put('main', 'two\n');
    const d = await readDiff({ paths: ['main'] }, scope, 1e7);
    expect(d.text).toBe(gitPatch('--', 'main'));
    expect(d.text).toContain('\n-one\n+two\n');
  });

  it('leaves out each secret path and lists it, and sends the rest', async () => {
    put('app.ts', 'export const v = 2;\n');
    put('.env', 'SECRET=1\n');
    git(repo, 'add', '-A');
    const d = await readDiff({ staged: true }, scope, 1e7);
    expect(d.skipped).toEqual([
      { path: '.env', reason: 'its changes were left out of the diff: it looks like an environment file' },
    ]);
    expect(d.text).toBe(gitPatch('--cached', '--', 'app.ts'));
  });

  it('sends every one of many changed paths once, asking git for them in groups', async () => {
    for (let i = 0; i < 205; i++) put(`many/f${String(i).padStart(3, '0')}.txt`, `line ${i}\n`);
    git(repo, 'add', '-A');
    const d = await readDiff({ staged: true }, scope, 1e8);
    expect(d.text).toBe(gitPatch('--cached'));
    expect(d.text.match(/^diff --git /gm)).toHaveLength(205);
  });

  it('a private key leaves out the entry holding it, by name, and keeps the others in order', async () => {
    put('app.ts', 'export const v = 2;\n');
    put('notes.txt', `notes\n${KEY}`);
    put('zeta.txt', 'zeta\n');
    git(repo, 'add', '-A');
    const d = await readDiff({ staged: true }, scope, 1e7);
    expect(d.skipped).toEqual([
      {
        path: 'notes.txt',
        reason: 'its changes were left out of the diff: they hold a private key, which is never sent to a model',
      },
    ]);
    expect(d.text).toBe(gitPatch('--cached', '--', 'app.ts') + gitPatch('--cached', '--', 'zeta.txt'));
  });

  it('a renamed file holding a key is sent only when both its names are allowed', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}\n`).join('');
    put('notes.txt', lines);
    git(repo, 'commit', '-qam', 'longer notes');
    git(repo, 'mv', 'notes.txt', 'keys.txt');
    put('keys.txt', `${lines}${KEY}`);
    git(repo, 'add', '-A');
    const one = await readDiff({ staged: true }, { ...scope, allow: ['keys.txt'] }, 1e7).catch((e: unknown) => e);
    expect((one as Error).message).toBe(
      `git diff --cached (staged changes) is empty once secrets are left out in ${scope.base} — ` +
        `nothing to read; stage changes with \`git add\` first.`,
    );
    const both = await readDiff({ staged: true }, { ...scope, allow: ['keys.txt', 'notes.txt'] }, 1e7);
    expect(both.text).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(both.skipped).toEqual([]);
  });
});

describe('refusals', () => {
  it('a path that is an option, or holds NUL, is refused quoting at most 80 characters; a dash inside is fine', async () => {
    expect(await refusal({ paths: ['-p'] })).toBe('diff.paths: "-p" is not a path.');
    expect(await refusal({ paths: ['a\0b'] })).toBe('diff.paths: "a\\u0000b" is not a path.');
    expect(await refusal({ paths: [`-${'x'.repeat(100)}`] })).toBe(`diff.paths: "-${'x'.repeat(79)}" is not a path.`);
    put('odd-', 'changed\n');
    git(repo, 'add', 'odd-');
    expect((await readDiff({ staged: true, paths: ['odd-'] }, scope, 1e7)).text).toBe(
      gitPatch('--cached', '--', 'odd-'),
    );
  });

  it('a revision that is not a commit is named, at most 80 characters of it', async () => {
    expect(await refusal({ range: 'nope...HEAD' })).toBe(
      'diff.range: "nope" is not a commit in this repository — give a branch, tag, commit or HEAD~n.',
    );
    const long = `n${'o'.repeat(100)}`;
    expect(await refusal({ range: `${long}..HEAD` })).toBe(
      `diff.range: "${long.slice(0, 80)}" is not a commit in this repository — give a branch, tag, commit or HEAD~n.`,
    );
    put('release^{commit}', 'a file named like the revision checked: not a commit all the same\n');
    expect(await refusal({ range: 'release..HEAD' })).toBe(
      'diff.range: "release" is not a commit in this repository — give a branch, tag, commit or HEAD~n.',
    );
  });

  it('an empty diff says what was empty, where, and what to try', async () => {
    expect(await refusal({})).toBe(
      `git diff (working tree) is empty in ${scope.base} — nothing to read; for staged changes pass diff.staged: true.`,
    );
    expect(await refusal({ staged: true })).toBe(
      `git diff --cached (staged changes) is empty in ${scope.base} — nothing to read; stage ` +
        `changes with \`git add\` first.`,
    );
    expect(await refusal({ range: 'HEAD..HEAD' })).toBe(
      `git diff HEAD..HEAD is empty in ${scope.base} — nothing to read.`,
    );
    put('.env', 'SECRET=1\n');
    git(repo, 'add', '.env');
    expect(await refusal({ staged: true })).toBe(
      `git diff --cached (staged changes) is empty once secrets are left out in ${scope.base} — ` +
        `nothing to read; stage changes with \`git add\` first.`,
    );
  });

  it('holds the budget to the byte, over every group of paths git was asked for', async () => {
    for (let i = 0; i < 201; i++) put(`many/f${String(i).padStart(3, '0')}.txt`, `line ${i}\n`);
    git(repo, 'add', '-A');
    // asked for in groups of 200: each group fits the budget, the two together one byte over
    const size = Buffer.byteLength(gitPatch('--cached'));
    expect((await readDiff({ staged: true }, scope, size)).bytes).toBe(size);
    expect(await refusal({ staged: true }, scope, size - 1)).toBe(
      `the diff is larger than the ${((size - 1) / 1000).toFixed(1)} KB one call may still read ` +
        `(inputs.maxTotalBytes) — narrow it with diff.paths or a shorter range.`,
    );
  });
});
