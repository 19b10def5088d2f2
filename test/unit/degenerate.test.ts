import { describe, expect, it } from 'vitest';
import {
  CLOSING_MAX_CHARS,
  CUT_MAX_LETTERS,
  degenerate,
  degenerateWhy,
  UNIT_MAX_CHARS,
} from '../../src/orchestrator/generation/degenerate.js';

/** A varied, non-repeating answer of about `chars` characters: sentences and paragraphs built from a counter. */
function normalAnswer(chars: number): string {
  const words =
    'the model reads each file and writes a short summary of what it found in every part of the code base'.split(' ');
  let out = '';
  for (let i = 0; out.length < chars; i++) {
    const n = 8 + (i % 13);
    const sentence = Array.from({ length: n }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
    out += `${sentence[0]!.toUpperCase()}${sentence.slice(1)} (step ${i}).${i % 5 === 4 ? '\n\n' : ' '}`;
  }
  return out.trim();
}

describe('degenerate: loops of every period', () => {
  it('one character repeated', () => {
    expect(degenerate('a'.repeat(100))).toEqual({ kind: 'loop', unit: 'a', times: 100 });
    expect(degenerate(`Hm${'m'.repeat(300)}`)).toEqual({ kind: 'loop', unit: 'm', times: 301 });
  });

  it('one word repeated', () => {
    expect(degenerate('the '.repeat(50))).toEqual({ kind: 'loop', unit: 'the', times: 50 });
  });

  it('a phrase without punctuation repeated', () => {
    expect(degenerate('over and over '.repeat(30).trim())).toEqual({ kind: 'loop', unit: 'over and over', times: 30 });
  });

  it('characters repeated with no space between: abcabc…', () => {
    expect(degenerate('abc'.repeat(30))).toEqual({ kind: 'loop', unit: 'abc', times: 30 });
  });

  it('a sentence repeated 80 times, and the words for it', () => {
    const d = degenerate('I am a cat. '.repeat(80));
    expect(d).toEqual({ kind: 'loop', unit: 'I am a cat.', times: 80 });
    expect(degenerateWhy(d!)).toBe('the answer repeated "I am a cat." 80 times');
  });

  it('a multi-line block repeated, shown from its first line', () => {
    const block = 'Step one: open it\nStep two: read it\nStep three: close it\n';
    expect(degenerate(block.repeat(10))).toEqual({
      kind: 'loop',
      unit: 'Step one: open it Step two: read it Step three: close it',
      times: 10,
    });
  });

  it('a repeated block after an introduction that ends like the block does', () => {
    // The intro's last word equals the block's last word: the periodic tail reaches back into it,
    // and the unit is still shown from the block's first line.
    const d = degenerate(
      `Here is the plan, step by step it\n${'Step one: open the file\nStep two: read it\n'.repeat(10)}`,
    );
    expect(d).toEqual({ kind: 'loop', unit: 'Step one: open the file Step two: read it', times: 10 });
  });

  it('a loop that ends inside a partial repetition (cut by the length limit)', () => {
    const d = degenerate(`${'I am a cat. '.repeat(20)}I am a`, { doneReason: 'length' });
    expect(d).toEqual({ kind: 'loop', unit: 'I am a cat.', times: 20 });
  });

  it('a different first sentence before the loop', () => {
    expect(degenerate(`Sure, here is the answer you asked for. ${'I am a cat. '.repeat(20)}`)).toEqual({
      kind: 'loop',
      unit: 'I am a cat.',
      times: 20,
    });
    expect(degenerate(`Sure! ${'The value is 42 and it never changes. '.repeat(6)}`)).toEqual({
      kind: 'loop',
      unit: 'The value is 42 and it never changes.',
      times: 6,
    });
  });

  it('units equal once whitespace is normalised (spaces, line breaks, tabs, CRLF) are one unit', () => {
    const text = ['I am a cat.', 'I am  a cat.', 'I am\ta cat.', 'I am a\r\ncat.', 'I am a cat.'].join('\r\n\r\n');
    expect(degenerate(`${text}\r\n`.repeat(4))).toEqual({ kind: 'loop', unit: 'I am a cat.', times: 20 });
  });

  it('a CRLF block repeated', () => {
    expect(degenerate(`Intro line here\r\n${'alpha beta\r\ngamma delta\r\nepsilon\r\n'.repeat(10)}`)).toEqual({
      kind: 'loop',
      unit: 'alpha beta gamma delta epsilon',
      times: 10,
    });
  });

  it('a long unit is shortened to at most 60 characters with an ellipsis', () => {
    const sentence = 'This is a rather long sentence that the small model keeps producing over and over again.';
    const d = degenerate(`${sentence} `.repeat(10));
    expect(d?.kind).toBe('loop');
    if (d?.kind !== 'loop') return;
    expect(d.times).toBe(10);
    expect(d.unit.length).toBeLessThanOrEqual(UNIT_MAX_CHARS);
    expect(d.unit.endsWith('…')).toBe(true);
    expect(sentence.startsWith(d.unit.slice(0, -1))).toBe(true);
  });

  it('shortening never splits an emoji (a surrogate pair)', () => {
    const unit = `${'x'.repeat(58)}😀 and more words after it.`;
    const d = degenerate(`${unit} `.repeat(5));
    expect(d?.kind).toBe('loop');
    if (d?.kind !== 'loop') return;
    expect(d.unit).toBe(`${'x'.repeat(58)}…`);
  });

  it('a 10,000-token looping answer', () => {
    const text = `Here is the answer. ${'I am a cat and I like to sleep. '.repeat(1300)}`;
    expect(degenerate(text)).toEqual({ kind: 'loop', unit: 'I am a cat and I like to sleep.', times: 1300 });
  });

  it('a loop takes precedence over cut when the length limit stopped it', () => {
    expect(degenerate('the '.repeat(50), { doneReason: 'length' })?.kind).toBe('loop');
  });
});

describe('degenerate: the thresholds of a loop', () => {
  it('repeated only 3 times is not a loop, 4 times is', () => {
    const s = 'It is long enough to count on its own. ';
    expect(degenerate(s.repeat(3))).toBeUndefined();
    expect(degenerate(s.repeat(4))).toEqual({ kind: 'loop', unit: s.trim(), times: 4 });
  });

  it('a repeated tail covering less than half the answer is not a loop; more than half is', () => {
    const intro = normalAnswer(1000);
    const unit = 'I am a cat. '; // 12 characters
    expect(degenerate(`${intro} ${unit.repeat(60)}`)).toBeUndefined(); // ~720 of ~1720
    // ~1200 of ~2200
    expect(degenerate(`${intro} ${unit.repeat(100)}`)).toEqual({ kind: 'loop', unit: 'I am a cat.', times: 100 });
  });

  it(
    'a tail of exactly half the answer is a loop, one character less is not; whitespace around ' +
      'the answer counts for nothing',
    () => {
      const loop = 'abc'.repeat(20); // 60 characters
      // 59: with its space, 60 before the loop
      const intro = 'The report lists every change made to the code in the week:';
      expect(intro).toHaveLength(59);
      expect(degenerate(`${intro} ${loop}`)).toEqual({ kind: 'loop', unit: 'abc', times: 20 });
      expect(degenerate(`\n \t${intro} ${loop}\r\n  `)).toEqual({ kind: 'loop', unit: 'abc', times: 20 });
      expect(degenerate(`${intro}: ${loop}`)).toBeUndefined();
    },
  );

  it('short emphatic repetition is not a loop', () => {
    expect(degenerate('Yes!!!!!!')).toBeUndefined();
    expect(degenerate('Nooooooo')).toBeUndefined();
    expect(degenerate('ha ha ha ha')).toBeUndefined();
  });

  it('a short closing rule or separator is not a loop; a long run of one mark that is most of the answer is', () => {
    expect(degenerate(`${normalAnswer(300)}\n\n---`)).toBeUndefined();
    expect(degenerate(`${normalAnswer(300)}\n\n${'='.repeat(39)}`)).toBeUndefined(); // under half, and short
    expect(degenerate(`Result:\n${'='.repeat(80)}`)).toEqual({ kind: 'loop', unit: '=', times: 80 });
    expect(degenerate(`Done${'!'.repeat(100)}`)).toEqual({ kind: 'loop', unit: '!', times: 100 });
  });
});

describe('degenerate: how the repeated unit is found and shown', () => {
  it.each([
    ['no-break space', '\u00a0'],
    ['ogham space', '\u1680'],
    ['en quad', '\u2000'],
    ['hair space', '\u200a'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
    ['narrow no-break space', '\u202f'],
    ['math space', '\u205f'],
    ['ideographic space', '\u3000'],
    ['BOM', '\ufeff'],
    ['tab', '\t'],
    ['vertical tab', '\v'],
    ['form feed', '\f'],
  ])('a %s between units is whitespace like a space', (_, space) => {
    expect(degenerate(`I am a cat.${space}`.repeat(10))).toEqual({ kind: 'loop', unit: 'I am a cat.', times: 10 });
  });

  it('a block repeated with lone CR or lone LF line ends is shown from its first line', () => {
    for (const eol of ['\r', '\n']) {
      const block = ['alpha beta', 'gamma delta', 'epsilon', ''].join(eol);
      expect(degenerate(`Intro line here${eol}${block.repeat(10)}`), JSON.stringify(eol)).toEqual({
        kind: 'loop',
        unit: 'alpha beta gamma delta epsilon',
        times: 10,
      });
    }
  });

  it.each(['.', '!', '?', '。', '！', '？'])('a sentence ended by %s starts the unit shown', (mark) => {
    // the repetition reaches back into "xn": the unit is shown from the sentence start after the mark, not
    // the first word
    expect(degenerate(`Wow xn ${`Stop it${mark} Go on `.repeat(10)}`)).toEqual({
      kind: 'loop',
      unit: `Go on Stop it${mark}`,
      times: 9,
    });
  });

  it('the unit is shown from a sentence start inside its first repetition, looked for in its first 200 characters', () => {
    // the repetition reaches back into "xGo": the next "Go" is a repetition later, not in the first one
    expect(degenerate(`Wow x${`Go ${'la '.repeat(10)}end. `.repeat(6)}`.trim())).toEqual({
      kind: 'loop',
      unit: 'la la la la la la la la la la end. Go',
      times: 5,
    });
    // a unit of 217 characters: its sentence start is more than 200 characters in, the first whole word is shown
    const d = degenerate(`Wow x${`Go ${'la '.repeat(70)}end. `.repeat(5)}`.trim());
    expect(d).toEqual({ kind: 'loop', unit: `${'la '.repeat(20).trimEnd()}…`, times: 4 });
  });

  it('without a sentence start the unit is shown from its first whole word, never from inside one', () => {
    expect(degenerate(`Well xgo on ${'stop it go on '.repeat(10)}`)).toEqual({
      kind: 'loop',
      unit: 'on stop it go',
      times: 10,
    });
  });

  it('a stretch that matches a shorter unit only in part is no loop (each period measured exactly)', () => {
    // found by a random search against a mutant that over-reached the Z-function's known window
    expect(degenerate('ba.bc..aaa.baaa.baaa.baaa.baaa.baaa.baaa.baaa.ba.ba.')).toBeUndefined();
    expect(degenerate('acaabbabaabaabaabaabaabaabaabaabaabababaabaabaabaa')).toBeUndefined();
  });

  it('three whole repetitions after the tail of a fourth are not a loop', () => {
    expect(degenerate(`Intro xalpha beta gamma delta ${'alpha beta gamma delta '.repeat(3)}`.trim())).toBeUndefined();
  });

  it('a loop repeated four times before a closing is found; five words after it are no closing', () => {
    expect(degenerate(`${'The build failed because the disk is full. '.repeat(4)}The end.`)).toEqual({
      kind: 'loop',
      unit: 'The build failed because the disk is full.',
      times: 4,
    });
    expect(degenerate(`${'I am a cat. '.repeat(20)}Then we all went home`)).toBeUndefined();
    expect(degenerate(`${'I am a cat. '.repeat(20)}The end.`)).toEqual({
      kind: 'loop',
      unit: 'I am a cat.',
      times: 20,
    });
  });

  it(`a closing of ${CLOSING_MAX_CHARS} characters after a unit glued to itself`, () => {
    const closing = 'Thisisaverylongclosingwordxx another end';
    expect(closing).toHaveLength(CLOSING_MAX_CHARS);
    expect(degenerate(`${'abc'.repeat(30)} ${closing}`)).toEqual({ kind: 'loop', unit: 'abc', times: 30 });
  });

  it(
    `a unit of ${UNIT_MAX_CHARS} characters is shown whole; a longer one is cut at a character, ` +
      `never after a space`,
    () => {
      const sixty = `${'x'.repeat(UNIT_MAX_CHARS - 1)}.`;
      expect(degenerate(`${sixty} `.repeat(5))).toEqual({ kind: 'loop', unit: sixty, times: 5 });
      const sentence = 'This is a rather long sentence that the small model keeps producing over and over again.';
      expect(degenerate(`${sentence} `.repeat(10))).toEqual({
        kind: 'loop',
        unit: 'This is a rather long sentence that the small model keeps p…',
        times: 10,
      });
      expect(degenerate(`${'y'.repeat(58)} and more words after it. `.repeat(5))).toEqual({
        kind: 'loop',
        unit: `${'y'.repeat(58)}…`,
        times: 5,
      });
      expect(degenerate(`${'x'.repeat(57)}😀 and more words after it. `.repeat(5))).toEqual({
        kind: 'loop',
        unit: `${'x'.repeat(57)}😀…`,
        times: 5,
      });
      // the first and the last high surrogate (U+10000 is D800 DC00, U+10FC00 is DBFF DC00) are never cut from their pair
      for (const pair of ['\u{10000}', '\u{10FC00}'])
        expect(degenerate(`${'x'.repeat(58)}${pair} and more words after it. `.repeat(5))).toEqual({
          kind: 'loop',
          unit: `${'x'.repeat(58)}…`,
          times: 5,
        });
    },
  );
});

describe('degenerate: legitimately repetitive answers are not loops', () => {
  it('a numbered list with similar items', () => {
    const list = Array.from({ length: 40 }, (_, i) => `${i + 1}. Check the item number ${i + 1}`).join('\n');
    expect(degenerate(list)).toBeUndefined();
  });

  it('a bullet list with the same pattern and different items', () => {
    const items = ['apples', 'pears', 'plums', 'grapes', 'cherries', 'lemons', 'limes', 'figs', 'dates', 'kiwis'];
    expect(degenerate(items.map((x) => `- Buy ${x}\n`).join(''))).toBeUndefined();
  });

  it('a markdown table with repeated separators', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `| row ${i} | ${i * 2} | ok |`).join('\n');
    expect(degenerate(`| name | value | status |\n|---|---|---|\n${rows}`)).toBeUndefined();
  });

  it('code with similar lines', () => {
    const code = [
      '```ts',
      ...Array.from({ length: 30 }, (_, i) => `const value${i} = compute(input[${i}]);`),
      '```',
    ].join('\n');
    expect(degenerate(`Here is the code:\n\n${code}`)).toBeUndefined();
  });

  it('a poem with a refrain repeated 3 times', () => {
    const refrain = 'And still the river runs, and still the river runs.';
    const poem = [
      'The morning light falls on the stones,',
      'the heron waits in reeds alone.',
      refrain,
      'The miller sleeps, the wheel is still,',
      'the swallows circle round the hill.',
      refrain,
      'At dusk the lanterns one by one',
      'go out before the night is done.',
      refrain,
    ].join('\n');
    expect(degenerate(poem)).toBeUndefined();
  });

  it('a 10,000-token normal answer', () => {
    const text = normalAnswer(40_000);
    expect(text.length).toBeGreaterThanOrEqual(40_000);
    expect(degenerate(text)).toBeUndefined();
    expect(degenerate(text, { doneReason: 'length' })).toBeUndefined();
  });
});

