/**
 * The caller's schema run where it cannot stall the server (issue 55, finding 1): patterns matched
 * by RE2 in linear time with JavaScript's meaning (schema-pattern.ts, re2-syntax.ts), what RE2 does
 * not run refused in words, and the rest of the check bounded (schema-check.ts) — each check on both sides.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it, vi } from 'vitest';
import {
  compileSchema,
  sameJson,
  ticking,
  type CompiledSchema,
} from '../../src/orchestrator/generation/schema-check.js';
import { NOT_SPACE_ITEMS, re2Syntax, SPACE_ITEMS } from '../../src/orchestrator/generation/re2-syntax.js';
import { linearPattern, PatternRefused } from '../../src/orchestrator/generation/schema-pattern.js';

const compiled = (schema: Record<string, unknown>): CompiledSchema => {
  const c = compileSchema(schema);
  if ('error' in c) throw new Error(c.error);
  return c;
};
const holds = (c: CompiledSchema, value: unknown) => c.problems(value) === undefined;
const EVIL = '^(a+)+$';
/** 40 characters the evil pattern almost matches: a backtracking engine tries 2^40 ways. */
const NEAR = `${'a'.repeat(40)}!`;

describe('a pattern that makes a backtracking engine run for days', () => {
  it('is judged at once: a near match refused, a match accepted', () => {
    const c = compiled({ type: 'string', pattern: EVIL });
    // reached at all: a backtracking engine would hold this thread for days (2^40 ways)
    expect(c.problems(NEAR)).toEqual([
      expect.objectContaining({ keyword: 'pattern', message: `must match pattern "${EVIL}"` }),
    ]);
    expect(c.problems('a'.repeat(100_000) + '!')).toHaveLength(1);
    expect(holds(c, 'a'.repeat(40))).toBe(true);
  });

  it('as a patternProperties key: a near-match name is not matched, a matching one is checked', () => {
    const c = compiled({ type: 'object', patternProperties: { [EVIL]: { type: 'integer' } } });
    expect(holds(c, { [NEAR]: 'not checked' })).toBe(true);
    expect(c.problems({ aaaa: 'x' })).toEqual([expect.objectContaining({ instancePath: '/aaaa', keyword: 'type' })]);
    expect(holds(c, { aaaa: 1 })).toBe(true);
  });

  it(
    'beside a property of `properties` it almost matches: compiled at once (Ajv’s strict check ' +
      'ran it with JavaScript’s engine)',
    () => {
      const c = compiled({
        type: 'object',
        properties: { [NEAR]: { type: 'string' } },
        patternProperties: { [EVIL]: { type: 'integer' } },
      }); // reached at all
      expect(holds(c, { [NEAR]: 'text' })).toBe(true);
      expect(holds(c, { [NEAR]: 1 })).toBe(false);
    },
  );

  it('as propertyNames, and beside additionalProperties', () => {
    const names = compiled({ type: 'object', propertyNames: { pattern: EVIL } });
    expect(holds(names, { aaa: 1 })).toBe(true);
    expect(names.problems({ [NEAR]: 1 })).toEqual(
      expect.arrayContaining([expect.objectContaining({ keyword: 'pattern' })]),
    );
    const extra = compiled({ type: 'object', patternProperties: { [EVIL]: true }, additionalProperties: false });
    expect(holds(extra, { aaa: 1 })).toBe(true);
    expect(extra.problems({ [NEAR]: 1 })).toEqual([expect.objectContaining({ keyword: 'additionalProperties' })]);
  });
});

