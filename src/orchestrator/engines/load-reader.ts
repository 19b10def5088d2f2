/**
 * An engine's own load figures, read within bounds (engines/load-figures.ts parses them): at most
 * once a second per host — the last reading is kept with its time, and callers at once share one
 * read —, each read under a 1 s limit for all it asks, each answer at most 256 KiB. An endpoint
 * the engine does not have (404, 405, 501: llama-server without --metrics or with --no-slots) or
 * that answered something unreadable is not asked again for a minute. Nothing here throws: a
 * failure is a reading of nothing (undefined), and the route goes on as before.
 *
 * A caller waits `waitMs` at most for a fresh reading; meanwhile the read goes on and fills the
 * cache for the next call, and the caller takes the last reading if it is recent (10 s).
 */
import type { EngineLoad } from './engine.js';
import { bodyReader } from './http-fetch.js';

/** How often an engine is asked, at most. */
const LOAD_EVERY_MS = 1000;
/** The time limit of one reading (every request it makes). */
const LOAD_TIMEOUT_MS = 1000;
/** The most of an answer read. */
export const LOAD_BODY_BYTES = 256 * 1024;
/** How long an endpoint that is not there is left alone. */
export const MISSING_FOR_MS = 60_000;
/** A reading older than this is not used while a fresh one is awaited. */
const STALE_MS = 10_000;

/**
 * Asks `path` (at the server root, query included) and parses the answer; undefined for anything but a
 * readable 200.
 */
export type Ask = <T>(path: string, parse: (text: string) => T | undefined) => Promise<T | undefined>;

export interface LoadReaderOptions {
  /** A GET at the server root (the adapter's own fetch and headers). */
  get(path: string, signal: AbortSignal): Promise<Response>;
  /** One reading, through `ask`. */
  collect(ask: Ask): Promise<EngineLoad | undefined>;
  now?: () => number;
  timeoutMs?: number;
  /** Never ask (the host's settings say loadFigures: false): every reading is nothing. */
  off?: boolean;
}

/** The start of a body, at most `limit` bytes; undefined when there is more. */
async function readBounded(res: Response, limit = LOAD_BODY_BYTES): Promise<string | undefined> {
  const reader = bodyReader(res);
  if (!reader) return '';
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

export class LoadReader {
  private last: { at: number; value: EngineLoad | undefined } | undefined;
  private pending: Promise<EngineLoad | undefined> | undefined;
  /** Endpoints (paths without their query) not asked again before the time given. */
  private readonly missing = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: LoadReaderOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The reading of the last second, else a fresh one (waiting `waitMs` at most for it). Never throws. */
  async reading(opts: { waitMs?: number } = {}): Promise<EngineLoad | undefined> {
    if (this.options.off) return undefined;
    const last = this.last;
    if (last && this.now() - last.at < LOAD_EVERY_MS) return last.value;
    this.pending ??= this.read().finally(() => (this.pending = undefined));
    if (opts.waitMs === undefined) return this.pending;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), opts.waitMs);
      timer.unref();
    });
    const got = await Promise.race([this.pending, late]);
    clearTimeout(timer);
    if (got !== 'late') return got;
    return last && this.now() - last.at < STALE_MS ? last.value : undefined;
  }

  /** Whether an endpoint is being left alone now (for tests and reports). */
  missingNow(path: string): boolean {
    return (this.missing.get(endpoint(path)) ?? 0) > this.now();
  }

  private async read(): Promise<EngineLoad | undefined> {
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? LOAD_TIMEOUT_MS);
    let value: EngineLoad | undefined;
    try {
      value = await this.options.collect((path, parse) => this.ask(path, parse, signal));
    } catch {
      value = undefined; // a collect that threw says nothing
    }
    this.last = { at: this.now(), value };
    return value;
  }

  private async ask<T>(
    path: string,
    parse: (text: string) => T | undefined,
    signal: AbortSignal,
  ): Promise<T | undefined> {
    const key = endpoint(path);
    if ((this.missing.get(key) ?? 0) > this.now()) return undefined;
    const away = () => void this.missing.set(key, this.now() + MISSING_FOR_MS);
    try {
      const res = await this.options.get(path, signal);
      if (res.status === 404 || res.status === 405 || res.status === 501) {
        await discard(res);
        return away();
      }
      if (!res.ok) {
        await discard(res);
        return undefined; // busy, unauthorized, a model not loaded: asked again next time
      }
      const text = await readBounded(res);
      const parsed = text === undefined ? undefined : parse(text);
      if (parsed === undefined) away(); // too big or not the engine's figures: not worth asking every second
      return parsed;
    } catch {
      return undefined; // unreachable or too slow now: the host's own checks say so
    }
  }
}

/** An answer not read: its connection closed. */
async function discard(res: Response): Promise<void> {
  await bodyReader(res)
    ?.cancel()
    .catch(() => undefined);
}

/** The endpoint of a path: without its query (a router's ?model=… asks the same endpoint). */
function endpoint(path: string): string {
  return path.split('?')[0]!;
}
