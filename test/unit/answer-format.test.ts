/**
 * Structured answers' checks (generation/answer-format.ts): the caller's format bounded before
 * anything is sent, Ajv's compile errors and answer problems in short words, each side tested.
 */
import { describe, expect, it } from 'vitest';
import {
  boundedFormat,
  depthOf,
  FormatError,
  MAX_SCHEMA_BYTES,
  MAX_SCHEMA_DEPTH,
  parseAnswer,
  prepareFormat,
  problemWords,
  uncheckedWords,
} from '../../src/orchestrator/generation/answer-format.js';
import { slimSchema } from '../../src/tools/slim-schema.js';

/** A schema nesting `levels` objects deep (each level one object: {items: {...}}). */
function nested(levels: number): Record<string, unknown> {
  let s: Record<string, unknown> = { type: 'string' };
  for (let i = 1; i < levels; i++) s = { items: s };
  return s;
}

describe('the format’s bounds', () => {
  it('takes "json" and a schema object', () => {
    expect(boundedFormat('json')).toBe('json');
    expect(boundedFormat({ type: 'object' })).toEqual({ type: 'object' });
  });

  it('refuses anything else, saying what to pass', () => {
    for (const bad of ['JSON', 'xml', 3, null, ['json'], true]) expect(() => boundedFormat(bad)).toThrow(FormatError);
    expect(() => boundedFormat(['json'])).toThrow(/format must be "json" or a JSON Schema object, not an array/);
  });

  it(`takes a schema ${MAX_SCHEMA_DEPTH} levels deep and refuses one level more`, () => {
    expect(depthOf(nested(MAX_SCHEMA_DEPTH))).toBe(MAX_SCHEMA_DEPTH);
    expect(() => boundedFormat(nested(MAX_SCHEMA_DEPTH))).not.toThrow();
    expect(() => boundedFormat(nested(MAX_SCHEMA_DEPTH + 1))).toThrow(/nests deeper than 32 levels/);
  });

  it('counts depth no further than needed, however deep the value', () => {
    expect(depthOf(nested(10_000))).toBe(MAX_SCHEMA_DEPTH + 2);
    expect(depthOf([[1], { a: [] }])).toBe(3);
    expect(depthOf('x')).toBe(0);
    expect(depthOf(null)).toBe(0);
    expect(depthOf({ type: 'object', default: null })).toBe(1); // a null inside is a value, not a level
    expect(() => boundedFormat({ type: ['string', 'null'], default: null })).not.toThrow();
  });

  it('names a value that is not a schema, shortened, or its type when it has no JSON', () => {
    expect(() => boundedFormat('x'.repeat(100))).toThrow(`not "${'x'.repeat(39)} — pass "json" for any JSON.`);
    expect(() => boundedFormat(undefined)).toThrow(
      'format must be "json" or a JSON Schema object, not undefined — pass',
    );
  });

  it(`takes a schema of ${MAX_SCHEMA_BYTES} bytes and refuses one byte more`, () => {
    const at = (bytes: number) => ({ description: 'x'.repeat(bytes - '{"description":""}'.length) });
    expect(JSON.stringify(at(MAX_SCHEMA_BYTES)).length).toBe(MAX_SCHEMA_BYTES);
    expect(() => boundedFormat(at(MAX_SCHEMA_BYTES))).not.toThrow();
    expect(() => boundedFormat(at(MAX_SCHEMA_BYTES + 1))).toThrow(
      `format's JSON Schema is ${MAX_SCHEMA_BYTES + 1} bytes, more than ${MAX_SCHEMA_BYTES}`,
    );
  });

  it('counts bytes, not characters', () => {
    const s = { description: 'é'.repeat(MAX_SCHEMA_BYTES / 2) }; // half as many characters as bytes
    expect(() => boundedFormat(s)).toThrow(/bytes, more than/);
  });
});

