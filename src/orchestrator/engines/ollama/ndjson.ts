/**
 * A host's NDJSON stream, bounded where it enters: lines are cut at newlines as bytes arrive (no
 * buffer grows past the line limit, nothing is scanned twice), each line is parsed and checked,
 * and what goes on is a stream of clean lines, one JSON object each. A line past its limit stops
 * the stream at once; lines that are not valid are skipped, and the MAX_BAD-th stops the stream —
 * either way with ONE log line for the whole stream, never one per line. Lines are parsed only as
 * the caller asks for them, a few at a time, so the work done at once never grows with what the
 * host sends. After the line that ends the answer nothing more is passed on: the rest of the body
 * is read for a little (so a real host's connection is kept alive), then closed.
 *
 * One long field may be skipped rather than kept: Ollama's last generate line carries `context`,
 * one number per token of the whole context (megabytes for a long one), which nobody reads. Its
 * bytes are passed over as they come — never buffered, never parsed — and the line is read as if
 * it said `"context":[]`.
 *
 * The refused lines are counted and logged by ndjson-bad-lines.ts; a reader of this process takes
 * the checked values one at a time through ndjson-values.ts, a client a web stream (frameLines).
 */
import type { ChunkReader } from '../http-fetch.js';
import type { Checked } from './ollama-lines.js';
import { snippet } from './host-text.js';
import { BadLines } from './ndjson-bad-lines.js';

/** Lines handed on at once; the rest of a chunk waits for the caller to ask. */
const LINES_AT_ONCE = 32;
/** What is read after the last line before the body is closed. */
const TAIL_BYTES = 64 * 1024;

export interface FrameOptions {
  maxLineBytes: number;
  /** A JSON array field passed over unread (e.g. `"context":[`), up to `bytes` long. */
  skip?: { field: string; bytes: number };
  check(raw: unknown): Checked;
  /** The error that stops the stream, from a sentence saying why. */
  fail(why: string): Error;
  /** Says where the log line comes from: "Ollama at h: /api/generate". */
  where: string;
  /** Each line handed on as its checked value (an object stream), not as a line of JSON text. */
  values?: boolean;
}

/** Where the framer puts what it hands on: lines of JSON text as bytes, or the checked values themselves. */
export interface Sink {
  enqueue(chunk: unknown): void;
  close(): void;
}

const NEWLINE = 0x0a;
const CLOSE = 0x5d; // ]

/** The framer's state across pulls: the line being gathered, the field being passed over, the lines refused. */
export class LineFramer {
  private readonly encoder = new TextEncoder();
  private readonly field: Buffer | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Passing over the skipped field: what came before it, and how much was passed over. */
  private skipping: { head: Buffer; bytes: number } | undefined;
  private readonly bad: BadLines;
  private finished = false;
  /** The chunk being read (as a Buffer: its indexOf is memchr), and where in it. */
  private current: Buffer | undefined;
  private offset = 0;
  /** Lines looked at in this pull, good or not. */
  private checkedLines = 0;

  constructor(
    private readonly reader: ChunkReader,
    private readonly o: FrameOptions,
  ) {
    this.field = o.skip ? Buffer.from(o.skip.field) : undefined;
    this.bad = new BadLines(o.where, o.fail);
  }

  /** One whole line: adds its checked value to `out`; true when it ends the answer. */
  private line(bytes: Buffer, out: unknown[]): boolean {
    const text = bytes.toString('utf8').trim();
    let checked: Checked;
    try {
      checked = text === '' ? { problem: 'an empty line' } : this.o.check(JSON.parse(text) as unknown);
    } catch {
      checked = { problem: `not JSON: ${snippet(text)}` };
    }
    if ('problem' in checked) {
      this.bad.invalid(checked.problem);
      return false;
    }
    out.push(checked.value);
    return checked.last;
  }

  /**
   * The start of a line grew past the limit: it may only be the skipped field making it long.
   * Returns the line with the field emptied when the field ends within it, else starts passing over.
   */
  private overLong(start: Buffer): Buffer | undefined {
    const at = this.field && !this.skipping ? start.indexOf(this.field) : -1;
    if (at < 0) throw this.bad.tooLong(this.o.maxLineBytes);
    const from = at + this.field!.length;
    const head = Buffer.concat([start.subarray(0, at), Buffer.from(`${this.o.skip!.field}]`)]);
    const close = start.indexOf(CLOSE, from);
    if (close < 0) {
      this.skipping = { head, bytes: start.length - from };
      return undefined;
    }
    const shrunk = Buffer.concat([head, start.subarray(close + 1)]);
    if (shrunk.length > this.o.maxLineBytes) throw this.bad.tooLong(this.o.maxLineBytes);
    return shrunk;
  }

  private hold(part: Buffer): void {
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  private takePending(): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return all;
  }

