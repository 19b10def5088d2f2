import { describe, expect, it } from 'vitest';
import { checkCitations, type ReadText } from '../../src/orchestrator/inputs/citations.js';
import { diffFiles } from '../../src/orchestrator/inputs/diff-lines.js';

/**
 * Patches as git writes them with the options and config inputs/diff.ts gives it (prefixes a/ and
 * b/, core.quotePath off, renames and copies found), each taken from a real repository.
 */
const STAGED = [
  'diff --git a/assets/img.png b/assets/img.png',
  'index 9472131..90ee2d1 100644',
  'Binary files a/assets/img.png and b/assets/img.png differ',
  'diff --git a/assets/logo.png b/assets/logo.png',
  'new file mode 100644',
  'index 0000000..13b1096',
  'Binary files /dev/null and b/assets/logo.png differ',
  'diff --git a/docs/old.md b/docs/guide.md',
  'similarity index 100%',
  'rename from docs/old.md',
  'rename to docs/guide.md',
  'diff --git "a/emoji 😀 \\"q\\".txt" "b/emoji 😀 \\"q\\".txt"',
  'new file mode 100644',
  'index 0000000..b356c2f',
  '--- /dev/null',
  '+++ "b/emoji 😀 \\"q\\".txt"\t',
  '@@ -0,0 +1 @@',
  '+smile = 1',
  'diff --git a/empty.txt b/empty.txt',
  'new file mode 100644',
  'index 0000000..e69de29',
  'diff --git "a/esc\\033.txt" "b/esc\\033.txt"',
  'new file mode 100644',
  'index 0000000..e91e58d',
  '--- /dev/null',
  '+++ "b/esc\\033.txt"',
  '@@ -0,0 +1 @@',
  '+e = 1',
  'diff --git a/lib/base.py b/lib/base.py',
  'index 322f737..21756dd 100644',
  '--- a/lib/base.py',
  '+++ b/lib/base.py',
  '@@ -1,2 +1,2 @@',
  ' def base():',
  '-    return 1',
  '+    return 2',
  'diff --git a/lib/base.py b/lib/base_copy.py',
  'similarity index 100%',
  'copy from lib/base.py',
  'copy to lib/base_copy.py',
  'diff --git a/old.py b/old.py',
  'deleted file mode 100644',
  'index b42d564..0000000',
  '--- a/old.py',
  '+++ /dev/null',
  '@@ -1,2 +0,0 @@',
  '-bye = 1',
  '-exit()',
  'diff --git a/run.sh b/run.sh',
  'old mode 100644',
  'new mode 100755',
  'diff --git "a/say \\"hi\\".txt" "b/say \\"hi\\".txt"',
  'index 45b983b..b14df64 100644',
  '--- "a/say \\"hi\\".txt"\t',
  '+++ "b/say \\"hi\\".txt"\t',
  '@@ -1 +1 @@',
  '-hi',
  '+Hi',
  'diff --git a/src/app.py b/src/app.py',
  'index ac9837c..13a6ebe 100644',
  '--- a/src/app.py',
  '+++ b/src/app.py',
  '@@ -10,13 +10,14 @@ line 9',
  ' line 10',
  ' line 11',
  ' line 12',
  '-line 13',
  '+line thirteen',
  ' line 14',
  ' line 15',
  ' line 16',
  '-line 17',
  '+line seventeen',
  ' line 18',
  ' line 19',
  '+line 19b',
  ' line 20',
  ' line 21',
  ' line 22',
  'diff --git "a/tab\\tname.txt" "b/tab\\tname.txt"',
  'new file mode 100644',
  'index 0000000..5981f60',
  '--- /dev/null',
  '+++ "b/tab\\tname.txt"',
  '@@ -0,0 +1 @@',
  '+t = 1',
  'diff --git a/tail.txt b/tail.txt',
  'index 1c1206e..c2ae68e 100644',
  '--- a/tail.txt',
  '+++ b/tail.txt',
  '@@ -1 +1,2 @@',
  '-last',
  '\\ No newline at end of file',
  '+last',
  '+more',
  'diff --git a/win.txt b/win.txt',
  'index e1587ff..103b2f6 100644',
  '--- a/win.txt',
  '+++ b/win.txt',
  '@@ -1,3 +1,3 @@',
  ' one\r',
  '-two\r',
  '+TWO\r',
  ' three\r',
  '',
].join('\n');

/**
 * A repository in the middle of a merge: c.py in conflict, shown as a combined diff (`diff --cc`), which git
 * writes first.
 */
