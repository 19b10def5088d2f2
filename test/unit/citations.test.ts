import { describe, expect, it } from 'vitest';
import {
  CITE_INSTRUCTION,
  type Citation,
  checkCitations,
  MAX_CITATIONS,
  type ReadText,
} from '../../src/orchestrator/inputs/citations.js';

/** Twelve lines, "const x1 = 1;" … "const x12 = 12;", with a final newline. */
const RETRY = `${Array.from({ length: 12 }, (_, i) => `const x${i + 1} = ${i + 1};`).join('\n')}\n`;
const READ: ReadText[] = [
  { label: 'src/retry.ts', text: RETRY },
  { label: 'src/a/util.ts', text: 'export const a = 1;\n' },
  { label: 'src/b/util.ts', text: 'export const b = 2;\n' },
];

function check(answer: string, read: readonly ReadText[] = READ) {
  return checkCitations(answer, read);
}

function only(answer: string, read: readonly ReadText[] = READ): Citation {
  const { citations } = check(answer, read);
  expect(citations).toHaveLength(1);
  return citations[0] as Citation;
}

describe('the citation forms', () => {
  it.each([
    ['src/retry.ts:3', 'src/retry.ts:3', 3, 3],
    ['src/retry.ts:3-5', 'src/retry.ts:3-5', 3, 5],
    ['src/retry.ts:3–5', 'src/retry.ts:3–5', 3, 5], // en dash
    ['src/retry.ts#L4', 'src/retry.ts#L4', 4, 4],
    ['src/retry.ts#L4-L6', 'src/retry.ts#L4-L6', 4, 6],
    ['`src/retry.ts:7`', 'src/retry.ts:7', 7, 7],
    ['(src/retry.ts:8)', 'src/retry.ts:8', 8, 8],
    ['`src/retry.ts`:9', 'src/retry.ts:9', 9, 9],
    ['src/retry.ts, line 10', 'src/retry.ts, line 10', 10, 10],
    ['src/retry.ts line 11', 'src/retry.ts line 11', 11, 11],
    ['src/retry.ts lines 2-3', 'src/retry.ts lines 2-3', 2, 3],
    ['`src/retry.ts`, lines 5–6', 'src/retry.ts, lines 5–6', 5, 6],
    ['src/retry.ts#L12', 'src/retry.ts#L12', 12, 12],
    ['src/retry.ts#L4-6', 'src/retry.ts#L4-6', 4, 6],
    ['src/retry.ts#L3-L11', 'src/retry.ts#L3-L11', 3, 11],
    ['src/retry.ts  line 10', 'src/retry.ts  line 10', 10, 10],
    ['src/retry.ts line\t 10', 'src/retry.ts line\t 10', 10, 10],
    ['src/retry.ts lines 2 - 3', 'src/retry.ts lines 2 - 3', 2, 3],
    ['src/retry.ts lines 2-11', 'src/retry.ts lines 2-11', 2, 11],
  ])('reads %s', (written, raw, from, to) => {
    const c = only(`The delay grows in ${written}. That is all.`);
    expect(c).toMatchObject({ raw, path: 'src/retry.ts', from, to, verdict: 'verified' });
    expect(c.why).toBeUndefined();
  });

  it('does not take a full stop, a column or a closing parenthesis into the citation', () => {
    const { citations } = check('See src/retry.ts:4. Also src/retry.ts:5:12 and (src/retry.ts#L6).');
    expect(citations.map((c) => [c.raw, c.from, c.to])).toEqual([
      ['src/retry.ts:4', 4, 4],
      ['src/retry.ts:5', 5, 5],
      ['src/retry.ts#L6', 6, 6],
    ]);
  });

  it('does not count times, URLs, ratios, addresses or version numbers', () => {
    const report = check(
      'At 12:30 the ratio was 3:2 (a:b). See http://x:80, https://example.com:8443/src/retry.ts:3, ' +
        'example.com:8080/api, 10.0.0.1:80, v1.2:3, git@github.com:owner/repo.git and the docs at ' +
        'https://github.com/o/r/blob/main/src/retry.ts#L3.',
    );
    expect(report.citations).toEqual([]);
    expect(report).toMatchObject({ verified: 0, flagged: 0, summary: '' });
  });

  it('counts a path with a "/" and no extension, and no outline number such as a.1', () => {
    expect(only('see bin/run:3')).toMatchObject({ path: 'bin/run', verdict: 'unchecked' });
    expect(check('step a.1:2 of the recipe').citations).toEqual([]);
  });

  it('reads a quote written right against the citation', () => {
    expect(only('`src/retry.ts:3"const x9 = 9;"')).toMatchObject({ quote: 'const x9 = 9;', verdict: 'flagged' });
    expect(only('src/retry.ts:3`const x9 = 9;`')).toMatchObject({ quote: 'const x9 = 9;', verdict: 'flagged' });
  });

  it('counts a path without an extension or "/" only when it names an input', () => {
    const read = [...READ, { label: 'Makefile', text: 'all:\n\tbuild\n' }];
    expect(only('the rule is at Makefile:2', read)).toMatchObject({ path: 'Makefile', from: 2, verdict: 'verified' });
    expect(check('Dockerfile:2 and notes:4', read).citations).toEqual([]);
  });
});

