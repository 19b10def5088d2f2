/**
 * Cancellation for 2025-era clients over stateless Streamable HTTP. Such a client cancels a call
 * by POSTing `notifications/cancelled` separately, so the server must find the call it names — and
 * only among that client's own calls. Each client gets an identity it cannot share by accident: a
 * random `Mcp-Session-Id` on its initialize response, which the protocol requires it to send on
 * every later request (the SDK's stateless serving accepts the header and ignores it otherwise).
 * A call is matched on that id and its request id; a request without one can never be cancelled
 * this way, since no notification without an identity matches anything.
 *
 * A client that DELETEs its session (with its `Mcp-Session-Id`) has every call of it stopped, those
 * whose stream dropped included, and that id is answered 404 from then on, as the protocol asks.
 *
 * 2026-era clients cancel by closing the request's own stream, and a legacy SSE session cancels
 * within its own connection: neither needs this.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { log } from '../orchestrator/util/log.js';

type JsonRpc = { id?: unknown; method?: unknown; params?: { requestId?: unknown } };

/** The most ended sessions remembered, the oldest forgotten first. */
const MAX_ENDED_SESSIONS = 10_000;

/** Session ids are visible ASCII (0x21-0x7E), as the protocol asks; anything else is no identity. */
const SESSION_ID = /^[\x21-\x7e]{1,128}$/;

/** The identity a request carries, or undefined. */
export function sessionOf(req: IncomingMessage): string | undefined {
  const value = req.headers['mcp-session-id'];
  return typeof value === 'string' && SESSION_ID.test(value) ? value : undefined;
}

/** For an initialize request: a fresh session id on its response (before the SDK writes it). */
export function assignSession(message: unknown, res: ServerResponse): void {
  if ((message as JsonRpc | null)?.method !== 'initialize') return;
  res.setHeader('mcp-session-id', randomBytes(18).toString('base64url'));
}

/**
 * Requests being answered, by session and request id, so a cancellation can stop the one it names:
 * its response is closed and its per-request server torn down, which aborts the tool (and its
 * Ollama stream) — also when the client's stream broke and the call went on (http-legacy-leg.ts).
 * Only an unambiguous match is cancelled.
 */
export class CallRegistry {
  private readonly inFlight = new Map<string, Set<() => void>>();
  private readonly ended = new Set<string>();

  constructor(private readonly maxEnded = MAX_ENDED_SESSIONS) {}

  /** Registers a request with what stops it; returns the function that forgets it when it is over. */
  track(message: unknown, session: string | undefined, stop: () => void): () => void {
    const m = message as JsonRpc | null;
    if (
      session === undefined ||
      typeof m?.method !== 'string' ||
      (typeof m.id !== 'string' && typeof m.id !== 'number')
    )
      return () => {};
    const key = `${session}\n${typeof m.id}:${String(m.id)}`;
    const set = this.inFlight.get(key) ?? new Set();
    set.add(stop);
    this.inFlight.set(key, set);
    return () => {
      set.delete(stop);
      if (set.size === 0) this.inFlight.delete(key);
    };
  }

  /** For a `notifications/cancelled`: stops the call it names, if this session has exactly one such. */
  cancelIfAsked(message: unknown, session: string | undefined): void {
    const m = message as JsonRpc | null;
    if (m?.method !== 'notifications/cancelled' || session === undefined) return;
    const id = m.params?.requestId;
    if (typeof id !== 'string' && typeof id !== 'number') return;
    const set = this.inFlight.get(`${session}\n${typeof id}:${String(id)}`);
    if (set?.size === 1) {
      log.debug(`http: request ${String(id)} cancelled by the client`);
      for (const stop of set) stop();
    }
  }

  /** For a DELETE of `session`: stops every call of it; later requests with its id are refused (`isEnded`). */
  endSession(session: string): void {
    this.ended.add(session);
    if (this.ended.size > this.maxEnded) this.ended.delete(this.ended.values().next().value!);
    const calls = [...this.inFlight].filter(([key]) => key.startsWith(`${session}\n`)); // ids hold no newline
    if (calls.length > 0) log.debug(`http: session ended by its client: ${calls.length} call(s) cancelled`);
    for (const [, set] of calls) for (const stop of [...set]) stop();
  }

  isEnded(session: string | undefined): boolean {
    return session !== undefined && this.ended.has(session);
  }
}
