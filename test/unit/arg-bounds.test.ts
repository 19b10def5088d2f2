import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../src/presenting/message-limit.js';
import {
  argumentsProblem,
  invalidShape,
  MAX_ARG_CHARS,
  MAX_ARG_DEPTH,
  MAX_ARG_VALUES,
  MAX_MESSAGE_DEPTH,
  nestsDeeperThan,
  tooDeepAnswer,
} from '../../src/tools/arg-bounds.js';
import { withoutLongEchoes } from '../../src/orchestrator/util/shorten.js';

/** An object whose innermost value is `depth` keys below the top: nest(2) is {a: {a: 1}}. */
function nest(depth: number, key = 'a', leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { [key]: v };
  return v;
}

describe('the shape of tool arguments', () => {
  it('has bounds far above any real call and tied to the transport limit', () => {
    expect(MAX_ARG_DEPTH).toBe(32);
    expect(MAX_ARG_VALUES).toBe(10_000);
    expect(MAX_ARG_CHARS).toBe(MAX_MESSAGE_BYTES);
  });

  it('lets ordinary arguments through', () => {
    expect(argumentsProblem({})).toBeUndefined();
    expect(
      argumentsProblem({
        prompt: 'hi',
        files: ['src/**/*.ts'],
        diff: { range: 'main...HEAD', paths: ['a'] },
        vars: { x: 'y' },
      }),
    ).toBeUndefined();
  });

  it('takes a value exactly 32 keys down and refuses one 33 down, naming where', () => {
    expect(argumentsProblem(nest(32))).toBeUndefined();
    expect(argumentsProblem(nest(32, 'a', {}))).toBeUndefined(); // an empty object there holds nothing deeper
    expect(argumentsProblem(nest(33))).toBe(
      '"a.a.a.a.a…" is nested deeper than 32 levels — no argument nests that deep: send plain values',
    );
    expect(argumentsProblem({ prompt: 'hi', extra: nest(31, 'b', [7]) })).toBe(
      '"extra.b.b.b.b…" is nested deeper than 32 levels — no argument nests that deep: send plain values',
    );
    expect(argumentsProblem({ l: [[[1]]] })).toBeUndefined();
    let list: unknown = 1;
    for (let i = 0; i < 33; i++) list = [list];
    expect(argumentsProblem({ l: list })).toBe(
      '"l[0][0][0][0]…" is nested deeper than 32 levels — no argument nests that deep: send plain values',
    );
  });

  it('stops at the bound: 100,000 levels are refused without walking them all', () => {
    // 100,000 levels whose 40th is reached through a getter that counts its reads: a walk that went
    // on past the bound (recursive or not) would read it
    let readBelow = 0;
    const below = nest(100_000 - 40);
    const gate = Object.defineProperty({}, 'a', { enumerable: true, get: () => (readBelow++, below) });
    const deep = nest(39, 'a', gate);
    expect(argumentsProblem({ extra: deep })).toMatch(/^"extra\.a\.a\.a\.a…" is nested deeper than 32 levels/);
    expect(readBelow).toBe(0);
    expect(argumentsProblem({ extra: nest(100_000) })).toMatch(/^"extra\.a\.a\.a\.a…" is nested deeper than 32 levels/);
  });

  it('takes exactly 10,000 values and refuses one more, counting objects, lists and plain values', () => {
    // the arguments, the list, 9,998 numbers
    expect(argumentsProblem({ list: Array.from({ length: MAX_ARG_VALUES - 2 }, () => 0) })).toBeUndefined();
    expect(argumentsProblem({ list: Array.from({ length: MAX_ARG_VALUES - 1 }, () => 0) })).toBe(
      'the arguments hold more than 10000 values (the count passed it at "list", which holds 9999) — send fewer',
    );
    const spread = Object.fromEntries(
      Array.from({ length: 99 }, (_, i) => [`k${i}`, Array.from({ length: 100 }, () => null)]),
    );
    expect(argumentsProblem(spread)).toBeUndefined(); // 1 + 99 lists + 9,900
    expect(argumentsProblem({ ...spread, one: 'more' })).toBe(
      'the arguments hold more than 10000 values (the count passed it at "k98", which holds 100) — send fewer',
    );
    // refused before the list is entered
    expect(argumentsProblem({ big: Array.from({ length: 50_000 }, () => 0) })).toMatch(/"big", which holds 50000/);
  });

  it('takes exactly 16 MiB of text, keys included, and refuses one character more', () => {
    const half = MAX_ARG_CHARS / 2;
    // keys "a" and "b" make up the rest
    expect(argumentsProblem({ [`a`]: 'x'.repeat(half - 1), b: 'y'.repeat(half - 1) })).toBeUndefined();
    expect(argumentsProblem({ a: 'x'.repeat(half - 1), b: 'y'.repeat(half) })).toBe(
      'the arguments hold more than 16 MiB of text (the count passed it at "b") — send less, or ' +
        'name files by path instead of pasting them',
    );
    expect(argumentsProblem({ [`k${'x'.repeat(MAX_ARG_CHARS)}`]: 1 })).toBe(
      'the arguments hold more than 16 MiB of text (the count passed it at "the top") — send ' +
        'less, or name files by path instead of pasting them',
    );
  });

  it('words the whole message as the other invalid-argument messages, with a long tool name shortened', () => {
    expect(invalidShape('recall', { key: 'k' })).toBeUndefined();
    expect(invalidShape('recall', { x: nest(40) })).toBe(
      'Invalid arguments for recall: "x.a.a.a.a…" is nested deeper than 32 levels — no argument ' +
        'nests that deep: send plain values.',
    );
    expect(invalidShape('t'.repeat(300), nest(40))).toMatch(/^Invalid arguments for t{50}…t{30} \(300 characters\): /);
    const longKey = 'k'.repeat(300);
    expect(argumentsProblem(nest(40, longKey))).toMatch(new RegExp(`^"k{50}…k{30} \\(300 characters\\)\\.k{50}…`));
  });
});

