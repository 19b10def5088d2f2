/**
 * A shared server's answer to `who`, read by whoever asks (who.ts: doctor, `ollm-mcp shared`, a
 * launch proving a lock's server, a server finding others to retire). Its clients' names, versions,
 * folders and projects are what those clients said of themselves — any length, any characters — so
 * the answer may be far longer than a hello and is cleaned (orchestrator/util/client-name.ts) before
 * it is checked: a client with a hostile name neither hides its server nor reaches the asker raw.
 */
import type { Socket } from 'node:net';
import { MAX_MESSAGE_BYTES } from '../limits.js';
import { shownClient } from '../../orchestrator/util/client-name.js';
import { checkedBy, whoAnswerSchema, type WhoAnswer } from './hello.js';
import { jsonLine } from './first-line.js';

/** The longest answer read: every client's fields as its client gave them (one MCP message each at most). */
const MAX_WHO_BYTES = MAX_MESSAGE_BYTES;

/** The first line of `sock` (at most `maxBytes`, within `withinMs`). */
export function answerLine(sock: Socket, withinMs: number, maxBytes = MAX_WHO_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = (err?: Error, line?: string) => {
      clearTimeout(timer);
      sock.off('data', onData).off('end', onEnd).off('error', onEnd);
      if (err) reject(err);
      else resolve(line!);
    };
    const onData = (chunk: Buffer) => {
      const nl = chunk.indexOf(10);
      parts.push(nl < 0 ? chunk : chunk.subarray(0, nl));
      size += nl < 0 ? chunk.length : nl;
      if (size > maxBytes) return done(new Error(`the answer is over ${maxBytes} bytes`));
      if (nl >= 0) done(undefined, Buffer.concat(parts).toString('utf8'));
    };
    const onEnd = (err?: Error) => done(err ?? new Error('closed before answering'));
    const timer = setTimeout(() => done(new Error(`no answer within ${withinMs} ms`)), withinMs);
    sock.on('data', onData).once('end', onEnd).once('error', onEnd);
  });
}

/** A `who` answer's line read as one: each client cleaned and bounded, then checked; or why it is none. */
export function readWhoAnswer(line: string): { value: WhoAnswer } | { why: string } {
  const read = jsonLine(line);
  if ('why' in read) return read;
  const { data } = read;
  const clients = (data as { clients?: unknown } | null)?.clients;
  if (Array.isArray(clients)) {
    (data as { clients: unknown[] }).clients = clients.map((c) =>
      typeof c === 'object' && c !== null && typeof (c as { cwd?: unknown }).cwd === 'string'
        ? shownClient(c as { cwd: string; name?: string; version?: string; project?: string })
        : c,
    );
  }
  return checkedBy(whoAnswerSchema, data);
}
