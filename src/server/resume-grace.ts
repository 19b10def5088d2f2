/**
 * How long a 2025-era call goes on after its client dropped the response stream (http-legacy-leg.ts):
 * while a resumed stream follows it, as long as it takes; with none, `http.resumeGraceSeconds`,
 * then it is cancelled as `notifications/cancelled` would (its engine request stopped). Each time
 * the last follower goes, the client has the whole grace again to come back.
 */
export class ResumeGrace {
  private dropped = false;
  private followers = 0;
  private over = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly expire: () => void,
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
    if (!this.over && this.dropped && this.followers === 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.expire();
      }, this.ms);
      this.timer.unref();
    } else {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
