/**
 * The connections a shared server serves (shared-server.ts): a socket, the hosting launch's own
 * client read in-process (LocalClient), or one end of an in-process pair (a launch that came to
 * host after forwarding).
 */
import { EventEmitter } from 'node:events';
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';

/** What the server holds of a connection: it closes when its client leaves, or is destroyed by the server. */
export interface Conn {
  once(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  destroy(): unknown;
  write(line: string): unknown;
}

/** The hosting launch's own client read in-process from its stdin: destroyed when it leaves. */
export class LocalClient extends EventEmitter implements Conn {
  private closed = false;
  destroy(): this {
    if (!this.closed) {
      this.closed = true;
      process.nextTick(() => this.emit('close'));
    }
    return this;
  }
  write(): boolean {
    return false; // told nothing: it is this process's own client
  }
}

/** Where a connection's JSON-RPC is read and written; `swallow`: a request whose answer its client already has. */
export interface Io {
  input: Readable;
  output: Writable;
  swallow?: string | number | undefined;
}

/** A stream connection read after its first bytes (`rest`, what came after the hello). */
export function streamIo(conn: Duplex, rest: Buffer): Io {
  const input = new PassThrough();
  input.write(rest);
  conn.pipe(input);
  return { input, output: conn };
}

/**
 * Two ends of an in-process connection: what one writes the other reads. The client's end ended
 * closes both (the server then sees its client leave), and either closed closes the other.
 */
export function pair(): { client: Duplex; server: Duplex } {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const client = Duplex.from({ readable: fromServer, writable: toServer });
  const server = Duplex.from({ readable: toServer, writable: fromServer });
  server.once('end', () => server.destroy());
  server.once('close', () => client.destroy());
  client.once('close', () => server.destroy());
  return { client, server };
}

