/** The pure parts of reading a diff: accepted ranges, the `-z` listing, and the filter overrides. */
import { describe, expect, it } from 'vitest';
import { parseNameStatus, rangeRevisions } from '../../src/orchestrator/inputs/diff-list.js';
import { filterNames, gitEnv, neutralisedFilters, SAFE_CONFIG } from '../../src/orchestrator/inputs/git-run.js';
import { InputError } from '../../src/orchestrator/inputs/types.js';

describe('rangeRevisions', () => {
  it('accepts one revision or two joined by .. or ...', () => {
    expect(rangeRevisions('HEAD~3')).toEqual(['HEAD~3']);
    expect(rangeRevisions('main..HEAD')).toEqual(['main', 'HEAD']);
    expect(rangeRevisions('main...feature/x')).toEqual(['main', 'feature/x']);
    expect(rangeRevisions('HEAD@{1}..HEAD^2')).toEqual(['HEAD@{1}', 'HEAD^2']);
    expect(rangeRevisions('v1.2.3')).toEqual(['v1.2.3']);
  });

  it('refuses blob and tree expressions, options, empty sides and more than two revisions', () => {
    for (const bad of [
      'HEAD:.env..HEAD:README.md',
      'HEAD:.env',
      ':/fix',
      ':0:.env',
      '--output=/tmp/x',
      '-p',
      'a..b..c',
      'a...b...c',
      '..HEAD',
      'HEAD..',
      '',
      'a b',
      'HEAD;id',
      '^HEAD',
      'a....b',
    ]) {
      expect(() => rangeRevisions(bad), bad).toThrow(InputError);
    }
    expect(() => rangeRevisions('HEAD:.env')).toThrow(
      /give one commit .*blob expressions \(with ":"\) and options are not accepted/,
    );
  });
});

describe('parseNameStatus', () => {
  it('reads one path per entry, two for a rename or copy, and any byte in a name', () => {
    const out = 'M\0src/a.ts\0R100\0.env\0settings.txt\0A\0tab\tdir/.env\0C75\0x\0y\0D\0clé\n.pem\0';
    expect(parseNameStatus(out)).toEqual([
      { status: 'M', paths: ['src/a.ts'] },
      { status: 'R', paths: ['.env', 'settings.txt'] },
      { status: 'A', paths: ['tab\tdir/.env'] },
      { status: 'C', paths: ['x', 'y'] },
      { status: 'D', paths: ['clé\n.pem'] },
    ]);
    expect(parseNameStatus('')).toEqual([]);
  });

  it('refuses output it cannot read rather than guessing', () => {
    expect(() => parseNameStatus('R100\0only-one\0')).toThrow(/could not be read/);
    expect(() => parseNameStatus('diff --git a/x b/x\n')).toThrow(/could not be read/);
  });
});

describe("git runs nothing of the repository's choosing", () => {
  it('finds every filter driver in the config listing, dotted names too', () => {
    const config =
      'filter.lfs.clean git-lfs clean -- %f\nfilter.lfs.smudge git-lfs smudge\nfilter.a.b.process ' +
      'run me\nfilter.x.required true\nfilter.clean stray\ncore.bare false\n';
    expect(filterNames(config)).toEqual(['lfs', 'a.b', 'x']);
    expect(filterNames('')).toEqual([]);
  });

  it('leaves each named driver with no command', () => {
    expect(neutralisedFilters(['x'])).toEqual([
      '-c',
      'filter.x.clean=',
      '-c',
      'filter.x.smudge=',
      '-c',
      'filter.x.process=',
      '-c',
      'filter.x.required=false',
    ]);
  });

  it('turns off fsmonitor, hooks, external diffs and lazy fetch, and lets no GIT_ variable in', () => {
    for (const kv of [
      'core.fsmonitor=false',
      'core.hooksPath=/dev/null',
      'diff.external=',
      'protocol.allow=never',
      'diff.noprefix=false',
    ])
      expect(SAFE_CONFIG).toContain(kv);
    process.env.GIT_DIR = '/elsewhere';
    try {
      const env = gitEnv();
      expect(env.GIT_DIR).toBeUndefined();
      expect(env).toMatchObject({
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_LITERAL_PATHSPECS: '1',
      });
      expect(Object.keys(env).sort()).toEqual([
        'GIT_CONFIG_GLOBAL',
        'GIT_CONFIG_NOSYSTEM',
        'GIT_LITERAL_PATHSPECS',
        'GIT_NO_LAZY_FETCH',
        'GIT_OPTIONAL_LOCKS',
        'GIT_TERMINAL_PROMPT',
        'HOME',
        'LC_ALL',
        'PATH',
      ]);
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});
