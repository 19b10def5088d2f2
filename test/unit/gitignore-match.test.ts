/**
 * One .gitignore's rules matched as git matches them, in time bounded by pattern × path (issue 61:
 * the `ignore` library's backtracking regular expressions let a repository's .gitignore hold the
 * shared server for seconds). Every expected answer below is git's own (`git check-ignore
 * --no-index`, git 2.39, core.ignorecase false), the path tested alone — the walk applies a
 * folder's answer to what lies in it (gitignore.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { lookupWork } from '../../src/orchestrator/inputs/gitignore-index.js';
import { GitignoreFile, matchWork } from '../../src/orchestrator/inputs/gitignore-match.js';
import { random } from '../helpers/random.js';

/** [.gitignore line, path relative to its folder, the path is a folder, git ignores it] */
const GIT: Array<[string, string, boolean, boolean]> = [
  // "**" between slashes, leading and trailing
  ['a/**/b', 'a/b', false, true],
  ['a/**/b', 'a/x/y/b', false, true],
  ['a/**/b', 'ab', false, false],
  ['a/**/b', 'x/a/b', false, false],
  ['a/**/b', 'a/xb', false, false],
  ['**/foo', 'foo', false, true],
  ['**/foo', 'x/y/foo', false, true],
  ['**/foo', 'xfoo', false, false],
  ['abc/**', 'abc/x', false, true],
  ['abc/**', 'abc/x/y', false, true],
  ['abc/**', 'abc', true, false],
  ['x/**/**/y', 'x/y', false, true],
  ['x/**/**/y', 'x/1/2/y', false, true],
  ['**', 'any/thing', false, true],
  ['a/**/', 'a/b', true, true],
  ['a/**/', 'a/b', false, false],
  // "**" git reads as "*", or as a "**" after the literal prefix it compares on its own
  ['foo**/bar', 'foo/bar', false, true],
  ['foo**/bar', 'foox/y/bar', false, true],
  ['x/foo**', 'x/foo/y', false, true],
  ['**\\/b', 'x/b', false, true],
  ['**\\/b', 'b', false, false],
  // folders only, anchoring, a name at any depth
  ['foo/', 'foo', true, true],
  ['foo/', 'foo', false, false],
  ['foo/', 'x/foo', true, true],
  ['/foo', 'foo', false, true],
  ['/foo', 'x/foo', false, false],
  ['a/b', 'a/b', false, true],
  ['a/b', 'x/a/b', false, false],
  ['a\\/b', 'a/b', false, true],
  ['*/b', 'a/b', false, true],
  ['*/b', 'x/a/b', false, false],
  ['d/*', 'd/e', false, true],
  // "*" and "?" never cross a "/"
  ['a?c', 'abc', false, true],
  ['x/a?c', 'x/a/c', true, false],
  ['x/a*b', 'x/a/zb', false, false],
  ['x/a*b', 'x/azzb', false, true],
  // escapes, comments, trailing spaces
  ['\\!important', '!important', false, true],
  ['\\#hash', '#hash', false, true],
  ['#hash', '#hash', false, false],
  ['foo\\ ', 'foo ', false, true],
  ['foo  ', 'foo', false, true],
  // classes: negated, ranges, "]" and "-" as members, POSIX names, unclosed or unknown ones
  ['[!a]b', 'bb', false, true],
  ['[!a]b', 'ab', false, false],
  ['[^a]b', 'cb', false, true],
  ['[a-c]x', 'bx', false, true],
  ['[a-c]x', 'dx', false, false],
  ['[]]x', ']x', false, true],
  ['[a-]x', '-x', false, true],
  ['[[:digit:]]*.txt', '1a.txt', false, true],
  ['[[:digit:]]*.txt', 'a1.txt', false, false],
  ['[a', '[a', false, false],
  ['[a', 'a', false, false],
  ['[[:bogus:]]', 'b', false, false],
  // case, bytes
  ['*.LOG', 'x.log', false, false],
  ['*.log', 'x.log', false, true],
  ['?', 'é', false, false],
  ['??', 'é', false, true],
  ['é', 'é', false, true],
];

describe('gitignore-match: git semantics', () => {
  it.each(GIT)('%j against %j (folder: %s) is ignored: %s', (pattern, path, isDir, ignored) => {
    expect(new GitignoreFile(`${pattern}\n`, false).test(path, isDir) === 'ignored').toBe(ignored);
  });

  it('lets the last matching line decide, a negation bringing a path back', () => {
    const rules = new GitignoreFile('*.log\n!keep.log\nkeep.log.old\n', false);
    expect(rules.test('x.log', false)).toBe('ignored');
    expect(rules.test('d/keep.log', false)).toBe('unignored');
    expect(rules.test('notes.txt', false)).toBeUndefined();
    expect(new GitignoreFile('!keep.log\n*.log\n', false).test('keep.log', false)).toBe('ignored');
  });

  it('reads CRLF lines and a byte-order mark, and skips blank and comment lines', () => {
    const rules = new GitignoreFile('\uFEFF*.tmp\r\n\r\n# a comment\r\n   \r\nbuild/\r\n', false);
    expect(rules.test('x.tmp', false)).toBe('ignored');
    expect(rules.test('build', true)).toBe('ignored');
    expect(rules.test('# a comment', false)).toBeUndefined();
  });

  it('folds case where git does by default (macOS, Windows), and only there', () => {
    expect(new GitignoreFile('*.LOG\n[A-C]x\n', true).test('x.log', false)).toBe('ignored');
    expect(new GitignoreFile('*.LOG\n[A-C]x\n', true).test('bX', false)).toBe('ignored');
    expect(new GitignoreFile('*.LOG\n', false).test('x.log', false)).toBeUndefined();
  });
});

