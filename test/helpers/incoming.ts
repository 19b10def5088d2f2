/** How both fake servers read a request: method, path, and the body as JSON when it parses. */
import type http from 'node:http';

export interface Incoming {
  method: string;
  path: string;
  /** The body as sent. */
  raw: string;
  /** Parsed JSON; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', done);
    req.on('error', done);
    req.on('close', done);
  });
}

export async function readIncoming(req: http.IncomingMessage): Promise<Incoming> {
  const raw = await readBody(req);
  const path = new URL(req.url ?? '/', 'http://fake').pathname;
  let body: unknown;
  if (raw !== '') {
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      body = raw;
    }
  }
  return { method: req.method ?? 'GET', path, raw, body };
}