describe('an answer’s JSON', () => {
  it('is the text, or what one json fence holds', () => {
    expect(parseAnswer(' {"a": 1}\n')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseAnswer('```json\n[1, 2]\n```')).toEqual({ ok: true, value: [1, 2] });
    expect(parseAnswer('```\nnull\n```')).toEqual({ ok: true, value: null });
  });

  it('is not there in prose, in a cut object, or beside other words', () => {
    for (const text of ['The count is 2.', '{"a": 1', 'Here: {"a": 1}', '```json\n{"a": 1}\n``` and more']) {
      const r = parseAnswer(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.why).toMatch(/^it is not JSON \(/);
    }
  });

  it('quotes the parser’s words, which stay short however long the answer', () => {
    const parserSays = (text: string): string => {
      try {
        JSON.parse(text);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('parsed');
    };
    for (const text of ['{"a": 1', `{"a": ${'x'.repeat(5000)}}`]) {
      expect(parseAnswer(text)).toEqual({ ok: false, why: `it is not JSON (${parserSays(text)})` });
      expect(parserSays(text).length).toBeLessThanOrEqual(100);
    }
  });
});

describe('problems in words', () => {
  it('names where and what: a missing property, one not allowed, a wrong type, the whole answer', () => {
    expect(
      problemWords([
        { instancePath: '', keyword: 'required', params: { missingProperty: 'count' } },
        { instancePath: '/items/2', keyword: 'additionalProperties', params: { additionalProperty: 'extra' } },
        { instancePath: '/items/0/name', keyword: 'type', params: { type: 'string' }, message: 'must be string' },
      ]),
    ).toBe('count: required; items.2.extra: not allowed; items.0.name: must be string');
    expect(problemWords([{ instancePath: '', keyword: 'type', params: {}, message: 'must be object' }])).toBe(
      'answer: must be object',
    );
    expect(problemWords([{ instancePath: '/a~1b/c~0d', keyword: 'minimum', params: {} }])).toBe('a/b.c~d: minimum');
  });

  it('names a property only for the problems that are about one', () => {
    // another keyword's missingProperty (dependentRequired) is in its message, not its place
    const dependent = {
      instancePath: '/item',
      keyword: 'dependentRequired',
      params: { property: 'a', missingProperty: 'b', additionalProperty: 'c' },
      message: 'must have property b when property a is present',
    };
    expect(problemWords([dependent])).toBe('item: must have property b when property a is present');
    // a problem that names no property is placed where it is
    expect(problemWords([{ instancePath: '/item', keyword: 'required', params: {} }])).toBe('item: required');
    expect(problemWords([{ instancePath: '/item', keyword: 'additionalProperties', params: {} }])).toBe(
      'item: not allowed',
    );
  });

  it('names the first three and says how many more', () => {
    const p = { instancePath: '', keyword: 'required', params: { missingProperty: 'x' } };
    expect(problemWords([p, p, p])).toBe('x: required; x: required; x: required');
    expect(problemWords([p, p, p, p, p])).toBe('x: required; x: required; x: required (and 2 more)');
  });
});

describe('a prepared format', () => {
  const SCHEMA = {
    type: 'object',
    properties: { count: { type: 'integer' } },
    required: ['count'],
    additionalProperties: false,
  };

  it('passes an answer that holds, with its value', async () => {
    const f = await prepareFormat(SCHEMA);
    expect(f.format).toEqual(SCHEMA);
    expect(f.check('{"count": 3}')).toEqual({ ok: true, value: { count: 3 } });
  });

  it('sets aside one that breaks the schema, saying why', async () => {
    const f = await prepareFormat(SCHEMA);
    expect(f.check('{}')).toEqual({ ok: false, why: 'it breaks the schema (count: required)' });
    expect(f.check('{"count": 1.5}')).toEqual({ ok: false, why: 'it breaks the schema (count: must be integer)' });
    expect(f.check('{"count": 1, "more": 2}')).toEqual({ ok: false, why: 'it breaks the schema (more: not allowed)' });
    expect(f.check('[]')).toEqual({ ok: false, why: 'it breaks the schema (answer: must be object)' });
    expect(f.check('count: 3')).toMatchObject({ ok: false, why: expect.stringMatching(/^it is not JSON/) });
  });

  it('"json" passes any JSON, [] and {} too, and no prose', async () => {
    const f = await prepareFormat('json');
    expect(f.format).toBe('json');
    expect(f.check('[]')).toEqual({ ok: true, value: [] });
    expect(f.check('{}')).toEqual({ ok: true, value: {} });
    expect(f.check('two')).toMatchObject({ ok: false });
  });

  it('refuses a schema Ajv cannot compile, with Ajv’s words', async () => {
    await expect(prepareFormat({ type: 'object', requird: ['x'] })).rejects.toThrow(
      'format is not a JSON Schema that can be used: strict mode: unknown keyword: "requird" — ' +
        'fix the schema, or pass "json".',
    );
    await expect(prepareFormat({ type: 'strnig' })).rejects.toThrow(FormatError);
    await expect(prepareFormat({ $ref: '#/$defs/missing' })).rejects.toThrow(/can't resolve reference/);
  });

  it('takes what schemas commonly carry: a draft named in $schema, $defs, a title, a string format', async () => {
    const f = await prepareFormat({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'Findings',
      $defs: {
        finding: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } }, required: ['at'] },
      },
      type: 'array',
      items: { $ref: '#/$defs/finding' },
    });
    expect(f.check('[{"at": "2025-01-01T00:00:00Z"}]')).toMatchObject({ ok: true });
    expect(f.check('[{}]')).toEqual({ ok: false, why: 'it breaks the schema (0.at: required)' });
  });

  it('compiles the same $id twice (a fresh validator each call)', async () => {
    const s = { $id: 'https://example.com/a', type: 'object' };
    await prepareFormat(s);
    await expect(prepareFormat(s)).resolves.toMatchObject({ format: s });
  });
});

