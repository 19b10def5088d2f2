/**
 * .gitignore rules for a walk, without a disk: the repository's .git/info/exclude below every
 * .gitignore (issue 72: a file named there was read and sent), and the bounds of what one walk
 * reads — a file of rules that cannot be read, or with a line too long to read in one step, refuses
 * the walk, unless git would never read it (in an ignored folder); texts read ahead are let go past
 * a bound and read again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GitignoreRules, RULES_TEXT, RulesUnreadable } from '../../src/orchestrator/inputs/gitignore.js';
import { MAX_RULE_CHARS } from '../../src/orchestrator/inputs/gitignore-parse.js';
import { ignoredOf, rulesFrom, TOP } from '../helpers/gitignore-rules.js';

describe('gitignore rules: info/exclude', () => {
  it(
    'honours info/exclude below every .gitignore: relative to the top, overridden by a ' +
      '.gitignore, ignoring folders whole',
    async () => {
      const exclude = 'excluded.txt\n/top.log\nbuilt/\nback.txt\n*.tmp\n';
      const { rules } = rulesFrom({ [TOP]: '!back.txt\n', [`${TOP}/a`]: '!keep.tmp\n' }, { exclude });
      const files = [
        'excluded.txt',
        'a/excluded.txt',
        'top.log',
        'a/top.log',
        'built/x.js',
        'a/built/y.js',
        'back.txt',
        'x.tmp',
        'a/keep.tmp',
        'a/other.tmp',
        'kept.txt',
      ];
      expect(await ignoredOf(rules, files)).toEqual([
        'excluded.txt',
        'a/excluded.txt',
        'top.log',
        'built/x.js',
        'a/built/y.js',
        'x.tmp',
        'a/other.tmp',
      ]);
    },
  );

  it('refuses the walk when info/exclude is there but cannot be read', async () => {
    const rules = new GitignoreRules(
      TOP,
      async () => undefined,
      undefined,
      async () => {
        throw new RulesUnreadable(
          '/repo/.git/info/exclude cannot be read (EACCES), so which files git ignores cannot be told',
        );
      },
    );
    await expect(rules.ignored(`${TOP}/a.txt`)).rejects.toThrow(/info\/exclude cannot be read \(EACCES\)/);
  });
});

describe('gitignore rules: how much a walk reads', () => {
  const saved = { ...RULES_TEXT };
  afterEach(() => Object.assign(RULES_TEXT, saved));

  it('refuses a walk past its bound of rules in all, and takes exactly that much', async () => {
    RULES_TEXT.walkBytes = 20;
    const over = rulesFrom({ [TOP]: 'a.txt\nb.txt\n', [`${TOP}/sub`]: 'c.txt\nd.txt\ne.txt\n' }); // 12 + 18 characters
    expect(await ignoredOf(over.rules, ['a.txt', 'x.txt'])).toEqual(['a.txt']);
    const err = await over.rules.ignored(`${TOP}/sub/c.txt`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RulesUnreadable);
    expect((err as Error).message).toBe(
      `the files of rules under ${TOP} hold more than the 0.0 MB one walk reads, so which files ` +
        `git ignores cannot be told`,
    );
    RULES_TEXT.walkBytes = 30;
    const at = rulesFrom({ [TOP]: 'a.txt\nb.txt\n', [`${TOP}/sub`]: 'c.txt\nd.txt\ne.txt\n' });
    expect(await ignoredOf(at.rules, ['a.txt', 'sub/c.txt', 'sub/f.txt'])).toEqual(['a.txt', 'sub/c.txt']);
  });

  it(
    `refuses a line of rules longer than ${MAX_RULE_CHARS} characters (read in one step), ` +
      `naming its file; takes one that long`,
    async () => {
      const long = (n: number) => `[${'b'.repeat(n - 3)}]x`; // one class then "x": a rule of n characters
      const over = rulesFrom({ [TOP]: 'a.txt\n', [`${TOP}/sub`]: `${long(MAX_RULE_CHARS + 1)}\n` });
      expect(await ignoredOf(over.rules, ['a.txt'])).toEqual(['a.txt']);
      await expect(over.rules.ignored(`${TOP}/sub/bx`)).rejects.toThrow(
        `${TOP}/sub/.gitignore holds a line of ${MAX_RULE_CHARS + 1} characters, more than the ` +
          `${MAX_RULE_CHARS} read as a rule`,
      );
      // a comment of any length
      const at = rulesFrom({ [TOP]: `# ${'c'.repeat(2 * MAX_RULE_CHARS)}\n${long(MAX_RULE_CHARS)}\n` });
      expect(await ignoredOf(at.rules, ['bx', 'sub/bx', 'cx'])).toEqual(['bx', 'sub/bx']);
    },
  );

  it('lets go of texts read ahead past its bound, reading them again when needed, with the same answers', async () => {
    RULES_TEXT.aheadBytes = 10;
    const files = ['a/b/x.log', 'a/b/y.txt', 'c/z.log', 'c/keep.log'];
    const table = {
      [TOP]: '*.log\n',
      [`${TOP}/a`]: '!a.txt\n',
      [`${TOP}/a/b`]: 'y.txt\n',
      [`${TOP}/c`]: '!keep.log\n',
    };
    const ahead = rulesFrom(table);
    ahead.rules.prefetch(files.map((f) => `${TOP}/${f}`));
    expect(await ignoredOf(ahead.rules, files)).toEqual(['a/b/x.log', 'a/b/y.txt', 'c/z.log']);
    // 10 characters held at most: the other texts read again when their folder is entered, once more each
    expect([...ahead.reads.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(Object.keys(table).length);
    expect([...ahead.reads.values()].every((n) => n <= 2)).toBe(true);
  });

  it(
    'never hears of a .gitignore that failed to read in an ignored folder; one in a folder ' +
      'walked refuses the walk',
    async () => {
      const failing = (bad: string) =>
        new GitignoreRules(
          TOP,
          async (dir) => {
            if (dir === `${TOP}/${bad}`)
              throw new RulesUnreadable(`${dir}/.gitignore is 20.0 MB, more than the 16.0 MB read of such a file`);
            return dir === TOP ? 'vendor/\n' : undefined;
          },
          undefined,
          async () => [],
        );
      const files = ['vendor/x.txt', 'src/y.txt'];
      const ignoredVendor = failing('vendor');
      ignoredVendor.prefetch(files.map((f) => `${TOP}/${f}`));
      expect(await ignoredOf(ignoredVendor, files)).toEqual(['vendor/x.txt']);
      const walked = failing('src');
      walked.prefetch(files.map((f) => `${TOP}/${f}`));
      await expect(ignoredOf(walked, files)).rejects.toThrow(`${TOP}/src/.gitignore is 20.0 MB`);
    },
  );
});