describe('degenerate: empty answers', () => {
  it.each([[''], ['   '], ['\n\n\t'], ['\r\n\r\n'], ['...'], ['!!! ???'], ['```\n```'], ['— … —'], ['* * *']])(
    '%j is empty',
    (text) => {
      expect(degenerate(text)).toEqual({ kind: 'empty' });
    },
  );

  it('a single digit or letter is not empty', () => {
    expect(degenerate('4')).toBeUndefined();
    expect(degenerate('  é  ')).toBeUndefined();
    expect(degenerate('是')).toBeUndefined();
  });

  it('says why', () => {
    expect(degenerateWhy({ kind: 'empty' })).toBe('the answer was empty (no letter or digit)');
  });
});

describe('degenerate: cut inside the first sentence', () => {
  it('stopped by the length limit before any sentence ended', () => {
    const d = degenerate('The answer to your question is that the', { doneReason: 'length' });
    expect(d).toEqual({ kind: 'cut' });
    expect(degenerateWhy(d!)).toBe('the answer was cut by the length limit inside its first sentence');
  });

  it('the same text stopped for another reason, or for no reason given, is not cut', () => {
    expect(degenerate('The answer to your question is that the', { doneReason: 'stop' })).toBeUndefined();
    expect(degenerate('The answer to your question is that the')).toBeUndefined();
  });

  it('cut after a full sentence is not degenerate (the route reports it)', () => {
    expect(degenerate('First. And then the', { doneReason: 'length' })).toBeUndefined();
    expect(degenerate('Is it? Maybe the', { doneReason: 'length' })).toBeUndefined();
    expect(degenerate('Yes! The reason is', { doneReason: 'length' })).toBeUndefined();
    expect(degenerate('答案是。然后', { doneReason: 'length' })).toBeUndefined();
  });

  it('cut after a full line is not degenerate, with LF or CRLF', () => {
    expect(degenerate('Summary of the file\nThe first part', { doneReason: 'length' })).toBeUndefined();
    expect(degenerate('Summary of the file\r\nThe first part', { doneReason: 'length' })).toBeUndefined();
  });

  it('trailing line breaks alone do not make a full line', () => {
    expect(degenerate('The answer is that the\r\n', { doneReason: 'length' })).toEqual({ kind: 'cut' });
  });

  it('a closed code fence is an end', () => {
    expect(degenerate('Use ```x = 1``` and then', { doneReason: 'length' })).toBeUndefined();
    expect(degenerate('Use ```x = 1 and then', { doneReason: 'length' })).toEqual({ kind: 'cut' });
  });

  it('a full stop at the very end is a sentence end; digits alone are cut, with no letter counted', () => {
    expect(degenerate('It ends here.', { doneReason: 'length' })).toBeUndefined();
    expect(degenerate('12345 678', { doneReason: 'length' })).toEqual({ kind: 'cut' });
  });

  it('a decimal point or a dotted name is not a sentence end', () => {
    expect(degenerate('The value of pi is 3.14 and the file is src/a.ts and', { doneReason: 'length' })).toEqual({
      kind: 'cut',
    });
  });

  it(`a run-on of ${CUT_MAX_LETTERS} letters or more is not reported as cut`, () => {
    // 10 letters each
    const words = (count: number) => Array.from({ length: count }, (_, i) => `abcdefghij${i}`).join(' ');
    expect(degenerate(words(CUT_MAX_LETTERS / 10 - 1), { doneReason: 'length' })).toEqual({ kind: 'cut' });
    expect(degenerate(words(CUT_MAX_LETTERS / 10), { doneReason: 'length' })).toBeUndefined();
  });
});

