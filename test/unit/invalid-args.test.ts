import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { explainInvalidArguments } from '../../src/tools/invalid-args.js';

/** The whole message for `input` against `schema`, which must refuse it. */
function explain(schema: z.ZodType, input: unknown, tool = 'some_tool'): string {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return explainInvalidArguments(tool, parsed.error, input);
}

/** The message for one field `x` holding `value` (or missing when `value` is undefined). */
function about(field: z.ZodType, value: unknown): string {
  return explain(z.object({ x: field }), value === undefined ? {} : { x: value });
}

const start = 'Invalid arguments for some_tool: ';

describe('the arguments as a whole', () => {
  it('says the arguments must be an object, and shows what came instead', () => {
    const schema = z.object({ a: z.string().optional() });
    expect(explain(schema, null)).toBe(`${start}the arguments must be an object (got null).`);
    expect(explain(schema, [1, 2, 3])).toBe(`${start}the arguments must be an object (got a list of 3).`);
    expect(explain(schema, 'hello')).toBe(`${start}the arguments must be an object (got "hello").`);
    expect(explain(schema, true)).toBe(`${start}the arguments must be an object (got true).`);
    expect(explain(schema, 42)).toBe(`${start}the arguments must be an object (got 42).`);
    expect(explain(schema, undefined)).toBe(`${start}the arguments must be an object (got undefined).`);
  });

  it('uses a whole-arguments rule as written, and names the tool', () => {
    const schema = z
      .object({ model: z.string().optional(), all: z.boolean().optional() })
      .refine((v) => (v.model !== undefined) !== (v.all === true), { message: 'give either model or all: true' });
    expect(explain(schema, {}, 'unload_model')).toBe(
      'Invalid arguments for unload_model: give either model or all: true.',
    );
  });

  it('ends with one full stop when a rule already ends with one', () => {
    const schema = z.object({}).refine(() => false, { message: 'send a prompt or a file.' });
    expect(explain(schema, {})).toBe(`${start}send a prompt or a file.`);
  });

  it('leaves two dots inside the message alone', () => {
    expect(about(z.enum(['a', 'b']), 'x..y')).toBe(`${start}"x" must be one of "a", "b" (got "x..y").`);
  });
});

describe('what each kind of value must be', () => {
  it('names the expected type in words and shows the value sent', () => {
    expect(about(z.string(), 5)).toBe(`${start}"x" must be a string (got 5).`);
    expect(about(z.number(), 'five')).toBe(`${start}"x" must be a number (got "five").`);
    expect(about(z.number().int(), 1.5)).toBe(`${start}"x" must be a whole number (got 1.5).`);
    expect(about(z.boolean(), 'yes')).toBe(`${start}"x" must be true or false (got "yes").`);
    expect(about(z.array(z.string()), 'a')).toBe(`${start}"x" must be a list (got "a").`);
    expect(about(z.object({}), [])).toBe(`${start}"x" must be an object (got a list of 0).`);
    expect(about(z.record(z.string(), z.string()), 7)).toBe(`${start}"x" must be an object (got 7).`);
    expect(about(z.null(), false)).toBe(`${start}"x" must be null (got false).`);
    // a type without words is named as zod names it
    expect(about(z.date(), 'today')).toBe(`${start}"x" must be date (got "today").`);
  });

  it('shows an object, null and a list for what was sent', () => {
    expect(about(z.string(), { a: 1 })).toBe(`${start}"x" must be a string (got an object).`);
    expect(about(z.string(), null)).toBe(`${start}"x" must be a string (got null).`);
    expect(about(z.string(), ['a', 'b'])).toBe(`${start}"x" must be a string (got a list of 2).`);
    expect(about(z.string(), true)).toBe(`${start}"x" must be a string (got true).`);
  });

  it('names the type even when the schema words a wrong type its own way', () => {
    expect(about(z.string({ error: 'some text' }), 5)).toBe(`${start}"x" must be a string (got 5).`);
  });

  it('names the one allowed value, or lists them', () => {
    expect(about(z.literal('on'), 'off')).toBe(`${start}"x" must be "on" (got "off").`);
    expect(about(z.literal(3), 4)).toBe(`${start}"x" must be 3 (got 4).`);
    expect(about(z.enum(['code', 'fast', 'vision']), 'slow')).toBe(
      `${start}"x" must be one of "code", "fast", "vision" (got "slow").`,
    );
  });

  it('words pattern and format rules', () => {
    expect(about(z.string().regex(/^[a-z]+$/), 'A1')).toBe(`${start}"x" must match /^[a-z]+$/ (got "A1").`);
    expect(about(z.email(), 'nobody')).toBe(`${start}"x" must be a valid email (got "nobody").`);
    expect(about(z.url(), 'nowhere')).toBe(`${start}"x" must be a valid url (got "nowhere").`);
  });

  it('words a multiple', () => {
    expect(about(z.number().multipleOf(5), 7)).toBe(`${start}"x" must be a multiple of 5 (got 7).`);
    expect(about(z.number().multipleOf(0.5), 0.3)).toBe(`${start}"x" must be a multiple of 0.5 (got 0.3).`);
  });

  it('lists unknown fields of a strict object', () => {
    expect(about(z.strictObject({ a: z.string() }), { a: 'x', b: 1, c: 2 })).toBe(
      `${start}"x" has unknown fields "b", "c" (got an object).`,
    );
  });

  it('says a field is not valid when its rule has no words of its own', () => {
    expect(
      about(
        z.string().refine(() => false),
        'x',
      ),
    ).toBe(`${start}"x" is not valid (got "x").`);
  });
});

