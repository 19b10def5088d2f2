/**
 * The forwarder's reading of a JSON-RPC stream (server/shared/lines.ts): whole lines handed on with
 * their top level, however the bytes are cut into chunks; a line past the limit passed on raw and
 * whole, the stream read as lines again after it; and which lines are requests and which answers.
 */
import { describe, expect, it } from 'vitest';
import { Lines, MOVING_METHOD, requestId, responseId, type Line } from '../../src/server/shared/lines.js';

/** A Lines of limit `max` and what it handed on, in order: a line's text, or raw bytes as `raw:…`. */
function reader(max: number) {
  const out: string[] = [];
  const heads: Array<Line['head']> = [];
  const lines = new Lines(
    max,
    (line) => {
      out.push(line.bytes.toString());
      heads.push(line.head);
    },
    (bytes) => out.push(`raw:${bytes.toString()}`),
  );
  const push = (...chunks: string[]) => {
    for (const c of chunks) lines.push(Buffer.from(c));
  };
  return { out, heads, push, take: () => lines.take().toString() };
}

describe('Lines', () => {
  it(
    'hands over the start of a line not yet whole, and reads on from nothing (a launch handing ' +
      'its client to its own server)',
    () => {
      const r = reader(1000);
      r.push('{"id":1,"method":"ping"}\n{"id":2,"me');
      expect(r.take()).toBe('{"id":2,"me');
      expect(r.take()).toBe('');
      r.push('{"id":3}\n');
      expect(r.out).toEqual(['{"id":1,"method":"ping"}\n', '{"id":3}\n']);
    },
  );

  it("names the line a leaving server sends its forwarders in ollm's own notification namespace, no MCP method", () => {
    expect(MOVING_METHOD).toMatch(/^notifications\/ollm\/[a-z]+$/);
  });

  it('hands on each whole line with its top level, however the chunks cut it', () => {
    const r = reader(1000);
    r.push('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"a":[1,2]}}\n{"id"', ':2,"result":{"x":1}}\n');
    expect(r.out).toEqual([
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"a":[1,2]}}\n',
      '{"id":2,"result":{"x":1}}\n',
    ]);
    expect(r.heads).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: 0 },
      { id: 2, result: 0 },
    ]);
  });

  it('ends a line whose newline is the first byte of the next chunk', () => {
    const r = reader(1000);
    r.push('{"id":1,"result":0}', '\n{"id":2,"result":0}', '\n');
    expect(r.out).toEqual(['{"id":1,"result":0}\n', '{"id":2,"result":0}\n']);
  });

  it(
    'passes a line past the limit on raw and whole — what came before in other chunks too — and ' +
      'reads the next line again',
    () => {
      const r = reader(10);
      r.push('{"id":1,', '"method":"x"}\n{"id":2}\n');
      expect(r.out).toEqual(['raw:{"id":1,"method":"x"}\n', '{"id":2}\n']);
    },
  );

  it('counts every chunk of a line toward the limit', () => {
    const r = reader(10);
    r.push('{"a":', '"1234"', '}\n');
    expect(r.out).toEqual(['raw:{"a":"1234"', 'raw:}\n']);
    r.push('{"id":3}\n');
    expect(r.out.at(-1)).toBe('{"id":3}\n');
  });

  it('a line that reaches the limit only with its newline is passed raw, and the next one read', () => {
    const r = reader(10);
    r.push('{"a":"123"', '\n{"id":2}\n'); // ten bytes held, the newline makes eleven
    expect(r.out).toEqual(['raw:{"a":"123"\n', '{"id":2}\n']);
  });

  it('keeps passing a long line through chunks without a newline, and stops at its end', () => {
    const r = reader(10);
    r.push('{"id":1,"params":"', 'xxxxxxxxxxxx', 'yy');
    r.push('\n{"id":4}\n');
    expect(r.out).toEqual(['raw:{"id":1,"params":"', 'raw:xxxxxxxxxxxx', 'raw:yy', 'raw:\n', '{"id":4}\n']);
    r.push('{"id":1,"params":"', 'zz"}\n{"id":5}\n');
    expect(r.out.slice(-3)).toEqual(['raw:{"id":1,"params":"', 'raw:zz"}\n', '{"id":5}\n']);
  });

  it('a line that is not a JSON object is handed on with no top level', () => {
    const r = reader(100);
    r.push('[1,2]\nnot json\n');
    expect(r.out).toEqual(['[1,2]\n', 'not json\n']);
    expect(r.heads).toEqual([undefined, undefined]);
  });
});

describe('requestId and responseId', () => {
  it('a request: a method and an id that is a string or a number', () => {
    expect(requestId({ method: 'tools/call', id: 7 })).toBe(7);
    expect(requestId({ method: 'tools/call', id: 'a' })).toBe('a');
    expect(requestId({ method: 'notifications/initialized' })).toBeUndefined();
    expect(requestId({ method: 'x', id: null })).toBeUndefined();
    expect(requestId({ method: 'x', id: true })).toBeUndefined();
    expect(requestId({ method: 5, id: 1 })).toBeUndefined();
    expect(requestId({ id: 1, result: 0 })).toBeUndefined();
    expect(requestId(undefined)).toBeUndefined();
  });

  it('an answer: an id with a result or an error, and no method', () => {
    expect(responseId({ id: 1, result: 0 })).toBe(1);
    expect(responseId({ id: 'b', error: 0 })).toBe('b');
    expect(responseId({ id: 1, method: 'x', result: 0 })).toBeUndefined();
    expect(responseId({ id: 1, method: 'x' })).toBeUndefined();
    expect(responseId({ id: 1 })).toBeUndefined();
    expect(responseId({ result: 0 })).toBeUndefined();
    expect(responseId({ id: null, error: 0 })).toBeUndefined();
    expect(responseId({ id: false, result: 0 })).toBeUndefined();
    expect(responseId(undefined)).toBeUndefined();
  });
});
