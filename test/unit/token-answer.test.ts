/**
 * Counting a /tokenize answer as it streams (engines/llamacpp/token-answer.ts): what is a count, what is not,
 * and its bounds.
 */
import { describe, expect, it } from 'vitest';
import {
  BODY_SLACK,
  BYTES_PER_ID,
  MAX_ID_DIGITS,
  SPECIAL_TOKENS,
  TokenAnswerCounter,
  TokenAnswerError,
  tokenBounds,
} from '../../src/orchestrator/engines/llamacpp/token-answer.js';

const WIDE = { maxTokens: 1000, maxBytes: 100_000 };

/** The count of `body` fed in `pieces` chunks of about equal size (1: whole; many: a byte at a time). */
function count(body: string, bounds = WIDE, pieces = 1): number {
  const c = new TokenAnswerCounter(bounds);
  const bytes = Buffer.from(body);
  const size = Math.max(1, Math.ceil(bytes.length / pieces));
  for (let at = 0; at < bytes.length; at += size) c.push(bytes.subarray(at, at + size));
  return c.end();
}
const why = (body: string, bounds = WIDE) => {
  try {
    count(body, bounds);
  } catch (err) {
    expect(err).toBeInstanceOf(TokenAnswerError);
    return (err as Error).message;
  }
  return 'counted';
};

describe('tokenBounds', () => {
  it('allows a token per byte of text and the special ones, and the bytes their ids take', () => {
    expect(tokenBounds(0)).toEqual({ maxTokens: SPECIAL_TOKENS, maxBytes: SPECIAL_TOKENS * BYTES_PER_ID + BODY_SLACK });
    expect(tokenBounds(1000)).toEqual({
      maxTokens: 1000 + SPECIAL_TOKENS,
      maxBytes: (1000 + SPECIAL_TOKENS) * BYTES_PER_ID + BODY_SLACK,
    });
    // the longest ids a vocabulary has, with a comma and a space each, fit the byte bound
    const n = 1000 + SPECIAL_TOKENS;
    const widest = `{"tokens": [${Array.from({ length: n }, () => '9'.repeat(MAX_ID_DIGITS)).join(', ')}]}`;
    expect(count(widest, tokenBounds(1000))).toBe(n);
  });
});

