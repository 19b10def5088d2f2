/**
 * A box's bytes counted as they are read (issue 61): an SSE stream per event — from its first line
 * to the blank line ending it, whatever the line ends (LF, CRLF, CR) — and any other body whole;
 * past the bound the body errors and the connection is told, under it every byte passes unchanged.
 */
import { describe, expect, it } from 'vitest';
import { cappedFetch, OversizeError } from '../../src/orchestrator/engines/ollm/capped-fetch.js';

const enc = new TextEncoder();

/** A fetch answering `pieces` (each one chunk) with `type`, and what the capped fetch made of it. */
async function read(type: string, pieces: string[], max: number, status = 200, streamMax?: number) {
  const told: OversizeError[] = [];
  const base = async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const p of pieces) c.enqueue(enc.encode(p));
          c.close();
        },
      }),
      { status, headers: { 'content-type': type } },
    );
  const res = await cappedFetch(max, (e) => told.push(e), base, streamMax)('http://box/mcp');
  const text = await res.text().then(
    (t) => t,
    (e: unknown) => e as Error,
  );
  return { res, text, told };
}

describe('capped fetch', () => {
  it('lets an SSE stream of many events through whole, each under the bound, however long the stream', async () => {
    const events = Array.from({ length: 50 }, (_, i) => `event: message\ndata: ${'x'.repeat(60)}${i}\n\n`);
    const { text, told, res } = await read('text/event-stream; charset=utf-8', events, 100);
    expect(text).toBe(events.join(''));
    expect(told).toEqual([]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('ends an event at a blank line of %s line ends', async (_, nl) => {
    const event = `data: ${'y'.repeat(70)}${nl}${nl}`;
    const { text, told } = await read('text/event-stream', [event, event, event], 100);
    expect(told).toEqual([]);
    expect(text).toBe(event.repeat(3));
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('refuses one SSE event past the bound, though it comes in small chunks and lines (%s)', async (_, nl) => {
    const lines = Array.from({ length: 20 }, () => `data: ${'z'.repeat(20)}${nl}`);
    const { text, told } = await read('text/event-stream', [`event: message${nl}`, ...lines, nl], 200);
    expect(text).toBeInstanceOf(OversizeError);
    expect((text as Error).message).toBe('an event of its stream larger than 200 bytes');
    expect(told).toHaveLength(1);
  });

  it(
    'cuts an SSE stream past its bound in all, though each event is under the bound (a box ' +
      'streaming without end); up to it, every byte passes',
    async () => {
      const event = `event: message\ndata: ${'p'.repeat(30)}\n\n`; // 52 bytes
      const endless = await read(
        'text/event-stream',
        Array.from({ length: 20 }, () => event),
        100,
        200,
        20 * event.length - 1,
      );
      expect(endless.text).toBeInstanceOf(OversizeError);
      expect((endless.text as Error).message).toBe(`its stream larger than ${20 * event.length - 1} bytes`);
      expect(endless.told).toHaveLength(1);
      const whole = await read(
        'text/event-stream',
        Array.from({ length: 20 }, () => event),
        100,
        200,
        20 * event.length,
      );
      expect(whole.text).toBe(event.repeat(20));
      expect(whole.told).toEqual([]);
    },
  );

  it('counts any other body whole: under the bound it passes, past it it is refused', async () => {
    const ok = await read('application/json', ['{"a":', '"', 'b'.repeat(90), '"}'], 100);
    expect(ok.text).toBe(`{"a":"${'b'.repeat(90)}"}`);
    expect(ok.told).toEqual([]);
    const over = await read('application/json', ['{"a":', '"', 'b'.repeat(94), '"}'], 100);
    expect(over.text).toBeInstanceOf(OversizeError);
    expect(over.told).toHaveLength(1);
    const error = await read('text/plain', ['e'.repeat(101)], 100, 500);
    expect(error.text).toBeInstanceOf(OversizeError);
  });

  it('passes a response without a body as it is', async () => {
    const told: OversizeError[] = [];
    const res = await cappedFetch(
      10,
      (e) => told.push(e),
      async () => new Response(null, { status: 202 }),
    )('http://box/mcp');
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
  });
});
