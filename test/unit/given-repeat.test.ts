import { describe, expect, it } from 'vitest';
import { countsNamed, givenRepeat, holds, wordsOf } from '../../src/orchestrator/generation/given-repeat.js';

describe('given-repeat: words', () => {
  it('letters and digits, lower-cased, one space around each word', () => {
    expect(wordsOf('| Bolt | 0 |')).toBe(' bolt 0 ');
    expect(wordsOf('bolt,0')).toBe(' bolt 0 ');
    expect(wordsOf('Größe: 3\r\nÉté')).toBe(' größe 3 été ');
    expect(wordsOf('=== !!! ')).toBe(' ');
  });

  it("held: the unit's words in order, as whole words, in any of the texts", () => {
    const given = {
      texts: ['Summarise the log.', 'x\n10:00 ERROR db: connection refused\n'],
      ask: 'Summarise the log.',
    };
    expect(holds(given, 'ERROR db: connection refused')).toBe(true);
    expect(holds(given, 'error DB connection refused.')).toBe(true);
    expect(holds(given, 'ERROR db refused')).toBe(false); // not in that order
    expect(holds(given, 'RROR db')).toBe(false); // not whole words
    expect(holds(given, 'the logs')).toBe(false);
    expect(holds(given, '====')).toBe(false); // no word at all
  });
});

describe('given-repeat: counts the caller names', () => {
  it.each([
    ['Write it 10 times.', 10],
    ['Write it ten times.', 10],
    ['Write it fourteen times', 14],
    ['Write it twenty-five times', 25],
    ['Write it twenty five times', 25],
    ['Write it forty times', 40],
    ['a dozen times', 12],
    ['two dozen rows', 24],
    ['a hundred lines', 100],
    ['three hundred lines', 300],
  ])('%j names %d', (ask, n) => {
    expect(countsNamed(ask).has(n)).toBe(true);
  });

  it('names only those', () => {
    expect([...countsNamed('Write it ten times, not 12.')].sort((a, b) => a - b)).toEqual([10, 12]);
    expect(countsNamed('Write it some times.').size).toBe(0);
    expect(countsNamed('one two').has(3)).toBe(false); // units do not add up
    expect(countsNamed('twenty twelve').has(32)).toBe(false); // a teen does not follow a ten
    expect([...countsNamed('ten five')].sort((a, b) => a - b)).toEqual([5, 10]); // units add only to twenty and up
    expect([...countsNamed('twenty ten')].sort((a, b) => a - b)).toEqual([10, 20]); // nor does ten
    expect([...countsNamed('twenty-five three')].sort((a, b) => a - b)).toEqual([3, 20, 25]); // only to a round ten
    expect(countsNamed('1234567890 x10 10x').size).toBe(0); // ten digits, and words with letters, name none
  });

  it('given: held, or the count asked', () => {
    const given = { texts: ['Write a line about cats eleven times.'], ask: 'Write a line about cats eleven times.' };
    expect(givenRepeat(given, 'Dogs bark.', 11)).toBe(true);
    expect(givenRepeat(given, 'Dogs bark.', 10)).toBe(false);
    expect(givenRepeat(given, 'about cats', 10)).toBe(true);
  });
});

describe('given-repeat: held, read outwards from the longest word', () => {
  const given = (...texts: string[]) => ({ texts, ask: '' });

  it('words before and after the longest one must stand right beside it, only marks between', () => {
    expect(holds(given('x; Alpha, BETA-gamma. y'), 'alpha beta gamma')).toBe(true);
    expect(holds(given('alpha zeta beta gamma'), 'alpha beta gamma')).toBe(false); // a word between
    expect(holds(given('alpha betagamma'), 'alpha beta gamma')).toBe(false);
    expect(holds(given('xalpha beta gamma'), 'alpha beta gamma')).toBe(false); // the first word is part of a longer one
    expect(holds(given('alpha beta gammas'), 'alpha beta gamma')).toBe(false); // so is the last
    expect(holds(given('alpha beta'), 'alpha beta gamma')).toBe(false); // the text ends first
    expect(holds(given('beta gamma'), 'alpha beta gamma')).toBe(false); // the text starts first
  });

  it('a word the longest one ends in, or begins with, is not the word before it', () => {
    expect(holds(given('be gammas'), 'be gamma')).toBe(false); // the longest word is the last, and longer here
    expect(holds(given('zeta gamma'), 'beta gamma')).toBe(false); // another word before it
    expect(holds(given('  gamma'), 'be gamma')).toBe(false); // only marks before it
    expect(holds(given('gamma'), 'gam gamma')).toBe(false); // the text starts with it: "gam" is its own start
    expect(holds(given('be gamma'), 'be gamma')).toBe(true);
  });

  it('ASCII letters and digits are words, the marks between them are not (a table\'s "|")', () => {
    expect(holds(given('alpha|beta'), 'alpha beta')).toBe(true);
    expect(holds(given('|quiz|time|'), 'quiz time')).toBe(true);
    expect(holds(given('the quizz time'), 'quiz time')).toBe(false); // "z" is a letter
    expect(holds(given('the quiz9 time'), 'quiz time')).toBe(false); // so is a digit
    expect(holds(given('the quiza time'), 'quiz time')).toBe(false); // and "a"
    expect(holds(given('alpha\uffffbeta'), 'alpha beta')).toBe(true); // U+FFFF is one unit, a mark
  });

  it('a later place of the longest word can hold it when an earlier one does not', () => {
    expect(holds(given('one connection here; then: db connection refused'), 'db connection refused')).toBe(true);
  });

  it('letters beyond ASCII and outside the BMP are letters', () => {
    expect(holds(given('Die Größe ist 3'), 'größe ist')).toBe(true);
    expect(holds(given('x𝐀größe ist'), 'größe ist')).toBe(false); // a letter outside the BMP before it
    expect(holds(given('x😀 größe ist'), 'größe ist')).toBe(true); // an emoji is a mark
    expect(holds(given('𝐀größe ist'), 'größe ist')).toBe(false); // the same at the start of the text
    expect(holds(given('𝐀ab cd'), 'ab cd')).toBe(false); // before a short word
    expect(holds(given('x𝟿ab cd'), 'ab cd')).toBe(false); // a digit outside the BMP whose second half is U+DFFF
    expect(holds(given('x ａab cd'), 'ab cd')).toBe(false); // a full-width letter (U+FF41) is one unit, not half a pair
    expect(holds(given('x 😀ab cd'), 'ab cd')).toBe(true);
  });
});