describe('paths', () => {
  it('leaves a path that was not read unchecked: not wrong, just not checkable', () => {
    expect(only('see src/x.ts:3')).toMatchObject({
      verdict: 'unchecked',
      why: 'src/x.ts was not read, so it could not be checked',
    });
  });

  it('matches a path that ends an input label at a "/", or that an input label ends', () => {
    expect(only('see retry.ts:3')).toMatchObject({ path: 'retry.ts', verdict: 'verified' });
    expect(only('see ./src/retry.ts:3')).toMatchObject({ path: './src/retry.ts', verdict: 'verified' });
    expect(only('see /home/me/project/src/retry.ts:3')).toMatchObject({ verdict: 'verified' });
    // Not at a "/" boundary: "etry.ts" is not retry.ts.
    expect(only('see etry.ts:3')).toMatchObject({
      verdict: 'unchecked',
      why: 'etry.ts was not read, so it could not be checked',
    });
  });

  it('matches at a "/" only, from either side', () => {
    expect(only('see rc/retry.ts:3')).toMatchObject({ verdict: 'unchecked' });
    expect(only('see xsrc/retry.ts:3')).toMatchObject({ verdict: 'unchecked' });
  });

  it('reads a label written with backslashes (Windows) as a path', () => {
    expect(only('see src/win/a.ts:1', [{ label: 'src\\win\\a.ts', text: 'one\n' }])).toMatchObject({
      verdict: 'verified',
    });
  });

  it('never checks a citation of a diff against the diff text itself', () => {
    const diff = 'diff --git a/code.py b/code.py\n--- a/code.py\n+++ b/code.py\n@@ -1 +1 @@\n-a\n+b\n';
    expect(only('changes.diff:1', [{ label: 'changes.diff', text: diff, kind: 'diff' }])).toMatchObject({
      verdict: 'unchecked',
    });
  });

  it('names the input when a short path is past its end', () => {
    expect(only('see retry.ts:13').why).toBe('retry.ts:13 does not exist: src/retry.ts has 12 lines');
  });

  it('leaves a path that ends two inputs unchecked, saying which', () => {
    expect(only('see util.ts:1')).toMatchObject({
      verdict: 'unchecked',
      why: 'util.ts is ambiguous: it could be any of src/a/util.ts, src/b/util.ts',
    });
    expect(only('see src/a/util.ts:1')).toMatchObject({ verdict: 'verified' });
    const five = ['a', 'b', 'c', 'd', 'e'].map((d) => ({ label: `${d}/util.ts`, text: 'x\n' }));
    expect(only('see util.ts:1', five.slice(0, 3)).why).toBe(
      'util.ts is ambiguous: it could be any of a/util.ts, b/util.ts, c/util.ts',
    );
    expect(only('see util.ts:1', five).why).toBe(
      'util.ts is ambiguous: it could be any of a/util.ts, b/util.ts, c/util.ts and 2 more',
    );
  });
});

