/** One request/response pair of the fake OpenAI-compatible server: JSON, OpenAI errors, SSE. */
import type http from 'node:http';

export type Json = Record<string, unknown>;

/** Answered as `status` with OpenAI's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly code: string | number | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/**
 * Waits `ms` — at least that by the clock the fake reports its timings with (a timer may fire up to a
 * millisecond early by it) — or less when `signal` aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const until = performance.now() + ms;
    let t = setTimeout(tick, ms);
    function tick(): void {
      const left = until - performance.now();
      if (left > 0) t = setTimeout(tick, left);
      else done();
    }
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class Exchange {
  readonly controller = new AbortController();
  /** SSE headers were sent. */
  streaming = false;
  /** The server broke the stream on purpose: its close is not the client's doing. */
  broken = false;
  /** Called when the client closed the response before it ended. */
  onClientGone: (() => void) | undefined;

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
  ) {
    res.on('close', () => {
      if (res.writableFinished) return;
      this.controller.abort();
      if (!this.broken) this.onClientGone?.();
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get closed(): boolean {
    return this.signal.aborted || this.res.destroyed || this.res.writableEnded;
  }

  send(status: number, body: string, headers: Record<string, string | number>): void {
    if (this.closed) return;
    this.res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    this.res.end(this.req.method === 'HEAD' ? undefined : body);
  }

  json(status: number, body: unknown, headers: Record<string, string | number> = {}): void {
    this.send(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  }

  /** OpenAI's error body: {"error":{"message","type","param","code"}}. */
  error(e: ApiError, headers: Record<string, string | number> = {}): void {
    this.json(e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } }, headers);
  }

  /** Write raw SSE text (sends the 200 event-stream head first). */
  write(text: string): boolean {
    if (this.closed) return false;
    if (!this.streaming) {
      this.streaming = true;
      this.res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
    }
    this.res.write(text);
    return true;
  }

  event(data: unknown): boolean {
    return this.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (!this.closed) this.res.end();
  }

  /** Drop the connection without ending the response. */
  reset(): void {
    this.broken = true;
    this.req.socket.destroy();
  }
}
