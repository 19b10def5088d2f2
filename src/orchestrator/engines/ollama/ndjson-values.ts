/**
 * A host's NDJSON lines as their checked values, read one at a time: for a reader of this process
 * (ollama-generate.ts), which need not parse them again — nor pay for a web stream around them on
 * every call's path. The framing and checks are ndjson.ts's.
 */
import type { ChunkReader } from '../http-fetch.js';
import { LineFramer, type FrameOptions, type Sink } from './ndjson.js';

/** The checked values of a stream, read one at a time. */
export interface ValueReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: unknown }>;
  cancel(): Promise<void>;
}

export function checkedValues(source: ChunkReader, o: FrameOptions): ValueReader {
  const framer = new LineFramer(source, { ...o, values: true });
  const queue: unknown[] = [];
  let head = 0;
  let closed = false;
  let failed: { err: unknown } | undefined;
  const sink: Sink = { enqueue: (v) => queue.push(v), close: () => (closed = true) };
  return {
    read: async () => {
      while (head === queue.length) {
        if (failed) throw failed.err; // as a web stream: once it failed, every read fails the same way
        if (closed) return { done: true };
        queue.length = head = 0;
        try {
          await framer.pull(sink);
        } catch (err) {
          failed = { err };
          throw err;
        }
      }
      return { done: false, value: queue[head++] };
    },
    cancel: () => {
      closed = true;
      queue.length = head = 0;
      return framer.cancel(undefined);
    },
  };
}