describe('a whole message nested too deep (the HTTP entry)', () => {
  const call = (args: unknown, id: unknown = 4) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'route_and_generate', arguments: args },
  });

  it('measures nesting with a stack and stops at the bound', () => {
    expect(nestsDeeperThan(nest(3), 3)).toBe(false); // three objects inside one another at most
    expect(nestsDeeperThan(nest(4), 3)).toBe(true);
    expect(nestsDeeperThan('x', 0)).toBe(false);
    expect(nestsDeeperThan(nest(100_000), MAX_MESSAGE_DEPTH)).toBe(true);
  });

  it('lets every message within the bound through, arguments at their own bound included', () => {
    expect(tooDeepAnswer(call({ prompt: 'hi', extra: nest(31) }))).toBeUndefined();
    expect(tooDeepAnswer({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBeUndefined();
  });

  it('answers a tools/call as the tool would, anything else with Invalid params, a notification with nothing', () => {
    expect(tooDeepAnswer(call({ prompt: 'hi', extra: nest(10_000) }))).toEqual({
      id: 4,
      answer: {
        result: {
          isError: true,
          content: [
            {
              type: 'text',
              text:
                'Invalid arguments for route_and_generate: "extra.a.a.a.a…" is nested deeper than 32 levels ' +
                '— no argument nests that deep: send plain values.',
            },
          ],
        },
      },
    });
    expect(
      tooDeepAnswer({
        jsonrpc: '2.0',
        id: 'r',
        method: 'resources/read',
        params: { uri: 'ollm://memory', _meta: nest(100) },
      }),
    ).toEqual({
      id: 'r',
      answer: {
        error: {
          code: -32602,
          message:
            `Invalid params: the message nests deeper than ${MAX_MESSAGE_DEPTH} levels, which no MCP ` +
            `request does.`,
        },
      },
    });
    expect(tooDeepAnswer({ jsonrpc: '2.0', method: 'notifications/progress', params: nest(100) })).toBe('notification');
    expect(tooDeepAnswer(call({ prompt: 'hi', extra: nest(100) }, null))).toBe('notification');
  });
});

describe('error texts over what a client sent', () => {
  it('find long echoes a few levels down without walking deeper', () => {
    const long = 'q'.repeat(300);
    expect(withoutLongEchoes(`bad ${long}`, { a: { b: { c: long } } })).toBe(
      `bad ${'q'.repeat(50)}…${'q'.repeat(30)} (300 characters)`,
    );
    // five levels down: past where it looks
    expect(withoutLongEchoes(`bad ${long}`, nest(5, 'a', long))).toBe(`bad ${long}`);
    expect(withoutLongEchoes(`bad ${long}`, nest(100_000, 'a', long))).toBe(`bad ${long}`);
  });
});

describe('the edges of the bounds', () => {
  const invalidParams = {
    error: {
      code: -32602,
      message: `Invalid params: the message nests deeper than ${MAX_MESSAGE_DEPTH} levels, which no MCP request does.`,
    },
  };

  it('a plain value nests no levels, and a list holding only plain values one', () => {
    for (const v of ['x', 5, null, undefined, true]) expect(nestsDeeperThan(v, 0), String(v)).toBe(false);
    expect(nestsDeeperThan([1, 'a', null], 0)).toBe(true);
    expect(nestsDeeperThan([1, 'a', null], 1)).toBe(false);
    expect(nestsDeeperThan([[1]], 1)).toBe(true);
  });

  it(
    'only a tools/call naming its tool is answered as that tool; any other deep request, or one ' +
      'without a name, gets Invalid params',
    () => {
      expect(
        tooDeepAnswer({
          jsonrpc: '2.0',
          id: 1,
          method: 'prompts/get',
          params: { name: 'review', arguments: nest(100) },
        }),
      ).toEqual({ id: 1, answer: invalidParams });
      expect(
        tooDeepAnswer({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 42, arguments: nest(100) } }),
      ).toEqual({ id: 2, answer: invalidParams });
      expect(tooDeepAnswer({ jsonrpc: '2.0', id: 3, method: 'tools/call', deep: nest(100) })).toEqual({
        id: 3,
        answer: invalidParams,
      });
      expect(
        tooDeepAnswer({
          jsonrpc: '2.0',
          id: 4,
          method: 'tools/call',
          params: { name: 'list_models', _meta: nest(100) },
        }),
      ).toEqual({ id: 4, answer: invalidParams });
    },
  );

  it('a path of exactly five keys is named whole; a longer one is cut with …', () => {
    const big = 'x'.repeat(MAX_ARG_CHARS + 1);
    expect(argumentsProblem(nest(5, 'k', big))).toMatch(/passed it at "k\.k\.k\.k\.k"\)/);
    expect(argumentsProblem(nest(6, 'k', big))).toMatch(/passed it at "k\.k\.k\.k\.k…"\)/);
    expect(argumentsProblem(big)).toMatch(/passed it at "the top"\)/);
  });

  it('too deep a list is named by its indexes', () => {
    let v: unknown = 1;
    for (let i = 0; i < MAX_ARG_DEPTH + 1; i++) v = [v];
    expect(argumentsProblem(v)).toBe(
      `"[0][0][0][0][0]…" is nested deeper than ${MAX_ARG_DEPTH} levels — no argument nests that ` +
        `deep: send plain values`,
    );
  });

  it('the indexes of a list are not counted as text, and text after a list still is', () => {
    expect(argumentsProblem({ list: [1, 2], text: 'x'.repeat(MAX_ARG_CHARS) })).toMatch(/more than 16 MiB of text/);
  });

  it('keys of exactly 16 MiB pass, one character more does not', () => {
    const key = 'k'.repeat(MAX_ARG_CHARS);
    expect(argumentsProblem({ [key]: '' })).toBeUndefined();
    expect(argumentsProblem({ [key]: '', b: '' })).toMatch(/more than 16 MiB of text/);
  });
});
