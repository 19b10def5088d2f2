/**
 * The holds of loaded models a planner lends to the other ollm-mcp servers of the machine that
 * reach its engine through its claim (issue 74): what they say to each other. One connection per
 * relaying server and planner — an HTTP upgrade at the claim's loopback endpoint (HOLD_PATH), opened
 * with the claim's token — carrying JSON lines each way, in order: so every `begin` a relaying
 * server sent before it answered a `revoke` reaches the planner before that answer does.
 */
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { KeepAlive } from '../engine.js';

/** Where the endpoint takes the connection, and the protocol it upgrades to. */
export const HOLD_PATH = '/holds';
export const HOLD_UPGRADE = 'ollm-holds';
/** How long a hold lasts unless renewed, ms: a relaying server renews it once half is gone, while it uses it. */
export const HOLD_TTL_MS = 5000;
/** A relaying server takes a hold to end this much before the planner does (each counts from its own clock), ms. */
export const HOLD_MARGIN_MS = 1000;
/** The longest line either side reads; a longer one ends the connection. */
const LINE_BYTES = 4096;

/** What the relaying server says: ask (or renew) a hold; a request begun or ended under one; a revoke carried out. */
export type ToPlanner =
  | { t: 'hold'; key: string; model: string }
  | { t: 'begin'; n: number; key: string; model: string }
  | { t: 'end'; n: number }
  | { t: 'revoked'; key: string; model: string }
  | { t: 'alive' };

/** What the planner says: a hold granted (the window and keep-alive the model is loaded with), refused, taken back. */
export type ToRelayer =
  | { t: 'held'; key: string; model: string; ttlMs: number; numCtx?: number; keepAlive: KeepAlive }
  | { t: 'refused'; key: string; model: string; why: string }
  | { t: 'revoke'; key: string; model: string };

/** One engine's model, as both sides key it. */
export const holdKey = (key: string, model: string): string => `${key}\0${model}`;

/** Writes one message; false when the connection is gone. */
export function send(socket: Duplex, msg: ToPlanner | ToRelayer): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(`${JSON.stringify(msg)}\n`);
  return true;
}

/** Reads the messages of `socket` (JSON objects, one a line) into `on`; a line too long or not JSON ends it. */
export function readLines(socket: Duplex, on: (msg: Record<string, unknown>) => void): void {
  let rest = '';
  const utf8 = new StringDecoder('utf8'); // an upgraded HTTP socket refuses setEncoding
  socket.on('data', (chunk: Buffer) => {
    rest += utf8.write(chunk);
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        return void socket.destroy();
      }
      if (typeof msg !== 'object' || msg === null) return void socket.destroy();
      on(msg as Record<string, unknown>);
    }
    if (rest.length > LINE_BYTES) socket.destroy();
  });
}

/** A string field of a message, or undefined. */
export const text = (msg: Record<string, unknown>, field: string): string | undefined =>
  typeof msg[field] === 'string' ? (msg[field] as string) : undefined;
