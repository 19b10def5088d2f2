import { describe, expect, it } from 'vitest';
import { checkCitations, type ReadText } from '../../src/orchestrator/inputs/citations.js';
import { diffFiles } from '../../src/orchestrator/inputs/diff-lines.js';
import { judgeDiff } from '../../src/orchestrator/inputs/citation-lines.js';
import { unheld } from '../../src/orchestrator/jobs/offload.js';

/**
 * A working-tree diff as git writes it: code.py changed at lines 2 and 6 (both in one hunk), lines 20-22
 * further down.
 */
const PATCH = [
  'diff --git a/code.py b/code.py',
  'index 1111111..2222222 100644',
  '--- a/code.py',
  '+++ b/code.py',
  '@@ -1,6 +1,7 @@',
  ' def add(a, b):',
  '-    return a - b',
  '+    return a + b',
  ' ',
  ' ',
  ' def mul(a, b):',
  '-    return a + b',
  '+    # multiply',
  '+    return a * b',
  '@@ -20,3 +21,3 @@ def div(a, b):',
  ' x = 1',
  '--- not a header: a removed line starting with two dashes',
  '+++ not a header either',
  ' z = 3',
  'diff --git a/new.py b/new.py',
  'new file mode 100644',
  'index 0000000..3333333',
  '--- /dev/null',
  '+++ b/new.py',
  '@@ -0,0 +1,2 @@',
  '+print("one")',
  '+print("two")',
  'diff --git a/old name.py b/lib/renamed.py',
  'similarity index 90%',
  'rename from old name.py',
  'rename to lib/renamed.py',
  '--- a/old name.py\t',
  '+++ b/lib/renamed.py',
  '@@ -3 +3 @@',
  '-value = 1',
  '+value = 2',
  'diff --git "a/t\\303\\251st.py" "b/t\\303\\251st.py"',
  'deleted file mode 100644',
  '--- "a/t\\303\\251st.py"',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-gone = True',
  '\\ No newline at end of file',
  '',
].join('\n');

const READ: ReadText[] = [{ label: 'git diff (working tree)', text: PATCH, kind: 'diff' }];
const verdict = (answer: string, read: readonly ReadText[] = READ) =>
  checkCitations(answer, read).citations.map((c) => [c.raw, c.verdict, c.why]);

describe('diff-lines: what a patch shows of each file', () => {
  it('each side of each hunk by line number, paths unquoted and unprefixed, renames under both names', () => {
    const files = diffFiles(PATCH);
    expect(files.map((f) => f.paths)).toEqual([
      ['code.py'],
      ['new.py'],
      ['lib/renamed.py', 'old name.py'],
      ['tést.py'],
    ]);
    const code = files[0]!;
    expect([...code.after]).toEqual([
      [1, 'def add(a, b):'],
      [2, '    return a + b'],
      [3, ''],
      [4, ''],
      [5, 'def mul(a, b):'],
      [6, '    # multiply'],
      [7, '    return a * b'],
      [21, 'x = 1'],
      [22, '++ not a header either'],
      [23, 'z = 3'],
    ]);
    expect(code.before.get(2)).toBe('    return a - b');
    expect(code.before.get(21)).toBe('-- not a header: a removed line starting with two dashes');
    expect(code.before.get(22)).toBe('z = 3');
    expect([files[1]!.wholeAfter, files[1]!.after.size, files[1]!.before.size]).toEqual([true, 2, 0]);
    expect([files[3]!.wholeBefore, files[3]!.before.get(1)]).toEqual([true, 'gone = True']);
  });

  it('a binary or mode-only change names its file from the header', () => {
    expect(
      diffFiles('diff --git a/img.png b/img.png\nindex 1..2 100644\nBinary files a/img.png and b/img.png differ\n').map(
        (f) => f.paths,
      ),
    ).toEqual([['img.png']]);
  });
});

