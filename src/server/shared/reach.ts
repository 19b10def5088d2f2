/**
 * Reaching the shared server: connect to its socket; when nothing listens, start it (detached, its
 * log in $OLLM_HOME/shared-server.log) and connect as soon as it listens; then the hello, answered
 * ok or refused. Several launches at once may each start one: the server's lock (daemon.ts) keeps
 * one, the others exit and every launch connects to it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerSchema, firstLine, parseLine, type Hello } from './hello.js';
import { SharedUnavailable, type Place } from './place.js';

/** How long a started server may take to listen (it loads its settings and the SDK first). */
export const START_WITHIN_MS = 15_000;
const ANSWER_WITHIN_MS = 10_000;
/** A server started that does not listen by then is started again (the one before may have found the lock of one stopping). */
const RESTART_AFTER_MS = 3000;
/** The log is started afresh past this size. */
const MAX_LOG_BYTES = 5 * 2 ** 20;

export interface Reach {
  place: Place;
  hello: Hello;
  /** $OLLM_HOME: where the shared server's log goes. */
  home: string;
  /** How to start the shared server: the command line after the node executable. */
  command: string[];
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

/** Nothing listens there (yet): the server must be started, or is starting. */
const notListening = (err: unknown) => ['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '');

export function logFile(home: string): string {
  return join(home, 'shared-server.log');
}

/** The shared server started, detached, with the launch's folder, environment and settings flags. */
export function startServer(reach: Reach): void {
  const file = logFile(reach.home);
  const size = (() => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  })();
  const fd = openSync(file, size > MAX_LOG_BYTES ? 'w' : 'a', 0o600);
  try {
    const child = spawn(process.execPath, reach.command, { detached: true, stdio: ['ignore', fd, fd], cwd: process.cwd(), env: process.env, windowsHide: true });
    child.unref();
  } finally {
    closeSync(fd);
  }
}

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
 * A connection to the shared server, greeted; started when nothing listens (once per call).
 * Throws SharedUnavailable when it cannot be had within START_WITHIN_MS, saying why.
 */
export async function reachServer(reach: Reach): Promise<{ sock: Socket; serverPid: number; rest: Buffer }> {
  const until = Date.now() + START_WITHIN_MS;
  let startedAt = 0;
  let last: unknown;
  while (Date.now() < until) {
    let sock: Socket;
    try {
      sock = await connectTo(reach.place.address);
    } catch (err) {
      if (!notListening(err)) throw new SharedUnavailable(`cannot connect to ${reach.place.address}: ${(err as Error).message}`);
      last = err;
      // started again when it has not come up for a while: the one started may have left the place to a server then stopping
      if (Date.now() - startedAt > RESTART_AFTER_MS) {
        startedAt = Date.now();
        startServer(reach);
      }
      await sleep(50);
      continue;
    }
    try {
      const greeted = await greet(sock, reach.hello);
      return { sock, ...greeted };
    } catch (err) {
      sock.destroy();
      if (err instanceof SharedUnavailable) throw err;
      last = err; // it closed while starting or stopping: try again
      await sleep(50);
    }
  }
  throw new SharedUnavailable(`the shared server did not answer within ${START_WITHIN_MS / 1000} s (${(last as Error | undefined)?.message ?? 'no answer'}); its log: ${logFile(reach.home)}`);
}
