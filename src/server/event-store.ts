/**
 * Resumable SSE streams for 2025-era clients over Streamable HTTP: the events a response stream
 * carried, kept a while so a client whose stream broke can ask, with `Last-Event-ID`, for what came
 * after the last event it saw. One store is shared by the HTTP server and bounded in memory: at most
 * 1,000 events and 8 MiB of serialised messages, none older than 5 minutes (the oldest go first).
 *
 * Each exchange (one POST, one transport) gets its own view (`open()`): every stream its transport
 * names gets a random key, so an event id (`<key>_<n>`) cannot be guessed, and one client's stream
 * can never be named by another's. A stream is followed (`follow`) until its exchange ends.
 */
import { randomUUID } from 'node:crypto';
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';

export interface EventLimits {
  maxEvents: number;
  maxBytes: number;
  maxAgeMs: number;
}

export const EVENT_LIMITS: EventLimits = { maxEvents: 1_000, maxBytes: 8 * 2 ** 20, maxAgeMs: 5 * 60_000 };

/** Where followed events go: each event after the one named, then `end` when the stream's exchange is over. */
export interface EventSink {
  send(eventId: EventId, message: JSONRPCMessage): void;
  end(): void;
}

/** One exchange's view of the store: what its transport is given; `close` ends its streams. */
export interface ExchangeEvents extends EventStore {
  close(): void;
}

interface StoredEvent {
  id: EventId;
  stream: Stream;
  seq: number;
  message: JSONRPCMessage;
  bytes: number;
  at: number;
}

interface Stream {
  key: StreamId;
  seq: number;
  ended: boolean;
  /** The stream's events still kept, oldest first (eviction is oldest first, so always its latest ones). */
  events: StoredEvent[];
  followers: Set<EventSink>;
}

export class SharedEventStore {
  private readonly events = new Map<EventId, StoredEvent>(); // in the order stored
  private bytes = 0;

  constructor(
    private readonly limits: EventLimits = EVENT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many events, and how many bytes of messages, are kept now. */
  get size(): { events: number; bytes: number } {
    this.prune();
    return { events: this.events.size, bytes: this.bytes };
  }

  /** A view for one exchange: each stream id its transport uses is a stream of its own here. */
  open(): ExchangeEvents {
    const mine = new Map<StreamId, Stream>();
    return {
      storeEvent: async (streamId, message) => {
        let stream = mine.get(streamId);
        if (!stream) {
          stream = { key: randomUUID(), seq: 0, ended: false, events: [], followers: new Set() };
          mine.set(streamId, stream);
        }
        return this.store(stream, message);
      },
      getStreamIdForEventId: async (eventId) => this.streamOf(eventId),
      replayEventsAfter: async (lastEventId, { send }) => this.replayEventsAfter(lastEventId, { send }),
      close: () => {
        for (const stream of mine.values()) this.end(stream);
        mine.clear();
      },
    };
  }

  /** The stream an event id belongs to, while the event is kept; undefined for an unknown or expired id. */
  streamOf(eventId: EventId): StreamId | undefined {
    this.prune();
    return this.events.get(eventId)?.stream.key;
  }

  /** EventStore's replay: the events kept after `lastEventId` on its stream, in order. An unknown id replays nothing. */
  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    this.prune();
    const last = this.events.get(lastEventId);
    if (!last) return '';
    for (const e of last.stream.events.filter((e) => e.seq > last.seq)) await send(e.id, e.message);
    return last.stream.key;
  }

  /**
   * Sends `sink` the events kept after `lastEventId` on its stream, then each new one until the
   * stream's exchange ends (`sink.end()`, at once when it already has). Returns the function that
   * stops following, or undefined — nothing sent — for an unknown or expired id.
   */
  follow(lastEventId: EventId, sink: EventSink): (() => void) | undefined {
    this.prune();
    const last = this.events.get(lastEventId);
    if (!last) return undefined;
    const stream = last.stream;
    for (const e of stream.events) if (e.seq > last.seq) sink.send(e.id, e.message);
    if (stream.ended) {
      sink.end();
      return () => {};
    }
    stream.followers.add(sink);
    return () => void stream.followers.delete(sink);
  }

  private store(stream: Stream, message: JSONRPCMessage): EventId {
    const seq = ++stream.seq;
    const id = `${stream.key}_${seq}`;
    const bytes = Buffer.byteLength(JSON.stringify(message));
    const event: StoredEvent = { id, stream, seq, message, bytes, at: this.now() };
    if (bytes > this.limits.maxBytes) {
      // Too large to keep: its stream's earlier events go too, so a replay never silently skips it.
      for (const e of stream.events) this.drop(e);
      stream.events = [];
    } else {
      this.events.set(id, event);
      stream.events.push(event);
      this.bytes += bytes;
    }
    for (const sink of stream.followers) sink.send(id, message);
    this.prune();
    return id;
  }

  private end(stream: Stream): void {
    stream.ended = true;
    for (const sink of stream.followers) sink.end();
    stream.followers.clear();
  }

  /** Drops the oldest events past the limits, and any older than maxAgeMs. */
  private prune(): void {
    const oldest = this.now() - this.limits.maxAgeMs;
    for (const e of this.events.values()) {
      if (this.events.size <= this.limits.maxEvents && this.bytes <= this.limits.maxBytes && e.at > oldest) break;
      this.drop(e);
      if (e.stream.events[0] === e) e.stream.events.shift(); // the oldest of its stream, as events go oldest first
    }
  }

  private drop(e: StoredEvent): void {
    if (this.events.delete(e.id)) this.bytes -= e.bytes;
  }
}