describe('ordinary patterns mean what JavaScript means by them', () => {
  // each pattern with texts it matches and texts it does not, as JavaScript's engine (u flag) judges them
  const CASES: Array<[pattern: string, texts: string[]]> = [
    [String.raw`^\d{3}-\d{4}$`, ['555-1234', '555-12345', '55-1234', '٣٣٣-1234']],
    [String.raw`^[A-Z][a-z]+$`, ['Paris', 'paris', 'PAris', 'Élan']],
    [String.raw`^[^@\s]+@[^@\s]+\.[a-z]{2,}$`, ['a@b.io', 'a b@c.io', 'a@b.c', 'ä@b.de', 'a\u00a0b@c.io']],
    [String.raw`^\S+$`, ['abc', 'a c', 'a\u2003c', 'a\u200bc', 'a\ufeffc']],
    [String.raw`^\s*$`, ['', ' \t\n', '\u3000\u2028', 'x', '\u0085']],
    ['^.$', ['x', '😀', '\n', '\r', '\u2028', '\u0085', 'xy']],
    ['^[^]$', ['\n', '😀', '', 'xy']],
    ['^[]', ['', 'x']],
    [String.raw`^\u00e9\u{1F600}\uD83D\uDE00$`, ['é😀😀', 'e😀😀', 'é😀']],
    [String.raw`^\x41\cJ\0$`, ['A\n\0', 'A\n0', 'a\n\0']],
    [String.raw`^[\b]\bx\B`, ['\bxy', '\bx y', 'x']],
    [String.raw`^(?<year>\d{4})-(?:0[1-9]|1[0-2])$`, ['2024-05', '2024-13', '24-05']],
    [String.raw`^[[:a]+$`, ['[:a', 'b', '[[']],
    [String.raw`^\/[\-]\.\*\+\?\(\)\[\]\{\}\|\^\$\\$`, ['/-.*+?()[]{}|^$\\', '/-']],
    [String.raw`^[\w-]{2,4}?$`, ['a-', 'a-b_c', 'a', 'ä-']],
    [String.raw`^\p{Lu}\p{Letter}*\P{N}$`, ['Ölx', 'öl', 'Öl1', 'ΩΔ.']],
    [String.raw`^\p{Script=Greek}+$`, ['αβγ', 'abc']],
    ['end$', ['the end', 'the end\n', 'end of it']],
    ['^a|b$', ['ax', 'xb', 'xa', 'bx']],
    ['colou?r', ['color', 'colour', 'colr']],
  ];

  for (const [pattern, texts] of CASES) {
    it(`${pattern}`, () => {
      const mine = linearPattern(pattern, 'u');
      const js = new RegExp(pattern, 'u');
      const verdicts = texts.map((t) => js.test(t));
      expect(texts.map((t) => mine.test(t))).toEqual(verdicts);
      if (pattern !== '^[]') expect(new Set(verdicts).size, 'the texts are on both sides').toBe(2);
    });
  }

  it('\\s, \\S and . match the code points JavaScript’s do, every one of them', () => {
    const patterns = ['\\s', '\\S', '.', '[\\s]', '[^\\s]', '[\\S]', '[^\\S]', '[\\sx]', '[^\\Sx]'].map((p) => ({
      p,
      mine: linearPattern(p, 'u'),
      js: new RegExp(p, 'u'),
    }));
    const differ: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x31000 ? 1 : 97) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const s = String.fromCodePoint(cp);
      for (const { p, mine, js } of patterns) if (mine.test(s) !== js.test(s)) differ.push(`${p} U+${cp.toString(16)}`);
    }
    expect(differ.slice(0, 10)).toEqual([]);
    expect(SPACE_ITEMS).not.toContain('\\x{21}');
    expect(NOT_SPACE_ITEMS).toContain('\\x{21}-\\x{9F}');
  });

  it('is written in RE2’s syntax: the meaning kept, the look of it changed', () => {
    expect(re2Syntax('a.b')).toBe(String.raw`a[^\n\r\x{2028}\x{2029}]b`);
    expect(re2Syntax('(?<n>x)')).toBe('(x)');
    expect(re2Syntax('[[]')).toBe('[\\[]');
    expect(re2Syntax('\\uD83D\\uDE00\\uD83D')).toBe('\\x{1F600}\\x{D83D}');
  });

  it('a pattern JavaScript refuses is refused in JavaScript’s words; only the u flag is taken', () => {
    expect(() => linearPattern('(', 'u')).toThrow(/Invalid regular expression: \/\(\/u: Unterminated group/);
    expect(() => linearPattern('\\q', 'u')).toThrow(SyntaxError);
    expect(() => linearPattern('a', '')).toThrow('patterns are read with the u flag, not ""');
  });

  it('each compiled pattern names its own source (Ajv keeps one compiled copy per name)', () => {
    expect(String(linearPattern('a+', 'u'))).toBe('/a+/u');
    const c = compiled({
      type: 'object',
      properties: { x: { type: 'string', pattern: '^a$' }, y: { type: 'string', pattern: '^b$' } },
    });
    expect(holds(c, { x: 'a', y: 'b' })).toBe(true);
    expect(holds(c, { x: 'b', y: 'a' })).toBe(false);
  });
});

