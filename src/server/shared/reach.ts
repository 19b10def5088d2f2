/**
 * Reaching the shared server: connect to its socket, say hello, read the answer (ok or refused).
 * When nothing listens, or what listens does not answer, the launch starts it (spawn.ts) — unless
 * another process's daemon is starting: then it connects as soon as that one listens.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { firstLine, parseAnswer } from './first-line.js';
import type { Hello } from './hello.js';
import { SharedUnavailable, type Place } from './place.js';

/**
 * How long the shared server may take to listen when another process is starting it (it loads its settings
 * and the SDK first).
 */
export const START_WITHIN_MS = 15_000;
/** A launch starts a server again, when none listens, this long after the one it started last. */
const RESTART_MS = 5000;
/** A server answers a hello within this, or it is taken as not answering (suspended, hung). */
const ANSWER_WITHIN_MS = 3000;

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

/** A server that accepted the connection but gave no answer in time. */
class Silent extends Error {}

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
const notListening = (err: unknown) =>
  ['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '');

/** The hello sent and the answer read; the bytes after the answer are the server's JSON-RPC. */
async function greet(sock: Socket, hello: Hello): Promise<{ serverPid: number; rest: Buffer }> {
  sock.write(`${JSON.stringify(hello)}\n`);
  const { line, rest } = await firstLine(sock, ANSWER_WITHIN_MS).catch((err: Error) => {
    throw /timed out|within/i.test(err.message) ? new Silent(err.message) : err;
  });
  const answer = parseAnswer(line);
  if ('why' in answer)
    throw new SharedUnavailable(`the shared server answered the hello with something else (${answer.why})`);
  if (answer.value.ollm === 'refused')
    throw new SharedUnavailable(`the shared server refused this launch: ${answer.value.why}`);
  return { serverPid: answer.value.pid, rest };
}

/**
 * The shared server, greeted — started by `start` (a detached daemon: spawn.ts) when nothing
 * listens or what listens does not answer (suspended, hung: the daemon started takes its place,
 * lock.ts Proof); `start` is not asked while a lock younger than a server's start names a live
 * process (another launch's daemon is starting), nor again within RESTART_MS. Throws SharedUnavailable when none can be
 * had within START_WITHIN_MS, or the server refused this launch, saying why.
 */
export async function reachOrStart(
  reach: Reach,
  start: () => Promise<void>,
  starting: () => Promise<boolean> = async () => false,
): Promise<Greeted> {
  let until = Date.now() + START_WITHIN_MS;
  let last: unknown;
  let startedAt = -Infinity;
  // not while another's daemon is starting, nor again within RESTART_MS of this launch's own
  // what listens but does not answer is no server starting (`listening`): its lock, however young, is not waited on
  const startOnce = async (listening = false) => {
    if (Date.now() - startedAt < RESTART_MS || (!listening && (await starting()))) return;
    startedAt = Date.now();
    await start();
    until = Date.now() + START_WITHIN_MS; // the time a server takes to start, from now
  };
  while (Date.now() < until) {
    let sock: Socket;
    try {
      sock = await connectTo(reach.place.address);
    } catch (err) {
      if (!notListening(err))
        throw new SharedUnavailable(`cannot connect to ${reach.place.address}: ${(err as Error).message}`);
      last = err;
      await startOnce();
      await sleep(50);
      continue;
    }
    try {
      return { sock, ...(await greet(sock, reach.hello)) };
    } catch (err) {
      sock.destroy();
      if (err instanceof SharedUnavailable) throw err;
      last = err;
      // no answer: it closed while starting or stopping, or it does not answer at all
      if (err instanceof Silent) await startOnce(true);
      await sleep(50);
    }
  }
  throw new SharedUnavailable(
    `the shared server did not answer within ${START_WITHIN_MS / 1000} s ` +
      `(${(last as Error | undefined)?.message ?? 'no answer'})`,
  );
}
