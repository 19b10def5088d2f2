// A prompt of characters that show nothing is blank (issue 80, finding 8): the six the finding sent to a
// model — alone and among spaces — and the rest of the rule (util/visible.ts) are refused by refuseBlank,
// a template of them is empty and a template's value of them counts as not given; the other side: a
// prompt with one character that shows, an emoji, a CJK character, a letter with a combining mark.
import { describe, expect, it } from 'vitest';
import { refuseBlank } from '../../src/tools/blank-prompt.js';
import { InputError } from '../../src/orchestrator/inputs/index.js';
import { renderTemplate, validateTemplate } from '../../src/orchestrator/templates/index.js';
import { hasVisible } from '../../src/orchestrator/util/visible.js';

/** The characters the finding sent to a model and charged. */
const FOUND: Array<[string, string]> = [
  ['U+200B ZERO WIDTH SPACE', '\u200B'],
  ['U+2800 BRAILLE PATTERN BLANK', '\u2800'],
  ['U+3164 HANGUL FILLER', '\u3164'],
  ['U+00AD SOFT HYPHEN', '\u00AD'],
  ['U+0000 NUL', '\u0000'],
  ['U+2060 WORD JOINER', '\u2060'],
];

const BLANK =
  'The prompt is blank: route_and_generate needs a task in words — what the model should do (with files, what ' +
  'to do with them).';
const refused = (prompt: string) => () => refuseBlank(prompt, 'route_and_generate');

describe('a prompt with no character that shows is blank', () => {
  it.each(FOUND)('%s alone, repeated, and among spaces and newlines', (_name, c) => {
    for (const prompt of [c, c.repeat(50), ` ${c} `, `\n${c}\t${c}\u00A0`]) {
      expect(hasVisible(prompt)).toBe(false);
      expect(refused(prompt)).toThrow(InputError);
      expect(refused(prompt)).toThrow(BLANK);
    }
  });

  it.each([
    ['the other Hangul fillers', '\u115F\u1160\uFFA0'],
    ['a byte order mark and direction marks', '\uFEFF\u200E\u200F\u202A\u202C'],
    ['a zero-width joiner and non-joiner', '\u200D\u200C'],
    ['variation selectors and a tag', '\uFE0F\uFE00\u{E0041}\u{E007F}'],
    ['ideographic and other wide spaces', '\u3000\u2003\u205F\u202F\u1680'],
    ['controls', '\u0007\u001B\u007F\u0085'],
    ['the six together', FOUND.map(([, c]) => c).join(' ')],
  ])('%s', (_name, prompt) => {
    expect(refused(prompt)).toThrow(BLANK);
  });

  it.each([
    ['a visible word after a zero-width space', '\u200Bhi'],
    ['a question mark among spaces', ' ? '],
    ['an emoji alone', '👍'],
    ['an emoji with its variation selector', '\u2764\uFE0F'],
    ['a CJK character', '中'],
    ['a combining mark on a letter', 'e\u0301'],
    ['a Braille pattern with a dot', '\u2801'],
    ['a letter among the six', `${FOUND.map(([, c]) => c).join('')}x`],
    ['a Hangul syllable', '한'],
  ])('the other side: %s is a prompt', (_name, prompt) => {
    expect(hasVisible(prompt)).toBe(true);
    expect(refused(prompt)).not.toThrow();
  });

  it('another tool says what it needs instead', () => {
    expect(() => refuseBlank('\u200B', 'render_template', 'values in words')).toThrow(
      'The prompt is blank: render_template needs values in words.',
    );
  });
});

describe('templates: the same rule', () => {
  const base = { name: 'brief', description: 'A brief' };

  it.each(FOUND)('a template of %s alone is empty', (_name, c) => {
    expect(() => validateTemplate({ ...base, template: ` ${c}\n` })).toThrow(/template is empty/);
  });

  it('a value of them counts as not given: the default applies, or it is missing; one that shows counts', () => {
    const def = { template: 'Write about {topic:otters}.' };
    expect(renderTemplate(def, { topic: '\u200B\u2060' }).prompt).toBe('Write about otters.');
    const withWho = { template: '{who} writes.', variables: [{ name: 'who', required: true }] };
    expect(renderTemplate(withWho, { who: '\u3164' }).missing.map((m) => m.name)).toEqual(['who']);
    expect(renderTemplate(withWho, { who: '\u200B👍' }).prompt).toBe('\u200B👍 writes.');
    expect(validateTemplate({ ...base, template: '\u200BWrite.' }).template).toBe('\u200BWrite.');
  });
});
