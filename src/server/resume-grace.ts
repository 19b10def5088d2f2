/**
 * How long a 2025-era call goes on after its client dropped the response stream (http-legacy-leg.ts):
 * while a resumed stream follows it, as long as it takes; with none, `http.resumeGraceSeconds`,
 * then it is cancelled as `notifications/cancelled` would (its engine request stopped). Each time
 * the last follower goes, the client has the whole grace again to come back.
 *
 * When another client waits for an answer during the grace (`Waiting`: a call whose client is
 * still connected, or a resumed stream), a dropped call nobody follows holds the engine for no one,
 * so its grace is short (`CONTENDED_GRACE_MS`, counted from the drop; at once when that is past): a
 * client that reconnects as the stream's `retry:` tells it (1 s) still resumes, and one that is gone
 * no longer keeps a waiting call's model busy for half a minute. The short grace holds until the
 * client comes back, even when the one waiting is answered first: demand was seen, and an abandoned
 * call would take the next one's slot.
 */
import type { ServerResponse } from 'node:http';

/**
 * A dropped call's grace while others wait: three times the `retry:` the stream gives (1 s), the SDK client's
 * two reconnection attempts and a margin.
 */
export const CONTENDED_GRACE_MS = 3_000;

/** The clients waiting for an answer now; those who watch are told each time that changes. */
export class Waiting {
  private count = 0;
  private readonly watchers = new Set<() => void>();

  /** Whether anyone waits. */
  get busy(): boolean {
    return this.count > 0;
  }

  /** One more waits, until the function returned is called (once; later calls do nothing). */
  add(): () => void {
    let gone = false;
    this.change(1);
    return () => {
      if (gone) return;
      gone = true;
      this.change(-1);
    };
  }

  /** A POSTed message: a tool call (or a batch holding one) waits until its response closes. */
  attend(message: unknown, res: ServerResponse): void {
    const all: unknown[] = Array.isArray(message) ? message : [message];
    if (all.some((m) => (m as { method?: unknown } | null)?.method === 'tools/call')) res.once('close', this.add());
  }

  /** Calls `watcher` on each change; returns the function that stops it. */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => void this.watchers.delete(watcher);
  }

  private change(by: number): void {
    this.count += by;
    for (const w of [...this.watchers]) w();
  }
}

export class ResumeGrace {
  private dropped = false;
  private followers = 0;
  private over = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the client was last left without a stream of the call (dropped, or its last follower gone). */
  private since: number | undefined;
  /** Someone waited for an answer since then. */
  private contended = false;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly ms: number,
    private readonly expire: () => void,
    private readonly waiting: Waiting = new Waiting(),
  ) {}

  /** The client's response stream closed before the exchange was over. */
  streamDropped(): void {
    this.dropped = true;
    this.check();
  }

  /** How many resumed streams follow the exchange now. */
  followed(count: number): void {
    this.followers = count;
    this.check();
  }

  /** The exchange is over: nothing more to wait for. */
  stop(): void {
    this.over = true;
    this.check();
  }

  private check(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.over || !this.dropped || this.followers > 0) {
      this.since = undefined;
      this.contended = false;
      this.unwatch?.();
      this.unwatch = undefined;
      return;
    }
    this.since ??= Date.now();
    this.unwatch ??= this.waiting.watch(() => this.check());
    this.contended ||= this.waiting.busy;
    const grace = this.contended ? Math.min(this.ms, CONTENDED_GRACE_MS) : this.ms;
    this.timer = setTimeout(
      () => {
        this.stop(); // once
        this.expire();
      },
      Math.max(0, this.since + grace - Date.now()),
    );
    this.timer.unref();
  }
}