describe('lines', () => {
  it('flags a line beyond the file, naming its line count', () => {
    expect(only('see src/retry.ts:120')).toMatchObject({
      from: 120,
      to: 120,
      verdict: 'flagged',
      why: 'src/retry.ts:120 does not exist: the file has 12 lines',
    });
    expect(only('see src/retry.ts:12').verdict).toBe('verified');
  });

  it('flags a range partly beyond the file', () => {
    expect(only('see src/retry.ts:10-13')).toMatchObject({
      verdict: 'flagged',
      why: 'src/retry.ts:10-13 runs past the end: the file has 12 lines',
    });
    expect(only('see src/retry.ts:10-12').verdict).toBe('verified');
  });

  it('flags line 0 and backwards ranges', () => {
    expect(only('see src/retry.ts:0').why).toBe(
      'src/retry.ts:0 does not exist: lines are numbered from 1 and the file has 12 lines',
    );
    expect(only('see src/retry.ts:0-3').why).toBe(
      'src/retry.ts:0-3 does not exist: lines are numbered from 1 and the file has 12 lines',
    );
    expect(only('see src/retry.ts#L5-L3').why).toBe(
      'src/retry.ts#L5-L3 is backwards: line 5 comes after line 3, and the file has 12 lines',
    );
  });

  it(
    'counts lines as an editor shows them: CRLF, CR alone (old Mac), mixed, no final newline, a ' +
      'final newline, empty',
    () => {
      const read = [
        { label: 'cr.txt', text: 'one\rtwo\rthree\r' },
        { label: 'mixed.txt', text: 'one\rtwo\r\nthree\nfour' },
        { label: 'crlf.txt', text: 'one\r\ntwo\r\n' },
        { label: 'open.txt', text: 'one\ntwo' },
        { label: 'closed.txt', text: 'one\ntwo\n' },
        { label: 'one.txt', text: 'only' },
        { label: 'empty.txt', text: '' },
      ];
      const verdicts = (answer: string) => check(answer, read).citations.map((c) => [c.raw, c.verdict, c.why]);
      expect(verdicts('cr.txt:3 cr.txt:4 mixed.txt:4 mixed.txt:5')).toEqual([
        ['cr.txt:3', 'verified', undefined],
        ['cr.txt:4', 'flagged', 'cr.txt:4 does not exist: the file has 3 lines'],
        ['mixed.txt:4', 'verified', undefined],
        ['mixed.txt:5', 'flagged', 'mixed.txt:5 does not exist: the file has 4 lines'],
      ]);
      // a quote is looked for on the cited line alone, whatever ends it
      expect(only('cr.txt:2 `two`', read)).toMatchObject({ verdict: 'verified' });
      expect(only('cr.txt:2 `three`', read)).toMatchObject({
        verdict: 'flagged',
        why: 'the quoted text is not on line 2 of cr.txt',
      });
      expect(only('mixed.txt:3 `three`', read)).toMatchObject({ verdict: 'verified' });
      expect(
        verdicts(
          'crlf.txt:2 crlf.txt:3 open.txt:2 open.txt:3 closed.txt:2 closed.txt:3 one.txt:1 one.txt:2 empty.txt:1',
        ),
      ).toEqual([
        ['crlf.txt:2', 'verified', undefined],
        ['crlf.txt:3', 'flagged', 'crlf.txt:3 does not exist: the file has 2 lines'],
        ['open.txt:2', 'verified', undefined],
        ['open.txt:3', 'flagged', 'open.txt:3 does not exist: the file has 2 lines'],
        ['closed.txt:2', 'verified', undefined],
        ['closed.txt:3', 'flagged', 'closed.txt:3 does not exist: the file has 2 lines'],
        ['one.txt:1', 'verified', undefined],
        ['one.txt:2', 'flagged', 'one.txt:2 does not exist: the file has 1 line'],
        ['empty.txt:1', 'flagged', 'empty.txt:1 does not exist: the file is empty (0 lines)'],
      ]);
    },
  );
});

