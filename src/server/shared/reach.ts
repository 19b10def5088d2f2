/**
 * Reaching the shared server: connect to its socket, say hello, read the answer (ok or refused).
 * When nothing listens, the launch hosts it itself (host.ts) — unless another process holds its
 * lock (hosting or starting): then it connects as soon as that one listens.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerSchema, firstLine, parseLine, type Hello } from './hello.js';
import { SharedUnavailable, type Place } from './place.js';

/** How long the shared server may take to listen when another process is starting it (it loads its settings and the SDK first). */
export const START_WITHIN_MS = 15_000;
const ANSWER_WITHIN_MS = 10_000;

export interface Reach {
  place: Place;
  hello: Hello;
}

/** A server to forward to, greeted: its connection, its pid, the bytes that came after its answer. */
export interface Greeted {
  sock: Duplex;
  serverPid: number;
  rest: Buffer;
}

export function connectTo(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect(address);
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/** Nothing listens there (yet): the server must be hosted, or is starting. */
const notListening = (err: unknown) => ['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '');

/** The hello sent and the answer read; the bytes after the answer are the server's JSON-RPC. */
export async function greet(sock: Socket, hello: Hello): Promise<{ serverPid: number; rest: Buffer }> {
  sock.write(`${JSON.stringify(hello)}\n`);
  const { line, rest } = await firstLine(sock, ANSWER_WITHIN_MS);
  const answer = parseLine(line, answerSchema);
  if ('why' in answer) throw new SharedUnavailable(`the shared server answered the hello with something else (${answer.why})`);
  if (answer.value.ollm === 'refused') throw new SharedUnavailable(`the shared server refused this launch: ${answer.value.why}`);
  return { serverPid: answer.value.pid, rest };
}

/**
 * The shared server, greeted — or hosted here by `host` when nothing listens (undefined when
 * another process holds its lock: this one then waits for that one to listen). Throws
 * SharedUnavailable when none can be had within START_WITHIN_MS, saying why.
 */
export async function reachOrHost<H = Greeted>(reach: Reach, host: () => Promise<H | undefined>): Promise<Greeted | H> {
  const until = Date.now() + START_WITHIN_MS;
  let last: unknown;
  while (Date.now() < until) {
    let sock: Socket;
    try {
      sock = await connectTo(reach.place.address);
    } catch (err) {
      if (!notListening(err)) throw new SharedUnavailable(`cannot connect to ${reach.place.address}: ${(err as Error).message}`);
      last = err;
      const hosted = await host();
      if (hosted) return hosted;
      await sleep(50);
      continue;
    }
    try {
      return { sock, ...(await greet(sock, reach.hello)) };
    } catch (err) {
      sock.destroy();
      if (err instanceof SharedUnavailable) throw err;
      last = err; // it closed while starting or stopping: try again
      await sleep(50);
    }
  }
  throw new SharedUnavailable(`the shared server did not answer within ${START_WITHIN_MS / 1000} s (${(last as Error | undefined)?.message ?? 'no answer'})`);
}
