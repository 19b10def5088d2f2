/**
 * The shared server's first lines, checked where they enter (server/shared/hello.ts): both answers
 * a launch can get, the doctor's list of clients with each bound, the words a refusal gives, and
 * the first line read to its end — an empty one, one of exactly the limit, a stream that fails —
 * with nothing left listening after it.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_HELLO_BYTES, answerSchema, firstLine, helloSchema, parseLine, whoAnswerSchema, whoSchema } from '../../src/server/shared/hello.js';

const client = { name: 'claude-code', version: '2.1.0', pid: 7, cwd: '/work/x', project: 'x', since: '2026-11-24T10:00:00.000Z' };
const who = { ollm: 'clients', pid: 1, version: '1.0.0', clients: [client] };
const whoWith = (patch: Record<string, unknown>) => JSON.stringify({ ...who, clients: [{ ...client, ...patch }] });

const hello = { ollm: 'hello', version: '1.0.0', key: '0123456789abcdef', pid: 42, cwd: '/work/x', toolsets: ['all'], defaultProfile: 'general' };

describe('a hello', () => {
  it('has a key of exactly sixteen hex digits, nothing before or after them', () => {
    expect(parseLine(JSON.stringify(hello), helloSchema)).toHaveProperty('value.key', '0123456789abcdef');
    expect(parseLine(JSON.stringify({ ...hello, key: 'x0123456789abcdef' }), helloSchema)).toHaveProperty('why', expect.stringMatching(/^key: /));
    expect(parseLine(JSON.stringify({ ...hello, key: '0123456789abcdefx' }), helloSchema)).toHaveProperty('why', expect.stringMatching(/^key: /));
  });

  it('may name several toolsets, never none', () => {
    expect(parseLine(JSON.stringify({ ...hello, toolsets: ['memory', 'models'] }), helloSchema)).toHaveProperty('value.toolsets', ['memory', 'models']);
    expect(parseLine(JSON.stringify({ ...hello, toolsets: [] }), helloSchema)).toHaveProperty('why', expect.stringMatching(/^toolsets: /));
  });
});

describe("the doctor's question", () => {
  it('is {"ollm":"who"} and nothing else', () => {
    expect(parseLine('{"ollm":"who"}', whoSchema)).toEqual({ value: { ollm: 'who' } });
    expect(parseLine('{"ollm":"hello"}', whoSchema)).toHaveProperty('why', expect.stringMatching(/^ollm: /));
    expect(parseLine('{"ollm":"who","pid":1}', whoSchema)).toHaveProperty('why');
  });
});

describe('the answers to a hello', () => {
  it('are "ok" with the server pid, or "refused" with why', () => {
    expect(parseLine('{"ollm":"ok","pid":5}', answerSchema)).toEqual({ value: { ollm: 'ok', pid: 5 } });
    expect(parseLine('{"ollm":"refused","why":"another version"}', answerSchema)).toEqual({ value: { ollm: 'refused', why: 'another version' } });
  });
});

describe("the doctor's list of who is connected", () => {
  it('is taken with every member at a usual length', () => {
    expect(parseLine(JSON.stringify(who), whoAnswerSchema)).toEqual({ value: who });
    expect(parseLine(JSON.stringify({ ...who, clients: [] }), whoAnswerSchema)).toEqual({ value: { ...who, clients: [] } });
  });

  it('is refused past each bound, naming the member', () => {
    expect(parseLine(whoWith({ name: 'n'.repeat(201) }), whoAnswerSchema)).toHaveProperty('why', expect.stringMatching(/^clients\.0\.name: /));
    expect(parseLine(whoWith({ version: 'v'.repeat(201) }), whoAnswerSchema)).toHaveProperty('why', expect.stringMatching(/^clients\.0\.version: /));
    expect(parseLine(whoWith({ cwd: '/'.repeat(4097) }), whoAnswerSchema)).toHaveProperty('why', expect.stringMatching(/^clients\.0\.cwd: /));
    expect(parseLine(whoWith({ project: 'p'.repeat(201) }), whoAnswerSchema)).toHaveProperty('why', expect.stringMatching(/^clients\.0\.project: /));
    expect(parseLine(whoWith({ since: 's'.repeat(41) }), whoAnswerSchema)).toHaveProperty('why', expect.stringMatching(/^clients\.0\.since: /));
    expect(parseLine(JSON.stringify({ ...who, version: 'v'.repeat(65) }), whoAnswerSchema)).toHaveProperty('why', expect.stringMatching(/^version: /));
    expect(parseLine(JSON.stringify({ ...who, clients: Array.from({ length: 10_001 }, () => client) }), whoAnswerSchema)).toHaveProperty('why', expect.stringMatching(/^clients: /));
    expect(parseLine(JSON.stringify({ ...who, ollm: 'hello' }), whoAnswerSchema)).toHaveProperty('why', expect.stringMatching(/^ollm: /));
  });
});

describe('why a first line is refused', () => {
  it('names each member that is wrong, and the message as a whole when it is not an object', () => {
    expect(parseLine('{"ollm":"ok","pid":0}', answerSchema)).toEqual({ why: expect.stringMatching(/^pid: .+/) });
    const two = parseLine(JSON.stringify({ ollm: 'hello', version: '', key: 'x', pid: 1, cwd: '/w', toolsets: ['all'], defaultProfile: 'general' }), helloSchema);
    expect(two).toEqual({ why: expect.stringMatching(/^version: .+; key: .+$/) });
    expect(parseLine('[1]', helloSchema)).toEqual({ why: expect.stringMatching(/^message: .+/) });
  });
});

describe('the first line of a connection, read', () => {
  it('may be empty: the newline is the first byte', async () => {
    const s = new PassThrough();
    const got = firstLine(s, 1000);
    s.write('\n{"jsonrpc"');
    expect(await got).toEqual({ line: '', rest: Buffer.from('{"jsonrpc"') });
  });

  it('may be exactly the limit long, its newline in the next chunk', async () => {
    const s = new PassThrough();
    const got = firstLine(s, 1000);
    s.write('x'.repeat(MAX_HELLO_BYTES));
    s.write('\n');
    expect((await got).line).toHaveLength(MAX_HELLO_BYTES);
  });

  it('fails with the stream’s own error', async () => {
    const s = new PassThrough();
    const got = firstLine(s, 1000);
    s.destroy(new Error('connection reset'));
    await expect(got).rejects.toThrow('connection reset');
  });

  it('leaves nothing listening on the stream once read', async () => {
    const s = new PassThrough();
    const before = { data: s.listenerCount('data'), end: s.listenerCount('end'), error: s.listenerCount('error') };
    const got = firstLine(s, 1000);
    s.write('{"ollm":"ok","pid":1}\n');
    await got;
    expect({ data: s.listenerCount('data'), end: s.listenerCount('end'), error: s.listenerCount('error') }).toEqual(before);
  });
});
