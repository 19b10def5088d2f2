/**
 * .gitignore rules for a walk, without a disk: each folder's rules are read and compiled once and
 * inherited below, git's semantics hold (paths relative to the folder holding the rules, a deeper
 * file overriding a shallower one, negation, folder patterns, an ignored folder's whole subtree),
 * the work one file costs does not grow with the depth it lies at, and a large .gitignore is read
 * a slice of lines at a time. info/exclude and the walk's bounds of rules: gitignore-walk.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_RULES_IN_FORCE, RulesTooCostly } from '../../src/orchestrator/inputs/gitignore.js';
import { matchWork } from '../../src/orchestrator/inputs/gitignore-match.js';
import { ignoredOf, rulesFrom, TOP } from '../helpers/gitignore-rules.js';

describe('gitignore rules: git semantics', () => {
  it('applies each .gitignore to paths relative to its own folder, deeper files overriding shallower ones', async () => {
    const { rules } = rulesFrom({
      [TOP]: '*.log\n/top-only.txt\nbuild/\n',
      [`${TOP}/a`]: '!keep.log\nlocal.txt\n/anchored.txt\n',
    });
    const files = [
      'x.log', // *.log at the top
      'a/keep.log', // brought back by a deeper negation
      'a/other.log', // still ignored from above
      'top-only.txt', // anchored at the top
      'a/top-only.txt', // the anchored rule holds only at the top
      'a/local.txt',
      'b/local.txt', // a/'s rules do not reach b/
      'a/anchored.txt',
      'a/sub/anchored.txt', // anchored to a/, so not in a/sub
      'build/out.js', // a folder pattern: the folder and all below it
      'a/deep/build/x.ts',
      'src/build', // a file named build is no folder
    ];
    expect(await ignoredOf(rules, files)).toEqual([
      'x.log',
      'a/other.log',
      'top-only.txt',
      'a/local.txt',
      'a/anchored.txt',
      'build/out.js',
      'a/deep/build/x.ts',
    ]);
  });

  it("ignores an ignored folder's whole subtree and never reads the .gitignore inside it", async () => {
    const { rules, reads } = rulesFrom({
      [TOP]: 'vendor/\n!vendor/keep.txt\n',
      [`${TOP}/vendor`]: '!*\n',
      [`${TOP}/vendor/deep`]: '!*\n',
    });
    expect(await ignoredOf(rules, ['vendor/keep.txt', 'vendor/deep/x.txt', 'other/vendor.txt'])).toEqual([
      'vendor/keep.txt',
      'vendor/deep/x.txt',
    ]);
    expect(reads.has(`${TOP}/vendor`)).toBe(false);
    expect(reads.has(`${TOP}/vendor/deep`)).toBe(false);
  });

  it('keeps a file a later negation in the same .gitignore brings back', async () => {
    const { rules } = rulesFrom({ [TOP]: '*.md\n!README.md\n' });
    expect(await ignoredOf(rules, ['notes.md', 'README.md', 'docs/README.md', 'docs/x.md'])).toEqual([
      'notes.md',
      'docs/x.md',
    ]);
  });

  it(
    'lets a deeper .gitignore bring a folder back that a shallower one ignores, and leaves its ' +
      'files to their own names',
    async () => {
      // git: y/ is ignored at the top but brought back in a/, and a/y/f is no folder named y
      const { rules } = rulesFrom({ [TOP]: 'y/\n', [`${TOP}/a`]: '!y/\n' });
      expect(await ignoredOf(rules, ['a/y/f', 'y/f', 'b/y/f'])).toEqual(['y/f', 'b/y/f']);
    },
  );

  it('matches case as git does on this platform, and a rule git cannot read matches nothing', async () => {
    const { rules } = rulesFrom({ [TOP]: '*.LOG\n[unclosed\n' });
    const folds = process.platform === 'darwin' || process.platform === 'win32';
    expect(await ignoredOf(rules, ['x.LOG', 'x.log', '[unclosed', 'u'])).toEqual(
      folds ? ['x.LOG', 'x.log'] : ['x.LOG'],
    );
  });

  it('leaves everything in when no folder has a .gitignore', async () => {
    const { rules } = rulesFrom({});
    expect(await ignoredOf(rules, ['a.txt', 'a/b/c.log'])).toEqual([]);
  });
});

describe('gitignore rules: no .gitignore stalls the walk', () => {
  it('walks an 80-deep folder chain under nested "**" rules at once, ignoring what they name and nothing else', async () => {
    // issue 61: the backtracking regular expressions `ignore` made held the shared server ~15 s here
    const { rules } = rulesFrom({ [TOP]: 'a/**/a/**/a/**/a/**/a/**/a/**/b\n' });
    let dir = '';
    const files: string[] = [];
    for (let i = 0; i < 80; i++) {
      dir += 'a/';
      files.push(`${dir}x.txt`);
    }
    files.push(`${dir}b`, 'a/a/a/a/a/b');
    const before = matchWork.steps;
    expect(await ignoredOf(rules, files)).toEqual([`${dir}b`]);
    // the work, counted: each path (and each folder on the way) once against the rule, within pattern × path
    const bytes = files.reduce((sum, f) => sum + f.length, 0) * 2;
    expect(matchWork.steps - before).toBeLessThanOrEqual('a/**/a/**/a/**/a/**/a/**/a/**/b'.length * bytes);
  });
});

