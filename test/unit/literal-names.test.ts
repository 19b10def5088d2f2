/** `{{name}}` in a template is literal text here (templates/literal-names.ts, issue 75, finding 11). */
import { describe, expect, it } from 'vitest';
import { literalNames, literalNote } from '../../src/orchestrator/templates/literal-names.js';

describe('literalNames', () => {
  it('names written as Mustache writes a placeholder, once each, with defaults and inner spaces', () => {
    expect(literalNames('Write about {{topic}} for {{ audience }}; again {{topic}} and {{tone:dry}}.')).toEqual([
      'topic',
      'audience',
      'tone',
    ]);
  });

  it(
    'the other side: real placeholders, a doubled name that is also a placeholder, braces of ' +
      'code, a broken template',
    () => {
      expect(literalNames('Write about {topic} for {audience:everyone}.')).toEqual([]);
      expect(literalNames('Use {name} here; the literal {{name}} shows the syntax.')).toEqual([]);
      expect(literalNames('In Python, f"{{x}}" prints x; a dict is {{ "a": 1 }}, an empty one {{}}.')).toEqual(['x']);
      expect(literalNames('a stray } brace {{topic}}')).toEqual([]);
    },
  );
});

describe('literalNote', () => {
  it('says they stay literal and how a variable is written; nothing when there are none', () => {
    expect(literalNote(['topic'])).toBe(
      '{{topic}} stays literal text ({{ and }} stand for a brace): a variable is written {topic}, with single braces.',
    );
    expect(literalNote(['a', 'b'])).toMatch(/^\{\{a\}\}, \{\{b\}\} stay literal text/);
    expect(literalNote([])).toBeUndefined();
  });
});
