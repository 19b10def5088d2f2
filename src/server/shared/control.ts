/**
 * The control lines a connection may send the shared server instead of a hello, each answered with
 * one line and the connection closed: `who` (who is connected, and what the server is: doctor,
 * `ollm-mcp shared`), `retire` (a newer server of the same $OLLM_HOME took over: take no new
 * client, exit once the connected ones have left — retire.ts) and `stop` (`ollm-mcp shared stop`:
 * stop now, as on SIGTERM). Only this user reaches the socket (place.ts: a 0600 socket in a 0700
 * folder checked to be theirs), so a line that reaches the server comes from this user.
 */
import type { Socket } from 'node:net';
import * as z from 'zod';
import { parseLine, whoSchema, type WhoAnswer } from './hello.js';

const retireSchema = z.strictObject({
  ollm: z.literal('retire'),
  by: z.number().int().positive(),
  why: z.string().min(1).max(500),
});
export type Retire = z.infer<typeof retireSchema>;
const stopSchema = z.strictObject({ ollm: z.literal('stop') });

const pid = z.number().int().positive();
export const retiringSchema = z.strictObject({
  ollm: z.literal('retiring'),
  pid,
  clients: z.number().int().nonnegative(),
});
export const stoppingSchema = z.strictObject({ ollm: z.literal('stopping'), pid });

/** What the server does on each control line (start.ts). */
export interface Controls {
  who(): WhoAnswer;
  /** Retiring from now on (once); how many clients it still serves. */
  retire(line: Retire): number;
  /** The whole stop, begun after the answer is written. */
  stop(): void;
}

/**
 * Answers `line` when it is a control line (true), the connection closed after; false when it is none (a
 * hello, or to refuse).
 */
export function answerControl(line: string, sock: Pick<Socket, 'end'>, controls: Controls): boolean {
  if ('value' in parseLine(line, whoSchema)) {
    sock.end(`${JSON.stringify(controls.who())}\n`);
    return true;
  }
  const retire = parseLine(line, retireSchema);
  if ('value' in retire) {
    const clients = controls.retire(retire.value);
    sock.end(`${JSON.stringify({ ollm: 'retiring', pid: process.pid, clients })}\n`);
    return true;
  }
  if ('value' in parseLine(line, stopSchema)) {
    sock.end(`${JSON.stringify({ ollm: 'stopping', pid: process.pid })}\n`, () => controls.stop());
    return true;
  }
  return false;
}