describe('gitignore rules: sharing the thread', () => {
  /** Turns of the event loop (setImmediate) while `work` runs: what other calls get meanwhile. */
  async function turnsDuring(work: () => Promise<unknown>): Promise<number> {
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    try {
      await work();
    } finally {
      done = true;
    }
    return turns;
  }
  const costly = Array.from({ length: 50 }, (_, i) => `a/**/a/**/a/**/?${i}x*`).join('\n');
  const files = Array.from({ length: 40 }, (_, i) => `${'a/'.repeat(40)}f${i}.txt`);

  it('gives the thread back between slices of matching, answers unchanged', async () => {
    // every slice used up at once: a turn of the event loop per folder and per file
    const { rules } = rulesFrom({ [TOP]: costly }, { pace: { sliceMs: 0, budgetMs: 60_000 } });
    let ignored: string[] = [];
    const turns = await turnsDuring(async () => (ignored = await ignoredOf(rules, files)));
    expect(ignored).toEqual([]);
    expect(turns).toBeGreaterThanOrEqual(files.length);
  });

  it('reads a .gitignore of 140,000 names a slice of lines at a time, giving the thread back between slices', async () => {
    const names = Array.from({ length: 140_000 }, (_, i) => `n${i}`).join('\n');
    const { rules } = rulesFrom({ [TOP]: names }, { pace: { sliceMs: 0, budgetMs: 60_000 } });
    let ignored: string[] = [];
    const turns = await turnsDuring(async () => (ignored = await ignoredOf(rules, ['n7', 'n139999', 'n140000'])));
    expect(ignored).toEqual(['n7', 'n139999']);
    // 512 lines a slice: some 270 slices, each a turn of the event loop
    expect(turns).toBeGreaterThanOrEqual(140_000 / 512);
  });

  it('stops past its budget of matching, and not before', async () => {
    const spent = rulesFrom({ [TOP]: costly }, { pace: { sliceMs: 20, budgetMs: 0 } });
    const err = await ignoredOf(spent.rules, files).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RulesTooCostly);
    expect((err as Error).message).toBe(
      `the .gitignore rules under ${TOP} took more than 0 s to read and match against these paths`,
    );
    const ample = rulesFrom({ [TOP]: `${costly}\nf3.txt\n` }, { pace: { sliceMs: 20, budgetMs: 60_000 } });
    expect(await ignoredOf(ample.rules, files)).toEqual([files[3]]);
  });
});

