import { describe, expect, it } from 'vitest';
import {
  BUILTIN_TEMPLATES,
  parseTemplate,
  placeholders,
  renderTemplate,
  TemplateError,
  TemplateSyntaxError,
  validateTemplate,
  variablesOf,
  type TemplateDef,
  type VariableSpec,
} from '../../src/orchestrator/templates/index.js';

interface RenderCase {
  name: string;
  template: string;
  variables?: VariableSpec[];
  values?: Record<string, string>;
  prompt: string;
  missing?: Array<{ name: string; description?: string }>;
  used?: Record<string, string>;
}

const renderCases: RenderCase[] = [
  { name: 'plain text', template: 'no placeholders here', prompt: 'no placeholders here', used: {} },
  {
    name: 'given values',
    template: 'Hi {who}, {what}!',
    values: { who: 'Ann', what: 'welcome' },
    prompt: 'Hi Ann, welcome!',
  },
  {
    name: 'inline default',
    template: 'Review for {focus:bugs and security}.',
    prompt: 'Review for bugs and security.',
    used: { focus: 'bugs and security' },
  },
  {
    name: 'listed default',
    template: 'Use {style}.',
    variables: [{ name: 'style', default: 'tabs' }],
    prompt: 'Use tabs.',
  },
  {
    name: 'listed default beats inline',
    template: '{x:inline}',
    variables: [{ name: 'x', default: 'listed' }],
    prompt: 'listed',
  },
  {
    name: 'given beats both',
    template: '{x:inline}',
    variables: [{ name: 'x', default: 'listed' }],
    values: { x: 'given' },
    prompt: 'given',
  },
  {
    name: 'empty value falls back to the default',
    template: '[{x:d}]',
    values: { x: '' },
    prompt: '[d]',
    used: { x: 'd' },
  },
  {
    name: 'blank value falls back to the default',
    template: '[{x}]',
    variables: [{ name: 'x', default: 'd' }],
    values: { x: '  \n' },
    prompt: '[d]',
  },
  { name: 'value kept verbatim, spaces included', template: '[{x}]', values: { x: ' a ' }, prompt: '[ a ]' },
  { name: 'repeated placeholder', template: '{a}-{a}', values: { a: 'z' }, prompt: 'z-z' },
  { name: 'each occurrence keeps its inline default', template: '{a:1} {a:2} {a}', prompt: '1 2 1' },
  {
    name: 'escaped braces',
    template: 'function f() {{ return {v}; }}',
    values: { v: '1' },
    prompt: 'function f() { return 1; }',
  },
  { name: 'escapes inside a default', template: '{obj:{{"a": 1}}}', prompt: '{"a": 1}' },
  { name: 'closing escape right after a placeholder', template: '{{{x}}}', values: { x: 'v' }, prompt: '{v}' },
  { name: 'empty inline default', template: '<{x:}>', prompt: '<>', used: { x: '' } },
  { name: 'default text with colons', template: '{t:a:b}', prompt: 'a:b' },
  { name: 'multi-line default', template: '{t:one\ntwo}', prompt: 'one\ntwo' },
  {
    name: 'hyphen and underscore names',
    template: '{file-name} {_x}',
    values: { 'file-name': 'a', _x: 'b' },
    prompt: 'a b',
  },
  {
    name: 'value with braces is not expanded',
    template: 'Q: {q}',
    values: { q: '{q} {other} }}{{' },
    prompt: 'Q: {q} {other} }}{{',
  },
  {
    name: 'optional without default renders empty',
    template: '[{x}]',
    variables: [{ name: 'x', required: false }],
    prompt: '[]',
    used: { x: '' },
  },
  {
    name: 'missing required left in place, listed once with description',
    template: 'Review {language} for {focus:bugs}: {code} ({language})',
    variables: [
      { name: 'language', required: true, description: 'Language of the code' },
      { name: 'code', required: true },
    ],
    prompt: 'Review {language} for bugs: {code} ({language})',
    missing: [{ name: 'language', description: 'Language of the code' }, { name: 'code' }],
    used: { focus: 'bugs' },
  },
  {
    name: 'unlisted placeholder without default is required',
    template: 'a {b} c',
    prompt: 'a {b} c',
    missing: [{ name: 'b' }],
    used: {},
  },
  {
    name: 'empty string is missing for a required variable',
    template: '{x}',
    values: { x: '' },
    prompt: '{x}',
    missing: [{ name: 'x' }],
  },
  {
    name: 'names like Object members are plain variables',
    template: '{constructor} {toString}',
    values: { toString: 't' },
    prompt: '{constructor} t',
    missing: [{ name: 'constructor' }],
  },
];