describe('size rules', () => {
  it('words text lengths, an empty text and one character', () => {
    expect(about(z.string().min(1), '')).toBe(`${start}"x" must not be empty (got "").`);
    expect(about(z.string().min(3), 'ab')).toBe(`${start}"x" must be at least 3 characters long (got "ab").`);
    expect(about(z.string().max(3), 'abcd')).toBe(`${start}"x" must be at most 3 characters long (got "abcd").`);
    expect(about(z.string().max(1), 'ab')).toBe(`${start}"x" must be at most 1 character long (got "ab").`);
    expect(about(z.string().length(2), 'abc')).toBe(`${start}"x" must be at most 2 characters long (got "abc").`);
  });

  it('words list and set sizes, one item or several', () => {
    expect(about(z.array(z.number()).min(1), [])).toBe(`${start}"x" must have at least 1 item (got a list of 0).`);
    expect(about(z.array(z.number()).min(2), [1])).toBe(`${start}"x" must have at least 2 items (got a list of 1).`);
    expect(about(z.array(z.number()).max(1), [1, 2])).toBe(`${start}"x" must have at most 1 item (got a list of 2).`);
    expect(about(z.array(z.number()).max(2), [1, 2, 3])).toBe(
      `${start}"x" must have at most 2 items (got a list of 3).`,
    );
    expect(about(z.set(z.string()).min(2), new Set(['a']))).toBe(
      `${start}"x" must have at least 2 items (got an object).`,
    );
  });

  it('words number bounds as at least, at most, above and below', () => {
    expect(about(z.number().min(1), 0)).toBe(`${start}"x" must be at least 1 (got 0).`);
    expect(about(z.number().max(10), 11)).toBe(`${start}"x" must be at most 10 (got 11).`);
    expect(about(z.number().gt(0), 0)).toBe(`${start}"x" must be above 0 (got 0).`);
    expect(about(z.number().lt(10), 10)).toBe(`${start}"x" must be below 10 (got 10).`);
    expect(about(z.bigint().gt(0n), 0n)).toBe(`${start}"x" must be above 0 (got 0).`);
  });

  it('turns a bound that excludes its own size into the size allowed', () => {
    // zod's own length checks include the bound; a refinement can report one that does not
    const schema = z.object({ word: z.string(), tags: z.array(z.string()), note: z.string() }).superRefine((v, ctx) => {
      ctx.addIssue({
        code: 'too_small',
        origin: 'string',
        minimum: 3,
        inclusive: false,
        path: ['word'],
        input: v.word,
      });
      ctx.addIssue({ code: 'too_big', origin: 'string', maximum: 3, inclusive: false, path: ['note'], input: v.note });
      ctx.addIssue({ code: 'too_small', origin: 'array', minimum: 1, inclusive: false, path: ['tags'], input: v.tags });
      ctx.addIssue({ code: 'too_big', origin: 'array', maximum: 3, inclusive: false, path: ['tags'], input: v.tags });
      ctx.addIssue({ code: 'too_big', origin: 'array', maximum: 2, inclusive: false, path: ['tags'], input: v.tags });
    });
    expect(explain(schema, { word: 'ab', tags: ['a', 'b', 'c'], note: 'long' })).toBe(
      `${start}"word" must be at least 4 characters long (got "ab"); "note" must be at most 2 ` +
        `characters long (got "long"); "tags" must have at least 2 items (got a list of 3); "tags" ` +
        `must have at most 2 items (got a list of 3); "tags" must have at most 1 item (got a list of 3).`,
    );
    const nonEmpty = z.object({ word: z.string() }).superRefine((v, ctx) =>
      ctx.addIssue({
        code: 'too_small',
        origin: 'string',
        minimum: 0,
        inclusive: false,
        path: ['word'],
        input: v.word,
      }),
    );
    expect(explain(nonEmpty, { word: '' })).toBe(`${start}"word" must not be empty (got "").`);
  });
});