describe('gitignore rules: how many a walk matches', () => {
  const many = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `**/a*a*${tag}${i}*c`).join('\n');

  it(
    `refuses more than ${MAX_RULES_IN_FORCE} rules in force in a folder (one path is matched ` +
      `against each in one step), and takes exactly that many`,
    async () => {
      const over = rulesFrom({ [TOP]: `${many(MAX_RULES_IN_FORCE + 1, 't')}\nx.txt` });
      const err = await over.rules.ignored(`${TOP}/x.txt`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RulesTooCostly);
      expect((err as Error).message).toBe(
        `the .gitignore files down to ${TOP} hold ${MAX_RULES_IN_FORCE + 1} rules with wildcards, ` +
          `more than the ${MAX_RULES_IN_FORCE} a walk matches`,
      );
      const at = rulesFrom({ [TOP]: `${many(MAX_RULES_IN_FORCE, 't')}\nx.txt` });
      expect(await ignoredOf(at.rules, ['x.txt', 'y.txt'])).toEqual(['x.txt']);
    },
  );

  it('counts no plain name nor `*.ext` (decided at once): a generated .gitignore of thousands of names is matched', async () => {
    const names = Array.from({ length: 2 * MAX_RULES_IN_FORCE }, (_, i) => (i % 2 ? `gen${i}.txt` : `*.ext${i}`)).join(
      '\n',
    );
    const { rules } = rulesFrom({ [TOP]: `${names}\n${many(MAX_RULES_IN_FORCE, 't')}` });
    expect(await ignoredOf(rules, ['gen1.txt', 'y.ext0', 'gen2.txt', 'x.md'])).toEqual(['gen1.txt', 'y.ext0']);
  });

  it(
    'counts the rules of the folders above: a deeper .gitignore past the sum is refused, the ' +
      'folders above still decided',
    async () => {
      const half = MAX_RULES_IN_FORCE / 2;
      const { rules } = rulesFrom({ [TOP]: `${many(half, 't')}\nx.txt`, [`${TOP}/sub`]: many(half + 1, 's') });
      expect(await ignoredOf(rules, ['x.txt', 'y.txt'])).toEqual(['x.txt']);
      await expect(rules.ignored(`${TOP}/sub/y.txt`)).rejects.toThrow(`hold ${MAX_RULES_IN_FORCE + 1} rules`);
      const fits = rulesFrom({ [TOP]: `${many(half, 't')}\nx.txt`, [`${TOP}/sub`]: `${many(half, 's')}\ny.txt` });
      expect(await ignoredOf(fits.rules, ['x.txt', 'sub/y.txt', 'sub/z.txt'])).toEqual(['x.txt', 'sub/y.txt']);
    },
  );
});

describe('gitignore rules: linear in the walk', () => {
  /** A chain of `depth` folders d/d/d…, one file in each, listed as the glob lists them (sorted). */
  const chain = (depth: number) => {
    const files: string[] = [];
    let dir = '';
    for (let i = 0; i < depth; i++) {
      dir += 'd/';
      files.push(`${dir}f${i}.txt`, `${dir}f${i}.log`);
    }
    return files.sort();
  };

  it("reads each folder's .gitignore once, however many files lie in it and below", async () => {
    const depth = 1500;
    const { rules, reads } = rulesFrom({ [TOP]: '*.log\n' });
    const files = chain(depth);
    const ignored = await ignoredOf(rules, files);
    expect(ignored).toHaveLength(depth);
    expect(ignored.every((f) => f.endsWith('.log'))).toBe(true);
    expect(reads.size).toBe(depth + 1); // the top and every folder d, d/d, …
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    expect(rules.compiled).toBe(1);
  });

  it("reads each folder's .gitignore once when the reads are started ahead, with the same answers", async () => {
    const files = chain(300);
    const plain = rulesFrom({ [TOP]: '*.log\n', [`${TOP}/d/d`]: '!f1.log\n' });
    const ahead = rulesFrom({ [TOP]: '*.log\n', [`${TOP}/d/d`]: '!f1.log\n' });
    ahead.rules.prefetch(
      files.map((f) => `${TOP}/${f}`),
      4,
    );
    expect(ahead.reads.size).toBe(4); // started a few at a time
    expect(await ignoredOf(ahead.rules, files)).toEqual(await ignoredOf(plain.rules, files));
    expect(await ignoredOf(ahead.rules, files)).not.toContain('d/d/f1.log');
    expect(ahead.reads.size).toBe(301);
    expect([...ahead.reads.values()].every((n) => n === 1)).toBe(true);
  });

  it('asks the rules a fixed number of questions per file and per folder, at any depth', async () => {
    const cost = async (depth: number) => {
      const { rules } = rulesFrom({ [TOP]: '*.log\n', [`${TOP}/d`]: '!keep.log\n' });
      await ignoredOf(rules, chain(depth));
      return rules.tests;
    };
    const shallow = await cost(100);
    const deep = await cost(2000);
    // two rule sets above almost every file and folder: at most 2 questions each, so linear
    expect(shallow).toBeLessThanOrEqual(2 * (2 * 100 + 100));
    expect(deep).toBeLessThanOrEqual(2 * (2 * 2000 + 2000));
    expect(deep / shallow).toBeLessThan(21); // 20 times the files: 20 times the work, not 400
  });
});
