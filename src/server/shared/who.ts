/**
 * Asking a shared server over its socket, as doctor, `ollm-mcp shared` and a server taking over
 * do (control.ts): one line sent, one answer read — bounded and checked (hello.ts) — and the
 * connection closed. Undefined when nothing answers there as a shared server does.
 */
import type * as z from 'zod';
import { retiringSchema, stoppingSchema, type Retire } from './control.js';
import { firstLine, parseLine, type WhoAnswer } from './hello.js';
import { connectTo } from './reach.js';
import { answerLine, readWhoAnswer } from './who-answer.js';

const ANSWER_WITHIN_MS = 3000;

/**
 * What asking gave: the answer; or `none` when nothing listens there; or `silent` when something accepted the
 * connection but gave no such answer.
 */
export type Asked<T> = { answer: T } | { none: string } | { silent: string };

/** `line` sent to the server at `address`, its answer checked by `schema`. */
async function ask<T>(
  address: string,
  line: object,
  schema: z.ZodType<T>,
  withinMs = ANSWER_WITHIN_MS,
): Promise<Asked<T>> {
  let sock;
  try {
    sock = await connectTo(address);
  } catch (err) {
    return { none: (err as Error).message };
  }
  try {
    sock.write(`${JSON.stringify(line)}\n`);
    const { line: got } = await firstLine(sock, withinMs);
    const answer = parseLine(got, schema);
    return 'value' in answer ? { answer: answer.value } : { silent: `it answered something else (${answer.why})` };
  } catch (err) {
    return { silent: (err as Error).message };
  } finally {
    sock.destroy();
  }
}

/**
 * The shared server's answer to `who` — longer than other answers may be, its clients cleaned (who-answer.ts)
 * — or undefined when none answers at `address`.
 */
export async function askWho(address: string, withinMs = ANSWER_WITHIN_MS): Promise<WhoAnswer | undefined> {
  const sock = await connectTo(address).catch(() => undefined);
  if (!sock) return undefined;
  try {
    sock.write(`${JSON.stringify({ ollm: 'who' })}\n`);
    const answer = readWhoAnswer(await answerLine(sock, withinMs));
    return 'value' in answer ? answer.value : undefined;
  } catch {
    return undefined;
  } finally {
    sock.destroy();
  }
}

/** The server at `address` asked to retire (retire.ts). */
export const askRetire = (address: string, retire: Omit<Retire, 'ollm'>) =>
  ask(address, { ollm: 'retire', ...retire }, retiringSchema);

/** The server at `address` asked to stop (`ollm-mcp shared stop`). */
export const askStop = (address: string) => ask(address, { ollm: 'stop' }, stoppingSchema);
