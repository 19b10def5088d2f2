/**
 * Resumable SSE streams for 2025-era clients over Streamable HTTP: the events a response stream
 * carried, kept a while so a client whose stream broke can ask, with `Last-Event-ID`, for what came
 * after the last event it saw. One store is shared by the HTTP server; what it keeps, and how it
 * stays within its bounds in memory, is kept-events.ts.
 *
 * Each exchange (one POST, one transport) gets its own view (`open(owner)`): every stream its
 * transport names gets a random key, so an event id (`<key>_<n>`) cannot be guessed, and a stream
 * is given only to its owner (the client's session, else its credentials): to anyone else an id of
 * it is unknown. A stream is followed (`follow`) until its exchange ends.
 */
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';
import type { Usage } from './event-eviction.js';
import {
  EVENT_LIMITS,
  KeptEvents,
  type EventLimits,
  type EventSink,
  type Exchange,
  type Stream,
} from './kept-events.js';

/** One exchange's view of the store: what its transport is given; `close` ends its streams. */
export interface ExchangeEvents extends EventStore {
  /** Its streams were written to the client in full: their events are the first to go. */
  delivered(): void;
  close(): void;
}

type Send = (eventId: EventId, message: JSONRPCMessage) => Promise<void>;

export class SharedEventStore {
  private readonly kept: KeptEvents;

  constructor(limits: EventLimits = EVENT_LIMITS, now: () => number = Date.now) {
    this.kept = new KeptEvents(limits, now);
  }

  /** How many events, and how many bytes of messages, are kept now. */
  get size(): Usage {
    this.kept.prune();
    return { ...this.kept.total };
  }

  /** What `owner` keeps now. */
  usage(owner: string): Usage {
    this.kept.prune();
    const o = this.kept.owners.get(owner);
    return { events: o?.events ?? 0, bytes: o?.bytes ?? 0 };
  }

  /** A view for one exchange of `owner`: each stream id its transport uses is a stream of its own here. */
  open(owner: string, onFollowers: (count: number) => void = () => {}): ExchangeEvents {
    const exchange: Exchange = { streams: [], onFollowers };
    const mine = new Map<StreamId, Stream>();
    return {
      storeEvent: async (streamId, message) => {
        let stream = mine.get(streamId);
        if (!stream) {
          stream = this.kept.newStream(owner, exchange);
          mine.set(streamId, stream);
        }
        return this.kept.store(stream, message);
      },
      getStreamIdForEventId: async (eventId) => this.streamOf(eventId, owner),
      replayEventsAfter: async (lastEventId, { send }) => this.replayEventsAfter(lastEventId, owner, { send }),
      delivered: () => {
        for (const stream of exchange.streams) for (const e of stream.events) e.delivered = true;
      },
      close: () => {
        for (const stream of exchange.streams) this.end(stream);
        // its streams' events outlive it a while, for a resume: they must not keep the exchange's
        // callback, whose closure holds its server, transport, request and response (~150 KB a call)
        exchange.onFollowers = () => {};
      },
    };
  }

  /**
   * The stream an event id belongs to, when `owner` may resume after it; undefined for an unknown, expired or
   * foreign id.
   */
  streamOf(eventId: EventId, owner: string): StreamId | undefined {
    return this.kept.find(eventId, owner)?.stream.key;
  }

  /**
   * EventStore's replay: the events kept after `lastEventId` on its stream, in order. An unknown id replays
   * nothing.
   */
  async replayEventsAfter(lastEventId: EventId, owner: string, { send }: { send: Send }): Promise<StreamId> {
    const found = this.kept.find(lastEventId, owner);
    if (!found) return '';
    for (const e of found.stream.events.filter((e) => e.seq > found.seq)) await send(e.id, e.message);
    return found.stream.key;
  }

  /**
   * Sends `sink` the events kept after `lastEventId` on its stream, then each new one until the
   * stream's exchange ends (`sink.end()`, at once when it already has). Returns the function that
   * stops following, or undefined — nothing sent — for an unknown, expired or foreign id.
   */
  follow(lastEventId: EventId, owner: string, sink: EventSink): (() => void) | undefined {
    const found = this.kept.find(lastEventId, owner);
    if (!found) return undefined;
    const { stream, seq } = found;
    for (const e of stream.events) if (e.seq > seq) sink.send(e.id, e.message);
    if (stream.ended) {
      sink.end();
      return () => {};
    }
    stream.followers.add(sink);
    this.followersChanged(stream.exchange);
    return () => {
      if (stream.followers.delete(sink)) this.followersChanged(stream.exchange);
    };
  }

  private end(stream: Stream): void {
    stream.ended = true;
    for (const sink of stream.followers) sink.end();
    const followed = stream.followers.size > 0;
    stream.followers.clear();
    if (followed) this.followersChanged(stream.exchange);
    this.kept.forgetIfDone(stream);
  }

  private followersChanged(exchange: Exchange): void {
    exchange.onFollowers(exchange.streams.reduce((n, s) => n + s.followers.size, 0));
  }
}
