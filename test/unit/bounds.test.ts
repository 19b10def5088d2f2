import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { quoted, shortened, withoutLongEchoes } from '../../src/orchestrator/util/shorten.js';
import { hostName, isLoopback, tokenProblem } from '../../src/server/http-guard.js';
import { LineLimit, TopLevel, type Oversized } from '../../src/server/stdio-limit.js';
import { explainInvalidArguments } from '../../src/tools/invalid-args.js';

describe('shortening user-supplied names in messages', () => {
  it('keeps names up to 100 characters whole; longer ones show their first 50 and last 30 and the length', () => {
    expect(shortened('llama3.2:latest')).toBe('llama3.2:latest');
    expect(shortened('x'.repeat(100))).toBe('x'.repeat(100));
    expect(shortened('x'.repeat(5000))).toBe(`${'x'.repeat(50)}…${'x'.repeat(30)} (5000 characters)`);
    // a long path keeps its file's name
    expect(shortened(`/${'d/'.repeat(60)}secret.txt`)).toMatch(
      /…d\/d\/d\/d\/d\/d\/d\/d\/d\/d\/secret\.txt \(131 characters\)$/,
    );
    expect(quoted('a"b')).toBe('"a\\"b"');
    expect(quoted('y'.repeat(101))).toBe(`"${'y'.repeat(50)}…${'y'.repeat(30)}" (101 characters)`);
    // no half emoji
    expect(shortened(`${'a'.repeat(49)}😀${'b'.repeat(80)}`)).toBe(
      `${'a'.repeat(49)}…${'b'.repeat(30)} (131 characters)`,
    );
    expect(shortened(`${'a'.repeat(80)}😀${'b'.repeat(29)}`)).toBe(
      `${'a'.repeat(50)}…${'b'.repeat(29)} (111 characters)`,
    );
  });

  it('shortens every echo of a long input in a message, raw or JSON-escaped', () => {
    const name = `m${'e'.repeat(300)}`;
    const quotedName = `q"${'z'.repeat(200)}`;
    const message =
      `Model "${name}" is not installed — pull it with \`ollama pull ${name}\`; also ` +
      `${JSON.stringify(quotedName)}.`;
    const out = withoutLongEchoes(message, { model: name, other: [quotedName], prompt: 'short' });
    expect(out).not.toContain('e'.repeat(81));
    expect(out).not.toContain('z'.repeat(81));
    expect(out).toContain(`${shortened(name)}" is not installed`);
    expect(out).toContain(`${'z'.repeat(30)} (202 characters)`);
    expect(withoutLongEchoes('nothing to shorten', { model: name })).toBe('nothing to shorten');
  });
});