describe('gitignore-match: bounded time', () => {
  const chain = (depth: number) => Array(depth).fill('a').join('/');

  it('decides nested "**" over an 80-deep (and a 2,000-deep) folder chain at once, both ways', () => {
    // the backtracking regular expression took seconds per path here, growing as depth^6
    const pattern = 'a/**/a/**/a/**/a/**/a/**/a/**/b';
    const rules = new GitignoreFile(`${pattern}\n`, false);
    const before = matchWork.steps;
    let bytes = 0;
    for (const depth of [80, 2000]) {
      const paths = [chain(depth), `${chain(depth)}/x`, `${chain(depth)}/b`];
      bytes += paths.reduce((sum, path) => sum + path.length, 0);
      expect(rules.test(paths[0]!, true)).toBeUndefined();
      expect(rules.test(paths[1]!, false)).toBeUndefined();
      expect(rules.test(paths[2]!, false)).toBe('ignored');
    }
    // the work done, counted: within pattern × path for every path (a backtracking match grows as depth^6)
    expect(matchWork.steps - before).toBeGreaterThan(0);
    expect(matchWork.steps - before).toBeLessThanOrEqual(pattern.length * bytes);
  });

  it('decides many stars in one name over a long name at once', () => {
    const stars = `${'*a'.repeat(40)}*b`;
    const rules = new GitignoreFile(`${stars}\n${'?'.repeat(300)}\n`, false);
    const before = matchWork.steps;
    expect(rules.test('a'.repeat(255), false)).toBeUndefined();
    expect(rules.test(`${'a'.repeat(254)}b`, false)).toBe('ignored');
    expect(matchWork.steps - before).toBeGreaterThan(0);
    expect(matchWork.steps - before).toBeLessThanOrEqual((stars.length + 300) * 2 * 255);
  });
});

describe('gitignore-match: plain names and endings looked up (issue 72)', () => {
  const NAMES = ['a', 'b', 'x.log', 'y.txt', 'keep.log', 'build', '.log', 'a.b.log'];
  const SHAPES: Array<(name: string, pick: <T>(list: T[]) => T) => string> = [
    (n) => n, // a plain name, at any depth
    (n) => `/${n}`, // anchored
    (n) => `${n}/`, // folders only
    (n, pick) => `${pick(['a', 'b', 'build'])}/${n}`, // a plain path
    (n) => `*${n.slice(n.indexOf('.'))}`, // an ending
    (n) => `*${n.slice(n.indexOf('.'))}/`,
    (n, pick) => `/*${pick(['.log', '/x.log', '/b'])}`, // an anchored ending, which may hold a "/"
    (n) => `${n[0]}*`, // a wildcard, matched step by step, between the plain ones
    (n) => `**/${n}`,
  ];

  it(
    'decides as trying each rule in turn would: the last that matches wins, negations, folders ' +
      'only and anchors kept',
    () => {
      for (let seed = 1; seed <= 40; seed++) {
        const rand = random(seed);
        const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)]!;
        const lines = Array.from({ length: 30 }, () => `${rand() < 0.3 ? '!' : ''}${pick(SHAPES)(pick(NAMES), pick)}`);
        const whole = new GitignoreFile(lines.join('\n'), false);
        // each rule alone (its answers are git's, above), the last that answers deciding
        const alone = lines.map((line) => new GitignoreFile(line, false));
        const tried = (path: string, isDir: boolean) => {
          for (let i = alone.length - 1; i >= 0; i--) {
            const answer = alone[i]!.test(path, isDir);
            if (answer !== undefined) return answer;
          }
          return undefined;
        };
        for (const dir of ['', 'a/', 'b/', 'build/', 'a/b/']) {
          for (const name of NAMES) {
            for (const isDir of [false, true])
              expect(
                whole.test(`${dir}${name}`, isDir),
                `seed ${seed}: ${dir}${name} (folder: ${isDir}) against ${JSON.stringify(lines)}`,
              ).toBe(tried(`${dir}${name}`, isDir));
          }
        }
      }
    },
  );

  it('looks a path up in a few Map lookups against 140,000 names and 140,000 endings, not a try of each', () => {
    const file = (n: number) =>
      new GitignoreFile(Array.from({ length: n }, (_, i) => `n${i}\n*.e${i}`).join('\n'), false);
    const big = file(140_000);
    const small = file(10);
    const paths = Array.from({ length: 200 }, (_, i) => `d${i % 7}/sub/${i % 2 ? `n${i * 613}` : `f${i}.e${i * 613}`}`);
    const cost = (rules: GitignoreFile) => {
      const before = lookupWork.gets;
      const steps = matchWork.steps;
      const answers = paths.map((p) => rules.test(p, false));
      expect(matchWork.steps).toBe(steps); // no rule here is matched step by step
      return { answers, gets: (lookupWork.gets - before) / paths.length };
    };
    const many = cost(big);
    const few = cost(small);
    expect(many.answers.every((a) => a === 'ignored')).toBe(true);
    expect(few.answers.filter((a) => a === 'ignored')).toHaveLength(1); // f0.e0 alone
    // a name: one lookup per Map of names (131,072 keys each); an ending: one per length of ending held
    // (".e0" to ".e139999": 6) per Map
    expect(many.gets).toBeLessThanOrEqual(2 * (1 + 6) + 1);
    expect(few.gets).toBeLessThanOrEqual(1 + 1 + 1);
  });
});