describe('a field that may take one of several forms', () => {
  it('names the types it may be, each once', () => {
    expect(about(z.union([z.string(), z.number()]), true)).toBe(`${start}"x" must be a string or a number (got true).`);
    expect(about(z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]), 5)).toBe(
      `${start}"x" must be an object (got 5).`,
    );
    expect(about(z.union([z.bigint(), z.date()]), 'x')).toBe(`${start}"x" must be bigint or date (got "x").`);
  });

  it('says no form matches when the value has the right type but breaks the rules', () => {
    expect(about(z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]), { c: 1 })).toBe(
      `${start}"x" does not match any allowed form (got an object).`,
    );
    expect(about(z.union([z.string().min(3), z.email()]), 'a')).toBe(
      `${start}"x" does not match any allowed form (got "a").`,
    );
  });

  it('says a missing one is required', () => {
    expect(about(z.union([z.string(), z.number()]), undefined)).toBe(`${start}"x" is required.`);
  });

  it('uses the schema’s own words for the forms', () => {
    expect(
      about(z.union([z.number(), z.string()], { error: 'a number of seconds or a duration like "10m"' }), false),
    ).toBe(`${start}"x" must be a number of seconds or a duration like "10m" (got false).`);
  });
});

describe('a schema’s own words', () => {
  it('are used as what the field must be', () => {
    expect(
      about(
        z.string().refine(() => false, { message: 'a model name list_models shows' }),
        'gpt',
      ),
    ).toBe(`${start}"x" must be a model name list_models shows (got "gpt").`);
  });

  it('are used even when they mention zod’s own wording inside', () => {
    expect(
      about(
        z.string().refine(() => false, { message: 'a value other than "Invalid input"' }),
        'v',
      ),
    ).toBe(`${start}"x" must be a value other than "Invalid input" (got "v").`);
  });

  it('put the value sent before any advice after a dash', () => {
    expect(
      about(
        z.string().refine(() => false, { message: 'a duration like "10m" — or a number of seconds' }),
        'soon',
      ),
    ).toBe(`${start}"x" must be a duration like "10m" (got "soon") — or a number of seconds.`);
    expect(
      about(
        z.string().refine(() => false, { message: 'a size — like "2GB" — or bytes' }),
        'big',
      ),
    ).toBe(`${start}"x" must be a size (got "big") — like "2GB" — or bytes.`);
  });

  it('keep a rule for a missing field that is not about its type', () => {
    const schema = z
      .object({ a: z.string().optional(), b: z.string().optional() })
      .refine((v) => v.a === undefined || v.b !== undefined, { path: ['b'], message: 'set when a is set' });
    expect(explain(schema, { a: 'x' })).toBe(`${start}"b" must be set when a is set.`);
  });
});

describe('naming a field and finding what was sent there', () => {
  it('names nested fields with dots and list positions', () => {
    const schema = z.object({ a: z.object({ b: z.array(z.object({ c: z.string() })) }) });
    expect(explain(schema, { a: { b: [{ c: 1 }] } })).toBe(`${start}"a.b[0].c" must be a string (got 1).`);
    expect(explain(schema, { a: { b: [{ c: 'ok' }, {}] } })).toBe(`${start}"a.b[1].c" is required.`);
    expect(explain(z.object({ list: z.array(z.array(z.number())) }), { list: [[1], [2, 'x']] })).toBe(
      `${start}"list[1][1]" must be a number (got "x").`,
    );
  });

  it('shortens a long field name', () => {
    const key = 'k'.repeat(150);
    expect(explain(z.object({ vars: z.record(z.string(), z.string()) }), { vars: { [key]: 1 } })).toBe(
      `${start}"vars.${'k'.repeat(50)}…${'k'.repeat(30)} (150 characters)" must be a string (got 1).`,
    );
  });

  it('finds nothing inside a text or inside null', () => {
    const inText = z
      .object({ name: z.string() })
      .refine(() => false, { path: ['name', 0], message: 'a name starting with a capital letter' });
    expect(explain(inText, { name: 'bob' })).toBe(`${start}"name[0]" must be a name starting with a capital letter.`);
    const inNull = z
      .object({ opts: z.object({ level: z.number() }).nullable() })
      .refine(() => false, { path: ['opts', 'level'], message: 'a level when opts are given' });
    expect(explain(inNull, { opts: null })).toBe(`${start}"opts.level" must be a level when opts are given.`);
  });
});

describe('many problems at once', () => {
  const nine = z.object(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, z.string()])));
  const numbers = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, i]));

  it('lists eight and counts the rest', () => {
    const listed = Array.from({ length: 8 }, (_, i) => `"f${i}" must be a string (got ${i})`).join('; ');
    expect(explain(nine, numbers(9))).toBe(`${start}${listed}; and 1 more.`);
    const eleven = z.object(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, z.string()])));
    expect(explain(eleven, numbers(11))).toBe(`${start}${listed}; and 3 more.`);
  });

  it('lists exactly eight without counting', () => {
    const listed = Array.from({ length: 8 }, (_, i) => `"f${i}" must be a string (got ${i})`).join('; ');
    expect(explain(nine, { ...numbers(8), f8: 'fine' })).toBe(`${start}${listed}.`);
  });

  it('says the same thing once', () => {
    const schema = z.object({ a: z.string() }).superRefine((_, ctx) => {
      ctx.addIssue({ code: 'custom', path: ['a'], message: 'a name' });
      ctx.addIssue({ code: 'custom', path: ['a'], message: 'a name' });
    });
    expect(explain(schema, { a: 'x' })).toBe(`${start}"a" must be a name (got "x").`);
  });
});
