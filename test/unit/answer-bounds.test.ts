import { describe, expect, it } from 'vitest';
import {
  MAX_ANSWER_CHARS,
  MAX_LISTED_VALUE_CHARS,
  MAX_RESOURCE_CHARS,
  boundList,
  cutField,
  cutReport,
  cutText,
  fitList,
  indentedChars,
  jsonChars,
} from '../../src/presenting/answer-bounds.js';

describe('cutting a text', () => {
  it('keeps a text of exactly the limit whole and cuts one character more', () => {
    expect(cutText('abcd', 4)).toBe('abcd');
    expect(cutText('abcde', 4)).toBe('abcd…');
    expect(cutText('', 0)).toBe('');
  });

  it('never ends in half a surrogate pair', () => {
    expect(cutText('ab😀cd', 3)).toBe('ab…');
    expect(cutText('ab😀cd', 4)).toBe('ab😀…');
  });
});

describe('fitting a list', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  const frame = 2_000; // kept for the header and the note
  const size = () => 1_000;

  it('keeps items while their sizes fit within the limit less the frame, exactly at the limit included', () => {
    expect(fitList(items, frame + 3_000, size)).toEqual({ kept: ['a', 'b', 'c'], leftOut: 2 });
    expect(fitList(items, frame + 2_999, size)).toEqual({ kept: ['a', 'b'], leftOut: 3 });
    expect(fitList(items, frame + 5_000, size)).toEqual({ kept: items, leftOut: 0 });
    expect(fitList([], 10, size)).toEqual({ kept: [], leftOut: 0 });
  });

  it('stops at the first item that does not fit, never skipping to a smaller one after it', () => {
    const sizes: Record<string, number> = { a: 100, b: 5_000, c: 1 };
    expect(fitList(['a', 'b', 'c'], frame + 1_000, (x) => sizes[x]!)).toEqual({ kept: ['a'], leftOut: 2 });
  });

  it('measures items as JSON by default, and a resource item as indented a few levels down', () => {
    expect(jsonChars({ a: 'xy' })).toBe(10);
    expect(jsonChars(undefined)).toBe(0);
    expect(indentedChars({ a: 1, b: 2 })).toBe('{\n        "a": 1,\n        "b": 2\n      }'.length);
    expect(fitList([{ v: 'x'.repeat(990) }, { v: 'y' }], frame + 1_000)).toEqual({
      kept: [{ v: 'x'.repeat(990) }],
      leftOut: 1,
    }); // 998 characters, then 7 more
  });
});

describe('shortening a field', () => {
  it('shortens only the strings past the limit, as new objects, leaving the others as they were', () => {
    const short = { k: 1, v: 'abc' };
    const long = { k: 2, v: 'abcdef' };
    const out = cutField([short, long], 'v', 3);
    expect(out[0]).toBe(short);
    expect(out[1]).toEqual({ k: 2, v: 'abc…' });
    expect(long.v).toBe('abcdef');
  });
});

describe('the note on what was cut', () => {
  const noun = ['entry', 'entries'] as const;

  it('is absent when nothing was cut', () => {
    expect(cutReport({ leftOut: 0, shortened: 0, noun, rest: 'x' })).toBeUndefined();
    expect(cutReport({ leftOut: 0, noun, rest: 'x' })).toBeUndefined();
  });

  it('counts what was left out and what was shortened, in the singular or plural, and says how to see the rest', () => {
    expect(cutReport({ leftOut: 1, shortened: 0, noun, rest: 'see all.' })).toEqual({
      leftOut: 1,
      shortened: 0,
      note: 'To keep this answer short, 1 entry left out: see all.',
    });
    expect(cutReport({ leftOut: 3, shortened: 2, noun, rest: 'see all.' })!.note).toBe(
      'To keep this answer short, 3 entries left out and 2 entries shown with the value cut at ' +
        '4000 characters: see all.',
    );
    expect(cutReport({ leftOut: 0, shortened: 1, noun, value: 'text', maxValueChars: 9, rest: 'r' })!.note).toBe(
      'To keep this answer short, 1 entry shown with the text cut at 9 characters: r',
    );
  });
});

describe('bounding a list in one step', () => {
  const entry = (i: number, chars: number) => ({ key: `k${i}`, value: 'v'.repeat(chars) });

  it('shortens long values to 4,000 characters, then keeps what fits, and reports both', () => {
    const entries = Array.from({ length: 20 }, (_, i) => entry(i, 90_000));
    const { kept, cut } = boundList(entries, {
      maxChars: MAX_ANSWER_CHARS,
      shorten: { field: 'value', name: 'value' },
      noun: ['entry', 'entries'],
      rest: 'more.',
    });
    expect(kept.length).toBe(7); // 7 × 4,025 characters fit in 30,000; 8 do not
    for (const e of kept) expect(e.value).toHaveLength(MAX_LISTED_VALUE_CHARS + 1);
    expect(cut).toEqual({
      leftOut: 13,
      shortened: 7,
      note:
        'To keep this answer short, 13 entries left out and 7 entries shown with the value cut at ' +
        '4000 characters: more.',
    });
    expect(jsonChars(kept)).toBeLessThanOrEqual(MAX_ANSWER_CHARS);
  });

  it('counts as shortened only the items it cut, and reports nothing when all fit whole', () => {
    const mixed = [entry(0, 10), entry(1, 5_000), entry(2, 10)];
    expect(
      boundList(mixed, {
        maxChars: MAX_ANSWER_CHARS,
        shorten: { field: 'value', name: 'value' },
        noun: ['entry', 'entries'],
        rest: '',
      }).cut,
    ).toMatchObject({ leftOut: 0, shortened: 1 });
    const whole = boundList([entry(0, 10)], { maxChars: MAX_RESOURCE_CHARS, noun: ['entry', 'entries'], rest: '' });
    expect(whole).toEqual({ kept: [entry(0, 10)] });
  });

  it('without a field to shorten, leaves values as they are and only leaves items out', () => {
    const { kept, cut } = boundList(
      Array.from({ length: 10 }, (_, i) => entry(i, 10_000)),
      { maxChars: MAX_ANSWER_CHARS, noun: ['model', 'models'], rest: 'r' },
    );
    expect(kept.map((e) => e.value.length)).toEqual([10_000, 10_000]);
    expect(cut).toEqual({ leftOut: 8, shortened: 0, note: 'To keep this answer short, 8 models left out: r' });
  });
});
