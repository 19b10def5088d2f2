/**
 * A proxy in front of a real engine (the llama.cpp tests) that keeps every request's body, the
 * status it was answered with and the answer's text as it streams — so a test can read what the
 * engine was sent and what it said, in order.
 */
import { createServer, request, type Server } from 'node:http';

export interface Seen {
  method: string;
  path: string;
  status: number;
  body: string;
  /** The answer's text, from its stream (complete once the request is done). */
  reply: string;
}

export async function recordingProxy(target: string): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        (answer) => {
          const entry: Seen = {
            method: req.method ?? '',
            path: req.url ?? '',
            status: answer.statusCode ?? 0,
            body: body.toString('utf8'),
            reply: '',
          };
          seen.push(entry);
          answer.on('data', (c: Buffer) => (entry.reply += c.toString('utf8')));
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, server };
}
