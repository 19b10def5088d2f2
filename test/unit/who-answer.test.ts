// A shared server's answer to `who` as the asker reads it (issue 55, finding 7): its clients'
// names, versions, folders and projects cleaned and capped before the answer is checked, so a
// client's hostile name neither hides its server nor reaches doctor raw; anything else refused.
import { PassThrough } from 'node:stream';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { answerLine, readWhoAnswer } from '../../src/server/shared/who-answer.js';

const who = (clients: unknown[]) => JSON.stringify({ ollm: 'clients', pid: 42, version: '1.0.0', clients });
const client = (name: unknown) => ({
  name,
  version: '1.0.0',
  pid: 7,
  cwd: '/home/me/x',
  since: '2026-11-25T00:00:00.000Z',
});

describe('readWhoAnswer', () => {
  it('keeps plain clients as they are', () => {
    expect(readWhoAnswer(who([client('claude-code'), client('Cursor 1.2')]))).toEqual({
      value: { ollm: 'clients', pid: 42, version: '1.0.0', clients: [client('claude-code'), client('Cursor 1.2')] },
    });
  });

  it("cleans and caps what a client said of itself, so the answer is still a server's", () => {
    const read = readWhoAnswer(
      who([{ ...client(`\x1b[2Jevil\n${'x'.repeat(1024 * 1024)}`), cwd: '/w/a\nb', project: 'p\x07' }]),
    );
    expect('value' in read && read.value.clients[0]).toEqual({
      ...client(`evil ${'x'.repeat(94)}…`),
      cwd: '/w/a b',
      project: 'p',
    });
    const noName = readWhoAnswer(who([client(12)]));
    expect('value' in noName && noName.value.clients[0]).toEqual({
      version: '1.0.0',
      pid: 7,
      cwd: '/home/me/x',
      since: '2026-11-25T00:00:00.000Z',
    });
  });

  it('refuses what is not a who answer', () => {
    expect(readWhoAnswer('not json')).toEqual({ why: 'not JSON' });
    expect(readWhoAnswer(JSON.stringify({ ollm: 'ok', pid: 1 }))).toHaveProperty('why');
    expect(readWhoAnswer(who([{ pid: 'x', cwd: '/' }]))).toHaveProperty('why');
  });
});

describe('answerLine', () => {
  const sock = () => new PassThrough() as unknown as Socket & PassThrough;

  it('reads the first line, over several chunks and longer than a hello', async () => {
    const s = sock();
    const line = answerLine(s, 5000);
    s.write('a'.repeat(100_000));
    s.write('b\nrest');
    expect(await line).toBe(`${'a'.repeat(100_000)}b`);
  });

  it('refuses an answer over its bound, and a connection closed first', async () => {
    const s = sock();
    const line = answerLine(s, 5000, 10);
    s.write('0123456789x');
    await expect(line).rejects.toThrow('the answer is over 10 bytes');
    const closed = sock();
    const none = answerLine(closed, 5000);
    closed.end();
    closed.resume();
    await expect(none).rejects.toThrow('closed before answering');
  });
});