const CONFLICT = [
  'diff --cc c.py',
  'index 3b6f40a,f4ea702..0000000',
  '--- a/c.py',
  '+++ b/c.py',
  '@@@ -1,3 -1,3 +1,7 @@@',
  '  a',
  '++<<<<<<< HEAD',
  ' +B2',
  '++=======',
  '+ B1',
  '++>>>>>>> o',
  '  c',
  '',
].join('\n');
const MODIFIED = [
  'diff --git a/a.py b/a.py',
  'index 7d4290a..2c18545 100644',
  '--- a/a.py',
  '+++ b/a.py',
  '@@ -1 +1,2 @@',
  ' x = 1',
  '+y = 2',
  '',
].join('\n');

const read = (text: string): ReadText[] => [{ label: 'git diff --cached (staged changes)', text, kind: 'diff' }];
const verdicts = (answer: string, text = STAGED) =>
  checkCitations(answer, read(text)).citations.map((c) => [c.raw, c.verdict, c.why]);

describe('diff-lines: the files a git patch shows, by the names git gives them', () => {
  it('every file of a patch once, unquoted and unprefixed; a rename or copy by its new name, then its old one', () => {
    expect(diffFiles(STAGED).map((f) => f.paths)).toEqual([
      ['assets/img.png'],
      ['assets/logo.png'],
      ['docs/guide.md', 'docs/old.md'],
      ['emoji 😀 "q".txt'],
      ['empty.txt'],
      ['esc\u001b.txt'],
      ['lib/base.py'],
      ['lib/base_copy.py', 'lib/base.py'],
      ['old.py'],
      ['run.sh'],
      ['say "hi".txt'],
      ['src/app.py'],
      ['tab\tname.txt'],
      ['tail.txt'],
      ['win.txt'],
    ]);
  });

  it('a renamed path in quotes, and a path git wrote with octal UTF-8 bytes', () => {
    const renamed = [
      'diff --git "a/a\\\\b.py" b/ab.py',
      'similarity index 100%',
      'rename from "a\\\\b.py"',
      'rename to ab.py',
      '',
    ].join('\n');
    expect(diffFiles(renamed).map((f) => f.paths)).toEqual([['ab.py', 'a\\b.py']]);
    const octal = [
      'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"',
      'old mode 100644',
      'new mode 100755',
      '',
    ].join('\n');
    expect(diffFiles(octal).map((f) => f.paths)).toEqual([['café.py']]);
  });

  it(
    "a conflicted file's combined diff is no file, before the first file or after one (readDiff " +
      'joins the patches of several git calls)',
    () => {
      expect(diffFiles(CONFLICT + MODIFIED).map((f) => f.paths)).toEqual([['a.py']]);
      expect(diffFiles(MODIFIED + CONFLICT).map((f) => f.paths)).toEqual([['a.py']]);
      for (const patch of [CONFLICT + MODIFIED, MODIFIED + CONFLICT]) {
        expect(verdicts('a.py:2 `y = 2`, a.py:1 `x = 1`; c.py:2 `B2`', patch)).toEqual([
          ['a.py:2', 'verified', undefined],
          ['a.py:1', 'verified', undefined],
          ['c.py:2', 'unchecked', 'c.py was not read, so it could not be checked'],
        ]);
      }
    },
  );
});

