/**
 * The forwarder's reading of a JSON-RPC stream: whole lines of up to `max` bytes are handed on
 * with their top level read (id, method — stdio-limit.ts TopLevel, which skips the params however
 * large); a longer line is passed through as raw bytes, unread (the shared server's own limit
 * answers it), so memory stays bounded.
 */
import { TopLevel } from '../stdio-limit.js';

export interface Line {
  /** The line's bytes, with its newline. */
  bytes: Buffer;
  /** The top-level members (params and result as 0), or undefined when it is not a JSON object. */
  head: Record<string, unknown> | undefined;
}

export class Lines {
  private parts: Buffer[] = [];
  private size = 0;
  private passing = false;

  constructor(
    private readonly max: number,
    private readonly onLine: (line: Line) => void,
    private readonly onRaw: (bytes: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      if (this.passing) {
        this.onRaw(piece);
        if (nl >= 0) this.passing = false;
      } else if (this.size + piece.length > this.max) {
        this.onRaw(Buffer.concat([...this.parts, piece]));
        this.reset();
        this.passing = nl < 0;
      } else {
        this.parts.push(piece);
        this.size += piece.length;
        if (nl >= 0) {
          const bytes = Buffer.concat(this.parts);
          this.reset();
          const top = new TopLevel();
          top.feed(bytes);
          this.onLine({ bytes, head: top.members() });
        }
      }
    }
  }

  /** The bytes of a line not yet whole, taken (the reader hands its stream over). */
  take(): Buffer {
    const bytes = Buffer.concat(this.parts);
    this.reset();
    return bytes;
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
  }
}

export type RequestId = string | number;

/** The notification a shared server sends a forwarding launch when it leaves (shared-server.ts, forward.ts). */
export const MOVING_METHOD = 'notifications/ollm/moving';

/** The id of a request (a message with a method and an id), else undefined. */
export function requestId(head: Record<string, unknown> | undefined): RequestId | undefined {
  if (!head || typeof head.method !== 'string') return undefined;
  return typeof head.id === 'string' || typeof head.id === 'number' ? head.id : undefined;
}

/** The id a response answers (a message with an id and a result or error, no method), else undefined. */
export function responseId(head: Record<string, unknown> | undefined): RequestId | undefined {
  if (!head || 'method' in head || !('result' in head || 'error' in head)) return undefined;
  return typeof head.id === 'string' || typeof head.id === 'number' ? head.id : undefined;
}