  /** Passes over the skipped field in the chunk at hand; false when the chunk ran out first. */
  private passOver(chunk: Buffer): boolean {
    const s = this.skipping!;
    const close = chunk.indexOf(CLOSE, this.offset);
    const nl = chunk.indexOf(NEWLINE, this.offset);
    const end = close < 0 ? chunk.length : close;
    s.bytes += (nl >= 0 && nl < end ? nl : end) - this.offset;
    if (s.bytes > this.o.skip!.bytes) throw this.bad.tooLong(this.o.skip!.bytes);
    if (nl >= 0 && (close < 0 || nl < close)) {
      // the line ended inside the field: it is cut off
      this.skipping = undefined;
      this.offset = nl + 1;
      this.bad.invalid(`a line cut off inside ${this.o.skip!.field}`);
      return true;
    }
    if (close < 0) return false;
    this.skipping = undefined;
    this.hold(s.head);
    this.offset = close + 1;
    return true;
  }

  /** Adds a piece of the line being gathered, making room by passing over the skipped field when it grows too long. */
  private gather(part: Buffer): void {
    if (this.pendingBytes + part.length <= this.o.maxLineBytes) return this.hold(part);
    const start = Buffer.concat([...this.pending, part]);
    this.pending = [];
    this.pendingBytes = 0;
    const shrunk = this.overLong(start);
    if (shrunk) this.hold(shrunk);
  }

  /**
   * The next clean lines of the chunk at hand, at most LINES_AT_ONCE of them: the rest waits for
   * the next pull, so lines the caller never asks for (it stopped) are never parsed. `ended` when
   * the answer's last line came.
   */
  private take(): { out: unknown[]; ended: boolean } {
    const out: unknown[] = [];
    const chunk = this.current!;
    while (out.length < LINES_AT_ONCE && this.checkedLines < LINES_AT_ONCE * 4) {
      if (this.skipping && !this.passOver(chunk)) {
        this.current = undefined;
        return { out, ended: false };
      }
      const at = chunk.indexOf(NEWLINE, this.offset);
      this.gather(chunk.subarray(this.offset, at < 0 ? chunk.length : at));
      if (at < 0) {
        this.current = undefined;
        return { out, ended: false };
      }
      this.offset = at + 1;
      this.checkedLines++;
      if (this.skipping) {
        // the line ended inside the field: it is cut off
        this.skipping = undefined;
        this.bad.invalid(`a line cut off inside ${this.o.skip!.field}`);
        continue;
      }
      if (this.line(this.takePending(), out)) return { out, ended: true };
    }
    return { out, ended: false };
  }

  private async drainTail(): Promise<void> {
    let read = 0;
    try {
      while (read < TAIL_BYTES) {
        const { done, value } = await this.reader.read();
        if (done) return;
        read += value.byteLength;
      }
      await this.reader.cancel();
    } catch {
      // the body broke off after the answer was complete: nothing is lost
    }
  }

  private async stop(err: unknown): Promise<never> {
    this.finished = true;
    await this.reader.cancel().catch(() => undefined);
    throw err;
  }

  private emit(controller: Sink, out: unknown[]): void {
    if (!out.length) return;
    if (this.o.values) for (const value of out) controller.enqueue(value);
    else controller.enqueue(this.encoder.encode(`${out.map((v) => JSON.stringify(v)).join('\n')}\n`));
  }

  /** The body ended: the last line (unless cut off inside the skipped field) goes on, then the stream closes. */
  private async end(controller: Sink): Promise<void> {
    this.finished = true;
    const out: unknown[] = [];
    try {
      if (this.skipping) this.bad.invalid(`a line cut off inside ${this.o.skip!.field}`);
      else if (this.pendingBytes) this.line(this.takePending(), out);
    } catch (err) {
      return this.stop(err);
    }
    this.bad.report(false);
    this.emit(controller, out);
    controller.close();
  }

  async pull(controller: Sink): Promise<void> {
    if (this.finished) return;
    this.checkedLines = 0;
    for (;;) {
      if (!this.current) {
        let next: Awaited<ReturnType<ChunkReader['read']>>;
        try {
          next = await this.reader.read();
        } catch (err) {
          this.finished = true;
          this.bad.report(false);
          throw err; // the connection broke, or the caller aborted: passed on as it is
        }
        if (next.done) return this.end(controller);
        const v = next.value;
        this.current = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        this.offset = 0;
      }
      let got: { out: unknown[]; ended: boolean };
      try {
        got = this.take();
      } catch (err) {
        return this.stop(err);
      }
      this.emit(controller, got.out);
      if (got.ended) {
        this.finished = true;
        this.current = undefined;
        this.bad.report(false);
        controller.close();
        void this.drainTail();
        return;
      }
      // lines to hand on, or many looked at: let the caller (and everything else) run first
      if (got.out.length || this.checkedLines >= LINES_AT_ONCE * 4) return;
    }
  }

  async cancel(reason: unknown): Promise<void> {
    this.finished = true;
    this.bad.report(false);
    await this.reader.cancel(reason).catch(() => undefined);
  }
}

export function frameLines(source: ReadableStream<Uint8Array>, o: FrameOptions): ReadableStream<Uint8Array> {
  const framer = new LineFramer(source.getReader(), o);
  return new ReadableStream<Uint8Array>({
    pull: (controller) => framer.pull(controller),
    cancel: (reason) => framer.cancel(reason),
  });
}