describe('what RE2 does not run', () => {
  const refusal = (pattern: string): string => {
    try {
      linearPattern(pattern, 'u');
    } catch (err) {
      expect(err).toBeInstanceOf(PatternRefused);
      return (err as Error).message;
    }
    throw new Error(`${pattern} was taken`);
  };

  it('a look-ahead, a look-behind, a backreference: named, with why and what to do', () => {
    expect(refusal('^(?=.*\\d)\\w+$')).toBe(
      'format\'s pattern "^(?=.*\\\\d)\\\\w+$" uses a look-ahead ((?=…)), which ollm-mcp does not ' +
        'run: patterns are matched in time linear in the answer (by RE2), so that no answer can ' +
        'stall the server — rewrite the pattern without it, or leave the pattern out and check that ' +
        'part of the answer yourself.',
    );
    expect(refusal('a(?!b)')).toContain('uses a look-ahead ((?!…))');
    expect(refusal('(?<=a)b')).toContain('uses a look-behind ((?<=…))');
    expect(refusal('(?<!a)b')).toContain('uses a look-behind ((?<!…))');
    expect(refusal('(a)\\1')).toContain('uses a backreference (\\1)');
    expect(refusal('(?<q>a)\\k<q>')).toContain('uses a backreference (\\k<…>)');
  });

  it('what looks like one inside a class or escaped is no look-around', () => {
    for (const p of ['[(?=]', '\\(?=', '[\\1]'.replace('\\1', '1'), '\\\\1'])
      expect(() => linearPattern(p, 'u'), p).not.toThrow();
    expect(linearPattern('^\\(?=$', 'u').test('(=')).toBe(true);
    expect(linearPattern('^\\(?=$', 'u').test('=')).toBe(true);
  });

  it(
    'a repeat count above 1000: RE2’s words, and what to write instead (a count of 1000 is ' +
      'refused for its cost: schema-pattern-cost.test.ts)',
    () => {
      expect(() => linearPattern('a{998}', 'u')).not.toThrow();
      expect(refusal('a{1001}')).toBe(
        'format\'s pattern "a{1001}" cannot be matched in linear time by RE2, which ollm-mcp runs ' +
          'patterns with so that no answer can stall the server (RE2 says: invalid repeat count: ' +
          '`{1001}`) — use + or * or smaller counts instead of large counted repeats ({1,1000}), and ' +
          'maxLength for a length, or leave the pattern out and check that part of the answer yourself.',
      );
    },
  );

  it('a Unicode property RE2 does not know: RE2’s words; one it knows is taken', () => {
    expect(refusal('^\\p{ASCII}+$')).toContain(
      '(RE2 says: invalid character class range: `\\p{ASCII}`) — rewrite the pattern without it',
    );
    expect(linearPattern('^\\p{sc=Greek}+$', 'u').test('αβ')).toBe(true);
  });

  it('a long pattern is named by its start and length', () => {
    expect(refusal(`${'x'.repeat(200)}(?=y)`)).toContain(
      `"${'x'.repeat(50)}…${'x'.repeat(25)}(?=y)" (205 characters) uses a look-ahead`,
    );
  });

  it('reaches compileSchema as the refusal, marked as the pattern’s', () => {
    expect(compileSchema({ type: 'string', pattern: '(?=a)' })).toEqual({
      error: expect.stringContaining('uses a look-ahead'),
      pattern: true,
    });
    expect(compileSchema({ patternProperties: { '(a)\\1': {} } })).toEqual({
      error: expect.stringContaining('uses a backreference'),
      pattern: true,
    });
    expect(compileSchema({ type: 'strnig' })).not.toHaveProperty('pattern');
  });
});

