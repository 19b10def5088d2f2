/**
 * The first line of a connection to the shared server — a launch's hello, a control line, the
 * server's answer — read within a bound; and the answer to a hello, checked. Free of zod: a
 * forwarding launch loads this and no schema (memo.ts); the server checks hellos with hello.ts.
 */

/** A hello or an answer longer than this is refused (the JSON-RPC lines after it have their own limit). */
export const MAX_HELLO_BYTES = 64 * 1024;

/** The server's answer to a hello. */
export type Answer = { ollm: 'ok'; pid: number } | { ollm: 'refused'; why: string };

/** Whether `value` is an object with exactly these keys. */
const keysAre = (value: object, keys: string[]) =>
  Object.keys(value).length === keys.length && keys.every((k) => Object.hasOwn(value, k));

/** A line's JSON, or why it is none. */
export function jsonLine(line: string): { data: unknown } | { why: string } {
  try {
    return { data: JSON.parse(line) as unknown };
  } catch {
    return { why: 'not JSON' };
  }
}

/** The answer a hello got (as hello.ts answerSchema checks it), or why the line is not one. */
export function parseAnswer(line: string): { value: Answer } | { why: string } {
  const read = jsonLine(line);
  if ('why' in read) return read;
  const { data } = read;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { why: 'message: not an object' };
  const a = data as Record<string, unknown>;
  if (a.ollm === 'ok') {
    if (!keysAre(a, ['ollm', 'pid'])) return { why: 'message: an "ok" answer has the keys ollm and pid alone' };
    return Number.isSafeInteger(a.pid) && (a.pid as number) > 0
      ? { value: { ollm: 'ok', pid: a.pid as number } }
      : { why: 'pid: not a positive integer' };
  }
  if (a.ollm === 'refused') {
    if (!keysAre(a, ['ollm', 'why'])) return { why: 'message: a "refused" answer has the keys ollm and why alone' };
    return typeof a.why === 'string' && a.why.length <= 2000
      ? { value: { ollm: 'refused', why: a.why } }
      : { why: 'why: not a text of at most 2000 characters' };
  }
  return { why: 'ollm: neither "ok" nor "refused"' };
}

/**
 * Reads the first line of `stream` (at most MAX_HELLO_BYTES, within `withinMs`); resolves with
 * the line and the bytes after it, which belong to what follows.
 */
export function firstLine(
  stream: NodeJS.ReadableStream & { destroy(): void },
  withinMs: number,
): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const done = (err?: Error, value?: { line: string; rest: Buffer }) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onEnd);
      stream.pause();
      if (err) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const nl = got.indexOf(10);
      if (nl >= 0) return done(undefined, { line: got.subarray(0, nl).toString('utf8'), rest: got.subarray(nl + 1) });
      if (got.length > MAX_HELLO_BYTES) done(new Error(`the first line is over ${MAX_HELLO_BYTES} bytes`));
    };
    const onEnd = (err?: Error) => done(err ?? new Error('closed before the first line'));
    const timer = setTimeout(() => done(new Error(`no first line within ${withinMs} ms`)), withinMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onEnd);
  });
}