describe('TokenAnswerCounter', () => {
  it("counts llama-server's answer, however it is cut into chunks", () => {
    const body = JSON.stringify({ tokens: [128000, 15339, 1917, 0, 7] });
    for (const pieces of [1, 2, 3, 7, body.length]) expect(count(body, WIDE, pieces)).toBe(5);
    expect(count('{"tokens":[]}')).toBe(0);
    expect(count(' \n{ "tokens" :\t[ 1 , 2 ,3 ] }\r\n ')).toBe(3);
    expect(count('{"tokens":[1]}', WIDE, 14)).toBe(1);
  });

  it('passes over other members, before and after, whatever their values hold', () => {
    expect(count('{"model":"x","tokens":[1,2],"n":3}')).toBe(2);
    expect(count('{"a":{"b":[1,{"c":"]}\\"\\\\"}],"d":null},"tokens":[5],"e":[[],{}],"f":true}')).toBe(1);
    expect(count('{"tok\\"ens":[1,2,3,4],"tokens":[9]}')).toBe(1); // an escaped key is another member
    expect(count('{"tokensX":"x","tokens":[9,9]}')).toBe(2);
    expect(count('{"":1,"tokens":[9]}')).toBe(1);
    // a string that starts with a backslash: the quote after the escaped one ends it
    expect(count(JSON.stringify({ a: '\\', tokens: [9] }))).toBe(1);
    expect(count(JSON.stringify({ a: '\\"x', tokens: [9, 9] }))).toBe(2);
  });

  it('refuses what is not {"tokens": [ids]}', () => {
    for (const body of [
      '[1,2,3]',
      '"tokens"',
      '{"tokens":"lots"}',
      '{"tokens":{"0":1}}',
      '{"tokens":[1,,2]}',
      '{"tokens":[,1]}',
      '{"tokens":[1,]}',
      '{"tokens":[-1]}',
      '{"tokens":[1.5]}',
      '{"tokens":[1e3]}',
      '{"tokens":["a"]}',
      '{"tokens":[{"id":1,"piece":"a"}]}',
      '{"tokens":[1 2]}',
      '{"tokens":[1]',
      '{"tokens":[1]}}',
      '{"tokens":[1]} x',
      '{"tokens":[1]}{}',
      '{"tokens":[1],"tokens":[2]}',
      '{"tokens" [1]}',
      '{tokens:[1]}',
      '{"tokens":[1] "a":1}',
      '{"a":1]',
      '{,"tokens":[1]}',
      '{"tokens":[1],}',
    ]) {
      expect(why(body), body).toMatch(/not \{"tokens": \[ids\]\}|cut off/);
    }
  });

  it('refuses a wrong byte where a brace, a bracket or the colon belongs, rather than reading it as one', () => {
    for (const body of [
      '["tokens":[1]}',
      '{x',
      '{"tokens":[1],x',
      '{"tokens";[1]}',
      '{"tokens":{1]}',
      '{"tokens":[1}}',
      '{"tokens":[1]]',
      '{"a":1],"tokens":[1]}',
      '{"a":[1]],"tokens":[1]}',
    ]) {
      expect(why(body), body).toBe('something that is not {"tokens": [ids]}');
    }
    // the same bodies with the right byte in its place
    expect(why('{}')).toBe('an object without "tokens"');
    for (const body of ['{"tokens":[1]}', '{"a":1,"tokens":[1]}', '{"a":[1],"tokens":[1]}'])
      expect(count(body), body).toBe(1);
  });

  it('refuses a body that ends before its answer does, an empty one, and an object without tokens', () => {
    expect(why('')).toBe('an empty body');
    expect(why('{"tokens":[1,2')).toBe('a body cut off before its end');
    expect(why('{"tokens":[1,2]')).toBe('a body cut off before its end');
    expect(why('{"tokens":[1,2]}')).toBe('counted');
    expect(why('{}')).toBe('an object without "tokens"');
    expect(why('{"n":1}')).toBe('an object without "tokens"');
  });

  it('refuses an id longer than any vocabulary has, and takes the longest one there is', () => {
    expect(count(`{"tokens":[${'9'.repeat(MAX_ID_DIGITS)}]}`)).toBe(1);
    expect(why(`{"tokens":[${'9'.repeat(MAX_ID_DIGITS + 1)}]}`)).toMatch(/not \{"tokens"/);
    expect(why(`{"tokens":[1,${'9'.repeat(MAX_ID_DIGITS + 1)}]}`)).toMatch(/not \{"tokens"/);
  });

  it('stops at the token past the bound, and not before', () => {
    const ids = (n: number) => `{"tokens":[${Array.from({ length: n }, () => 1).join(',')}]}`;
    const bounds = { maxTokens: 10, maxBytes: 100_000 };
    expect(count(ids(10), bounds)).toBe(10);
    expect(why(ids(11), bounds)).toBe(`more tokens than the ${10 - SPECIAL_TOKENS} bytes of text sent can hold`);
    // the very token past the bound throws, before the rest is read
    const c = new TokenAnswerCounter(bounds);
    c.push(Buffer.from(`{"tokens":[${Array.from({ length: 10 }, () => 1).join(',')},`));
    expect(() => c.push(Buffer.from('2'))).toThrow(TokenAnswerError);
  });

  it('stops at the byte past the bound, and not before, before looking at it', () => {
    const body = '{"tokens":[1,2,3]}';
    expect(count(body, { maxTokens: 10, maxBytes: body.length })).toBe(3);
    expect(why(body, { maxTokens: 10, maxBytes: body.length - 1 })).toBe(
      `a body of more than ${body.length - 1} bytes, more than the ids of the ` +
        `${10 - SPECIAL_TOKENS} bytes of text sent take`,
    );
    // a chunk past the bound is refused whole, even one that would not parse
    const c = new TokenAnswerCounter({ maxTokens: 10, maxBytes: 4 });
    c.push(Buffer.from('{"to'));
    expect(() => c.push(Buffer.from('x'))).toThrow(/more than 4 bytes/);
  });
});
