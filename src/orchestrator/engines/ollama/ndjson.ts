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
 */
import { log } from '../../util/log.js';
import type { Checked } from './ollama-lines.js';

/** Invalid lines tolerated in one stream; the next one stops it. */
export const MAX_BAD = 5;
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
}

const NEWLINE = 0x0a;
const CLOSE = 0x5d; // ]

/** A quoted start of a line, for messages. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${JSON.stringify(flat.slice(0, 60))}…` : JSON.stringify(flat);
}

const size = (bytes: number) => (bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`);

export function frameLines(source: ReadableStream<Uint8Array>, o: FrameOptions): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const encoder = new TextEncoder();
  const field = o.skip ? Buffer.from(o.skip.field) : undefined;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Passing over the skipped field: what came before it, and how much was passed over. */
  let skipping: { head: Buffer; bytes: number } | undefined;
  let bad = 0;
  let firstBad = '';
  let logged = false;
  let finished = false;
  /** The chunk being read (as a Buffer: its indexOf is memchr), and where in it. */
  let current: Buffer | undefined;
  let offset = 0;
  /** Lines looked at in this pull, good or not. */
  let checkedLines = 0;

  const report = (stopped: boolean) => {
    if (logged || bad === 0) return;
    logged = true;
    log.warn(`${o.where} sent ${bad} line${bad === 1 ? '' : 's'} that ${bad === 1 ? 'is' : 'are'} not Ollama's (the first: ${firstBad}); ${stopped ? 'the stream was stopped' : `${bad === 1 ? 'it was' : 'they were'} skipped`}.`);
  };
  const stopWith = (why: string): Error => {
    report(true);
    return o.fail(why);
  };
  const invalid = (problem: string) => {
    if (++bad === 1) firstBad = problem;
    if (bad >= MAX_BAD) throw stopWith(`${MAX_BAD} lines that are not Ollama's (the first: ${firstBad}), so the stream was stopped`);
  };
  /** One whole line: adds its clean form to `out`; true when it ends the answer. */
  const line = (bytes: Buffer, out: string[]): boolean => {
    const text = bytes.toString('utf8').trim();
    let checked: Checked;
    try {
      checked = text === '' ? { problem: 'an empty line' } : o.check(JSON.parse(text) as unknown);
    } catch {
      checked = { problem: `not JSON: ${snippet(text)}` };
    }
    if ('problem' in checked) {
      invalid(checked.problem);
      return false;
    }
    out.push(JSON.stringify(checked.value));
    return checked.last;
  };
  /**
   * The start of a line grew past the limit: it may only be the skipped field making it long.
   * Returns the line with the field emptied when the field ends within it, else starts passing over.
   */
  const overLong = (start: Buffer): Buffer | undefined => {
    const at = field && !skipping ? start.indexOf(field) : -1;
    if (at < 0) throw stopWith(`a line of more than ${size(o.maxLineBytes)}, which no answer of Ollama's needs, so the stream was stopped`);
    const from = at + field!.length;
    const head = Buffer.concat([start.subarray(0, at), Buffer.from(`${o.skip!.field}]`)]);
    const close = start.indexOf(CLOSE, from);
    if (close < 0) {
      skipping = { head, bytes: start.length - from };
      return undefined;
    }
    const shrunk = Buffer.concat([head, start.subarray(close + 1)]);
    if (shrunk.length > o.maxLineBytes) throw stopWith(`a line of more than ${size(o.maxLineBytes)}, which no answer of Ollama's needs, so the stream was stopped`);
    return shrunk;
  };
  const hold = (part: Buffer) => {
    pending.push(part);
    pendingBytes += part.length;
  };
  const takePending = (): Buffer => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    return all;
  };
  /** Passes over the skipped field in the chunk at hand; false when the chunk ran out first. */
  const passOver = (chunk: Buffer): boolean => {
    const s = skipping!;
    const close = chunk.indexOf(CLOSE, offset);
    const nl = chunk.indexOf(NEWLINE, offset);
    const end = close < 0 ? chunk.length : close;
    s.bytes += (nl >= 0 && nl < end ? nl : end) - offset;
    if (s.bytes > o.skip!.bytes) throw stopWith(`a line of more than ${size(o.skip!.bytes)}, which no answer of Ollama's needs, so the stream was stopped`);
    if (nl >= 0 && (close < 0 || nl < close)) {
      // the line ended inside the field: it is cut off
      skipping = undefined;
      offset = nl + 1;
      invalid(`a line cut off inside ${o.skip!.field}`);
      return true;
    }
    if (close < 0) return false;
    skipping = undefined;
    hold(s.head);
    offset = close + 1;
    return true;
  };
  /**
   * The next clean lines of the chunk at hand, at most LINES_AT_ONCE of them: the rest waits for
   * the next pull, so lines the caller never asks for (it stopped) are never parsed. `ended` when
   * the answer's last line came.
   */
  const take = (): { out: string[]; ended: boolean } => {
    const out: string[] = [];
    const chunk = current!;
    while (out.length < LINES_AT_ONCE && checkedLines < LINES_AT_ONCE * 4) {
      if (skipping && !passOver(chunk)) {
        current = undefined;
        return { out, ended: false };
      }
      const at = chunk.indexOf(NEWLINE, offset);
      const part = chunk.subarray(offset, at < 0 ? chunk.length : at);
      if (pendingBytes + part.length > o.maxLineBytes) {
        const start = Buffer.concat([...pending, part]);
        pending = [];
        pendingBytes = 0;
        const shrunk = overLong(start);
        if (shrunk) hold(shrunk);
      } else hold(part);
      if (at < 0) {
        current = undefined;
        return { out, ended: false };
      }
      offset = at + 1;
      checkedLines++;
      if (skipping) {
        // the line ended inside the field: it is cut off
        skipping = undefined;
        invalid(`a line cut off inside ${o.skip!.field}`);
        continue;
      }
      if (line(takePending(), out)) return { out, ended: true };
    }
    return { out, ended: false };
  };
  const drainTail = async () => {
    let read = 0;
    try {
      while (read < TAIL_BYTES) {
        const { done, value } = await reader.read();
        if (done) return;
        read += value.byteLength;
      }
      await reader.cancel();
    } catch {
      // the body broke off after the answer was complete: nothing is lost
    }
  };
  const stop = async (err: unknown) => {
    finished = true;
    await reader.cancel().catch(() => undefined);
    throw err;
  };
  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, out: string[]) => {
    if (out.length) controller.enqueue(encoder.encode(`${out.join('\n')}\n`));
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) return;
      checkedLines = 0;
      for (;;) {
        if (!current) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (err) {
            finished = true;
            report(false);
            throw err; // the connection broke, or the caller aborted: passed on as it is
          }
          if (next.done) {
            finished = true;
            const out: string[] = [];
            try {
              if (skipping) invalid(`a line cut off inside ${o.skip!.field}`);
              else if (pendingBytes) line(takePending(), out);
            } catch (err) {
              return stop(err);
            }
            report(false);
            emit(controller, out);
            controller.close();
            return;
          }
          const v = next.value;
          current = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
          offset = 0;
        }
        let got: { out: string[]; ended: boolean };
        try {
          got = take();
        } catch (err) {
          return stop(err);
        }
        emit(controller, got.out);
        if (got.ended) {
          finished = true;
          current = undefined;
          report(false);
          controller.close();
          void drainTail();
          return;
        }
        // lines to hand on, or many looked at: let the caller (and everything else) run first
        if (got.out.length || checkedLines >= LINES_AT_ONCE * 4) return;
      }
    },
    async cancel(reason) {
      finished = true;
      report(false);
      await reader.cancel(reason).catch(() => undefined);
    },
  });
}