describe('a format no answer can stall (issue 55, finding 1)', () => {
  it(
    'judges a near match of ^(a+)+$ at once: 40 characters refused (a backtracking engine tries ' +
      '2^40 ways), a match accepted',
    async () => {
      const f = await prepareFormat({ type: 'string', pattern: '^(a+)+$' });
      // reached at all: a backtracking engine would hold this thread for days
      expect(f.check(JSON.stringify(`${'a'.repeat(40)}!`))).toEqual({
        ok: false,
        why: 'it breaks the schema (answer: must match pattern "^(a+)+$")',
      });
      expect(f.check(JSON.stringify('a'.repeat(40)))).toEqual({ ok: true, value: 'a'.repeat(40) });
    },
  );

  it('holds answers to ordinary patterns and patternProperties, both ways', async () => {
    const f = await prepareFormat({
      type: 'object',
      properties: { phone: { type: 'string', pattern: '^\\d{3}-\\d{4}$' } },
      patternProperties: { '^x-[a-z]+$': { type: 'integer' } },
      additionalProperties: false,
    });
    expect(f.check('{"phone": "555-1234", "x-count": 2}')).toMatchObject({ ok: true });
    expect(f.check('{"phone": "555-12345"}')).toEqual({
      ok: false,
      why: 'it breaks the schema (phone: must match pattern "^\\d{3}-\\d{4}$")',
    });
    expect(f.check('{"x-count": "2"}')).toEqual({ ok: false, why: 'it breaks the schema (x-count: must be integer)' });
    expect(f.check('{"x-Count": 2}')).toEqual({ ok: false, why: 'it breaks the schema (x-Count: not allowed)' });
  });

  it('refuses a pattern RE2 does not run before anything is sent, naming the cause and what to do', async () => {
    const err = await prepareFormat({
      type: 'object',
      properties: { code: { type: 'string', pattern: '^(?!test)\\w+$' } },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toBe(
      'format\'s pattern "^(?!test)\\\\w+$" uses a look-ahead ((?!…)), which ollm-mcp does not ' +
        'run: patterns are matched in time linear in the answer (by RE2), so that no answer can ' +
        'stall the server — rewrite the pattern without it, or leave the pattern out and check that ' +
        'part of the answer yourself.',
    );
    await expect(prepareFormat({ type: 'string', pattern: '(a)\\1' })).rejects.toThrow(
      /^format's pattern "\(a\)\\\\1" uses a backreference \(\\1\)/,
    );
    await expect(prepareFormat({ type: 'string', pattern: '(' })).rejects.toThrow(
      'format is not a JSON Schema that can be used: Invalid regular expression: /(/u: ' +
        'Unterminated group — fix the schema, or pass "json".',
    );
  });

  it('sets aside an answer the check could not finish in time, saying why and what to do', async () => {
    const f = await prepareFormat({
      $defs: {
        n: {
          anyOf: [
            { type: 'array', minItems: 2, items: { $ref: '#/$defs/n' } },
            { type: 'array', items: { $ref: '#/$defs/n' } },
            { type: 'string' },
          ],
        },
      },
      $ref: '#/$defs/n',
    });
    expect(f.check(`${'['.repeat(60)}1${']'.repeat(60)}`)).toEqual({ ok: false, why: uncheckedWords('time', 1000) });
    expect(f.check('[["a"], "b"]')).toMatchObject({ ok: true });
    expect(uncheckedWords('time', 1000)).toBe(
      "checking it against the schema took more than 1 s and was stopped (the schema's parts " +
        'apply each other too many times over, or the answer is very large) — simplify the schema ' +
        '(fewer references to one part, no anyOf of parts that recurse), or pass "json" and check ' +
        'the answer yourself',
    );
    expect(uncheckedWords('depth', 1000)).toBe(
      'it nests too deep to be checked against the schema — ask for a flatter answer',
    );
  });
});

describe('the published argument', () => {
  it('leaves out the type beside a const, and keeps every other type', () => {
    expect(
      slimSchema({
        anyOf: [
          { type: 'string', const: 'json' },
          { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} },
        ],
      }),
    ).toEqual({ anyOf: [{ const: 'json' }, { type: 'object' }] });
    expect(slimSchema({ type: 'number', enum: [1, 2] })).toEqual({ type: 'number', enum: [1, 2] });
    expect(slimSchema({ type: 'string', enum: ['a', 1] })).toEqual({ type: 'string', enum: ['a', 1] });
    expect(slimSchema({ type: 'string', minLength: 1 })).toEqual({ type: 'string' });
  });

  it('leaves out string beside an enum of strings: the values say it', () => {
    expect(slimSchema({ type: 'string', enum: ['a', 'b'] })).toEqual({ enum: ['a', 'b'] });
    expect(
      slimSchema({
        type: 'object',
        properties: { task: { type: 'string', enum: ['code'] }, type: { type: 'string' } },
      }),
    ).toEqual({ type: 'object', properties: { task: { enum: ['code'] }, type: { type: 'string' } } });
  });

  it('leaves out an `items` that allows anything, and keeps one that says something', () => {
    expect(slimSchema({ type: 'array', items: {} })).toEqual({ type: 'array' });
    expect(slimSchema({ type: 'array', items: { type: 'string' } })).toEqual({
      type: 'array',
      items: { type: 'string' },
    });
    expect(slimSchema({ type: 'object', properties: { items: {} } })).toEqual({
      type: 'object',
      properties: { items: {} },
    });
  });

  it('leaves out a minimum of 1 on an integer (a count), and keeps every other minimum', () => {
    expect(slimSchema({ type: 'integer', minimum: 1, maximum: 100 })).toEqual({ type: 'integer', maximum: 100 });
    expect(slimSchema({ type: 'integer', minimum: 2 })).toEqual({ type: 'integer', minimum: 2 });
    expect(slimSchema({ type: 'number', minimum: 1 })).toEqual({ type: 'number', minimum: 1 });
    expect(slimSchema({ type: 'number', minimum: 0, maximum: 2 })).toEqual({ type: 'number', minimum: 0, maximum: 2 });
    expect(slimSchema({ minimum: 1 })).toEqual({ minimum: 1 });
  });
});
