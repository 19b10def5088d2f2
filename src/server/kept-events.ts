/**
 * What the shared event store (event-store.ts) keeps, and how it stays within its bounds: the
 * events each stream carried, by stream and by owner, bounded in memory for everyone (2,000 events,
 * 16 MiB of serialised messages, none older than 5 minutes), per owner (500 events, 4 MiB) and per
 * stream (200 events, 4 MiB).
 *
 * Over a limit, events go in the order event-eviction.ts decides — those of streams received in
 * full first, then notifications, then answers, oldest first — taken from the stream or the owner
 * that is over its quota, and under the store's own limits from the owner using the most: one
 * client's traffic evicts its own events, not another's answer. A replay may leave out a
 * notification that was dropped, never an answer or a request: dropping one drops its stream's
 * earlier events too, and an id before it is unknown from then on.
 */
import { randomUUID } from 'node:crypto';
import type { EventId, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';
import { biggest, over, victim, type Usage } from './event-eviction.js';

export interface EventLimits {
  maxEvents: number;
  maxBytes: number;
  maxAgeMs: number;
  /** The most one owner's streams keep together. */
  owner: Usage;
  /** The most one stream keeps. */
  stream: Usage;
}

const MIB = 2 ** 20;
export const EVENT_LIMITS: EventLimits = {
  maxEvents: 2_000,
  maxBytes: 16 * MIB,
  maxAgeMs: 5 * 60_000,
  owner: { events: 500, bytes: 4 * MIB },
  stream: { events: 200, bytes: 4 * MIB },
};

/** Where followed events go: each event after the one named, then `end` when the stream's exchange is over. */
export interface EventSink {
  send(eventId: EventId, message: JSONRPCMessage): void;
  end(): void;
}

interface StoredEvent {
  id: EventId;
  stream: Stream;
  seq: number;
  message: JSONRPCMessage;
  bytes: number;
  at: number;
  order: number;
  essential: boolean;
  delivered: boolean;
}

interface Owner extends Usage {
  name: string;
  streams: Set<Stream>;
}

export interface Exchange {
  streams: Stream[];
  /** Told how many follow the exchange's streams, whenever that changes. */
  onFollowers(count: number): void;
}

export interface Stream {
  key: StreamId;
  owner: Owner;
  exchange: Exchange;
  seq: number;
  /** The first event a replay may start after: one before it would skip an answer or request that was dropped. */
  floor: number;
  ended: boolean;
  /** The stream's events still kept, in order. */
  events: StoredEvent[];
  followers: Set<EventSink>;
  /** What its kept events take. */
  used: Usage;
}

/** An answer or a request: what a replay may never skip (a notification or a priming event may be left out). */
function isEssential(m: JSONRPCMessage): boolean {
  return 'id' in m;
}

export class KeptEvents {
  private readonly events = new Map<EventId, StoredEvent>(); // in the order stored
  private readonly streams = new Map<StreamId, Stream>();
  readonly owners = new Map<string, Owner>();
  readonly total: Usage = { events: 0, bytes: 0 };
  private stored = 0;

  constructor(
    private readonly limits: EventLimits,
    private readonly now: () => number,
  ) {}

  /** The stream and place of an event id `owner` may resume after; undefined for an unknown, expired or foreign one. */
  find(eventId: EventId, owner: string): { stream: Stream; seq: number } | undefined {
    this.prune();
    const cut = eventId.lastIndexOf('_');
    const stream = this.streams.get(eventId.slice(0, cut));
    const seq = Number(eventId.slice(cut + 1));
    if (cut < 0 || stream?.owner.name !== owner || `${stream.key}_${seq}` !== eventId) return undefined;
    return seq >= stream.floor && seq <= stream.seq ? { stream, seq } : undefined;
  }

  /** A new stream of the owner named, in `exchange`, under a random key. */
  newStream(name: string, exchange: Exchange): Stream {
    let owner = this.owners.get(name);
    if (!owner) this.owners.set(name, (owner = { name, streams: new Set(), events: 0, bytes: 0 }));
    const stream: Stream = {
      key: randomUUID(),
      owner,
      exchange,
      seq: 0,
      floor: 1,
      ended: false,
      events: [],
      followers: new Set(),
      used: { events: 0, bytes: 0 },
    };
    owner.streams.add(stream);
    exchange.streams.push(stream);
    this.streams.set(stream.key, stream);
    return stream;
  }

  /**
   * Keeps `message` as the stream's next event, sends it to the stream's followers, and gets back within the
   * limits.
   */
  store(stream: Stream, message: JSONRPCMessage): EventId {
    const seq = ++stream.seq;
    const id = `${stream.key}_${seq}`;
    const bytes = Buffer.byteLength(JSON.stringify(message));
    const event: StoredEvent = {
      id,
      stream,
      seq,
      message,
      bytes,
      at: this.now(),
      order: this.stored++,
      essential: isEssential(message),
      delivered: false,
    };
    this.events.set(id, event);
    stream.events.push(event);
    this.count(stream, 1, bytes);
    for (const sink of stream.followers) sink.send(id, message);
    this.enforce(stream);
    return id;
  }

  /**
   * Back within the limits: the stream's quota, its owner's, then the store's (taken from the owner using the
   * most).
   */
  private enforce(stream: Stream): void {
    this.prune();
    const { limits } = this;
    // each victim is looked for only while over a limit: a look goes through every event of the stream or owner
    // each looked for oldest first (a stream's events, and the store's, are kept in the order stored): the
    // search ends at the first that may go first
    for (let e: StoredEvent | undefined; over(stream.used, limits.stream) && (e = victim(stream.events, true));)
      this.drop(e);
    const owner = stream.owner;
    for (let e: StoredEvent | undefined; over(owner, limits.owner) && (e = victim(this.eventsOf(owner), true));)
      this.drop(e);
    const store = { events: limits.maxEvents, bytes: limits.maxBytes };
    while (over(this.total, store)) {
      // a stream received in full goes first, whoever's; else from the owner using the most
      const anyone = victim(this.events.values(), true);
      const most = biggest(this.owners.values(), limits.owner);
      const e = anyone?.delivered ? anyone : most && victim(this.eventsOf(most), true);
      if (!e) break;
      this.drop(e);
    }
  }

  /** `owner`'s events, oldest first. */
  private *eventsOf(owner: Owner): Generator<StoredEvent> {
    for (const e of this.events.values()) if (e.stream.owner === owner) yield e;
  }

  /** Drops the events older than maxAgeMs. */
  prune(): void {
    const oldest = this.now() - this.limits.maxAgeMs;
    for (const e of this.events.values()) {
      if (e.at > oldest) break;
      this.drop(e);
    }
  }

  /**
   * Drops an event; an answer or request takes its stream's earlier events with it, and ids before it become
   * unknown.
   */
  private drop(e: StoredEvent): void {
    const stream = e.stream;
    if (!this.events.has(e.id)) return;
    const gone = e.essential ? stream.events.filter((x) => x.seq <= e.seq) : [e];
    if (e.essential) stream.floor = e.seq;
    for (const x of gone) {
      this.events.delete(x.id);
      this.count(stream, -1, -x.bytes);
    }
    stream.events = stream.events.filter((x) => this.events.has(x.id));
    this.forgetIfDone(stream);
  }

  private count(stream: Stream, events: number, bytes: number): void {
    for (const u of [stream.used, stream.owner, this.total]) {
      u.events += events;
      u.bytes += bytes;
    }
  }

  /** A stream over and with nothing kept is forgotten, and its owner with its last stream. */
  forgetIfDone(stream: Stream): void {
    if (!stream.ended || stream.events.length > 0) return;
    this.streams.delete(stream.key);
    stream.owner.streams.delete(stream);
    if (stream.owner.streams.size === 0) this.owners.delete(stream.owner.name);
  }
}