describe('the rest of the check, bounded', () => {
  it(
    'parts referred to many times are compiled once, not copied to each place (400 copies of an ' +
      '8 KB part took 19 s; these 2,000 would take minutes)',
    () => {
      const properties = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, { type: 'integer' }]));
      const schema = {
        $defs: { part: { type: 'object', properties } },
        allOf: Array.from({ length: 2000 }, () => ({ $ref: '#/$defs/part' })),
      };
      const c = compiled(schema);
      expect(holds(c, { p1: 1 })).toBe(true);
      expect(c.problems({ p1: 'x' })).toHaveLength(2000);
    },
  );

  it('parts applying each other many times over are stopped by the clock, whatever the answer', () => {
    // each level of the answer is tried against both branches: the work doubles per level
    const recursing = compiled({
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
    let deep: unknown = 1;
    for (let i = 0; i < 60; i++) deep = [deep];
    // stopped at all: without the clock, 2^60 tries
    expect(recursing.problems(deep)).toEqual({ unchecked: 'time' });
    // a part referring to the one below twice, forty times over: 2^40 checks of one string
    const defs: Record<string, unknown> = { d0: { type: 'string' } };
    for (let i = 1; i <= 40; i++)
      defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
    expect(compiled({ $defs: defs, $ref: '#/$defs/d40' }).problems('x')).toEqual({ unchecked: 'time' });
  });

  it('the same schemas judge small answers, and the clock starts again for each answer', () => {
    const recursing = compiled({
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
    expect(holds(recursing, [['a', ['b']], 'c'])).toBe(true);
    expect(recursing.problems([['a', [1]], 'c'])).toEqual(
      expect.arrayContaining([expect.objectContaining({ instancePath: '/0/1/0', keyword: 'type' })]),
    );
    let deep: unknown = 1;
    for (let i = 0; i < 60; i++) deep = [deep];
    expect(recursing.problems(deep)).toEqual({ unchecked: 'time' });
    expect(holds(recursing, [['a', ['b']], 'c'])).toBe(true); // a fresh second after the one that ran out
  });

  it('an ordinary schema on a large answer is not stopped', () => {
    const c = compiled({
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, name: { type: 'string', pattern: '^[a-z]+ \\d+$' } },
        required: ['id', 'name'],
      },
    });
    const big = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item ${i}` }));
    expect(holds(c, big)).toBe(true);
    big[19_999]!.name = 'Item';
    expect(c.problems(big)).toEqual([expect.objectContaining({ instancePath: '/19999/name', keyword: 'pattern' })]);
  });

  it('an answer nested deeper than the stack is "unchecked", not a crash', () => {
    const c = compiled({
      $defs: { n: { anyOf: [{ type: 'array', items: { $ref: '#/$defs/n' } }, { type: 'integer' }] } },
      $ref: '#/$defs/n',
    });
    const deep = JSON.parse(`${'['.repeat(20_000)}1${']'.repeat(20_000)}`) as unknown;
    expect(c.problems(deep)).toEqual({ unchecked: 'depth' });
    expect(holds(c, [[1, [2]], 3])).toBe(true);
    expect(holds(c, [[1, ['x']]])).toBe(false);
  });
});

describe('uniqueItems, in time linear in the list', () => {
  const unique = compiled({ type: 'array', uniqueItems: true });

  it('finds a duplicate whatever the order of its keys, in Ajv’s words', () => {
    expect(unique.problems([{ a: 1, b: [1, { c: 2 }] }, 'x', { b: [1, { c: 2 }], a: 1 }])).toEqual([
      expect.objectContaining({
        instancePath: '',
        keyword: 'uniqueItems',
        params: { i: 2, j: 0 },
        message: 'must NOT have duplicate items (items ## 0 and 2 are identical)',
      }),
    ]);
    expect(holds(unique, [1, 2, 1])).toBe(false);
    expect(holds(unique, [null, null])).toBe(false);
    expect(holds(unique, [[], []])).toBe(false);
  });

  it('tells apart what only looks alike', () => {
    expect(holds(unique, [1, '1', [1], { 1: 1 }, true, 'true', null, 'null'])).toBe(true);
    expect(holds(unique, [[1, 2], [2, 1], { a: 1 }, { a: 1, b: 2 }, { a: [1] }, { b: 1 }])).toBe(true);
    expect(holds(unique, JSON.parse('[null, 1e400, -1e400]'))).toBe(true); // Infinity writes as null, yet is not null
    expect(holds(unique, JSON.parse('[1e400, 1e400]'))).toBe(false);
    expect(holds(unique, [])).toBe(true);
  });

  /** The reads of an item a pass over the list may make: its keys, and each property twice. */
  const READS_PER_ITEM = 16;

  /**
   * `unique` run over `n` objects and `extra`, each behind a proxy counting every read of it (its keys, its
   * properties): past `READS_PER_ITEM` reads an item on average the check is stopped, so a pass that
   * compared every pair fails here by its count at once rather than by a time limit. Its own clock is
   * stopped meanwhile, so a busy machine never cuts it short (schema-check.ts MAX_CHECK_MS).
   */
  const readsToCheck = (n: number, extra: object[] = []) => {
    const budget = (n + extra.length) * READS_PER_ITEM;
    let reads = 0;
    const read = () => {
      if (++reads > budget) throw new Error(`more than ${READS_PER_ITEM} reads an item: not one pass`);
    };
    const count = <T extends object>(target: T): T =>
      new Proxy(target, {
        get: (t, k, r) => (read(), Reflect.get(t, k, r)),
        has: (t, k) => (read(), Reflect.has(t, k)),
        ownKeys: (t) => (read(), Reflect.ownKeys(t)),
        getOwnPropertyDescriptor: (t, k) => (read(), Reflect.getOwnPropertyDescriptor(t, k)),
      });
    const items = [...Array.from({ length: n }, (_, i) => count({ id: i, tags: [`t${i}`] })), ...extra.map(count)];
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      return { problems: unique.problems(items), reads };
    } finally {
      vi.useRealTimers();
    }
  };

  it(
    'reads each of 20,000 objects a few times, as each of 1,000: one pass (comparing every pair reads each ' +
      'some 20,000 times: 20 s), and only where uniqueItems is true',
    () => {
      const few = readsToCheck(1000);
      const many = readsToCheck(20_000);
      expect(few.problems).toBeUndefined();
      expect(many.problems).toBeUndefined();
      // 20× the objects, 20× the reads (every pair: 400×)
      expect(many.reads).toBeLessThanOrEqual(20 * few.reads);
      // a duplicate at the end, its keys in another order: found in the same pass, against its first
      const dup = readsToCheck(20_000, [{ tags: ['t7'], id: 7 }]);
      expect(dup.problems).toEqual([expect.objectContaining({ params: { i: 20_000, j: 7 } })]);
      expect(dup.reads).toBeLessThanOrEqual(many.reads + 4 * READS_PER_ITEM);
      expect(holds(compiled({ type: 'array', uniqueItems: false }), [1, 1])).toBe(true);
      expect(holds(compiled({ type: 'object', uniqueItems: true }), { a: 1 })).toBe(true); // applies to lists only
      expect(
        compiled({ type: 'object', properties: { tags: { type: 'array', uniqueItems: true } } }).problems({
          tags: ['a', 'a'],
        }),
      ).toEqual([expect.objectContaining({ instancePath: '/tags' })]);
    },
  );

  it('sameJson: the same JSON value, key order aside', () => {
    expect(sameJson({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson({ a: undefined }, { b: undefined })).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
    expect(sameJson({ 0: 1 }, [1])).toBe(false);
    expect(sameJson([1, 2], [1, 2, 3])).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson(1, 1)).toBe(true);
  });
});

describe('the clock’s keyword in every part of the schema', () => {
  it('is added to every schema object, and nowhere inside data', () => {
    const schema = {
      type: ['object', 'null'],
      required: ['a'],
      properties: { a: { type: 'string' }, properties: { const: { type: 'x' } } },
      $defs: { d: { anyOf: [{ const: 1 }, true] } },
      items: { enum: [{ type: 'y' }] },
      default: { z: {} },
      examples: [{ a: {} }],
      not: { prefixItems: [{}] },
    };
    expect(ticking(schema)).toEqual({
      ollmTick: true,
      type: ['object', 'null'],
      required: ['a'],
      properties: { a: { ollmTick: true, type: 'string' }, properties: { ollmTick: true, const: { type: 'x' } } },
      $defs: { d: { ollmTick: true, anyOf: [{ ollmTick: true, const: 1 }, true] } },
      items: { ollmTick: true, enum: [{ type: 'y' }] },
      default: { z: {} },
      examples: [{ a: {} }],
      not: { ollmTick: true, prefixItems: [{ ollmTick: true }] },
    });
  });

  it('keeps a property named __proto__ a property', () => {
    const schema = JSON.parse('{"properties": {"__proto__": {"type": "string"}}, "required": ["__proto__"]}') as Record<
      string,
      unknown
    >;
    const out = ticking(schema) as { properties: Record<string, unknown> };
    expect(Object.keys(out.properties)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out.properties)).toBe(Object.prototype);
  });

  it('changes no verdict: each schema judges each value as Ajv alone does', () => {
    const ajv = () =>
      new Ajv2020({
        allErrors: true,
        strict: true,
        strictTypes: false,
        strictTuples: false,
        strictRequired: false,
        validateFormats: false,
        logger: false,
      });
    const SCHEMAS: Array<[Record<string, unknown>, unknown[]]> = [
      [
        {
          type: 'object',
          properties: { kind: { enum: ['a', 'b'] } },
          if: { properties: { kind: { const: 'a' } } },
          then: { required: ['size'], properties: { size: { type: 'integer' } } },
          else: {
            properties: {
              list: {
                type: 'array',
                prefixItems: [{ type: 'string' }],
                items: { type: 'integer' },
                contains: { const: 3 },
              },
            },
          },
          dependentSchemas: { size: { properties: { unit: { type: 'string' } }, required: ['unit'] } },
          unevaluatedProperties: false,
        },
        [
          { kind: 'a', size: 2, unit: 'm' },
          { kind: 'a', size: 2 },
          { kind: 'a' },
          { kind: 'a', size: 2, unit: 'm', extra: 1 },
          { kind: 'b', list: ['x', 3] },
          { kind: 'b', list: ['x', 4] },
          { kind: 'b', list: [1, 3] },
          { kind: 'c' },
        ],
      ],
      [
        {
          $dynamicAnchor: 'node',
          type: 'object',
          properties: { kids: { type: 'array', items: { $dynamicRef: '#node' } }, v: { type: 'integer' } },
          required: ['v'],
        },
        [{ v: 1, kids: [{ v: 2, kids: [] }] }, { v: 1, kids: [{ kids: [] }] }, { v: 1 }, []],
      ],
      [
        {
          type: 'array',
          items: {
            oneOf: [
              { type: 'integer', multipleOf: 2 },
              { type: 'integer', multipleOf: 3 },
              { type: 'string', minLength: 2, maxLength: 3 },
            ],
          },
          minContains: 2,
          contains: { type: 'string' },
          unevaluatedItems: false,
        },
        [[2, 'ab', 'abc'], [6, 'ab', 'abc'], [2, 'a', 'ab'], ['ab'], [5, 'ab', 'cd']],
      ],
      [
        JSON.parse(
          '{"properties": {"__proto__": {"type": "string"}}, "required": ["__proto__"], ' +
            '"propertyNames": {"maxLength": 9}}',
        ) as Record<string, unknown>,
        [JSON.parse('{"__proto__": "x"}'), JSON.parse('{"__proto__": 1}'), {}, { toolongname: 1 }],
      ],
    ];
    for (const [schema, values] of SCHEMAS) {
      const theirs = ajv().compile(schema);
      const mine = compiled(schema);
      const verdicts = values.map((v) => theirs(v));
      expect(
        values.map((v) => holds(mine, v)),
        JSON.stringify(schema),
      ).toEqual(verdicts);
      expect(values.map((v) => (mine.problems(v) as unknown[] | undefined)?.length ?? 0)).toEqual(
        values.map((v) => (theirs(v) ? 0 : theirs.errors!.length)),
      );
      expect(new Set(verdicts).size, 'values on both sides').toBe(2);
    }
  });
});
