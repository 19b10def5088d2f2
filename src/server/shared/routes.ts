/**
 * Where a forwarder's traffic belongs while one server is leaving and the next one serves
 * (forward.ts): each request of the client in flight, the server it went to and how often it was
 * sent (a request lost with its server is sent once more, to the next one), and each request a
 * server made of the client (the client's answer goes back to that server).
 */
import type { RequestId } from './lines.js';

/** A server's requests of the client remembered at most (each is answered or given up by its server). */
const MAX_SERVER_REQUESTS = 1024;

const idKey = (id: RequestId) => `${typeof id}:${String(id)}`;

/** A request of the client in flight: its id, its bytes, where it went, how many times it was sent. */
export interface InFlight<C> {
  id: RequestId;
  bytes: Buffer;
  to: C;
  sends: number;
}

export class Routes<C> {
  private readonly requests = new Map<string, InFlight<C>>();
  private readonly serverRequests = new Map<string, C>();

  /** The client's request `id` was sent to `to` (`sends` times in all). */
  request(id: RequestId, bytes: Buffer, to: C, sends: number): void {
    this.requests.set(idKey(id), { id, bytes, to, sends });
  }

  /** The client's request `id` was answered. */
  answered(id: RequestId): void {
    this.requests.delete(idKey(id));
  }

  /** Where the client's request `id` went, while in flight. */
  ofRequest(id: RequestId | undefined): C | undefined {
    return id === undefined ? undefined : this.requests.get(idKey(id))?.to;
  }

  /** Whether a request of the client is in flight at `to`. */
  has(to: C): boolean {
    for (const r of this.requests.values()) if (r.to === to) return true;
    return false;
  }

  /** The requests in flight at `to` forgotten (it is gone), returned. */
  dropAll(to: C): Array<InFlight<C>> {
    const lost: Array<InFlight<C>> = [];
    for (const [key, r] of this.requests) {
      if (r.to !== to) continue;
      lost.push(r);
      this.requests.delete(key);
    }
    for (const [key, from] of this.serverRequests) if (from === to) this.serverRequests.delete(key);
    return lost;
  }

  /** A server's request of the client (`id`), to send the client's answer back to it. */
  serverRequest(id: RequestId | undefined, from: C): void {
    if (id === undefined) return;
    if (this.serverRequests.size >= MAX_SERVER_REQUESTS)
      this.serverRequests.delete(this.serverRequests.keys().next().value!);
    this.serverRequests.set(idKey(id), from);
  }

  /** The server that asked what the client answers (`id`), forgotten from now on. */
  takeServerRequest(id: RequestId | undefined): C | undefined {
    if (id === undefined) return undefined;
    const key = idKey(id);
    const from = this.serverRequests.get(key);
    this.serverRequests.delete(key);
    return from;
  }
}

/** The request a `notifications/cancelled` line names, if it names one. */
export function cancelledId(bytes: Buffer): RequestId | undefined {
  try {
    const id = (JSON.parse(bytes.toString('utf8')) as { params?: { requestId?: unknown } }).params?.requestId;
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
