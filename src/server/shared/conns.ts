/** The connections a shared server serves (shared-server.ts), and how one is read. */
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';

/** What the server holds of a connection: it closes when its client leaves, or is destroyed by the server. */
export interface Conn {
  once(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  destroy(): unknown;
  write(line: string): unknown;
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
