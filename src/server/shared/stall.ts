/**
 * A forwarder's watch on its shared server (forward.ts): while the server owes the client answers
 * and has said nothing for QUIET_MS, it is sent a JSON-RPC `ping` of the forwarder's own (its
 * answer never reaches the client); when nothing at all comes back within PING_WITHIN_MS, the
 * server is taken as stopped — suspended (SIGSTOP, a debugger) or hung — and the forwarder goes on
 * without it: its requests in flight go to the next server, as when a server closes. A server at
 * work answers a ping at once (its thread is never blocked for long), so a long generation is no
 * silence.
 */
import type { RequestId } from './lines.js';

const QUIET_MS = 10_000;
const PING_WITHIN_MS = 5_000;
const CHECK_MS = 1_000;
const PING_PREFIX = 'ollm-forwarder-ping-';

/** Whether an answer's id is a watch's ping (answered, not the client's). */
export const isWatchPing = (id: RequestId | undefined): boolean => typeof id === 'string' && id.startsWith(PING_PREFIX);

/**
 * What the watch decides at `now`: nothing, a ping to send, or the server taken as stopped (a ping
 * unanswered, nothing heard since). Pure, for the tests.
 */
export function stallStep(
  s: { owes: boolean; heardAt: number; pingAt: number | undefined },
  now: number,
  quietMs = QUIET_MS,
  pingWithinMs = PING_WITHIN_MS,
): 'wait' | 'ping' | 'stalled' {
  if (s.pingAt !== undefined) return now - s.pingAt >= pingWithinMs ? 'stalled' : 'wait'; // heard() clears pingAt
  return s.owes && now - s.heardAt >= quietMs ? 'ping' : 'wait';
}

export interface StallTiming {
  quietMs?: number;
  pingWithinMs?: number;
  checkMs?: number;
}

export class StallWatch {
  private heardAt = Date.now();
  private pingAt: number | undefined;
  private pings = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** Whether the server owes answers (requests in flight there). */
    private readonly owes: () => boolean,
    private readonly send: (line: string) => void,
    private readonly stalled: () => void,
    timing: StallTiming = {},
  ) {
    const { quietMs = QUIET_MS, pingWithinMs = PING_WITHIN_MS, checkMs = CHECK_MS } = timing;
    this.timer = setInterval(() => {
      const step = stallStep(
        { owes: this.owes(), heardAt: this.heardAt, pingAt: this.pingAt },
        Date.now(),
        quietMs,
        pingWithinMs,
      );
      if (step === 'ping') {
        this.pingAt = Date.now();
        this.send(`${JSON.stringify({ jsonrpc: '2.0', id: `${PING_PREFIX}${++this.pings}`, method: 'ping' })}\n`);
      } else if (step === 'stalled') {
        this.stop();
        this.stalled();
      }
    }, checkMs);
    this.timer.unref();
  }

  /** Something came from the server. */
  heard(): void {
    this.heardAt = Date.now();
    this.pingAt = undefined;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
