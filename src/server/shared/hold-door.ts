/**
 * The door of a claim's endpoint to holds (orchestrator/engines/holds/): an HTTP upgrade at
 * HOLD_PATH with the claim's token is handed to this server's desk; anything else is refused and
 * closed. Only a server that read the claim (this user's, in the 0700 socket folder) has the token.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HOLD_PATH, HOLD_UPGRADE } from '../../orchestrator/engines/holds/wire.js';
import type { HoldDesk } from '../../orchestrator/engines/holds/desk.js';
import { log } from '../../orchestrator/util/log.js';
import { bearerToken, matchToken, type HttpToken } from '../http-guard.js';

export function holdDoor(
  desk: HoldDesk,
  tokens: readonly HttpToken[],
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (path !== HOLD_PATH || upgrade !== HOLD_UPGRADE || !matchToken(bearerToken(req), tokens) || head.length > 0) {
      return void socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
    try {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${HOLD_UPGRADE}\r\nconnection: Upgrade\r\n\r\n`);
      (socket as Socket).setNoDelay(true);
      (socket as Socket).unref(); // as the endpoint: the process's own transport decides when it ends
      desk.accept(socket);
    } catch (err) {
      log.warn(`holds: a connection could not be taken (${(err as Error).message}); it relays by route_and_generate`);
      socket.destroy();
    }
  };
}
