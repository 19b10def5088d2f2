/**
 * A caller's glob that picomatch would match slowly is matched by RE2 instead (inputs/glob-match.ts,
 * issue 55): the same verdicts as picomatch on every path, in time linear in the path; what stays
 * with picomatch is bounded; what RE2 cannot run is refused in words.
 */
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { asTinyglobbyReads, GlobRefused, globMatcher } from '../../src/orchestrator/inputs/glob-match.js';
import { boundedGlob } from '../../src/orchestrator/inputs/glob.js';

const theirs = (glob: string) => picomatch(asTinyglobbyReads(glob), { dot: true, posix: true });

describe('which globs stay with picomatch', () => {
  it('one ** and two * a part at most, no extglob', () => {
    for (const g of ['*.ts', '**/*.ts', 'src/**/*.{ts,tsx}', '*-*.md', 'a*b/**/c*d', '?x?/[a-z]*', 'a/*/b/*/c'])
      expect(boundedGlob(g), g).toBe(true);
    for (const g of [
      '**/x/**/*.ts',
      '*a*b*c',
      '{*a,*b}{*c,*d}',
      '**/*a*/**/*a*b',
      '+(a|b).ts',
      '@(x|y)/z',
      '!(x).ts',
      'a/*(b)',
    ])
      expect(boundedGlob(g), g).toBe(false);
  });

  it('reads a glob as tinyglobby does: a folder it names stands for everything in it', () => {
    expect(asTinyglobbyReads('src/')).toBe('src/**');
    expect(asTinyglobbyReads('*.ts')).toBe('*.ts/**');
    expect(asTinyglobbyReads('src/*')).toBe('src/*');
    expect(asTinyglobbyReads('a/./b/**')).toBe('a/b/**');
  });
});

describe('a glob matched by RE2', () => {
  const PATHS = [
    'a.ts',
    'src/a.ts',
    'src/nested/deep/b.ts',
    'src/x.test.ts',
    'test/unit/x.test.ts',
    'test/x/y/z.test.ts',
    'docs/a.md',
    'docs/a-b-c.md',
    'docs/abc.md',
    '.env',
    'src/.hidden/x.ts',
    'x.ts/inside.txt',
    'ab.ts',
    'aab.ts',
    'b.ts',
    'c.ts',
    'x/q',
    'y/q/r',
    'z/q',
    'A.ts',
    'a b/c d.ts',
    'é/ü.ts',
    '😀/x.ts',
    'src',
  ];
  const GLOBS = [
    '**/test/**/*.test.ts',
    '**/*-*-*.md',
    '{src,test}/**/x/**',
    '+(a|b).ts',
    '@(x|y)/**',
    '*(a)b.ts',
    '?(a)b.ts',
    '**/[[:alpha:]]*/**/*.ts',
    '[!a]*.ts',
    '*a*b*.ts',
    '**/*.{ts,md}/**/*',
    'src/**/**/b.ts',
    '**/x.ts/**',
    '*/**/*',
  ];

  for (const glob of GLOBS) {
    it(`${glob}: picomatch’s verdict on every path`, () => {
      const mine = globMatcher(glob);
      const pm = theirs(glob);
      const verdicts = PATHS.map((p) => pm(p));
      expect(PATHS.filter((p) => mine(p))).toEqual(PATHS.filter((p) => pm(p)));
      expect(new Set(verdicts).size, 'paths on both sides').toBe(2);
    });
  }

  it('random globs: picomatch’s verdict on random paths, every one', () => {
    let seed = 55;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]) => xs[random(xs.length)]!;
    const TOKENS = [
      '*',
      '**',
      '?',
      'a',
      'b',
      '.',
      '.t',
      'x',
      '{a,b}',
      '{x,*.t}',
      '[ab]',
      '[!a]',
      '+(a|b)',
      '@(a|x)',
      '*(b)',
      '?(a)',
    ];
    const PARTS = ['a', 'b', 'ab', 'ba', 'x', '.a', 'a.t', 'x.t', '.t', 'aab', 'bxa'];
    const paths = Array.from({ length: 60 }, () => Array.from({ length: 1 + random(4) }, () => pick(PARTS)).join('/'));
    let compared = 0;
    const differ: string[] = [];
    for (let g = 0; g < 1000; g++) {
      const glob = Array.from({ length: 1 + random(3) }, () =>
        Array.from({ length: 1 + random(3) }, () => pick(TOKENS)).join(''),
      ).join('/');
      let mine: (p: string) => boolean;
      try {
        mine = globMatcher(glob);
      } catch (err) {
        if (err instanceof GlobRefused) continue;
        throw err;
      }
      const pm = theirs(glob);
      for (const path of paths) if (mine(path) !== pm(path)) differ.push(`${glob} ${path}: picomatch ${pm(path)}`);
      compared++;
    }
    expect(differ.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(800);
  });

  it('in time linear in the path where picomatch takes seconds', () => {
    const name = 'a'.repeat(255);
    const deep = Array.from({ length: 15 }, () => name).join('/');
    // picomatch's expressions backtrack over these for hours (*a*a*a*a*a*b on 255 characters): answered at
    // all is the proof
    expect(globMatcher('**/*a*/**/*a*b')(deep)).toBe(false);
    expect(globMatcher('*a*a*a*a*a*b')(name)).toBe(false);
    expect(globMatcher('*a*a*a*a*a*b')(`${name}b`)).toBe(true);
    expect(globMatcher('**/a/**/a/**/a/**/a/b')(Array.from({ length: 1000 }, () => 'a').join('/'))).toBe(false);
  });

  it('refuses what RE2 cannot run, naming it and what to do', () => {
    expect(() => globMatcher('!(x)*.ts')).toThrow(GlobRefused);
    expect(() => globMatcher('**/!(x)/**/*.ts')).toThrow(
      'uses a negated part ("!(…)" or a leading "!"), which ollm-mcp does not match: globs that ' +
        'picomatch would match slowly are matched in time linear in each path (by RE2), so that no ' +
        'pattern can stall the server — write the pattern without it, or name the files.',
    );
  });
});