describe('line ends of every kind', () => {
  it('a lone CR ends a line as LF and CRLF do, also mixed, and a final one starts no line', () => {
    const read = [
      { label: 'cr.txt', text: 'one\rtwo\rthree\r' },
      { label: 'mixed.txt', text: 'one\r\ntwo\rthree\nfour' },
      { label: 'lf.txt', text: 'one\ntwo\n' },
    ];
    const verdicts = (answer: string) => check(answer, read).citations.map((c) => [c.raw, c.verdict, c.why]);
    expect(verdicts('cr.txt:3 `three` cr.txt:4 mixed.txt:2 `two` mixed.txt:4 `four` mixed.txt:5 lf.txt:3')).toEqual([
      ['cr.txt:3', 'verified', undefined],
      ['cr.txt:4', 'flagged', 'cr.txt:4 does not exist: the file has 3 lines'],
      ['mixed.txt:2', 'verified', undefined],
      ['mixed.txt:4', 'verified', undefined],
      ['mixed.txt:5', 'flagged', 'mixed.txt:5 does not exist: the file has 4 lines'],
      ['lf.txt:3', 'flagged', 'lf.txt:3 does not exist: the file has 2 lines'],
    ]);
    // the quote is looked for on the cited line only: line 2 of a CR file is "two", not "one"
    expect(only('cr.txt:2 `one`', read)).toMatchObject({
      verdict: 'flagged',
      why: 'the quoted text is not on line 2 of cr.txt',
    });
  });
});

describe('quotes', () => {
  it('verifies a quote after the citation that is on the cited lines', () => {
    expect(only('src/retry.ts:3 `const x3 = 3;` sets it')).toMatchObject({
      quote: 'const x3 = 3;',
      verdict: 'verified',
    });
    expect(only('in `src/retry.ts:3-4`: "x4 = 4"')).toMatchObject({ quote: 'x4 = 4', verdict: 'verified' });
  });

  it('verifies a quote right before the citation', () => {
    expect(only('`const x5 = 5;` (src/retry.ts:5) sets it')).toMatchObject({
      quote: 'const x5 = 5;',
      verdict: 'verified',
    });
    expect(only('the constant `x6 = 6` in src/retry.ts:6')).toMatchObject({ quote: 'x6 = 6', verdict: 'verified' });
  });

  it('flags a quote that is not on the cited lines, naming the lines searched', () => {
    expect(only('src/retry.ts:3 `const x9 = 9;`')).toMatchObject({
      quote: 'const x9 = 9;',
      verdict: 'flagged',
      why: 'the quoted text is not on line 3 of src/retry.ts',
    });
    // On the file, but on line 5: outside the range cited.
    expect(only('retry.ts:3-4 `const x5 = 5;`')).toMatchObject({
      verdict: 'flagged',
      why: 'the quoted text is not on lines 3-4 of src/retry.ts',
    });
  });

  it('normalises whitespace and line endings, so a quote may span cited lines', () => {
    const read = [{ label: 'crlf.ts', text: 'if (a) {\r\n    go();\r\n}\r\n' }];
    expect(only('crlf.ts:1-2 `if (a) { go();`', read)).toMatchObject({ verdict: 'verified' });
    expect(only('crlf.ts:1 `if (a) { go();`', read)).toMatchObject({
      verdict: 'flagged',
      why: 'the quoted text is not on line 1 of crlf.ts',
    });
  });

  it('ignores a quote shorter than 3 characters, one too far away, and one on another line', () => {
    expect(only('src/retry.ts:3 `x9` is set')).toMatchObject({ verdict: 'verified' });
    expect(only('src/retry.ts:3').quote).toBeUndefined();
    expect(only(`src/retry.ts:3 ${'and so on '.repeat(9)}\`const x9 = 9;\``)).toMatchObject({ verdict: 'verified' });
    expect(only('src/retry.ts:3 is set\n`const x9 = 9;`')).toMatchObject({ verdict: 'verified' });
    // a lone CR ends the answer's line too
    expect(only('src/retry.ts:3 is set\r`const x9 = 9;`')).toMatchObject({ verdict: 'verified' });
    expect(only('src/retry.ts:3 `const x9\r= 9;`').quote).toBeUndefined(); // a quote does not span lines
    expect(only('`const x9\r= 9;` src/retry.ts:3').quote).toBeUndefined();
    expect(only('src/retry.ts:3 `const x9 = 9;`').verdict).toBe('flagged'); // the same quote, close by, is checked
  });

  it('gives a quote between two citations to the one it belongs to', () => {
    const after = check('src/retry.ts:1 `const x1 = 1;`, src/retry.ts:2 `const x2 = 2;`').citations;
    expect(after.map((c) => [c.raw, c.quote, c.verdict])).toEqual([
      ['src/retry.ts:1', 'const x1 = 1;', 'verified'],
      ['src/retry.ts:2', 'const x2 = 2;', 'verified'],
    ]);
    const before = check('`const x1 = 1;` (src/retry.ts:1) and `const x2 = 2;` (src/retry.ts:2)').citations;
    expect(before.map((c) => [c.raw, c.quote, c.verdict])).toEqual([
      ['src/retry.ts:1', 'const x1 = 1;', 'verified'],
      ['src/retry.ts:2', 'const x2 = 2;', 'verified'],
    ]);
    const mixed = check('src/retry.ts:1 loops; `const x2 = 2;` (src/retry.ts:2)').citations;
    expect(mixed.map((c) => [c.raw, c.quote, c.verdict])).toEqual([
      ['src/retry.ts:1', undefined, 'verified'],
      ['src/retry.ts:2', 'const x2 = 2;', 'verified'],
    ]);
    // A backticked citation is never another citation's quote.
    expect(check('`src/retry.ts:1` `src/retry.ts:2`').citations.map((c) => c.quote)).toEqual([undefined, undefined]);
  });
});

