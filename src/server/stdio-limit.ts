/**
 * The size limit for stdio messages. The SDK's stdio transport ends the whole session when one
 * message is larger than its read buffer (10 MB by default: the error is reported and the
 * transport closes). This stream sits between stdin and that transport: it passes every line of up
 * to MAX_MESSAGE_BYTES through whole, and drops a longer one without holding it in memory, reading
 * just enough of it to recover the request id so that request can be answered with an error. The
 * connection then carries on with the next line.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { fillingOf, type Filling } from './limits.js';

type RequestId = string | number;

/** What could be recovered from a dropped line. */
export interface Oversized {
  bytes: number;
  /** The request's id, when the line was a request whose id could be read; null otherwise. */
  id: RequestId | null;
  /** A notification or a response: nothing may be sent back for it. */
  unanswerable: boolean;
  /** What fills it, judged from the piece that took it over the limit (limits.ts fillingOf). */
  filling?: Filling;
}

const NEWLINE = Buffer.from('\n');
/** The top level of a message is a handful of short members; more than this is not a JSON-RPC message. */
const MAX_SKELETON_BYTES = 64 * 1024;
/** A member name or plain value at the top level longer than this is kept as a placeholder. */
const MAX_TOP_STRING = 1024;
const PLACEHOLDER = Buffer.from('"\\u0000"');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isOpener = (c: number) => c === 0x7b || c === 0x5b; // { [
const isCloser = (c: number) => c === 0x7d || c === 0x5d; // } ]

/**
 * Reads a JSON text as it streams past and keeps only its top level: nested objects and arrays
 * (the params, however large) become 0. `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{…}}`
 * leaves `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":0}`, wherever the id comes.
 */
export class TopLevel {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private readonly out: number[] = [];
  /** Where the top-level string being read starts in `out`, and whether it grew too long to keep. */
  private stringStart = -1;
  private stringTooLong = false;
  private overflow = false;

  feed(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      if (this.inString && this.depth !== 1 && !this.escaped) {
        i = this.skipString(chunk, i);
        continue;
      }
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        if (this.depth === 1) this.keepInString(c);
      } else if (c === QUOTE) {
        this.inString = true;
        if (this.depth === 1) {
          this.stringStart = this.out.length;
          this.stringTooLong = false;
          this.keep(c);
        }
      } else if (isOpener(c)) {
        this.depth++;
        if (this.depth === 1) this.keep(c);
        else if (this.depth === 2) this.keep(0x30); // "0" in place of the nested value
      } else if (isCloser(c)) {
        if (this.depth === 1) this.keep(c);
        this.depth = Math.max(0, this.depth - 1);
      } else if (this.depth === 1) this.keep(c);
    }
  }

  /**
   * Inside a string none of which is kept (nested, or a bare top-level string), not after a
   * backslash: its closing quote found natively (a tool's output is mostly one long string), its
   * index returned — or the chunk's last, the string going on in the next chunk, whether it ends
   * on an unpaired backslash noted.
   */
  private skipString(chunk: Buffer, from: number): number {
    for (let at = from; at < chunk.length;) {
      const quote = chunk.indexOf(QUOTE, at);
      const end = quote < 0 ? chunk.length : quote;
      let backslashes = 0; // the run just before `end`: an odd one escapes what follows
      while (end - backslashes > at && chunk[end - backslashes - 1] === BACKSLASH) backslashes++;
      if (quote < 0) {
        this.escaped = backslashes % 2 === 1;
        break;
      }
      if (backslashes % 2 === 0) {
        this.inString = false;
        return quote;
      }
      at = quote + 1; // an escaped quote: the string goes on
    }
    return chunk.length - 1;
  }

  /** The top-level members, or undefined when they do not read as a JSON object. */
  members(): Record<string, unknown> | undefined {
    if (this.overflow) return undefined;
    try {
      const value: unknown = JSON.parse(Buffer.from(this.out).toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  private keep(c: number): void {
    if (this.out.length >= MAX_SKELETON_BYTES) this.overflow = true;
    else this.out.push(c);
  }

  /** A long top-level string (never an id worth echoing) is replaced whole by a placeholder. */
  private keepInString(c: number): void {
    if (this.inString) {
      if (this.out.length - this.stringStart >= MAX_TOP_STRING) this.stringTooLong = true;
      else this.keep(c);
      return;
    }
    if (this.stringTooLong) {
      this.out.length = this.stringStart;
      for (const b of PLACEHOLDER) this.keep(b);
    } else this.keep(c);
  }
}

function recover(line: TopLevel, bytes: number, filling?: Filling): Oversized {
  return { ...recoverId(line, bytes), ...(filling && { filling }) };
}

function recoverId(line: TopLevel, bytes: number): Oversized {
  const m = line.members();
  const id = m?.id;
  const hasId = typeof id === 'string' || typeof id === 'number';
  if (m && typeof m.method === 'string') {
    return hasId && id !== '\u0000'
      ? { bytes, id, unanswerable: false }
      : { bytes, id: null, unanswerable: !('id' in m) };
  }
  if (m && ('result' in m || 'error' in m)) return { bytes, id: null, unanswerable: true };
  return { bytes, id: null, unanswerable: false };
}

/** Splits stdin into lines, passes those of up to `limit` bytes on whole, and reports the others. */
export class LineLimit extends Transform {
  private parts: Buffer[] = [];
  private size = 0;
  private dropping: TopLevel | undefined;
  private filling: Filling | undefined;

  constructor(
    private readonly limit: number,
    private readonly onOversized: (what: Oversized) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      this.collect(piece);
      if (nl === -1) break;
      this.endLine();
      start = nl + 1;
    }
    done();
  }

  private collect(piece: Buffer): void {
    if (piece.length === 0) return;
    this.size += piece.length;
    if (this.dropping) {
      this.dropping.feed(piece);
    } else if (this.size > this.limit) {
      this.dropping = new TopLevel();
      for (const part of this.parts) this.dropping.feed(part);
      this.dropping.feed(piece);
      this.filling = fillingOf(piece);
      this.parts = [];
    } else {
      this.parts.push(piece);
    }
  }

  private endLine(): void {
    if (this.dropping) this.onOversized(recover(this.dropping, this.size, this.filling));
    else if (this.parts.length > 0) this.push(Buffer.concat([...this.parts, NEWLINE]));
    this.parts = [];
    this.size = 0;
    this.dropping = undefined;
    this.filling = undefined;
  }
}
