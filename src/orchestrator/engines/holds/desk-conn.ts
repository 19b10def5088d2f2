/**
 * One relaying server's connection as the planner's desk keeps it (desk.ts): the holds it was granted, the
 * requests it told of, the revokes it has not answered, when it was last heard — and the bounds on what it
 * keeps counted (issue 80, findings 4 and 5): silent with requests in flight, or requests still told running
 * long after their hold was revoked, it is cut and its requests taken as ended.
 */
import type { Duplex } from 'node:stream';

/**
 * A connection with requests in flight and silent this long is cut, its requests taken as ended (ms): its
 * relaying server beats `alive` every HOLD_MARGIN_MS while they run (client.ts), so it is stopped or gone.
 */
export const SILENT_MS = 4000;
/**
 * Requests begun under a hold are counted at most this long once it was revoked, or once a load here waits
 * for their model (ms): past it, their connection is cut. On Ollama an unload waits for the requests
 * running on the model, so a count cut early unloads nothing under them.
 */
export const DRAIN_MS = 10_000;

/** How often the desk looks at its connections while any has a hold or a request (ms). */
export const SWEEP_MS = 500;

/** Why no hold is lent on a model, and those lent are revoked, once a load here has had its turn for it. */
export const CLAIMED = 'a load here has waited its turn and unloads it';

/** A hold granted: its engine and model, until when (the desk's clock), and when it was revoked. */
interface Held {
  key: string;
  model: string;
  until: number;
  revokedAt?: number;
}

/** A request told of: its held model (holdKey, and apart), the loader's end, since when a load waits for it. */
interface Told {
  at: string;
  key: string;
  model: string;
  done: () => void;
  waitedSince?: number;
}

export interface HoldConn {
  socket: Duplex;
  /** Held models, by holdKey. */
  holds: Map<string, Held>;
  /** Requests told of, by number. */
  requests: Map<number, Told>;
  /** Revokes sent, waiting for their answer. */
  acks: Map<string, Array<() => void>>;
  heard: number;
}

export const connOf = (socket: Duplex, now: number): HoldConn => ({
  socket,
  holds: new Map(),
  requests: new Map(),
  acks: new Map(),
  heard: now,
});

const secs = (ms: number) => (ms / 1000).toFixed(1);

/** Why `conn` is to be cut at `now`: silent with requests in flight, or one still told running past its drain. */
export function overdue(conn: HoldConn, now: number): string | undefined {
  if (conn.requests.size === 0) return undefined;
  const told = [...conn.requests.values()];
  if (now - conn.heard > SILENT_MS) {
    const models = [...new Set(told.map((r) => r.model))].join(', ');
    return `a relaying server silent for ${secs(now - conn.heard)} s, its requests in flight on ${models}`;
  }
  const late = told.find((r) => r.waitedSince !== undefined && now - r.waitedSince > DRAIN_MS);
  if (!late) return undefined;
  return (
    `a request on ${late.model} still told running ${secs(now - late.waitedSince!)} s after its hold was ` +
    `revoked (at most ${secs(DRAIN_MS)} s)`
  );
}

/** Whether `conn` keeps the desk's sweep running: it has a hold or a request. */
export const watched = (conn: HoldConn): boolean => conn.holds.size > 0 || conn.requests.size > 0;
