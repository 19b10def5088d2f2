/**
 * A pattern's cost bounded (issue 72, finding 7b): RE2 is linear, but each character may cost as
 * many steps as the pattern's program has instructions — `^(\p{L}{1,1000} ?)*$` took 4-9 s for a
 * 160 KB value. A pattern of more than MAX_PATTERN_PROGRAM instructions is refused when the schema
 * is compiled, saying what to write instead; a value longer than MAX_PATTERN_WORK / instructions is
 * never handed to RE2 (the answer is left unchecked, saying why). Both sides: the usual patterns,
 * and values within the bound, are checked as before. No timings: what is bounded is whether RE2
 * runs at all, seen by a spy on its match.
 */
import { RE2JS } from 're2js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { prepareFormat } from '../../src/orchestrator/generation/answer-format.js';
import { compileSchema, type CompiledSchema } from '../../src/orchestrator/generation/schema-check.js';
import { re2Syntax } from '../../src/orchestrator/generation/re2-syntax.js';
import {
  linearPattern,
  MAX_PATTERN_PROGRAM,
  MAX_PATTERN_WORK,
  PatternRefused,
} from '../../src/orchestrator/generation/schema-pattern.js';

afterEach(() => vi.restoreAllMocks());

const compiled = (schema: Record<string, unknown>): CompiledSchema => {
  const c = compileSchema(schema);
  if ('error' in c) throw new Error(c.error);
  return c;
};
const stepsOf = (pattern: string) => RE2JS.compile(re2Syntax(pattern)).programSize();
/** Words of `width` letters, space-separated, `chars` characters in all (cut to it). */
const words = (width: number, chars: number) =>
  `${'x'.repeat(width)} `.repeat(Math.ceil(chars / (width + 1))).slice(0, chars);

describe('a pattern whose program is too large', () => {
  it('is refused when the schema is compiled, naming its size, the bound and what to write instead', () => {
    const costly = `^(${Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(97 + i)}{1,1000}`).join('|')})$`;
    expect(stepsOf(costly)).toBeGreaterThan(MAX_PATTERN_PROGRAM);
    expect(compileSchema({ type: 'string', pattern: costly })).toEqual({
      error: expect.stringContaining(
        `compiles to ${stepsOf(costly)} steps, more than the ${MAX_PATTERN_PROGRAM} ollm-mcp runs: ` +
          `each character of the answer could cost that many — use + or * or smaller counts instead ` +
          `of large counted repeats ({1,1000}), and maxLength for a length, or leave the pattern out ` +
          `and check that part of the answer yourself.`,
      ),
      pattern: true,
    });
    expect(() => linearPattern(costly, 'u')).toThrow(PatternRefused);
  });

  it("RE2's largest usual repeats are compiled (their cost bounded by the value's length instead)", () => {
    expect(linearPattern('^[0-9a-f]{1000}$', 'u').test('ab'.repeat(500))).toBe(true);
    expect(linearPattern('^[0-9a-f]{1000}$', 'u').test('ab'.repeat(499))).toBe(false);
    expect(linearPattern('\\w{1,1000}', 'u').test('word')).toBe(true);
    expect(stepsOf('^(\\p{L}{1,1000} ?)*$')).toBeLessThan(MAX_PATTERN_PROGRAM);
    // the issue's pattern over 160 KB: never run whole (the length bound), so it cannot hold the thread for seconds
    const issue = compiled({ type: 'string', pattern: '^(\\p{L}{1,1000} ?)*$' });
    const runs = vi.spyOn(RE2JS.prototype, 'test');
    expect(issue.problems(words(999, 160_000))).toEqual({
      unchecked: 'pattern',
      why: expect.stringContaining('160000 characters'),
    });
    expect(runs).not.toHaveBeenCalled();
  });

  it('the usual patterns are compiled and judge as before', () => {
    expect(linearPattern('a{998}', 'u').test('a'.repeat(998))).toBe(true);
    expect(linearPattern('a{998}', 'u').test('a'.repeat(997))).toBe(false);
    const date = compiled({ type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
    expect(date.problems('2024-06-30')).toBeUndefined();
    expect(date.problems('30/06/2024')).toEqual([expect.objectContaining({ keyword: 'pattern' })]);
    const id = compiled({ type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
    expect(id.problems('12345678-9abc-def0-1234-56789abcdef0')).toBeUndefined();
    expect(id.problems('12345678-9abc-def0-1234-56789abcdef')).toHaveLength(1);
  });
});

describe('a value longer than its pattern may be matched against', () => {
  const pattern = '^(\\w{1,400} ?)*$'; // 808 steps: allowed, but costly per character
  const most = Math.floor(MAX_PATTERN_WORK / stepsOf(pattern));

  it('is never handed to RE2: the answer is left unchecked, saying how long, the bound and what to do', () => {
    const c = compiled({ type: 'string', pattern });
    const runs = vi.spyOn(RE2JS.prototype, 'test');
    const long = words(399, 160_000);
    expect(c.problems(long)).toEqual({
      unchecked: 'pattern',
      why:
        `a value in it is 160000 characters, more than format's pattern ${JSON.stringify(pattern)} ` +
        `is matched against (${most} at most: each character may cost up to 808 steps of it), so it ` +
        `was not checked — ask for a shorter value, use + or * or smaller counts instead of large ` +
        `counted repeats ({1,1000}), and maxLength for a length, or pass "json" and check the ` +
        `answer yourself`,
    });
    expect(runs).not.toHaveBeenCalled();
  });

  it('the answer is set aside with those words, as one that breaks the schema is', async () => {
    const f = await prepareFormat({ type: 'object', properties: { text: { type: 'string', pattern } } });
    const check = f.check(JSON.stringify({ text: words(399, most + 1) }));
    expect(check).toEqual({
      ok: false,
      why: expect.stringMatching(
        /^a value in it is \d+ characters, more than format's pattern .* so it was not checked — ask for a shorter value/,
      ),
    });
  });

  it('up to the bound, is matched: a matching value holds, a breaking one is reported', () => {
    const c = compiled({ type: 'string', pattern });
    const runs = vi.spyOn(RE2JS.prototype, 'test');
    expect(c.problems(words(399, most))).toBeUndefined();
    expect(c.problems(`${words(399, most - 1)}!`)).toEqual([expect.objectContaining({ keyword: 'pattern' })]);
    expect(runs).toHaveBeenCalledTimes(2);
  });

  it('a cheap pattern is matched on a long value: the bound grows as its program shrinks', () => {
    const c = compiled({ type: 'string', pattern: '^[a-z ]*$' }); // 6 steps: 666,666 characters
    expect(c.problems(words(20, 400_000))).toBeUndefined();
    expect(c.problems(`${words(20, 400_000)}!`)).toHaveLength(1);
  });
});