describe('the report', () => {
  it('counts and sums up', () => {
    const report = check('src/retry.ts:1, src/retry.ts:2 and src/retry.ts:30');
    expect(report).toMatchObject({ verified: 2, flagged: 1, unchecked: 0, summary: '2 of 3 citations verified' });
    expect(check('only src/retry.ts:1').summary).toBe('1 of 1 citation verified');
    expect(check('no citations here')).toEqual({ citations: [], verified: 0, flagged: 0, unchecked: 0, summary: '' });
  });

  it('counts unchecked citations apart: "of" counts only the checked ones', () => {
    expect(check('src/retry.ts:1, src/retry.ts:30 and src/nope.ts:3')).toMatchObject({
      verified: 1,
      flagged: 1,
      unchecked: 1,
      summary: '1 of 2 citations verified, 1 unchecked',
    });
    expect(check('src/nope.ts:3 and src/other.ts:4')).toMatchObject({
      verified: 0,
      flagged: 0,
      unchecked: 2,
      summary: '2 citations unchecked',
    });
    expect(check('src/nope.ts:3')).toMatchObject({ unchecked: 1, summary: '1 citation unchecked' });
  });

  it('reports a citation written twice once, checking the quotes next to each', () => {
    expect(check('src/retry.ts:4 here and src/retry.ts:4 there').citations).toHaveLength(1);
    const twice = check('src/retry.ts:4 `const x4 = 4;` and later\nsrc/retry.ts:4 `const x7 = 7;`');
    expect(twice.citations).toHaveLength(1);
    expect(twice.citations[0]).toMatchObject({
      verdict: 'flagged',
      quote: 'const x7 = 7;',
      why: 'the quoted text is not on line 4 of src/retry.ts',
    });
  });

  it(`checks the first ${MAX_CITATIONS} distinct citations and says so`, () => {
    const read = [{ label: 'big.txt', text: 'line\n'.repeat(300) }];
    const answer = Array.from({ length: 250 }, (_, i) => `big.txt:${i + 1}`).join(' ');
    const report = check(answer, read);
    expect(report.citations).toHaveLength(MAX_CITATIONS);
    expect(report.citations.at(-1)?.raw).toBe(`big.txt:${MAX_CITATIONS}`);
    expect(report.summary).toBe(
      `${MAX_CITATIONS} of ${MAX_CITATIONS} citations verified, first ${MAX_CITATIONS} checked`,
    );
  });

  it(`a quote after the citation past the first ${MAX_CITATIONS} is not given to the last one checked`, () => {
    const read = [{ label: 'big.txt', text: 'line\n'.repeat(300) }];
    const answer = `${Array.from({ length: MAX_CITATIONS + 1 }, (_, i) => `big.txt:${i + 1}`).join(' ')} \`nothing here\``;
    expect(check(answer, read).citations.at(-1)).toMatchObject({
      raw: `big.txt:${MAX_CITATIONS}`,
      verdict: 'verified',
    });
  });

  it(`the last citation checked keeps the quote written before the first one past ${MAX_CITATIONS}`, () => {
    const read = [{ label: 'big.txt', text: 'line\n'.repeat(300) }];
    const first = Array.from({ length: MAX_CITATIONS }, (_, i) => `big.txt:${i + 1}`).join(' ');
    const wrong = check(`${first} \`not in the file\` big.txt:${MAX_CITATIONS + 1}`, read).citations.at(-1);
    expect(wrong).toMatchObject({ raw: `big.txt:${MAX_CITATIONS}`, verdict: 'flagged', quote: 'not in the file' });
    const right = check(`${first} \`line\` big.txt:${MAX_CITATIONS + 1}`, read).citations.at(-1);
    expect(right).toMatchObject({ raw: `big.txt:${MAX_CITATIONS}`, verdict: 'verified', quote: 'line' });
  });

  it(`a citation written again after ${MAX_CITATIONS} distinct ones is no new one`, () => {
    const read = [{ label: 'big.txt', text: 'line\n'.repeat(300) }];
    const answer = `${Array.from({ length: MAX_CITATIONS }, (_, i) => `big.txt:${i + 1}`).join(' ')} and again big.txt:1`;
    expect(check(answer, read).summary).toBe(`${MAX_CITATIONS} of ${MAX_CITATIONS} citations verified`);
  });

  it('checks a long answer against many long files', () => {
    const files = 50;
    const lines = 2000;
    const read = Array.from({ length: files }, (_, f) => ({
      label: `src/mod${f}/file${f}.ts`,
      text: `${Array.from({ length: lines }, (_, i) => `  const v${i + 1} = compute(${i + 1}, "file${f}");`).join('\n')}\n`,
    }));
    let answer = '';
    const expected: [string, 'verified' | 'flagged'][] = [];
    for (let c = 0; c < 100; c++) {
      const f = c % files;
      const line = ((c * 37) % (lines - 1)) + 1;
      const cite = `src/mod${f}/file${f}.ts:${line}-${line + 1}`;
      // Every fourth quote names the wrong line; every tenth citation runs past the end.
      const quoted = c % 4 === 3 ? line + 5 : line + 1;
      const past = c % 10 === 9;
      const raw = past ? `src/mod${f}/file${f}.ts:${lines}-${lines + 1 + c}` : cite;
      answer += `Here the loop reads ${raw} \`const v${quoted} = compute(${quoted}, "file${f}");\` and goes on; `;
      answer += 'the rest explains it at 12:30 with a 3:2 ratio and nothing else to cite. '.repeat(5);
      answer += '\n';
      expected.push([raw, past || c % 4 === 3 ? 'flagged' : 'verified']);
    }
    expect(answer.length).toBeGreaterThan(40_000);
    const report = checkCitations(answer, read);
    expect(report.citations.map((c) => [c.raw, c.verdict])).toEqual(expected);
    const flagged = expected.filter(([, v]) => v === 'flagged').length;
    expect(report.summary).toBe(`${100 - flagged} of 100 citations verified`);
  });
});

describe('the instruction to the model', () => {
  it('asks for path:line citations numbered from 1', () => {
    expect(CITE_INSTRUCTION).toMatch(/path:line\b/);
    expect(CITE_INSTRUCTION).toMatch(/path:line-line/);
    expect(CITE_INSTRUCTION).toMatch(/numbered from 1/);
    // Its own example is a citation the checker reads.
    const example = /\b(src\/\S+:\d+-\d+)/.exec(CITE_INSTRUCTION)?.[1];
    expect(example).toBeDefined();
    expect(check(CITE_INSTRUCTION).citations.map((c) => c.raw)).toContain(example);
  });
});