describe('invalid tool arguments, explained', () => {
  const schema = z.object({
    model: z.string().min(1),
    keepAlive: z.union([z.number(), z.string()], { error: 'a number of seconds or a duration like "10m"' }).optional(),
    task: z.enum(['code', 'fast']).optional(),
    images: z.array(z.string()).max(2).optional(),
    maxTokens: z.number().int().min(1).optional(),
    variables: z.record(z.string(), z.string()).optional(),
  });
  const explain = (input: unknown) => {
    const parsed = schema.safeParse(input);
    if (parsed.success) throw new Error('expected invalid');
    return explainInvalidArguments('smart_load', parsed.error, input);
  };

  it('names each field, what it must be and what was sent — no zod JSON', () => {
    expect(explain({ keepAlive: true })).toBe(
      'Invalid arguments for smart_load: "model" is required; "keepAlive" must be a number of ' +
        'seconds or a duration like "10m" (got true).',
    );
    const many = explain({ model: '', task: 'slow', images: ['a', 'b', 'c'], maxTokens: 1.5, variables: { who: 3 } });
    expect(many).toBe(
      'Invalid arguments for smart_load: "model" must not be empty (got ""); "task" must be one ' +
        'of "code", "fast" (got "slow"); "images" must have at most 2 items (got a list of 3); ' +
        '"maxTokens" must be a whole number (got 1.5); "variables.who" must be a string (got 3).',
    );
    for (const text of [many, explain(null), explain({ model: 7 })]) {
      expect(text).not.toMatch(/\[\{|"code":|Invalid input|expected string, received/);
    }
    expect(explain(null)).toBe('Invalid arguments for smart_load: the arguments must be an object (got null).');
  });

  it('shortens a long value it quotes', () => {
    expect(explain({ model: 'm', task: 't'.repeat(1000) })).toContain(
      `(got "${'t'.repeat(50)}…${'t'.repeat(30)}" (1000 characters))`,
    );
  });
});

describe('HTTP guard pieces', () => {
  it('reads Host values strictly: no userinfo, no junk, ports in range', () => {
    expect(hostName('localhost:3333')).toBe('localhost');
    expect(hostName('[::1]:80')).toBe('[::1]');
    expect(hostName('Example.COM')).toBe('example.com');
    for (const bad of ['evil.com@localhost', 'localhost:abc', 'localhost:99999', '[::1', 'local host', '', 'a/b'])
      expect(hostName(bad), bad).toBeUndefined();
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(isLoopback('127.999.0.1')).toBe(false);
    expect(isLoopback('0x7f.1')).toBe(false);
  });

  it('refuses a bearer token shorter than 16 characters, naming where it came from', () => {
    expect(tokenProblem('0123456789abcdef', '--token')).toBeUndefined();
    expect(tokenProblem('short', '--token')).toBe(
      '--token is 5 characters long; a bearer token needs at least 16 characters so it cannot be ' +
        'guessed — make one with `openssl rand -hex 16`.',
    );
    expect(tokenProblem('', 'OLLM_HTTP_TOKEN')).toMatch(
      /^OLLM_HTTP_TOKEN is empty; a bearer token needs at least 16 characters/,
    );
  });
});

describe('the stdio line limit', () => {
  function skeleton(text: string, pieces = 1): Record<string, unknown> | undefined {
    const t = new TopLevel();
    const buf = Buffer.from(text);
    const step = Math.ceil(buf.length / pieces);
    for (let i = 0; i < buf.length; i += step) t.feed(buf.subarray(i, i + step));
    return t.members();
  }

  it('keeps only the top level of a message, wherever the id is and however it is split', () => {
    const big = JSON.stringify({
      method: 'tools/call',
      params: { arguments: { text: 'a "quoted" }{ ] \\ text', id: 99, list: [[1], { id: 5 }] } },
      jsonrpc: '2.0',
      id: 'req-7',
    });
    for (const pieces of [1, 3, 17, big.length])
      expect(skeleton(big, pieces)).toEqual({ method: 'tools/call', params: 0, jsonrpc: '2.0', id: 'req-7' });
    expect(skeleton('{"id":12,"method":"x"')).toBeUndefined(); // cut short: not an object
    expect(skeleton(`{"id":"${'i'.repeat(5000)}","method":"x"}`)).toEqual({ id: '\u0000', method: 'x' });
  });

  it(
    'reads past nested strings of escapes and backslash runs, wherever a chunk ends (inside a ' +
      'run, between a backslash and its quote)',
    () => {
      const texts = ['\\', '\\\\', '"', '\\"', 'a\\\\"b\\\\\\"c\\', '}{][', '"id":6,"method":"no"'];
      const big = JSON.stringify({
        params: { text: texts.join(''), more: texts, id: 8 },
        id: 'r-2',
        method: 'tools/call',
        jsonrpc: '2.0',
      });
      expect(JSON.parse(big).params.more).toEqual(texts);
      const buf = Buffer.from(big);
      for (let cut = 1; cut < buf.length; cut++) {
        const t = new TopLevel();
        t.feed(buf.subarray(0, cut));
        t.feed(buf.subarray(cut));
        expect(t.members(), `cut at ${cut}`).toEqual({ params: 0, id: 'r-2', method: 'tools/call', jsonrpc: '2.0' });
      }
      expect(
        skeleton(JSON.stringify({ params: { s: `${'\\'.repeat(3)}"` }, id: 1 }).replace('"}', '\\"}')),
      ).toBeUndefined(); // an escaped closing quote leaves the string open: not an object
    },
  );

  async function through(input: string[], limit: number): Promise<{ lines: string[]; dropped: Oversized[] }> {
    const dropped: Oversized[] = [];
    const limiter = new LineLimit(limit, (o) => dropped.push(o));
    const lines: string[] = [];
    limiter.on('data', (d: Buffer) => lines.push(d.toString()));
    for (const chunk of input) limiter.write(Buffer.from(chunk));
    limiter.end();
    await new Promise((r) => limiter.on('end', r));
    return { lines, dropped };
  }

  it('passes lines up to the limit whole and reports longer ones with the id it could read', async () => {
    const long = JSON.stringify({ method: 'tools/call', params: { x: 'y'.repeat(200) }, jsonrpc: '2.0', id: 3 });
    const note = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/x', params: { x: 'y'.repeat(200) } });
    const { lines, dropped } = await through(
      [
        '{"id":1}\n{"id"',
        ':2}\n',
        long.slice(0, 50),
        long.slice(50),
        '\n',
        `${note}\nnot json ${'z'.repeat(300)}\n{"id":4}\n`,
      ],
      100,
    );
    expect(lines).toEqual(['{"id":1}\n', '{"id":2}\n', '{"id":4}\n']);
    expect(dropped).toEqual([
      // runs of one letter, no spaces: what base64 looks like (what fills them: limits.ts fillingOf)
      { bytes: long.length, id: 3, unanswerable: false, filling: 'images' },
      { bytes: note.length, id: null, unanswerable: true, filling: 'images' },
      { bytes: 309, id: null, unanswerable: false, filling: 'images' },
    ]);
  });

  it('says a line of prose is text (issue 75, finding 7: the answer then says to pass it by path)', async () => {
    const prose = JSON.stringify({
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: { prompt: 'a long memo to read. '.repeat(20) },
    });
    const { dropped } = await through([`${prose}\n`], 100);
    expect(dropped).toEqual([{ bytes: prose.length, id: 5, unanswerable: false, filling: 'text' }]);
  });
});
