/**
 * The files a walk leaves out are exactly those git ignores (`git ls-files -o -i --exclude-standard`,
 * the user's and the system's git configuration left out): crafted and random rule sets heavy in
 * plain names and `*.ext` rules — looked up, not tried one by one (issue 72) — with negations,
 * folders-only and anchored rules, wildcards between them, .gitignore files at several depths and
 * .git/info/exclude; a linked worktree's common info/exclude; a link in a .gitignore's place,
 * which git does not follow.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandGlob } from '../../src/orchestrator/inputs/glob.js';
import { inputScope } from '../../src/orchestrator/inputs/scope.js';
import { tempDir } from '../helpers/temp.js';
import { random } from '../helpers/random.js';

const LIMITS = {
  roots: [] as string[],
  allow: [] as string[],
  maxFileBytes: 2_000_000,
  maxImageBytes: 20_000_000,
  maxTotalBytes: 8_000_000,
  maxFiles: 5000,
};
const hasGit = spawnSync('git', ['--version']).status === 0;

/** git with nothing of the machine's configuration: no global or system file, no ~/.config/git/ignore. */
function git(cwd: string, ...args: string[]): string {
  const home = tempDir('ollm-git-home-');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  const run = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

interface RuleSet {
  /** Folder (relative, '' for the top) → its .gitignore. */
  gitignores: Record<string, string>;
  exclude?: string;
  files: string[];
}

/** Every regular file under `root` but in .git, relative (a walk follows no link, and lists none). */
function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === '.git'
      ? []
      : e.isDirectory()
        ? filesUnder(root, join(dir, e.name))
        : e.isFile()
          ? [relative(root, join(dir, e.name))]
          : [],
  );
}

/** What git ignores in `root`, and what the walk leaves out, both sorted. */
async function bothIgnore(root: string): Promise<{ git: string[]; walk: string[] }> {
  const gitSays = git(root, 'ls-files', '-o', '-i', '--exclude-standard', '-z').split('\0').filter(Boolean).sort();
  const match = await expandGlob('**/*', await inputScope(LIMITS, root, []));
  const kept = new Set(match.files.map((f) => relative(root, f)));
  const walk = filesUnder(root)
    .filter((f) => !kept.has(f))
    .sort();
  expect(match.ignored).toBe(walk.length);
  return { git: gitSays, walk };
}

function makeRepository(set: RuleSet): string {
  const root = tempDir('ollm-gitignore-git-');
  git(root, 'init', '-q', '.');
  for (const file of set.files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), 'x\n');
  }
  for (const [dir, text] of Object.entries(set.gitignores)) {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, '.gitignore'), text);
  }
  if (set.exclude !== undefined) writeFileSync(join(root, '.git', 'info', 'exclude'), set.exclude);
  return root;
}

const FILES = [
  'a.log',
  'keep.log',
  'x.txt',
  'build/out.js',
  'build/keep.log',
  'src/a.log',
  'src/x.txt',
  'src/build/gen.ts',
  'src/deep/n1',
  'src/deep/n2.tmp',
  'n1',
  'n3',
  'docs/n3',
  'docs/readme.md',
  'docs/x.tmp',
];

const CRAFTED: Array<[string, RuleSet]> = [
  [
    'names, endings and a negation after them',
    { gitignores: { '': 'n1\nn2\nn3\n*.log\n*.tmp\n!keep.log\n' }, files: FILES },
  ],
  ['a negation before the rule it would undo', { gitignores: { '': '!keep.log\n*.log\n' }, files: FILES }],
  [
    'folders only, anchored names, plain paths',
    { gitignores: { '': 'build/\n/n3\nsrc/x.txt\n/*.txt\n' }, files: FILES },
  ],
  [
    'a deeper .gitignore bringing back and adding',
    { gitignores: { '': '*.log\nn1\n', src: '!a.log\nx.txt\n', 'src/deep': '!n1\n*.tmp\n' }, files: FILES },
  ],
  [
    'info/exclude, overridden by every .gitignore',
    {
      gitignores: { '': '!x.txt\n', docs: '!n3\n' },
      exclude: 'x.txt\nn3\n*.md\nbuild/\n!build/keep.log\n',
      files: FILES,
    },
  ],
  [
    'plain rules around wildcards, last match winning',
    { gitignores: { '': 'n*\n!n1\nsrc/**/n1\n*.tmp\n!docs/*.tmp\n' }, exclude: 'a.*\n!src/a.log\n', files: FILES },
  ],
  [
    'a generated list of 20,000 names, two of them there',
    {
      gitignores: { '': `${Array.from({ length: 20_000 }, (_, i) => `gen${i}.ts`).join('\n')}\nn3\nsrc/x.txt\n` },
      files: [...FILES, 'gen7.ts', 'src/gen19999.ts', 'gen20000.ts'],
    },
  ],
  [
    'a .gitignore over 1 MB of endings and names, negations among them',
    {
      gitignores: {
        '': `${Array.from({ length: 130_000 }, (_, i) => `*.g${i}\nname${i}`).join('\n')}\n!src/x.g7\n!name5\n`,
      },
      files: [...FILES, 'x.g7', 'src/x.g7', 'src/y.g129999', 'z.g130000', 'name5', 'src/name129999'],
    },
  ],
];