describe('diff-lines: the lines each side shows', () => {
  it('a hunk past line 9 and longer than 9 lines: new side and old side by their own numbers', () => {
    const app = diffFiles(STAGED).find((f) => f.paths[0] === 'src/app.py')!;
    expect([app.after.size, app.before.size, app.after.get(10), app.after.get(23), app.before.get(22)]).toEqual([
      14,
      13,
      'line 10',
      'line 22',
      'line 22',
    ]);
    expect(
      verdicts(
        'src/app.py:13 `line thirteen`, once src/app.py:13 `line 13`; src/app.py:19-20 `line 19 ' +
          'line 19b`; app.py:23 `line 22`',
      ),
    ).toEqual([
      ['src/app.py:13', 'verified', undefined],
      ['src/app.py:19-20', 'verified', undefined],
      ['app.py:23', 'verified', undefined],
    ]);
    expect(verdicts('src/app.py:17 `line 16` src/app.py:24 src/app.py:9')).toEqual([
      ['src/app.py:17', 'flagged', 'the quoted text is not on line 17 of src/app.py as the diff shows it'],
      ['src/app.py:24', 'unchecked', 'src/app.py:24 is outside the lines the diff shows of src/app.py'],
      ['src/app.py:9', 'unchecked', 'src/app.py:9 is outside the lines the diff shows of src/app.py'],
    ]);
  });

  it('hunk headers without counts, and a last line without its newline on one side only', () => {
    expect(verdicts('tail.txt:1 `last` tail.txt:2 `more` tail.txt:3')).toEqual([
      ['tail.txt:1', 'verified', undefined],
      ['tail.txt:2', 'verified', undefined],
      ['tail.txt:3', 'unchecked', 'tail.txt:3 is outside the lines the diff shows of tail.txt'],
    ]);
    const tail = diffFiles(STAGED).find((f) => f.paths[0] === 'tail.txt')!;
    expect([[...tail.before], [...tail.after]]).toEqual([
      [[1, 'last']],
      [
        [1, 'last'],
        [2, 'more'],
      ],
    ]);
  });

  it('CRLF lines: each side by its number, the quote without the CR', () => {
    expect(verdicts('win.txt:2 `TWO` and before, win.txt:2 `two`; win.txt:3 `three`; win.txt:2 `three`')).toEqual([
      ['win.txt:2', 'flagged', 'the quoted text is not on line 2 of win.txt as the diff shows it'],
      ['win.txt:3', 'verified', undefined],
    ]);
    expect(verdicts('win.txt:2 `TWO` and before, win.txt:2 `two`')).toEqual([['win.txt:2', 'verified', undefined]]);
  });

  it("a blank context line git writes empty (diff.suppressBlankEmpty in the repository's config)", () => {
    const patch = [
      'diff --git a/f.py b/f.py',
      'index 270018c..05c4cad 100644',
      '--- a/f.py',
      '+++ b/f.py',
      '@@ -1,3 +1,3 @@',
      ' def f():',
      '',
      '-    return 1',
      '+    return 2',
      '',
    ].join('\n');
    expect(verdicts('f.py:3 `return 2`, was f.py:3 `return 1`; f.py:1-2 `def f():`; f.py:4', patch)).toEqual([
      ['f.py:3', 'verified', undefined],
      ['f.py:1-2', 'verified', undefined],
      ['f.py:4', 'unchecked', 'f.py:4 is outside the lines the diff shows of f.py'],
    ]);
  });
});

describe('diff-lines: files shown whole, and files that show no line', () => {
  it('a new or deleted text file is shown whole: a line past its end does not exist', () => {
    expect(verdicts('old.py:2 `exit()` old.py:3 empty.txt:1')).toEqual([
      ['old.py:2', 'verified', undefined],
      ['old.py:3', 'flagged', 'old.py:3 does not exist: the deleted file old.py has 2 lines'],
      ['empty.txt:1', 'flagged', 'empty.txt:1 does not exist: the new file empty.txt has 0 lines'],
    ]);
  });

  it('a binary file, new or changed, shows no line: its citations are unchecked, never flagged', () => {
    expect(verdicts('assets/logo.png:1 and img.png:3')).toEqual([
      ['assets/logo.png:1', 'unchecked', 'assets/logo.png:1 is outside the lines the diff shows of assets/logo.png'],
      ['img.png:3', 'unchecked', 'img.png:3 is outside the lines the diff shows of assets/img.png'],
    ]);
    const logo = diffFiles(STAGED)[1]!;
    expect([logo.wholeAfter, logo.wholeBefore, logo.after.size]).toEqual([false, false, 0]);
  });

  it('a mode change, a pure rename and a pure copy show no line, under each name', () => {
    expect(verdicts('run.sh:1 docs/guide.md:1 docs/old.md:2 lib/base_copy.py:2 lib/base.py:2 `return 2`')).toEqual([
      ['run.sh:1', 'unchecked', 'run.sh:1 is outside the lines the diff shows of run.sh'],
      ['docs/guide.md:1', 'unchecked', 'docs/guide.md:1 is outside the lines the diff shows of docs/guide.md'],
      ['docs/old.md:2', 'unchecked', 'docs/old.md:2 is outside the lines the diff shows of docs/guide.md'],
      ['lib/base_copy.py:2', 'unchecked', 'lib/base_copy.py:2 is outside the lines the diff shows of lib/base_copy.py'],
      ['lib/base.py:2', 'verified', undefined],
    ]);
  });

  it('a hunk header starts its line: a file name holding one is only a name', () => {
    const patch = [
      'diff --git a/x @@ -1 +1 @@/new.png b/x @@ -1 +1 @@/new.png',
      'new file mode 100644',
      'index 0000000..0b9f7e6',
      'Binary files /dev/null and b/x @@ -1 +1 @@/new.png differ',
      '',
    ].join('\n');
    expect(verdicts('new.png:1', patch)).toEqual([
      ['new.png:1', 'unchecked', 'new.png:1 is outside the lines the diff shows of x @@ -1 +1 @@/new.png'],
    ]);
  });
});