describe('renderTemplate', () => {
  it.each(renderCases)('$name', (c) => {
    const r = renderTemplate({ template: c.template, variables: c.variables }, c.values ?? {});
    expect(r.prompt).toBe(c.prompt);
    expect(r.missing).toEqual(c.missing ?? []);
    if (c.used) expect(r.used).toEqual(c.used);
  });

  it('reports the values used and the values the template ignores', () => {
    const r = renderTemplate({ template: '{a} {b:x}' }, { a: '1', typo: '2' });
    expect(r.used).toEqual({ a: '1', b: 'x' });
    expect(r.ignored).toEqual(['typo']);
  });

  it('keeps a variable named __proto__ as an ordinary key', () => {
    const r = renderTemplate({ template: '{__proto__}' }, JSON.parse('{"__proto__": "p"}') as Record<string, string>);
    expect(r.prompt).toBe('p');
    expect(Object.keys(r.used)).toEqual(['__proto__']);
  });
});

describe('parseTemplate', () => {
  it('splits text and placeholders', () => {
    expect(parseTemplate('a {b} {c:d}}} e')).toEqual([
      { kind: 'text', text: 'a ' },
      { kind: 'placeholder', name: 'b', offset: 2 },
      { kind: 'text', text: ' ' },
      { kind: 'placeholder', name: 'c', default: 'd}', offset: 6 },
      { kind: 'text', text: ' e' },
    ]);
    expect(placeholders(parseTemplate('{a} {b:1} {a:2} {b:3}'))).toEqual([
      { name: 'a', default: '2' },
      { name: 'b', default: '1' },
    ]);
  });

  const syntaxCases: Array<[string, string, number, number, RegExp]> = [
    ['unclosed placeholder', 'Hello {name', 1, 7, /never closed/],
    ['unclosed default', 'x\n  {a:b', 2, 3, /never closed/],
    ['empty placeholder', 'a {} b', 1, 3, /empty placeholder/],
    ['space in the name', 'line one\nthen {bad name}', 2, 6, /"\{bad " does not start a placeholder/],
    ['name starting with a digit', '{1x}', 1, 1, /not followed by a variable name/],
    ['JSON-like text', 'Return {"a": 1}', 1, 8, /not followed by a variable name/],
    ['lone closing brace', 'a\nb\nc }', 3, 3, /"\}" has no matching/],
    ['closing brace after a placeholder', '{x}}', 1, 4, /"\}" has no matching/],
    ['single brace inside a default', '{a:b{c}', 1, 5, /inside the default text of \{a\}/],
    ['brace at the end', 'end {', 1, 5, /not followed by a variable name/],
  ];

  it.each(syntaxCases)('%s is an error at line:column', (_label, text, line, column, what) => {
    let error: unknown;
    try {
      parseTemplate(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    expect(error).toBeInstanceOf(TemplateError);
    const e = error as TemplateSyntaxError;
    expect([e.line, e.column]).toEqual([line, column]);
    expect(e.message).toMatch(`line ${line}, column ${column}: `);
    expect(e.message).toMatch(what);
    expect(e.message).toContain('write {{ or }} for a literal brace');
  });
});

const base = {
  name: 'code_review',
  description: 'Review code',
  template: 'Review this {language} code for {focus:bugs and security}: {code}',
};

function invalid(raw: unknown, where?: string): string {
  try {
    validateTemplate(raw, where);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return (err as Error).message;
  }
  throw new Error('expected a TemplateError');
}

describe('validateTemplate', () => {
  it("accepts the seed's code_review and coerces scalar defaults to text", () => {
    const def = validateTemplate({
      ...base,
      template: '{language} {focus:bugs and security} {code} {n} {flag}',
      variables: [
        { name: 'language', required: true },
        { name: 'focus', default: 'bugs and security' },
        { name: 'code', required: true, description: 'The code' },
        { name: 'n', default: 3 },
        { name: 'flag', default: false },
      ],
    });
    expect(def.variables?.map((v) => v.default)).toEqual([undefined, 'bugs and security', undefined, '3', 'false']);
    expect(validateTemplate({ ...base, variables: null })).toEqual(base);
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['not a mapping', ['a'], /must be a mapping .*got a list/],
    ['missing name', { description: 'd', template: 't' }, /^name is missing$/],
    ['missing template', { name: 'a', description: 'd' }, /template is missing/],
    ['empty template', { ...base, template: '' }, /template is empty/],
    ['blank template', { ...base, template: ' \n ' }, /template is empty/],
    ['blank description', { ...base, description: '  ' }, /description is empty/],
    ['template too long', { ...base, template: 'x'.repeat(20_001) }, /template is longer than 20,000 characters/],
    [
      'template with a stray brace',
      { ...base, template: 'ok\nif (x) { y }' },
      /template line 2, column 8: .*write \{\{ or \}\} for a literal brace/,
    ],
    [
      'unknown key with a suggestion',
      { ...base, varaibles: [] },
      /unknown key "varaibles" \(did you mean "variables"\?/,
    ],
    [
      'unknown variable key',
      { ...base, variables: [{ name: 'code', requried: true }] },
      /variables\[0\] \("code"\): unknown key "requried" \(did you mean "required"/,
    ],
    ['variables not a list', { ...base, variables: { language: 'x' } }, /variables must be a list/],
    ['bad variable name', { ...base, variables: [{ name: 'a b' }] }, /variables\[0\] \("a b"\)\.name must be letters/],
    [
      'required not a boolean',
      { ...base, variables: [{ name: 'code', required: 'yes' }] },
      /\.required must be true or false, not string "yes"/,
    ],
    [
      'null default',
      { ...base, variables: [{ name: 'focus', default: null }] },
      /\.default must be text, not an empty value/,
    ],
    [
      'declared twice',
      { ...base, variables: [{ name: 'code' }, { name: 'language' }, { name: 'code' }] },
      /"code" is declared twice \(variables\[0\] and variables\[2\]\)/,
    ],
    [
      'declared but unused',
      { ...base, variables: [{ name: 'lang' }] },
      /"lang" is declared but the template never uses \{lang\}/,
    ],
    [
      'required with a default',
      { ...base, variables: [{ name: 'code', required: true, default: 'x' }] },
      /"code" is required: true and also has default "x"/,
    ],
    [
      'required with an inline default',
      { ...base, variables: [{ name: 'focus', required: true }] },
      /"focus" is required: true but the template gives it an inline default/,
    ],
  ];

  it.each(cases)('rejects %s', (_label, raw, message) => {
    expect(invalid(raw)).toMatch(message);
  });

  it('lists every problem and prefixes the location', () => {
    const message = invalid({ ...base, variables: [{ name: 'x' }, { name: 'y' }] }, 'code_review.yaml');
    expect(message).toMatch(/^code_review\.yaml: /);
    expect(message).toContain('{x}');
    expect(message).toContain('{y}');
  });

  const badNames = [
    '../x',
    'a/b',
    '..',
    '.',
    'x.yaml',
    'C:\\x',
    'a\\b',
    '',
    ' a',
    'a b',
    '_a',
    '-a',
    'a'.repeat(65),
    'CON',
    'nul',
    'com1',
    'constructor',
    'toString',
    'valueOf',
    '__proto__',
  ];
  it.each(badNames)('rejects the name %j', (name) => {
    expect(invalid({ ...base, name })).toMatch(/template name/);
  });

  it('accepts names up to 64 characters with _ and -', () => {
    for (const name of ['a', '9', 'A_b-c', 'x'.repeat(64), 'console'])
      expect(validateTemplate({ ...base, name }).name).toBe(name);
  });

  it('rejects a name that is not text', () => {
    expect(invalid({ ...base, name: 7 })).toBe('name must be text, not number 7');
  });
});

describe('variablesOf', () => {
  it('covers listed and implicit variables with their effective defaults', () => {
    const def = validateTemplate({
      name: 't',
      description: 'd',
      template: '{a} {b:inline} {c} {d:x} {e}',
      variables: [
        { name: 'c', default: 'listed', description: 'C' },
        { name: 'a', required: true },
        { name: 'e', required: false },
      ],
    });
    expect(variablesOf(def)).toEqual([
      { name: 'c', required: false, default: 'listed', description: 'C' },
      { name: 'a', required: true },
      { name: 'e', required: false },
      { name: 'b', required: false, default: 'inline' },
      { name: 'd', required: false, default: 'x' },
    ]);
  });
});

describe('built-in templates', () => {
  it('are six, uniquely named', () => {
    expect(BUILTIN_TEMPLATES.map((t) => t.name).sort()).toEqual([
      'code_review',
      'commit_message',
      'explain',
      'summarize',
      'translate',
      'write_tests',
    ]);
  });

  it.each(BUILTIN_TEMPLATES.map((t) => [t.name, t] as [string, TemplateDef]))(
    '%s is valid, renders, and reports missing variables',
    (_name, t) => {
      expect(validateTemplate(t)).toEqual(t);
      const vars = variablesOf(t);
      for (const v of vars) expect(v.description, v.name).toBeTruthy();
      const required = vars.filter((v) => v.required).map((v) => v.name);
      expect(required.length).toBeGreaterThan(0);
      for (const v of vars.filter((x) => !x.required)) expect(v.default, v.name).toBeTruthy();

      const values = Object.fromEntries(required.map((n) => [n, `<${n} value>`]));
      const ok = renderTemplate(t, values);
      expect(ok.missing).toEqual([]);
      expect(ok.prompt).not.toMatch(/[{}]/);
      for (const n of required) expect(ok.prompt).toContain(`<${n} value>`);
      for (const v of vars.filter((x) => !x.required)) expect(ok.prompt).toContain(v.default);

      const none = renderTemplate(t, {});
      expect(none.missing.map((m) => m.name).sort()).toEqual([...required].sort());
      for (const m of none.missing) expect(m.description).toBeTruthy();
    },
  );

  it('code_review follows the seed: language and code required, focus defaults to bugs and security', () => {
    const t = BUILTIN_TEMPLATES.find((x) => x.name === 'code_review')!;
    const r = renderTemplate(t, { language: 'Go', code: 'func f() {}' });
    expect(r.prompt).toContain('Review this Go code, focusing on bugs and security.');
    expect(r.prompt).toContain('func f() {}');
  });
});