/** A random rule set: mostly plain names and endings, some anchors, folders, paths, negations and wildcards. */
function randomSet(seed: number): RuleSet {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const names = ['n1', 'n2', 'c.log', 'd.tmp', 'e.txt', 'keep.log'];
  const dirs = ['', 'a/', 'b/', 'a/b/', 'out/', 'a/out/'];
  const files = [...new Set(Array.from({ length: 40 }, () => `${pick(dirs)}${pick(names)}`))];
  const rule = () => {
    const n = pick(names);
    const ending = n.includes('.') ? n.slice(n.indexOf('.')) : n.slice(1);
    const shapes = [
      n,
      n,
      `*${ending}`,
      '*.log',
      `/${n}`,
      `${pick(['a', 'out', 'b'])}/`,
      `${pick(['a', 'b'])}/${n}`,
      `/*${ending}`,
      `${n[0]}*`,
      `**/${n}`,
    ];
    return `${rand() < 0.3 ? '!' : ''}${pick(shapes)}`;
  };
  const text = () => `${Array.from({ length: 2 + Math.floor(rand() * 8) }, rule).join('\n')}\n`;
  const gitignores: Record<string, string> = { '': text() };
  if (rand() < 0.6) gitignores.a = text();
  if (rand() < 0.4) gitignores['a/b'] = text();
  return { gitignores, files, ...(rand() < 0.6 && { exclude: text() }) };
}

describe.skipIf(!hasGit)('the walk leaves out what git ignores', () => {
  it.each(CRAFTED)('%s', async (_, set) => {
    const { git: gitSays, walk } = await bothIgnore(makeRepository(set));
    expect(walk).toEqual(gitSays);
    expect(walk.length).toBeGreaterThan(0);
  });

  it('over 40 random rule sets of plain names, endings, negations and info/exclude', { timeout: 60_000 }, async () => {
    let ignored = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const set = randomSet(seed);
      const { git: gitSays, walk } = await bothIgnore(makeRepository(set));
      expect(walk, `seed ${seed}: ${JSON.stringify(set)}`).toEqual(gitSays);
      ignored += walk.length;
    }
    expect(ignored).toBeGreaterThan(100); // the sets ignore something
  });

  it('in a linked worktree, whose .git is a file: the common info/exclude', async () => {
    const main = makeRepository({ gitignores: {}, files: ['tracked.txt'] });
    git(main, 'add', '.');
    git(main, 'commit', '-q', '-m', 'one');
    const wt = join(tempDir('ollm-gitignore-wt-'), 'wt');
    git(main, 'worktree', 'add', '-q', wt);
    writeFileSync(join(main, '.git', 'info', 'exclude'), 'excluded.txt\n*.tmp\n');
    writeFileSync(join(wt, '.gitignore'), '!kept.tmp\n');
    for (const f of ['excluded.txt', 'kept.tmp', 'other.tmp', 'plain.txt']) writeFileSync(join(wt, f), 'x\n');
    const { git: gitSays, walk } = await bothIgnore(wt);
    expect(gitSays).toEqual(['excluded.txt', 'other.tmp']);
    expect(walk).toEqual(gitSays);
  });

  it('with a link in the place of a .gitignore, which git does not follow', async () => {
    const root = makeRepository({
      gitignores: {},
      exclude: 'x.txt\n',
      files: ['rules.txt', 'a.log', 'x.txt', 'sub/b.log'],
    });
    writeFileSync(join(root, 'rules.txt'), '*.log\n');
    symlinkSync('../rules.txt', join(root, 'sub', '.gitignore'));
    const { git: gitSays, walk } = await bothIgnore(root);
    expect(gitSays).toEqual(['x.txt']);
    expect(walk).toEqual(gitSays);
  });
});