describe('citations of a diff: checked against the lines it shows', () => {
  it('verifies new-side and old-side lines and their quotes', () => {
    expect(
      verdict(
        'code.py:2 `return a + b` and code.py:5 `def mul(a, b):`, before it was code.py:2 `return a - b`; code.py:6-7',
      ),
    ).toEqual([
      ['code.py:2', 'verified', undefined],
      ['code.py:5', 'verified', undefined],
      ['code.py:6-7', 'verified', undefined],
    ]);
    expect(verdict('lib/renamed.py:3 `value = 2`; old name: renamed.py:3')).toEqual([
      ['lib/renamed.py:3', 'verified', undefined],
      ['renamed.py:3', 'verified', undefined],
    ]);
  });

  it('flags a quote that is on neither side of the lines shown', () => {
    expect(verdict('code.py:2 `return a * a`')).toEqual([
      ['code.py:2', 'flagged', 'the quoted text is not on line 2 of code.py as the diff shows it'],
    ]);
  });

  it('leaves lines outside the hunks unchecked, not flagged', () => {
    expect(verdict('code.py:12 `anything`')).toEqual([
      ['code.py:12', 'unchecked', 'code.py:12 is outside the lines the diff shows of code.py'],
    ]);
    expect(verdict('code.py:7-9')).toEqual([
      ['code.py:7-9', 'unchecked', 'code.py:7-9 is outside the lines the diff shows of code.py'],
    ]);
  });

  it('flags lines past the end of a file the diff shows whole, line 0 and backwards ranges', () => {
    expect(verdict('new.py:0-1 code.py:3-0')).toEqual([
      ['new.py:0-1', 'flagged', 'new.py:0-1 does not exist: lines are numbered from 1'],
      ['code.py:3-0', 'flagged', 'code.py:3-0 is backwards: line 3 comes after line 0'],
    ]);
    expect(verdict('new.py:3 new.py:2-3 new.py:0 code.py:5-4')).toEqual([
      ['new.py:3', 'flagged', 'new.py:3 does not exist: the new file new.py has 2 lines'],
      ['new.py:2-3', 'flagged', 'new.py:2-3 runs past the end: the new file new.py has 2 lines'],
      ['new.py:0', 'flagged', 'new.py:0 does not exist: lines are numbered from 1'],
      ['code.py:5-4', 'flagged', 'code.py:5-4 is backwards: line 5 comes after line 4'],
    ]);
    const deleted = PATCH.replace(/t\\303\\251st\.py/g, 'gone.py');
    expect(
      verdict('gone.py:1 `gone = True` gone.py:2', [{ label: 'git diff HEAD~1', text: deleted, kind: 'diff' }]),
    ).toEqual([
      ['gone.py:1', 'verified', undefined],
      ['gone.py:2', 'flagged', 'gone.py:2 does not exist: the deleted file gone.py has 1 line'],
    ]);
  });

  it('a quote may span the lines the diff shows, read with a line break between them', () => {
    expect(verdict('code.py:22-23 `++ not a header either z = 3`')).toEqual([['code.py:22-23', 'verified', undefined]]);
    expect(verdict('code.py:22-23 `either z`')).toEqual([['code.py:22-23', 'verified', undefined]]);
    expect(verdict('code.py:22-23 `eitherz`')).toEqual([
      ['code.py:22-23', 'flagged', 'the quoted text is not on lines 22-23 of code.py as the diff shows it'],
    ]);
  });

  it('judgeDiff on its own: verified when a side shows the lines', () => {
    const file = diffFiles(PATCH)[0]!;
    expect(judgeDiff({ raw: 'code.py:2', from: 2, to: 2 }, ['return a + b'], file)).toEqual({ verdict: 'verified' });
  });

  it('counts the lines of a file read whole at every kind of line end, a CR right at its start too', () => {
    const read: ReadText[] = [{ label: 'a.txt', text: 'a\rb\nc\r\nd\re' }];
    expect(verdict('a.txt:5 `e` a.txt:6 a.txt:2-3 `b c`', read)).toEqual([
      ['a.txt:5', 'verified', undefined],
      ['a.txt:6', 'flagged', 'a.txt:6 does not exist: the file has 5 lines'],
      ['a.txt:2-3', 'verified', undefined],
    ]);
  });

  it('a file read whole is checked against its text, not its diff', () => {
    const read: ReadText[] = [
      ...READ,
      { label: 'code.py', text: 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\n' },
    ];
    expect(verdict('code.py:12 `l12`', read)).toEqual([['code.py:12', 'verified', undefined]]);
    // read as ./code.py: the same file, still before its diff
    const dotted: ReadText[] = [
      ...READ,
      { label: './code.py', text: 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\nl12\n' },
    ];
    expect(verdict('code.py:12 `l12`', dotted)).toEqual([['code.py:12', 'verified', undefined]]);
  });

  it('the same patch read as an ordinary file is cited by its own lines', () => {
    expect(verdict('fix.patch:1', [{ label: 'fix.patch', text: PATCH }])).toEqual([
      ['fix.patch:1', 'verified', undefined],
    ]);
    expect(verdict('code.py:2', [{ label: 'fix.patch', text: PATCH }])).toEqual([
      ['code.py:2', 'unchecked', 'code.py was not read, so it could not be checked'],
    ]);
  });
});

describe('whether the citations hold: only checked ones count', () => {
  it('unchecked citations never set an answer aside', () => {
    const logRead: ReadText[] = [{ label: 'build.log', text: "src/main.c:12:5: error: 'count' undeclared\n" }];
    expect(
      unheld(checkCitations('It fails at src/main.c:12 and src/util.c:40 (build.log:1).', logRead)),
    ).toBeUndefined();
    expect(unheld(checkCitations('It fails at src/main.c:12, src/util.c:40 and src/x.c:1.', logRead))).toBeUndefined();
  });

  it('most of two or more checked citations flagged does, naming the first', () => {
    const r = checkCitations('code.py:2 `return a * a`, code.py:6 `nope nope` and src/x.c:1 and code.py:5', READ);
    expect(unheld(r)).toBe(
      'most of its citations do not hold (1 of 3 citations verified, 1 unchecked; the quoted text ' +
        'is not on line 2 of code.py as the diff shows it)',
    );
    expect(unheld(checkCitations('code.py:2 `return a * a` and code.py:5', READ))).toBeUndefined(); // half is not most
    expect(unheld(checkCitations('code.py:2 `return a * a`', READ))).toBeUndefined(); // one is too few to judge
  });
});
