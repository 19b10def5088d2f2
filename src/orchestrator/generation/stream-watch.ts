/**
 * The clock of one generation, phase by phase. After the request is sent Ollama says nothing
 * until the first token: it is reading the prompt, or — when the model's parallel slots are taken
 * by earlier requests of this server — the request waits in Ollama's queue. A queue wait is not a
 * stall: only time not queued counts against the first-token limit. From the first token on, the
 * stall limit applies to the gap between tokens. Either limit aborts `signal`, and `fired` says which;
 * so does the caller's own signal, linked until `stop` (one signal where AbortSignal.any made a third:
 * ~28 µs a call on Node 20, and a dependant its sources keep).
 */
import type { PhaseReporter } from '../progress/progress.js';

export interface WatchOptions {
  model: string;
  /** Longest gap between tokens once generating (ollama.stallTimeoutMs). */
  stallMs: number;
  /** Longest wait for the first token, time queued excluded (ollama.firstTokenTimeoutMs). */
  firstTokenMs: number;
  /** The prompt's size, estimated, for the message while Ollama reads it. */
  promptTokens: number;
  maxTokens: number;
  /** Ollama's parallel slots per model: with this many requests ahead, a request waits. */
  numParallel: number;
  /** This server's requests on the model that began before this one and still run. */
  ahead?: () => number;
  progress?: PhaseReporter;
  /** How often the limits and the queue are checked. */
  pollMs?: number;
  /** The caller's signal: its abort aborts `signal`, with its reason. */
  signal?: AbortSignal;
  now?: () => number;
}

export class StreamWatch {
  private readonly abort = new AbortController();
  readonly signal = this.abort.signal;
  /** Which limit stopped the generation. */
  fired?: 'first_token' | 'stall';
  queueMs = 0;
  tokens = 0;
  sentAt = 0;
  firstTokenAt = 0;
  private lastAt = 0;
  /** Time counted against the first-token limit (not queued). */
  private waitedMs = 0;
  private queued = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly unlink: () => void = () => undefined;

  constructor(private readonly o: WatchOptions) {
    this.now = o.now ?? (() => performance.now());
    const caller = o.signal;
    if (caller?.aborted) this.abort.abort(caller.reason);
    else if (caller) {
      const onAbort = () => this.abort.abort(caller.reason);
      caller.addEventListener('abort', onAbort, { once: true });
      this.unlink = () => caller.removeEventListener('abort', onAbort);
    }
  }

  /** The request was sent: the wait for the first token begins. */
  start(): void {
    this.sentAt = this.lastAt = this.now();
    this.checkQueue(true);
    this.timer = setInterval(() => this.tick(), this.o.pollMs ?? 250);
    this.timer.unref();
  }

  /** A chunk with a token (answer or thinking) arrived. */
  token(): void {
    const now = this.now();
    this.account(now);
    this.lastAt = now;
    this.tokens++;
    if (!this.firstTokenAt) this.firstTokenAt = now;
    const seconds = (now - this.firstTokenAt) / 1000;
    const tokensPerSecond = seconds > 0 ? Math.round((this.tokens / seconds) * 10) / 10 : 0;
    this.o.progress?.enter({
      kind: 'generating',
      model: this.o.model,
      tokens: this.tokens,
      maxTokens: this.o.maxTokens,
      tokensPerSecond,
    });
  }

  /** The limits no longer checked, and the caller's signal unlinked. */
  stop(): void {
    clearInterval(this.timer);
    this.unlink();
  }

  /** Time to the first token, time queued left out (0 before it came). */
  get timeToFirstTokenMs(): number {
    return this.firstTokenAt ? Math.round(this.firstTokenAt - this.sentAt - this.queueMs) : 0;
  }

  private tick(): void {
    const now = this.now();
    if (this.firstTokenAt) {
      if (now - this.lastAt >= this.o.stallMs) this.fire('stall');
      return;
    }
    this.account(now);
    this.checkQueue(false);
    if (this.waitedMs >= this.o.firstTokenMs) this.fire('first_token');
  }

  /** Adds the time since the last look to the queue or to the wait for the first token. */
  private account(now: number): void {
    if (this.firstTokenAt) return;
    const spent = now - this.lastAt;
    if (this.queued) this.queueMs += spent;
    else this.waitedMs += spent;
    this.lastAt = now;
  }

  private checkQueue(first: boolean): void {
    const ahead = this.o.ahead?.() ?? 0;
    const queued = ahead >= this.o.numParallel;
    if (queued) this.o.progress?.enter({ kind: 'queued', model: this.o.model, ahead });
    else if (first || this.queued)
      this.o.progress?.enter({ kind: 'evaluating', model: this.o.model, promptTokens: this.o.promptTokens });
    this.queued = queued;
  }

  /** Called from a tick only: the first to fire stops the ticks, so a limit fires once. */
  private fire(which: 'first_token' | 'stall'): void {
    this.fired = which;
    this.stop();
    this.abort.abort();
  }
}