describe("degenerate: only the model's own repetition is a loop (issue 42)", () => {
  const LINE = 'I will not talk in class.';
  const given = (ask: string, ...inputs: string[]) => ({ given: { texts: [ask, ...inputs], ask }, doneReason: 'stop' });

  describe('kept: it stopped by itself repeating what it was given or asked for', () => {
    it('a line asked N times, the line in the prompt', () => {
      const answer = `${LINE}\n`.repeat(10);
      expect(degenerate(answer)).toEqual({ kind: 'loop', unit: LINE, times: 10 }); // with nothing given, as before
      expect(degenerate(answer, given(`Write "${LINE}" ten times.`))).toBeUndefined();
    });

    it('a sentence of its own written as many times as asked — and only that many', () => {
      const ask = 'Write one short sentence about cats, the same one 12 times.';
      expect(degenerate('Cats sleep all day.\n'.repeat(12), given(ask))).toBeUndefined();
      expect(degenerate('Cats sleep all day.\n'.repeat(13), given(ask))).toEqual({
        kind: 'loop',
        unit: 'Cats sleep all day.',
        times: 13,
      });
      expect(degenerate('Cats sleep all day.\n'.repeat(12), given('Write one short sentence about cats.'))).toEqual({
        kind: 'loop',
        unit: 'Cats sleep all day.',
        times: 12,
      });
    });

    it('identical CSV rows of the inputs made into identical table rows', () => {
      const csv = `name,qty\n${'bolt,0\n'.repeat(8)}`;
      const table = `| name | qty |\n|---|---|\n${'| bolt | 0 |\n'.repeat(8)}`;
      expect(degenerate(table, given('Convert the CSV to a markdown table.', csv))).toBeUndefined();
      expect(degenerate(table, given('Convert the CSV to a markdown table.'))).toEqual({
        kind: 'loop',
        unit: '| bolt | 0 |',
        times: 8,
      });
      expect(degenerate(`name,qty\n${'bolt,0\n'.repeat(8)}`, given('Sort the rows.', csv))).toBeUndefined();
    });

    it('a log line the log itself repeats, quoted as often as it appears', () => {
      const log = Array.from({ length: 8 }, (_, i) => `2024-05-01 10:00:0${i} ERROR db: connection refused`).join('\n');
      const answer = `The log holds one error, again and again:\n${'ERROR db: connection refused\n'.repeat(8)}`;
      expect(degenerate(answer, given('Summarise the log.', log))).toBeUndefined();
      expect(degenerate(answer, given('Summarise the log.', 'INFO all good'))).toEqual({
        kind: 'loop',
        unit: 'ERROR db: connection refused',
        times: 8,
      });
    });

    it("a template's repeated word", () => {
      const template = 'Complete the refrain in the same style: la la la la la la la la';
      const answer = `La ${'la '.repeat(15)}`;
      expect(degenerate(answer, given(template))).toBeUndefined();
      expect(degenerate(answer, given('Complete the refrain.'))).toEqual({ kind: 'loop', unit: 'la', times: 15 });
    });
  });

  describe('set aside: the repetition is its own', () => {
    it('one sentence repeated to the length limit, even one the prompt holds', () => {
      const answer = `${LINE} `.repeat(50);
      expect(degenerate(answer, { ...given(`Write "${LINE}" fifty times.`), doneReason: 'length' })).toEqual({
        kind: 'loop',
        unit: LINE,
        times: 50,
      });
    });

    it('a two-line cycle the prompt does not hold', () => {
      const answer = 'The cache is warm.\nThe cache is cold.\n'.repeat(10);
      expect(degenerate(answer, given('Describe the cache and what it holds.'))).toEqual({
        kind: 'loop',
        unit: 'The cache is warm. The cache is cold.',
        times: 10,
      });
    });

    it('a run of punctuation, whatever marks the prompt holds', () => {
      expect(
        degenerate(`Result:\n${'='.repeat(80)}`, given('Show the result of a = b == c ========', '=====\n=====')),
      ).toEqual({ kind: 'loop', unit: '=', times: 80 });
    });

    it('a unit inside one word is never given, even when the prompt holds it', () => {
      expect(degenerate('abc'.repeat(30), given('Say abc.'))).toEqual({ kind: 'loop', unit: 'abc', times: 30 });
      expect(degenerate('abc '.repeat(30), given('Say abc.'))).toBeUndefined(); // the word itself, repeated
      // as many times as asked
      expect(degenerate('abc'.repeat(30), given('Write abc 30 times, with no spaces.'))).toBeUndefined();
    });

    it('a unit with a mark at one end is words, not inside one word: given, it is kept', () => {
      expect(degenerate('#tag'.repeat(20), given('Say #tag.'))).toBeUndefined();
      expect(degenerate('tag#'.repeat(20), given('Say tag#.'))).toBeUndefined();
      expect(degenerate('ab！'.repeat(20), given('Say ab！'))).toBeUndefined();
      expect(degenerate('ab-'.repeat(20), given('Say ab-'))).toBeUndefined();
      expect(degenerate('ab-'.repeat(20), given('Say cd-'))).toEqual({ kind: 'loop', unit: 'ab-', times: 20 });
    });

    it('letters written as surrogate pairs glued to themselves are inside one word: never given', () => {
      expect(degenerate('𝐚𝐛𝐜'.repeat(20), given('Say 𝐚𝐛𝐜.'))).toEqual({ kind: 'loop', unit: '𝐚𝐛𝐜', times: 20 });
      // the first high surrogate (U+10000 𐀀: D800 DC00) and the last low one (U+1D7FF 𝟿: D835 DFFF)
      expect(degenerate('𐀀ab'.repeat(15), given('Say 𐀀ab.'))).toEqual({ kind: 'loop', unit: '𐀀ab', times: 15 });
      expect(degenerate('ab𝟿'.repeat(15), given('Say ab𝟿.'))).toEqual({ kind: 'loop', unit: 'ab𝟿', times: 15 });
    });

    it('a loop followed by a closing word, with or without what was given', () => {
      const answer = `${'I am a cat. '.repeat(20)}The end.`;
      expect(degenerate(answer)).toEqual({ kind: 'loop', unit: 'I am a cat.', times: 20 });
      expect(degenerate(answer, given('Why is the sky blue?'))).toEqual({
        kind: 'loop',
        unit: 'I am a cat.',
        times: 20,
      });
      expect(degenerate(`${'I am a cat. '.repeat(20)}Hope this helps!`)).toEqual({
        kind: 'loop',
        unit: 'I am a cat.',
        times: 20,
      });
      expect(degenerate(`${'I am a cat.\n'.repeat(20)}\nDone`, { doneReason: 'length' })).toEqual({
        kind: 'loop',
        unit: 'I am a cat.',
        times: 20,
      });
    });

    it('a closing of more than three words, or longer than 40 characters, is an answer going on', () => {
      expect(degenerate(`${'I am a cat. '.repeat(20)}And that is all.`)).toBeUndefined();
      expect(
        degenerate(`${'I am a cat. '.repeat(20)}Incomprehensibilities notwithstanding, characteristically.`),
      ).toBeUndefined();
    });
  });
});
